// The fault phase: clients keep typing while the server (dist/server.js --data) is killed with
// SIGKILL and restarted on the same port, again and again; some clients' sockets are destroyed
// under them (no close frame), and a reader that never reads sits in every room. Afterwards every
// keystroke any client made must be in the document, once, on every client and in storage.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { signToken } from '../../src/server/token';
import { seededRandom } from '../support/seededRandom';
import { freePort, reliabilitySecret, type RunningServer, startTandem } from './servers';

export interface FaultOptions {
  readonly kills: number;
  readonly rooms: number;
  readonly clientsPerRoom: number;
  /** Typing time between two kills. */
  readonly typingMs: number;
  readonly log: (line: string) => void;
}

export interface FaultResult {
  readonly kill9Runs: number;
  readonly typed: number;
  readonly updatesLost: number;
  readonly duplicatedUpdates: number;
  readonly converged: boolean;
  readonly socketsDestroyed: number;
  /** Server RSS (MB) at the start and the most seen while the stalled readers sat in their rooms. */
  readonly rssStartMb: number;
  readonly rssMaxMb: number;
  readonly seconds: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface FaultClient {
  readonly room: string;
  readonly name: string;
  readonly doc: Y.Doc;
  readonly log: Y.Array<string>;
  readonly provider: WebsocketProvider;
  /** Every token this client typed. */
  readonly typed: string[];
}

function tokenFor(room: string): string {
  return signToken(reliabilitySecret, { room, role: 'rw', name: 'fault', exp: Date.now() + 3_600_000 });
}

function connect(url: string, room: string, name: string): FaultClient {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(url, room, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    params: { token: tokenFor(room) },
    disableBc: true,
    maxBackoffTime: 300,
  });
  return { room, name, doc, log: doc.getArray<string>('log'), provider, typed: [] };
}

/** A raw socket that joins a room and never reads what the server sends it. */
async function stalledReader(url: string, room: string): Promise<WebSocket> {
  const socket = new WebSocket(`${url}/${room}?token=${tokenFor(room)}`);
  socket.on('error', () => undefined);
  await new Promise((resolve) => socket.once('open', resolve));
  (socket as unknown as { _socket: { pause(): void } })._socket.pause();
  return socket;
}

function destroySocket(client: FaultClient): boolean {
  const socket = (client.provider.ws as unknown as { _socket?: { destroy(): void } } | null)?._socket;
  if (!socket) return false;
  socket.destroy();
  return true;
}

export async function runFaults(options: FaultOptions): Promise<FaultResult> {
  const started = Date.now();
  const random = seededRandom(15);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-reliability-faults-'));
  const port = await freePort();
  let server: RunningServer = await startTandem(['--data', dataDir], port);
  const clients: FaultClient[] = [];
  const stalled: WebSocket[] = [];
  let typing = true;
  let socketsDestroyed = 0;
  try {
    for (let r = 0; r < options.rooms; r++)
      for (let c = 0; c < options.clientsPerRoom; c++)
        clients.push(connect(server.url, `faults-${r}`, `c${r}.${c}`));
    await Promise.all(
      clients.map((client) => new Promise<void>((resolve) => client.provider.once('sync', () => resolve()))),
    );
    for (let r = 0; r < options.rooms; r++) stalled.push(await stalledReader(server.url, `faults-${r}`));
    const rssStartMb = server.rssMb();
    let rssMaxMb = rssStartMb;
    // Every client types about 40 keystrokes a second, online or not: offline edits must survive too.
    const typists = clients.map(async (client) => {
      let seq = 0;
      while (typing) {
        const token = `${client.name}:${seq++}`;
        client.doc.transact(() => {
          client.log.insert(Math.floor(random() * (client.log.length + 1)), [token]);
        });
        client.typed.push(token);
        await sleep(15 + random() * 20);
      }
    });
    for (let run = 1; run <= options.kills; run++) {
      await sleep(options.typingMs * (0.5 + random()));
      // A few sockets die without a close frame, as on a network drop.
      for (const client of clients) if (random() < 0.15 && destroySocket(client)) socketsDestroyed++;
      await sleep(options.typingMs * 0.3);
      rssMaxMb = Math.max(rssMaxMb, server.rssMb());
      const result = await server.stop('SIGKILL');
      if (result !== 'SIGKILL')
        throw new Error(`kill -9 run ${run}: the server had already exited (${result})`);
      await sleep(50 + random() * 200);
      server = await startTandem(['--data', dataDir], port);
      options.log(`kill -9 run ${run}: restarted`);
    }
    await sleep(options.typingMs);
    typing = false;
    await Promise.all(typists);
    for (const socket of stalled) socket.terminate();

    // Every client of a room must reach the same document holding every token typed in the room.
    const expectedByRoom = new Map<string, string[]>();
    for (const client of clients)
      expectedByRoom.set(client.room, [...(expectedByRoom.get(client.room) ?? []), ...client.typed]);
    const sameState = () =>
      [...expectedByRoom.keys()].every((room) => {
        const members = clients.filter((client) => client.room === room);
        const vectors = new Set(
          members.map((client) => Buffer.from(Y.encodeStateVector(client.doc)).toString('hex')),
        );
        return vectors.size === 1 && members[0].log.length >= (expectedByRoom.get(room)?.length ?? 0);
      });
    const deadline = Date.now() + 60_000;
    while (!sameState() && Date.now() < deadline) await sleep(50);
    const converged = sameState();
    // Let the last group commit happen, then restart gracefully and read each room from storage.
    await sleep(200);
    for (const client of clients) client.provider.destroy();
    await server.stop('SIGTERM');
    server = await startTandem(['--data', dataDir], port);
    let updatesLost = 0;
    let duplicatedUpdates = 0;
    let typed = 0;
    for (const [room, expected] of expectedByRoom) {
      typed += expected.length;
      const reader = connect(server.url, room, 'reader');
      await new Promise<void>((resolve) => reader.provider.once('sync', () => resolve()));
      const counts = new Map<string, number>();
      for (const token of reader.log.toArray()) counts.set(token, (counts.get(token) ?? 0) + 1);
      for (const token of expected) if (!counts.has(token)) updatesLost++;
      for (const count of counts.values()) if (count > 1) duplicatedUpdates += count - 1;
      // The clients' own copies must agree with storage, too.
      for (const client of clients.filter((each) => each.room === room))
        if (client.log.length !== reader.log.length)
          updatesLost += Math.abs(reader.log.length - client.log.length);
      reader.provider.destroy();
    }
    return {
      kill9Runs: options.kills,
      typed,
      updatesLost,
      duplicatedUpdates,
      converged,
      socketsDestroyed,
      rssStartMb,
      rssMaxMb,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    typing = false;
    for (const client of clients) {
      client.provider.destroy();
      client.doc.destroy();
    }
    for (const socket of stalled) socket.terminate();
    await server.stop('SIGTERM');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
