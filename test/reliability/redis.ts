// A real Redis for the scale-out tests: Debian's redis-server on loopback, with its own port and data
// folder, append-only file fsynced on every write (so kill -9 of Redis loses nothing it acknowledged).
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from './servers';

export interface RunningRedis {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** The redis-server process id now (it changes with a restart). */
  pid(): number | undefined;
  /** Stops it (SIGTERM saves; SIGKILL does not) and starts it again on the same port and folder. */
  restart(signal?: NodeJS.Signals, downMs?: number): Promise<void>;
  /** Stops it and removes its folder. */
  stop(): Promise<void>;
}

/** Where redis-server is: Debian's, or the first on PATH. */
export function redisServerPath(): string {
  for (const candidate of [
    '/usr/bin/redis-server',
    ...(process.env.PATH ?? '').split(':').map((dir) => path.join(dir, 'redis-server')),
  ])
    if (candidate && fs.existsSync(candidate)) return candidate;
  throw new Error(
    'redis-server is not installed: apt-get install redis-server (the scale-out tests need it)',
  );
}

function launch(port: number, dir: string): Promise<{ child: ChildProcess; exited: Promise<unknown> }> {
  const child = spawn(
    redisServerPath(),
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--save',
      '',
      '--daemonize',
      'no',
      '--logfile',
      '',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return new Promise((resolve, reject) => {
    const timeout = setTimeout(() => reject(new Error(`redis-server did not start:\n${out}`)), 10_000);
    const keep = (chunk: Buffer) => {
      out += chunk.toString();
      if (/Ready to accept connections/.test(out)) {
        clearTimeout(timeout);
        resolve({ child, exited });
      }
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    void exited.then(() => {
      clearTimeout(timeout);
      reject(new Error(`redis-server exited:\n${out}`));
    });
  });
}

export async function startRedis(): Promise<RunningRedis> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-redis-'));
  const port = await freePort();
  let current = await launch(port, dir);
  const kill = async (signal: NodeJS.Signals) => {
    current.child.kill(signal);
    await current.exited;
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    pid: () => current.child.pid,
    async restart(signal: NodeJS.Signals = 'SIGKILL', downMs = 300) {
      await kill(signal);
      await new Promise((resolve) => setTimeout(resolve, downMs));
      for (let attempt = 0; ; attempt++) {
        try {
          current = await launch(port, dir);
          return;
        } catch (error) {
          if (attempt >= 20) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    },
    async stop() {
      await kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
