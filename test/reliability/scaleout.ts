// The scale-out fault run: several dist/server.js instances share one real Redis (--redis), with the
// clients of each room spread over them. Everyone keeps typing while one instance is killed with
// SIGKILL and restarted, Redis itself is killed and restarted, and some clients move to another
// instance. Afterwards every keystroke must be in every copy once: every client's, a fresh client's
// on every instance, and the room as stored in Redis.
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { LOAD_ROOM, roomKeys } from '../../src/server/redisKeys';
import { signToken } from '../../src/server/token';
import { seededRandom } from '../support/seededRandom';
import { type RunningRedis, startRedis } from './redis';
import { freePort, httpGet, reliabilitySecret, type RunningServer, startTandem } from './servers';

export interface ScaleoutFaultOptions {
  readonly instances: number;
  readonly rooms: number;
  readonly clientsPerRoom: number;
  /** Typing time between two faults. */
  readonly phaseMs: number;
  readonly log: (line: string) => void;
  /** When the clients did not converge: each instance's log (its tail), to see why. */
  readonly instanceLogs?: (instance: number, output: string) => void;
  /**
   * False: `--advertise off`, every instance serves the rooms its clients ask for, shared through
   * the streams. Default: each room lives on one instance, the others hand its connections there.
   */
  readonly handOver?: boolean;
}

export interface ScaleoutFaultResult {
  readonly typed: number;
  readonly updatesLost: number;
  readonly duplicatedUpdates: number;
  /** Every client of a room reached the same document (texts included). */
  readonly converged: boolean;
  /** Tokens missing from the rooms as Redis stores them. */
  readonly storedLost: number;
  readonly clientsMoved: number;
  /** Reconnections to Redis the last instance's /metrics counted (Redis was restarted once). */
  readonly redisReconnects: number;
  /** Connections the instances running at the end handed to a room's home (their /metrics). */
  readonly handedOver: number;
  readonly seconds: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Typist {
  readonly room: string;
  readonly name: string;
  readonly doc: Y.Doc;
  readonly log: Y.Array<string>;
  readonly provider: WebsocketProvider;
  readonly typed: string[];
  instance: number;
}

function connect(url: string, room: string, name: string): Omit<Typist, 'instance'> {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(url, room, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    params: {
      token: signToken(reliabilitySecret, { room, role: 'rw', name, exp: Date.now() + 3_600_000 }),
    },
    disableBc: true,
    maxBackoffTime: 300,
  });
  return { room, name, doc, log: doc.getArray<string>('log'), provider, typed: [] };
}

const synced = (provider: WebsocketProvider) =>
  new Promise<void>((resolve) => (provider.synced ? resolve() : provider.once('sync', () => resolve())));

/** The room as Redis holds it: snapshot and stream tail, applied to a fresh document. */
export async function storedRoom(redisUrl: string, room: string): Promise<Y.Doc> {
  const redis = new Redis(redisUrl);
  try {
    const keys = roomKeys(room);
    const reply = (await redis.callBuffer('EVAL', LOAD_ROOM, 2, keys.snapshot, keys.updates)) as
      [] | [Buffer, Buffer, [Buffer, Buffer[]][]];
    const doc = new Y.Doc();
    if (reply.length === 0) return doc;
    Y.applyUpdate(doc, reply[0]);
    for (const [, fields] of reply[2])
      for (let i = 0; i + 1 < fields.length; i += 2)
        if (fields[i].toString() === 'u') Y.applyUpdate(doc, fields[i + 1]);
    return doc;
  } finally {
    redis.disconnect();
  }
}

export async function runScaleoutFaults(options: ScaleoutFaultOptions): Promise<ScaleoutFaultResult> {
  const started = Date.now();
  const random = seededRandom(19);
  const redis: RunningRedis = await startRedis();
  // Each stock y-websocket provider adds an exit listener in Node: one per client here.
  process.setMaxListeners(Math.max(process.getMaxListeners(), options.rooms * options.clientsPerRoom + 10));
  const ports = await Promise.all(Array.from({ length: options.instances }, () => freePort()));
  const servers: RunningServer[] = [];
  const typists: Typist[] = [];
  let typing = true;
  const closes: string[] = [];
  const args = ['--redis', redis.url, ...(options.handOver === false ? ['--advertise', 'off'] : [])];
  try {
    for (const port of ports) servers.push(await startTandem(args, port));
    for (let r = 0; r < options.rooms; r++)
      for (let c = 0; c < options.clientsPerRoom; c++) {
        const instance = (r + c) % options.instances;
        const typist = { ...connect(servers[instance].url, `scaleout-${r}`, `c${r}.${c}`), instance };
        typist.provider.on('connection-close', (event: CloseEvent | null) => {
          if (event && event.code !== 1006 && event.code !== 1005)
            closes.push(`${typist.name}: closed ${event.code} ${event.reason}`);
        });
        typists.push(typist);
      }
    await Promise.all(typists.map((typist) => synced(typist.provider)));
    // Every client types ~40 keystrokes a second, and edits a shared text at random, online or not.
    const typing$ = typists.map(async (typist) => {
      let seq = 0;
      const text = typist.doc.getText('text');
      while (typing) {
        const token = `${typist.name}:${seq++}`;
        typist.doc.transact(() => {
          typist.log.insert(Math.floor(random() * (typist.log.length + 1)), [token]);
          if (random() < 0.3 && text.length > 0) text.delete(Math.floor(random() * text.length), 1);
          else text.insert(Math.floor(random() * (text.length + 1)), String.fromCharCode(97 + (seq % 26)));
        });
        typist.typed.push(token);
        await sleep(15 + random() * 20);
      }
    });
    await sleep(options.phaseMs);
    const victim = 1 % options.instances;
    const killed = await servers[victim].stop('SIGKILL');
    if (killed !== 'SIGKILL') throw new Error(`instance ${victim} had already exited (${killed})`);
    options.log(`instance ${victim} killed with SIGKILL`);
    await sleep(150 + random() * 200);
    servers[victim] = await startTandem(args, ports[victim]);
    options.log(`instance ${victim} restarted`);
    await sleep(options.phaseMs);
    await redis.restart('SIGKILL', 400);
    options.log('redis killed with SIGKILL and restarted');
    await sleep(options.phaseMs);
    // Clients of the first instance move to the last one (a load balancer sending them elsewhere).
    const target = options.instances - 1;
    let clientsMoved = 0;
    for (const typist of typists.filter((each) => each.instance === 0)) {
      typist.provider.serverUrl = servers[target].url;
      typist.provider.disconnect();
      typist.provider.connect();
      typist.instance = target;
      clientsMoved++;
    }
    options.log(`${clientsMoved} clients moved from instance 0 to ${target}`);
    await sleep(options.phaseMs);
    typing = false;
    await Promise.all(typing$);

    const expectedByRoom = new Map<string, string[]>();
    for (const typist of typists)
      expectedByRoom.set(typist.room, [...(expectedByRoom.get(typist.room) ?? []), ...typist.typed]);
    const sameState = () =>
      [...expectedByRoom.keys()].every((room) => {
        const members = typists.filter((typist) => typist.room === room);
        const vectors = new Set(
          members.map((typist) => Buffer.from(Y.encodeStateVector(typist.doc)).toString('hex')),
        );
        const texts = new Set(members.map((typist) => typist.doc.getText('text').toString()));
        return (
          vectors.size === 1 &&
          texts.size === 1 &&
          members[0].log.length >= (expectedByRoom.get(room)?.length ?? 0)
        );
      });
    const deadline = Date.now() + 30_000;
    while (!sameState() && Date.now() < deadline) await sleep(50);
    const converged = sameState();
    if (!converged) for (const line of closes) options.log(line);
    if (!converged) servers.forEach((server, i) => options.instanceLogs?.(i, server.output()));
    if (!converged)
      for (const typist of typists)
        options.log(
          `not converged: ${typist.name} on instance ${typist.instance}, connected ${typist.provider.wsconnected}, ` +
            `${typist.log.length} tokens, state ${JSON.stringify([...Y.decodeStateVector(Y.encodeStateVector(typist.doc))])}`,
        );
    // The last commit window and outbox flush, then every copy is read back.
    await sleep(300);
    let updatesLost = 0;
    let duplicatedUpdates = 0;
    let storedLost = 0;
    let typed = 0;
    const check = (tokens: string[], expected: string[]) => {
      const counts = new Map<string, number>();
      for (const token of tokens) counts.set(token, (counts.get(token) ?? 0) + 1);
      let lost = 0;
      for (const token of expected) if (!counts.has(token)) lost++;
      for (const count of counts.values()) if (count > 1) duplicatedUpdates += count - 1;
      return lost;
    };
    for (const [room, expected] of expectedByRoom) {
      typed += expected.length;
      for (const typist of typists.filter((each) => each.room === room))
        updatesLost += check(typist.log.toArray(), expected);
      // A newcomer on every instance gets everything.
      for (const server of servers) {
        const reader = connect(server.url, room, 'reader');
        await synced(reader.provider);
        updatesLost += check(reader.log.toArray(), expected);
        reader.provider.destroy();
        reader.doc.destroy();
      }
      const stored = await storedRoom(redis.url, room);
      storedLost += check(stored.getArray<string>('log').toArray(), expected);
      stored.destroy();
    }
    const metrics = (await httpGet(servers[servers.length - 1].port, '/metrics')).body;
    let redisReconnects = 0;
    for (const match of metrics.matchAll(/^tandem_redis_reconnects_total\{[^}]*\} (\d+)$/gm))
      redisReconnects += Number(match[1]);
    let handedOver = 0;
    for (const server of servers) {
      const text = (await httpGet(server.port, '/metrics')).body;
      handedOver += Number(/^tandem_connections_handed_over_total (\d+)$/m.exec(text)?.[1] ?? 0);
    }
    return {
      handedOver,
      typed,
      updatesLost,
      redisReconnects,
      duplicatedUpdates,
      converged,
      storedLost,
      clientsMoved,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    typing = false;
    for (const typist of typists) {
      typist.provider.destroy();
      typist.doc.destroy();
    }
    await Promise.all(servers.map((server) => server.stop('SIGTERM')));
    await redis.stop();
  }
}
