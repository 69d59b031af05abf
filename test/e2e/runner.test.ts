import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from './workbench';

/** Processes whose command line mentions `text` (read from /proc), other than this one. */
function processesMentioning(text: string): string[] {
  const found: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    if (Number(pid) === process.pid) continue;
    try {
      const command = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (command.includes(text)) found.push(`${pid}: ${command}`);
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

describe('e2e: the test runner (npm test)', function () {
  it('ends within 10 s, non-zero, when the integration layer cannot start, and leaves nothing running', async function () {
    // A "browser" that exits at once: code-server is already up when the launch fails.
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-runner-'));
    try {
      let layerStarted: number | undefined;
      const child = spawn(process.execPath, [path.join(repoRoot, 'test', 'run.mjs'), 'integration'], {
        cwd: repoRoot,
        env: { ...process.env, CHROME_PATH: '/bin/false', TMPDIR: tmp, TANDEM_TEST_STATS: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        // The build runs first; the clock starts when the integration layer does.
        if (layerStarted === undefined && output.includes('━━ integration ━━')) layerStarted = Date.now();
      });
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
        child.once('exit', (exitCode) => {
          clearTimeout(timer);
          resolve(exitCode);
        });
      });
      const ended = Date.now();
      assert.notEqual(code, 0, `the run must fail:\n${output}`);
      assert.notEqual(code, null, `the run hung and was killed after 60 s:\n${output}`);
      assert.ok(layerStarted !== undefined, `the integration layer never started:\n${output}`);
      const seconds = (ended - layerStarted) / 1000;
      assert.ok(
        seconds < 10,
        `the run ended ${seconds.toFixed(1)} s after the integration layer started:\n${output}`,
      );
      assert.match(output, /integration\s+FAIL\s+0 passed, 1 failed .*could not start/);
      assert.match(output, /code-server|browser|chromium/i);
      // code-server was started in a state folder under TMPDIR; nothing of it may survive the run.
      assert.deepEqual(processesMentioning(tmp), []);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
