// `npm start -- --host <not loopback>` must never serve an unauthenticated VS Code (it has a
// terminal) on the network: the attack is a plain request from another machine.
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from './workbench';

const importHost = <T>(name: string): Promise<T> =>
  new Function('p', 'return import(p)')(path.join(repoRoot, 'test', 'host', name)) as Promise<T>;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '0.0.0.0', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** An address of this machine other than loopback (what another computer would connect to). */
function reachableAddress(): string {
  for (const infos of Object.values(os.networkInterfaces()))
    for (const info of infos ?? []) if (info.family === 'IPv4' && !info.internal) return info.address;
  return '127.0.0.1';
}

describe('e2e: npm start -- --host on the network', function () {
  this.timeout(300_000);
  let child: ChildProcess | undefined;
  let output = '';

  after(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('refuses to start code-server off loopback without a password', async () => {
    const { startCodeServer, isLoopbackHost } = await importHost<{
      startCodeServer(options: object): Promise<unknown>;
      isLoopbackHost(host: string): boolean;
    }>('codeServer.mjs');
    await assert.rejects(
      startCodeServer({ host: '0.0.0.0', folder: os.tmpdir(), stateDir: os.tmpdir() }),
      /without a password/,
    );
    assert.deepEqual(
      ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '0.0.0.0', '192.168.1.4', '::'].map(
        isLoopbackHost,
      ),
      [true, true, true, true, true, false, false, false],
    );
  });

  it('serves VS Code behind a generated password, printed once, and only to who knows it', async () => {
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-start-host-'));
    const port = await freePort();
    child = spawn(
      process.execPath,
      [
        path.join(repoRoot, 'test', 'host', 'start.mjs'),
        '--host',
        '0.0.0.0',
        '--port',
        String(port),
        '--state-dir',
        stateDir,
      ],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + 240_000;
    while (!/Press Ctrl\+C to stop/.test(output)) {
      if (child.exitCode !== null) assert.fail(`npm start exited early:\n${output}`);
      if (Date.now() > deadline) assert.fail(`npm start did not come up:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const password = /^Password: (\S+)$/m.exec(output)?.[1];
    assert.ok(password && password.length >= 20, `a generated password is printed:\n${output}`);
    assert.equal(output.split(password).length - 1, 1, 'the password is printed exactly once');

    const base = `http://${reachableAddress()}:${port}`;
    // Another machine, no password: the login page, never the workbench.
    const anonymous = await fetch(`${base}/`, { redirect: 'manual' });
    assert.equal(anonymous.status, 302, 'an unauthenticated request reached VS Code');
    assert.match(anonymous.headers.get('location') ?? '', /login/);
    const wrong = await fetch(`${base}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'password=not-the-password',
    });
    assert.ok(
      !(wrong.headers.get('set-cookie') ?? '').includes('code-server-session'),
      'a wrong password got in',
    );
    // With the password: a session cookie that opens the workbench.
    const login = await fetch(`${base}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `password=${encodeURIComponent(password)}`,
    });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
    assert.match(cookie, /code-server-session=/);
    const workbench = await fetch(`${base}/`, { headers: { cookie } });
    assert.equal(workbench.status, 200);
    assert.ok(!/\/login/.test(workbench.url), `the password did not open VS Code: ${workbench.url}`);
    assert.match(await workbench.text(), /workbench/i);
  });
});
