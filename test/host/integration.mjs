// Runs the integration suites (out/test/integration) inside code-server's real extension host.
// Usage: node test/host/integration.mjs   (after `node esbuild.js --tests`)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromiumPath, launchBrowser } from './browser.mjs';
import { startCodeServer } from './codeServer.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Copies the sample workspace to a fresh folder so tests never touch the repository's copy. */
export function freshWorkspace(stateDir, name = 'workspace') {
  const target = path.join(stateDir, name);
  fs.cpSync(path.join(repoRoot, 'test', 'fixtures', 'workspace'), target, { recursive: true });
  return target;
}

function tail(file, from) {
  if (!fs.existsSync(file)) return from;
  const text = fs.readFileSync(file, 'utf8');
  if (text.length > from) process.stdout.write(text.slice(from));
  return text.length;
}

/**
 * @param {{ timeoutMs?: number, grep?: string }} [options]
 * @returns {Promise<{passed:number, failed:number, pending:number, failures:{title:string,error:string}[], meta:object}>}
 */
export async function runIntegration(options = {}) {
  // Set up what is missing (as root) or say what to run, before anything is started.
  chromiumPath();
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-integration-'));
  const statsFile = path.join(stateDir, 'stats.json');
  const progressFile = path.join(stateDir, 'progress.log');
  const folder = freshWorkspace(stateDir);
  let server;
  let browser;
  let shown = 0;
  try {
    server = await startCodeServer({
      folder,
      stateDir,
      env: {
        TANDEM_TEST_STATS: statsFile,
        TANDEM_TEST_PROGRESS: progressFile,
        ...(options.grep ? { TANDEM_TEST_GREP: options.grep } : {}),
      },
      settings: { 'tandem.onboarding.openWalkthrough': false },
    });
    // A browser that cannot start must not leave code-server running (the finally block stops it).
    browser = await launchBrowser();
    const page = await browser.newPage();
    await page.goto(
      server.workbenchUrl({
        extensionDevelopmentPath: repoRoot,
        extensionTestsPath: path.join(repoRoot, 'out', 'test', 'integration', 'index.js'),
      }),
      // A busy 2-core machine can take well over 30 s to serve the workbench.
      { waitUntil: 'domcontentloaded', timeout: 180_000 },
    );
    const deadline = Date.now() + (options.timeoutMs ?? 10 * 60_000);
    while (!fs.existsSync(statsFile)) {
      shown = tail(progressFile, shown);
      if (Date.now() > deadline) {
        throw new Error(
          `integration tests did not finish in time; code-server log: ${path.join(stateDir, 'code-server.log')}`,
        );
      }
      if (server.process.exitCode !== null) throw new Error('code-server exited before the tests finished');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    shown = tail(progressFile, shown);
    return JSON.parse(fs.readFileSync(statsFile, 'utf8'));
  } finally {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    if (!process.env.TANDEM_KEEP_STATE) fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runIntegration({ grep: process.env.TANDEM_TEST_GREP })
    .then((stats) => {
      console.log(`${stats.passed} passed, ${stats.failed} failed`);
      process.exitCode = stats.failed > 0 ? 1 : 0;
    })
    .catch((error) => {
      console.error(error);
      // Everything it started is stopped by now: nothing may keep the process alive.
      process.exit(1);
    });
}
