// The real collaboration server as a child process (`node dist/server.js --data <dir>`), restartable
// on the same port and data folder, for the fuzz and other tests that need a server to kill.
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';

export interface ServerProcessOptions {
  /** Path of dist/server.js. */
  script: string;
  dataDir: string;
  secret: string;
  /** 0 picks a free port on the first start; restarts reuse it. */
  port?: number;
}

export class ServerProcess {
  private child: ChildProcess | undefined;
  private currentPort: number;
  private url_ = '';

  constructor(private readonly options: ServerProcessOptions) {
    if (!fs.existsSync(options.script))
      throw new Error(`${options.script} does not exist: build it first with \`node esbuild.js\``);
    this.currentPort = options.port ?? 0;
  }

  /** `ws://127.0.0.1:<port>` once started. */
  get url(): string {
    return this.url_;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    if (this.running) throw new Error('server already running');
    // A port freed by a killed process can take a moment to be reusable: retry briefly.
    for (let attempt = 0; ; attempt++) {
      try {
        await this.spawnOnce();
        return;
      } catch (error) {
        if (attempt >= 20 || this.currentPort === 0) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  /** Stops the server: 'SIGTERM' lets it flush and close sockets with 1001; 'SIGKILL' is a crash. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    this.child = undefined;
  }

  private spawnOnce(): Promise<void> {
    const child = spawn(
      process.execPath,
      [
        this.options.script,
        '--host',
        '127.0.0.1',
        '--port',
        String(this.currentPort),
        '--data',
        this.options.dataDir,
      ],
      { env: { ...process.env, TANDEM_SECRET: this.options.secret }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return new Promise((resolve, reject) => {
      const lines = readline.createInterface({ input: child.stdout! });
      const timer = setTimeout(() => fail(new Error('server did not report listening within 10 s')), 10_000);
      const fail = (error: Error) => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        this.child = undefined;
        reject(error);
      };
      child.once('exit', (code) => fail(new Error(`server exited with ${code}: ${stderr.trim()}`)));
      lines.on('line', (line) => {
        let record: { msg?: string; url?: string };
        try {
          record = JSON.parse(line);
        } catch {
          return;
        }
        if (record.msg !== 'listening' || !record.url) return;
        clearTimeout(timer);
        child.removeAllListeners('exit');
        this.url_ = record.url.replace(/\/$/, '');
        this.currentPort = Number(new URL(this.url_).port);
        resolve();
      });
    });
  }
}

/** dist/server.js of this checkout (found from wherever this code was bundled to). */
export function builtServerScript(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'esbuild.js'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no checkout above ${__dirname}`);
    dir = parent;
  }
  return path.join(dir, 'dist', 'server.js');
}
