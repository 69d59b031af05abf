// Test harness for the collaboration server: the real dist/server.js process or the in-process
// server, and stock y-websocket clients (no Tandem code on the client side).
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WebsocketProvider } from 'y-websocket';
import WebSocket from 'ws';
import * as Y from 'yjs';

/** The repository root: the nearest folder up from this (bundled) file that holds esbuild.js. */
function repositoryRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'esbuild.js'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no repository root above ${__dirname}`);
    dir = parent;
  }
  return dir;
}

export const serverScript = path.join(repositoryRoot(), 'dist', 'server.js');
export const testSecret = 'test-secret-0123456789abcdef-0123456789';

/** Polls until `check` returns a truthy value or the time runs out. */
export async function waitFor<T>(
  check: () => T | undefined | false,
  what: string,
  timeoutMs = 3000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export interface ServerProcess {
  readonly process: ChildProcess;
  readonly url: string;
  readonly port: number;
  /** Everything the process printed to stdout (JSON log lines) and stderr. */
  stdout(): string;
  stderr(): string;
  logs(): Record<string, unknown>[];
  /** Resolves with the exit code (or signal name) once the process has ended. */
  readonly exited: Promise<number | string>;
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Starts `node dist/server.js --port 0 ...args` (unless args name a port) and waits for its "listening" log line. */
export async function startServerProcess(
  args: string[] = [],
  env: Record<string, string | undefined> = { TANDEM_SECRET: testSecret },
): Promise<ServerProcess> {
  const port = args.includes('--port') ? [] : ['--port', '0'];
  const child = spawn(process.execPath, [serverScript, ...port, ...args], {
    env: { ...process.env, TANDEM_SECRET: undefined, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  let ended = false;
  void exited.then(() => (ended = true));
  const url = await waitFor(
    () => {
      if (ended) throw new Error(`server exited before listening: ${err}${out}`);
      return /"msg":"listening","url":"(ws:\/\/[^"]+)"/.exec(out)?.[1];
    },
    'the server to listen',
    8000,
  );
  return {
    process: child,
    url,
    port: Number(new URL(url).port),
    stdout: () => out,
    stderr: () => err,
    logs: () =>
      out
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (!ended) child.kill(signal);
      return exited;
    },
  };
}

/** Runs `node dist/server.js ...args` to completion. */
export function runServerCommand(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [serverScript, ...args], {
      env: { ...process.env, TANDEM_SECRET: undefined, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface TestClient {
  readonly doc: Y.Doc;
  readonly provider: WebsocketProvider;
  readonly text: Y.Text;
  /** Resolves when the provider first reports `sync`. */
  readonly synced: Promise<void>;
  /** Resolves with the server's close event (code, reason) the first time the socket closes. */
  readonly closed: Promise<{ code: number; reason: string }>;
  destroy(): void;
}

/** A stock y-websocket client. */
export function connectClient(
  url: string,
  room: string,
  token?: string,
  options: { connect?: boolean } = {},
): TestClient {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(url, room, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    params: token === undefined ? {} : { token },
    // Clients of one test share a process: keep them from syncing through a BroadcastChannel.
    disableBc: true,
    connect: options.connect ?? true,
  });
  const synced = new Promise<void>((resolve) => {
    if (provider.synced) resolve();
    provider.on('sync', (state: boolean) => state && resolve());
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    provider.on('connection-close', (event: CloseEvent | null) => {
      if (event) resolve({ code: event.code, reason: event.reason });
    }),
  );
  return {
    doc,
    provider,
    text: doc.getText('text'),
    synced,
    closed,
    destroy() {
      provider.destroy();
      doc.destroy();
    },
  };
}

/** A raw WebSocket to the server (for what a stock provider cannot do, like oversize messages). */
export function rawSocket(url: string, room: string, token?: string): Promise<WebSocket> {
  const socket = new WebSocket(
    `${url}/${room}${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`,
  );
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}

export function closeEvent(socket: WebSocket): Promise<{ code: number; reason: string; messages: number }> {
  let messages = 0;
  socket.on('message', () => messages++);
  return new Promise((resolve) =>
    socket.once('close', (code: number, reason: Buffer) =>
      resolve({ code, reason: reason.toString(), messages }),
    ),
  );
}

export async function httpGet(
  port: number,
  pathname: string,
): Promise<{ status: number; body: string; type: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${pathname}`);
  return {
    status: response.status,
    body: await response.text(),
    type: response.headers.get('content-type') ?? '',
  };
}

/** The value of one Prometheus sample, e.g. metric(text, 'tandem_rooms_loaded'). */
export function metric(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((entry) => entry.startsWith(`${name}${labels} `));
  return line === undefined ? NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
}
