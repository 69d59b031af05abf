import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { browser, closeBrowser, repoRoot, screenshotDir, statusBarItem } from './workbench';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves with the first stdout line matching `pattern`; rejects if the process exits first. */
function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(
      () => reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms:\n${buffered}`)),
      timeoutMs,
    );
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const match = buffered.match(pattern);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code} before printing ${pattern}:\n${buffered}`));
    });
  });
}

describe('e2e: npm start (the README quickstart)', function () {
  let child: ChildProcess | undefined;
  let stateDir: string;

  after(async function () {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await closeBrowser();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it('serves the workbench with Tandem active, and Ctrl+C stops everything', async function () {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-start-'));
    const port = await freePort();
    child = spawn('npm', ['start', '--', '--port', String(port), '--state-dir', stateDir], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true, // its own process group, so the test can send Ctrl+C's SIGINT to all of it
    });
    const [, url] = await waitForLine(child, /Tandem is running at (http:\/\/127\.0\.0\.1:(\d+)\/)/, 120_000);
    assert.equal(url, `http://127.0.0.1:${port}/`);

    const page = await (await browser()).newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(url);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await statusBarItem(page, 'Tandem').waitFor({ timeout: 60_000 });
    await page
      .locator('.explorer-folders-view', { hasText: 'greeter.ts' })
      .or(page.locator('.explorer-folders-view', { hasText: 'src' }))
      .first()
      .waitFor();
    fs.mkdirSync(screenshotDir, { recursive: true });
    await page.screenshot({ path: path.join(screenshotDir, 'npm-start.png') });
    await page.close();

    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child!.once('exit', (code, signal) => resolve([code, signal])),
    );
    process.kill(-child.pid!, 'SIGINT');
    const [code, signal] = await exited;
    assert.ok(code === 0 || signal === 'SIGINT', `npm start ended cleanly (code ${code}, signal ${signal})`);
    // npm itself ends on the signal; the launcher then stops code-server: the port must close.
    const deadline = Date.now() + 15_000;
    let serving = true;
    while (serving && Date.now() < deadline) {
      serving = await fetch(`${url}healthz`).then(
        () => true,
        () => false,
      );
      if (serving) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.equal(serving, false, 'code-server stopped with npm start');
  });
});
