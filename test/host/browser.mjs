// Debian's Chromium, driven by playwright-core (which cannot download a browser here).
import fs from 'node:fs';
import { chromium } from 'playwright-core';
import { ensureDebianPackages } from './codeServer.mjs';

const candidates = () => [
  process.env.CHROME_PATH,
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
];

/**
 * The browser to drive. Without one, Debian's `chromium` is installed when running as root (as
 * `npm start` installs what code-server needs); otherwise the error gives the exact command.
 */
export function chromiumPath(log = console.log) {
  const find = () => candidates().find((candidate) => candidate && fs.existsSync(candidate));
  let found = find();
  if (!found && !process.env.CHROME_PATH) {
    // As root this installs it; otherwise it throws with the exact command to run.
    ensureDebianPackages(['chromium'], log);
    found = find();
  }
  if (!found) {
    throw new Error(
      `Chromium was not found${process.env.CHROME_PATH ? ` at CHROME_PATH=${process.env.CHROME_PATH}` : ''}. ` +
        "Install it with `sudo sh -c 'apt-get update && apt-get install -y chromium'` (Debian/Ubuntu), " +
        'or point CHROME_PATH at a Chrome/Chromium binary.',
    );
  }
  return found;
}

/** @param {{ headless?: boolean, extraArgs?: string[] }} [options] */
export async function launchBrowser({ headless = true, extraArgs = [] } = {}) {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-dev-shm-usage',
      ...extraArgs,
    ],
  });
}
