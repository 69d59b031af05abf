// The two servers the reliability suite drives, as child processes: Tandem's dist/server.js and the
// reference @y/websocket-server (started as its package starts it). Both on loopback, each with its
// pid for RSS readings from /proc.
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

export const root = (() => {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'esbuild.js'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no repository root above ${__dirname}`);
    dir = parent;
  }
  return dir;
})();
export const serverScript = path.join(root, 'dist', 'server.js');
export const referenceScript = path.join(root, 'node_modules', '@y', 'websocket-server', 'src', 'server.js');
export const reliabilitySecret = 'reliability-secret-0123456789abcdef';

export interface RunningServer {
  readonly kind: 'tandem' | 'reference' | 'relay';
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** Resolves when the process ends, with its exit code or signal. */
  readonly exited: Promise<number | string>;
  output(): string;
  rssMb(): number;
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** Resident memory of a process in MB, from /proc (NaN once it is gone). */
export function rssMb(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    return kb / 1024;
  } catch {
    return NaN;
  }
}

function launch(
  kind: RunningServer['kind'],
  args: string[],
  env: NodeJS.ProcessEnv,
  port: number,
  ready: RegExp,
): Promise<RunningServer> {
  // TANDEM_SERVER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the servers a run starts.
  const nodeArgs = process.env.TANDEM_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  // Keep only the tail: a long run logs a line per connection.
  const keep = (chunk: Buffer) => (out = (out + chunk.toString()).slice(-200_000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  let ended = false;
  void exited.then(() => (ended = true));
  return new Promise<RunningServer>((resolve, reject) => {
    const timer = setInterval(() => {
      if (ready.test(out)) {
        clearInterval(timer);
        resolve({
          kind,
          url: `ws://127.0.0.1:${port}`,
          port,
          child,
          exited,
          output: () => out,
          rssMb: () => rssMb(child.pid),
          async stop(signal: NodeJS.Signals = 'SIGTERM') {
            if (!ended) child.kill(signal);
            return exited;
          },
        });
      } else if (ended) {
        clearInterval(timer);
        reject(new Error(`${kind} server exited before listening:\n${out}`));
      }
    }, 10);
  });
}

/** `node dist/server.js --port <port> ...args`, with the suite's secret. */
export async function startTandem(args: string[], port?: number): Promise<RunningServer> {
  if (!fs.existsSync(serverScript)) throw new Error(`${serverScript} is missing: run node esbuild.js first`);
  const chosen = port ?? (await freePort());
  // A port freed by a killed process can take a moment to be reusable: retry briefly.
  for (let attempt = 0; ; attempt++) {
    try {
      return await launch(
        'tandem',
        [serverScript, '--port', String(chosen), ...args],
        { ...process.env, TANDEM_SECRET: reliabilitySecret },
        chosen,
        /"msg":"listening"/,
      );
    } catch (error) {
      if (attempt >= 20 || !/EADDRINUSE|in use/.test(String(error))) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/**
 * One of the scale-out bench's pass-throughs in front of the server on port `target`: a bare TCP relay
 * (`bytes`, out/test/bench/scaleoutRelay.js) or one upstream per room fanned out here (`fanout`,
 * scaleoutFanout.js).
 */
export async function startRelay(target: number, kind: 'bytes' | 'fanout' = 'bytes'): Promise<RunningServer> {
  const port = await freePort();
  const script = path.join(
    root,
    'out',
    'test',
    'bench',
    kind === 'bytes' ? 'scaleoutRelay.js' : 'scaleoutFanout.js',
  );
  return launch('relay', [script, String(port), String(target)], process.env, port, /listening/);
}

/** The reference server: `HOST=127.0.0.1 PORT=<port> node node_modules/@y/websocket-server/src/server.js`. */
export async function startReference(): Promise<RunningServer> {
  const port = await freePort();
  return launch(
    'reference',
    [referenceScript],
    { ...process.env, HOST: '127.0.0.1', PORT: String(port) },
    port,
    /running at/,
  );
}

/** GET on the server's HTTP side; resolves with the status. */
export async function httpGet(port: number, pathname: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${pathname}`);
  return { status: response.status, body: await response.text() };
}
