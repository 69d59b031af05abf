// Debian's Chromium, driven by playwright-core (which cannot download a browser here).
import fs from 'node:fs';
import { chromium } from 'playwright-core';

export function chromiumPath() {
  const candidates = [
    process.env.CHROME_PATH,
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
  ];
  const found = candidates.find((candidate) => candidate && fs.existsSync(candidate));
  if (!found) {
    throw new Error(
      'Chromium was not found. Install it with `sudo apt-get install -y chromium` (Debian/Ubuntu), ' +
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
