// The bad-input phase: malformed and hostile frames against a live dist/server.js --data, while two
// stock clients keep typing in a room of their own. Each kind of abuse has the answers the README
// documents (a close code, or "ignored"); any other answer, a crash, a stall of the honest room or a
// stored room that does not load cleanly is a failure.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { SqliteRoomStore } from '../../src/server/sqliteStore';
import { signToken } from '../../src/server/token';
import { seededRandom } from '../support/seededRandom';
import { httpGet, reliabilitySecret, type RunningServer, startTandem } from './servers';

export interface BadInputOptions {
  /** Frames to send in all (at least). */
  readonly frames: number;
  /** Attackers working at once. */
  readonly concurrency: number;
  readonly log: (line: string) => void;
}

export interface BadInputResult {
  readonly badFramesSent: number;
  /**
   * Frames the server certainly read and handled: all of a connection it kept open, one (the frame it
   * closed on) of a connection it closed. The rest of a closed connection's frames reach the server
   * and are discarded unread.
   */
  readonly badFramesHandled: number;
  readonly connections: number;
  readonly serverCrashes: number;
  readonly garbagePersisted: number;
  /** Answers outside what the README documents for that kind of abuse, e.g. {"random": {"1011": 2}}. */
  readonly unexpectedAnswers: Record<string, Record<string, number>>;
  readonly answers: Record<string, Record<string, number>>;
  /** The honest room: keystrokes typed, and delivered to the other client, during the attack. */
  readonly honestTyped: number;
  readonly honestDelivered: number;
  readonly honestConverged: boolean;
  readonly seconds: number;
}

const MAX_MESSAGE_BYTES = 256 * 1024;
/** "none": the connection stayed open (the frames were ignored, coalesced or applied). */
type Answer = string;

interface Abuse {
  readonly name: string;
  /** The answers the README documents for it. */
  readonly expected: readonly Answer[];
  /** How to connect: a token for this room, none, or one for another room. */
  readonly token?: 'missing' | 'forged' | 'other-room';
  /** The frames to send on one connection. */
  frames(random: () => number): (Uint8Array | string)[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function varuints(...values: number[]): Uint8Array {
  const encoder = encoding.createEncoder();
  for (const value of values) encoding.writeVarUint(encoder, value);
  return encoding.toUint8Array(encoder);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

function randomBytes(random: () => number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = Math.floor(random() * 256);
  return bytes;
}

function awarenessMessage(entries: { clientId: number; clock: number; state: string }[]): Uint8Array {
  const inner = encoding.createEncoder();
  encoding.writeVarUint(inner, entries.length);
  for (const entry of entries) {
    encoding.writeVarUint(inner, entry.clientId);
    encoding.writeVarUint(inner, entry.clock);
    encoding.writeVarString(inner, entry.state);
  }
  const outer = encoding.createEncoder();
  encoding.writeVarUint(outer, 1);
  encoding.writeVarUint8Array(outer, encoding.toUint8Array(inner));
  return encoding.toUint8Array(outer);
}

/** A real keystroke-sized update, for mutating into near-valid garbage. */
function sampleUpdate(random: () => number): Uint8Array {
  const doc = new Y.Doc();
  doc.getText('text').insert(0, 'sample text '.repeat(1 + Math.floor(random() * 4)));
  doc.getMap('meta').set('k', random());
  return Y.encodeStateAsUpdate(doc);
}

const syncUpdate = (payload: Uint8Array) => concat(varuints(0, 2), varuints(payload.byteLength), payload);
const repeat = <T>(count: number, make: (i: number) => T): T[] =>
  Array.from({ length: count }, (_, i) => make(i));

const abuses: readonly Abuse[] = [
  {
    name: 'random bytes',
    expected: ['1007', '1008', 'none'],
    frames: (random) => repeat(250, () => randomBytes(random, 1 + Math.floor(random() * 64))),
  },
  {
    name: 'truncated varints',
    expected: ['1007'],
    frames: (random) =>
      repeat(250, () => new Uint8Array(1 + Math.floor(random() * 9)).fill(0x80 | Math.floor(random() * 128))),
  },
  {
    name: 'wrong message types',
    expected: ['1007', 'none'],
    frames: (random) =>
      repeat(250, (i) =>
        i % 2 === 0
          ? varuints(4 + Math.floor(random() * 1000), 0)
          : concat(varuints(0, 3 + Math.floor(random() * 50)), varuints(0)),
      ),
  },
  {
    name: 'huge declared lengths',
    expected: ['1007'],
    frames: (random) =>
      repeat(250, () =>
        concat(
          varuints(random() < 0.5 ? 0 : 1),
          random() < 0.5 ? varuints(2) : new Uint8Array(),
          varuints(2 ** 31 + Math.floor(random() * 2 ** 20)),
          randomBytes(random, 8),
        ),
      ),
  },
  {
    name: 'corrupted updates',
    expected: ['1007', 'none'],
    frames: (random) =>
      repeat(250, () => {
        const update = sampleUpdate(random);
        const mutated = update.slice(
          0,
          random() < 0.3 ? Math.floor(random() * update.byteLength) : update.byteLength,
        );
        for (let flips = 1 + Math.floor(random() * 3); flips > 0 && mutated.byteLength > 0; flips--)
          mutated[Math.floor(random() * mutated.byteLength)] ^= 1 << Math.floor(random() * 8);
        return syncUpdate(mutated);
      }),
  },
  {
    name: 'updates depending on missing ones',
    expected: ['none'],
    frames: (random) =>
      repeat(250, () => {
        const doc = new Y.Doc();
        const text = doc.getText('text');
        text.insert(0, 'never sent');
        const captured: Uint8Array[] = [];
        doc.on('update', (update: Uint8Array) => captured.push(update));
        text.insert(Math.floor(random() * 10), 'dangling');
        return syncUpdate(captured[0]);
      }),
  },
  {
    name: 'updates for another room',
    expected: ['4403'],
    token: 'other-room',
    frames: (random) => repeat(5, () => syncUpdate(sampleUpdate(random))),
  },
  {
    name: 'awareness spam: many client ids',
    expected: ['1008'],
    frames: (random) =>
      repeat(250, (i) =>
        awarenessMessage([{ clientId: 10_000 + i, clock: 1, state: JSON.stringify({ n: random() }) }]),
      ),
  },
  {
    name: 'awareness spam: one id, flooding',
    expected: ['none'],
    frames: () =>
      repeat(250, (i) =>
        awarenessMessage([{ clientId: 4242, clock: i + 1, state: JSON.stringify({ cursor: i }) }]),
      ),
  },
  {
    name: 'awareness spam: broken state',
    expected: ['1007'],
    // Valid states first, so the broken ones arrive past the awareness rate, where they are coalesced.
    frames: () =>
      repeat(250, (i) =>
        awarenessMessage([
          { clientId: 4343, clock: i + 1, state: i < 30 ? JSON.stringify({ i }) : '{"not json' },
        ]),
      ),
  },
  {
    name: 'awareness spam: huge state',
    expected: ['1009'],
    frames: () =>
      repeat(3, () =>
        awarenessMessage([{ clientId: 4444, clock: 1, state: JSON.stringify({ n: 'x'.repeat(70_000) }) }]),
      ),
  },
  {
    name: 'oversize messages',
    expected: ['1009'],
    frames: () => repeat(2, () => syncUpdate(new Uint8Array(MAX_MESSAGE_BYTES + 10))),
  },
  {
    name: 'text frames',
    expected: ['1003'],
    frames: () => repeat(50, () => 'not a y-websocket message'),
  },
  {
    name: 'flood before auth: no token',
    expected: ['4401'],
    token: 'missing',
    frames: (random) => repeat(5, () => randomBytes(random, 32)),
  },
  {
    name: 'flood before auth: forged token',
    expected: ['4401'],
    token: 'forged',
    frames: (random) => repeat(5, () => randomBytes(random, 32)),
  },
];

function tokenFor(room: string): string {
  return signToken(reliabilitySecret, { room, role: 'rw', name: 'attacker', exp: Date.now() + 3_600_000 });
}

/** Sends one abuse's frames on one connection; resolves with the answer (close code or "none"). */
async function attack(
  url: string,
  abuse: Abuse,
  room: string,
  random: () => number,
): Promise<{ answer: Answer; sent: number }> {
  const token =
    abuse.token === 'missing'
      ? undefined
      : abuse.token === 'forged'
        ? signToken('some-other-secret-0123456789abcdef', {
            room,
            role: 'rw',
            name: 'x',
            exp: Date.now() + 60_000,
          })
        : tokenFor(abuse.token === 'other-room' ? `${room}-elsewhere` : room);
  const socket = new WebSocket(`${url}/${room}${token ? `?token=${token}` : ''}`, {
    maxPayload: 64 * 1024 * 1024,
  });
  socket.on('error', () => undefined);
  socket.on('message', () => undefined);
  const closed = new Promise<number>((resolve) => socket.once('close', (code: number) => resolve(code)));
  const opened = await Promise.race([
    new Promise<boolean>((resolve) => socket.once('open', () => resolve(true))),
    closed.then(() => false),
  ]);
  if (!opened) return { answer: String(await closed), sent: 0 };
  let sent = 0;
  for (const frame of abuse.frames(random)) {
    if (socket.readyState !== WebSocket.OPEN) break;
    socket.send(frame, { binary: typeof frame !== 'string' });
    sent++;
  }
  // An answer is a close; a connection still open a moment after the last frame took them all. A
  // busy machine can delay a close: an abuse that must be closed gets longer to be.
  const quiet = sleep(abuse.expected.includes('none') ? 400 : 5000).then(() => 'none' as const);
  const answer = await Promise.race([closed.then(String), quiet]);
  socket.terminate();
  return { answer, sent };
}

/** Loads every stored room as a fresh client would; counts the rooms that fail or hold pending structs. */
function countGarbage(dataDir: string, log: (line: string) => void): number {
  const store = new SqliteRoomStore(dataDir);
  let garbage = 0;
  try {
    for (const { name } of store.list()) {
      const doc = new Y.Doc();
      try {
        for (const update of store.load(name)?.updates ?? []) Y.applyUpdate(doc, update);
        if (doc.store.pendingStructs !== null || doc.store.pendingDs !== null) {
          garbage++;
          log(
            `bad input: stored room ${name} loads with pending ${doc.store.pendingStructs ? 'structs' : 'deletes'}`,
          );
        }
      } catch (error) {
        garbage++;
        log(`bad input: stored room ${name} does not load: ${String(error)}`);
      }
      doc.destroy();
    }
  } finally {
    store.close();
  }
  return garbage;
}

export async function runBadInput(options: BadInputOptions): Promise<BadInputResult> {
  const started = Date.now();
  const random = seededRandom(1500);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-reliability-bad-'));
  const args = ['--data', dataDir, '--max-message-bytes', String(MAX_MESSAGE_BYTES)];
  let server: RunningServer = await startTandem(args);
  let serverCrashes = 0;
  const watchCrash = (watched: RunningServer) =>
    void watched.exited.then((result) => {
      if (result !== 'SIGTERM' && result !== 0) serverCrashes++;
    });
  watchCrash(server);
  // The honest room: two stock clients typing ten keys a second each throughout.
  const honest = [0, 1].map(() => {
    const doc = new Y.Doc();
    const provider = new WebsocketProvider(server.url, 'honest', doc, {
      WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
      params: { token: tokenFor('honest') },
      disableBc: true,
    });
    return { doc, provider, text: doc.getText('text') };
  });
  await Promise.all(
    honest.map(({ provider }) => new Promise<void>((resolve) => provider.once('sync', () => resolve()))),
  );
  let typing = true;
  let honestTyped = 0;
  const typist = (async () => {
    while (typing) {
      honest[0].text.insert(honest[0].text.length, 'a');
      honest[1].text.insert(0, 'b');
      honestTyped += 2;
      await sleep(100);
    }
  })();

  const answers: Record<string, Record<string, number>> = {};
  const unexpectedAnswers: Record<string, Record<string, number>> = {};
  let badFramesSent = 0;
  let badFramesHandled = 0;
  let connections = 0;
  let next = 0;
  const attacker = async (worker: number) => {
    while (badFramesSent < options.frames) {
      const abuse = abuses[next++ % abuses.length];
      if (server.child.exitCode !== null || server.child.signalCode !== null) {
        // It crashed: count it, restart, carry on (the count fails the run).
        server = await startTandem(args, server.port);
        watchCrash(server);
      }
      const { answer, sent } = await attack(server.url, abuse, `abuse-${worker}`, random);
      badFramesSent += sent;
      badFramesHandled += answer === 'none' ? sent : Math.min(sent, 1);
      connections++;
      (answers[abuse.name] ??= {})[answer] = (answers[abuse.name]?.[answer] ?? 0) + 1;
      if (!abuse.expected.includes(answer))
        (unexpectedAnswers[abuse.name] ??= {})[answer] = (unexpectedAnswers[abuse.name]?.[answer] ?? 0) + 1;
    }
  };
  let lastReport = 0;
  const progress = setInterval(() => {
    if (badFramesSent - lastReport >= 20_000) {
      lastReport = badFramesSent;
      options.log(`bad input: ${badFramesSent} frames over ${connections} connections`);
    }
  }, 1000);
  try {
    await Promise.all(Array.from({ length: options.concurrency }, (_, worker) => attacker(worker)));
  } finally {
    clearInterval(progress);
    typing = false;
    await typist;
  }
  const healthy = (await httpGet(server.port, '/healthz').catch(() => ({ status: 0 }))).status === 200;
  if (!healthy) serverCrashes++;
  const deadline = Date.now() + 15_000;
  const converged = () =>
    honest[0].text.toString() === honest[1].text.toString() && honest[0].text.length === honestTyped;
  while (!converged() && Date.now() < deadline) await sleep(20);
  const honestConverged = converged();
  const honestDelivered = honest[0].text.length;
  for (const { provider, doc } of honest) {
    provider.destroy();
    doc.destroy();
  }
  await server.stop('SIGTERM');
  const garbagePersisted = countGarbage(dataDir, options.log);
  fs.rmSync(dataDir, { recursive: true, force: true });
  return {
    badFramesSent,
    badFramesHandled,
    connections,
    serverCrashes,
    garbagePersisted,
    unexpectedAnswers,
    answers,
    honestTyped,
    honestDelivered,
    honestConverged,
    seconds: (Date.now() - started) / 1000,
  };
}
