// `npm run bench -- scaleout`: the same client load (stock y-websocket clients typing at a human pace
// in a few rooms) against 3 dist/server.js instances sharing one real Redis (--redis, clients spread
// over the instances) and against 1 instance alone (--data, SQLite: the single-server deployment), in
// alternating rounds of one run. Figures: delivery latency from a keystroke to a client of another
// instance (3 instances) or of the one instance, the instances' CPU per 1,000 updates (read from
// /proc), and keystrokes some client or Redis lacks at the end. Loopback only; the Redis server's own
// CPU is printed but not counted (it is a shared service, not an instance).
//
// Each room lives on one instance (its home): a client reaching another instance is handed there, its
// bytes passed through, so a cross-instance delivery is one such pass each way, not a trip through
// Redis. `streams` runs the same spread load on 3 more instances with --advertise off: every instance
// serves every room and they share updates through the Redis streams (the fallback when a room's home
// cannot be reached).
//
// More modes in the same rounds take the cost apart, each on processes of its own:
// - 3 more Redis instances with each room's clients all on one of them (as a load balancer hashing
//   the room path routes them: nothing crosses an instance, only Redis' own cost remains);
// - one more alone with every client (Redis' cost to one instance);
// - as many plain instances (`--data`, no Redis), rooms apart the same way: the same work as one
//   instance, split over processes that share the machine's cores;
// - a plain instance behind two prototypes of the cheapest pass-throughs, clients spread over it and
//   them as over the instances: bare TCP relays (scaleoutRelay.ts), and processes holding one
//   upstream per room that fan its messages out to their own clients (scaleoutFanout.ts; each update
//   crosses once per process). No Redis and no checks: the floors of handing bytes on and of
//   instances passing updates between them;
// - a plain instance with a quarter of the load (one room's clients): what an update costs a process
//   woken a quarter as often, as each of several instances sharing a load is.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { signToken } from '../../src/server/token';
import { type RunningRedis, startRedis } from '../reliability/redis';
import { storedRoom } from '../reliability/scaleout';
import {
  httpGet,
  reliabilitySecret,
  type RunningServer,
  startRelay,
  startTandem,
} from '../reliability/servers';
import { metric } from '../unit/server/harness';
import { quantile, round, writeSuiteResult } from './results';

/**
 * Instances the rooms' clients are spread over: 3, or TANDEM_BENCH_SCALEOUT_INSTANCES (1 shows the
 * cost of Redis alone; 2 and 3 how the cost grows with the instances one room spans).
 */
const INSTANCES = Number(process.env.TANDEM_BENCH_SCALEOUT_INSTANCES ?? 3);
if (!Number.isInteger(INSTANCES) || INSTANCES < 1)
  throw new Error(`TANDEM_BENCH_SCALEOUT_INSTANCES must be a whole number from 1: ${INSTANCES}`);
/**
 * How clients pick an instance: `spread` (default: client i of a room to instance i mod n, so every
 * room spans every instance) or `room` (TANDEM_BENCH_SCALEOUT_ROUTING=room: a room's clients all on
 * instance r mod n, as a load balancer hashing the room path does; no cross-instance deliveries).
 */
type Routing = 'spread' | 'room';
const ROUTING = (process.env.TANDEM_BENCH_SCALEOUT_ROUTING ?? 'spread') as Routing;
if (ROUTING !== 'spread' && ROUTING !== 'room')
  throw new Error(`TANDEM_BENCH_SCALEOUT_ROUTING must be spread or room: ${ROUTING}`);
/** TANDEM_BENCH_SCALEOUT_CYCLE_MS: the instances' --redis-cycle (unset: the server's default). */
const CYCLE_ARGS = process.env.TANDEM_BENCH_SCALEOUT_CYCLE_MS
  ? ['--redis-cycle', process.env.TANDEM_BENCH_SCALEOUT_CYCLE_MS]
  : [];
/**
 * Every instance unloads a room a second after its last client left: a round ends once its rooms are
 * unloaded (stored, folded) everywhere, so each mode's CPU holds that work too, and none of it falls
 * into another mode's round (instances serve several modes).
 */
const SETTLING = ['--idle-unload', '1s'];
const ROOMS = 4;
const CLIENTS_PER_ROOM = 9;
/**
 * Each client types one keystroke every 150-250 ms (about 180 updates/s in all), or at the pace
 * TANDEM_BENCH_SCALEOUT_KEYSTROKE_MS names ("40,60": about 720 updates/s; printed, not written).
 */
const KEYSTROKE_MS = (process.env.TANDEM_BENCH_SCALEOUT_KEYSTROKE_MS ?? '150,250').split(',').map(Number) as [
  number,
  number,
];
const WARMUP_MS = 2_000;
const ROUND_MS = 8_000;
/** Measured rounds per mode; TANDEM_BENCH_SCALEOUT_ROUNDS sets another number (printed, not written). */
const ROUNDS = Number(process.env.TANDEM_BENCH_SCALEOUT_ROUNDS ?? 4);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1)
  throw new Error(`TANDEM_BENCH_SCALEOUT_ROUNDS must be a whole number from 1: ${ROUNDS}`);
const SETTLE_TIMEOUT_MS = 20_000;
const TICKS_PER_SECOND = 100;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const now = () => performance.timeOrigin + performance.now();

/** CPU time (user + system) a process has used, in ms, from /proc/<pid>/stat. */
function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

/** System (kernel) CPU time a process has used, in ms. */
function systemMs(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[12]) * 1000) / TICKS_PER_SECOND;
}

/** Context switches (voluntary and not) a process has made: about one per wake-up. */
function switches(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  let total = 0;
  for (const match of status.matchAll(/ctxt_switches:\s+(\d+)/g)) total += Number(match[1]);
  return total;
}

function totalSwitches(pids: readonly (number | undefined)[]): number {
  let total = 0;
  for (const pid of pids) total += switches(pid);
  return total;
}

function totalSystemMs(pids: readonly (number | undefined)[]): number {
  let total = 0;
  for (const pid of pids) total += systemMs(pid);
  return total;
}

function totalCpuMs(pids: readonly (number | undefined)[]): number {
  let total = 0;
  for (const pid of pids) total += cpuMs(pid);
  return total;
}

interface BenchClient {
  readonly id: number;
  readonly room: string;
  readonly instance: number;
  readonly doc: Y.Doc;
  readonly provider: WebsocketProvider;
  readonly typed: string[];
}

interface Sample {
  readonly sameInstance: boolean;
  readonly ms: number;
}

interface RoundFigures {
  readonly samples: Sample[];
  readonly updates: number;
  readonly cpuMs: number;
  /** The part of cpuMs spent in the kernel (system calls, wake-ups). */
  readonly systemMs: number;
  readonly redisCpuMs: number;
  /** Context switches of the instances while measuring. */
  readonly switches: number;
  /** Context switches of this process (every client's socket) while measuring. */
  readonly clientSwitches: number;
  /** Each instance's CPU time, the busiest first (with rooms spread, the first is mostly the homes'). */
  readonly instanceCpuMs: number[];
  readonly lost: number;
}

/**
 * Connects the clients of `rooms` rooms (client i of a room to instance i mod n), types for `ms`, and
 * checks every copy.
 */
async function runRound(
  servers: RunningServer[],
  redis: RunningRedis | undefined,
  label: string,
  ms: number,
  routing: Routing = ROUTING,
  rooms = ROOMS,
): Promise<RoundFigures> {
  const clients: BenchClient[] = [];
  const samples: Sample[] = [];
  let measuring = false;
  for (let r = 0; r < rooms; r++)
    for (let c = 0; c < CLIENTS_PER_ROOM; c++) {
      const room = `${label}-room-${r}`;
      const instance = (routing === 'room' ? r : c) % servers.length;
      const doc = new Y.Doc();
      const provider = new WebsocketProvider(servers[instance].url, room, doc, {
        WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
        params: {
          token: signToken(reliabilitySecret, {
            room,
            role: 'rw',
            name: `c${c}`,
            exp: Date.now() + 3_600_000,
          }),
        },
        disableBc: true,
      });
      const id = clients.length;
      doc.getArray<string>('log').observe((event) => {
        if (event.transaction.local || !measuring) return;
        const at = now();
        for (const change of event.changes.delta)
          for (const item of (change.insert as string[] | undefined) ?? []) {
            const [from, , sentAt] = item.split('|');
            samples.push({
              sameInstance: clients[Number(from)].instance === instance,
              ms: at - Number(sentAt),
            });
          }
      });
      clients.push({ id, room, instance, doc, provider, typed: [] });
    }
  let left = false;
  const leave = () => {
    if (left) return;
    left = true;
    for (const client of clients) {
      client.provider.destroy();
      client.doc.destroy();
    }
  };
  try {
    await Promise.all(
      clients.map((client) => new Promise<void>((resolve) => client.provider.once('sync', () => resolve()))),
    );
    const pids = servers.map((server) => server.child.pid);
    const cpuBefore = totalCpuMs(pids);
    const eachBefore = pids.map(cpuMs);
    const systemBefore = totalSystemMs(pids);
    const switchesBefore = totalSwitches(pids);
    const clientSwitchesBefore = switches(process.pid);
    const redisBefore = redis ? cpuMs(redis.pid()) : 0;
    measuring = true;
    let typing = true;
    const typists = clients.map(async (client) => {
      let seq = 0;
      await sleep(Math.random() * KEYSTROKE_MS[1]);
      while (typing) {
        const token = `${client.id}|${seq++}|${now()}`;
        client.doc.getArray<string>('log').push([token]);
        client.typed.push(token);
        await sleep(KEYSTROKE_MS[0] + Math.random() * (KEYSTROKE_MS[1] - KEYSTROKE_MS[0]));
      }
    });
    await sleep(ms);
    typing = false;
    await Promise.all(typists);
    // Every client of a room must end with every keystroke typed in it.
    const expected = new Map<string, Set<string>>();
    for (const client of clients)
      for (const token of client.typed)
        (expected.get(client.room) ?? expected.set(client.room, new Set()).get(client.room))!.add(token);
    const missing = () => {
      const lacking = new Set<string>();
      for (const client of clients) {
        const have = new Set(client.doc.getArray<string>('log').toArray());
        for (const token of expected.get(client.room) ?? []) if (!have.has(token)) lacking.add(token);
      }
      return lacking.size;
    };
    const deadline = Date.now() + SETTLE_TIMEOUT_MS;
    while (missing() > 0 && Date.now() < deadline) await sleep(50);
    measuring = false;
    const clientsLacking = missing();
    leave();
    await settled(servers);
    const cpuAfter = totalCpuMs(pids);
    const instanceCpuMs = pids.map((pid, i) => cpuMs(pid) - eachBefore[i]).sort((a, b) => b - a);
    const systemAfter = totalSystemMs(pids);
    const switchesAfter = totalSwitches(pids);
    const clientSwitchesAfter = switches(process.pid);
    const redisAfter = redis ? cpuMs(redis.pid()) : 0;
    // Redis must hold every keystroke too (the last ones may still be on their way for a moment).
    let storedLacking = 0;
    if (redis) {
      const storeDeadline = Date.now() + 5_000;
      do {
        storedLacking = 0;
        for (const [room, tokens] of expected) {
          const stored = await storedRoom(redis.url, room);
          const have = new Set(stored.getArray<string>('log').toArray());
          for (const token of tokens) if (!have.has(token)) storedLacking++;
          stored.destroy();
        }
        if (storedLacking > 0) await sleep(100);
      } while (storedLacking > 0 && Date.now() < storeDeadline);
    }
    if (clientsLacking + storedLacking > 0)
      console.log(`${label}: ${clientsLacking} keystrokes some client lacks, ${storedLacking} Redis lacks`);
    const lost = clientsLacking + storedLacking;
    const updates = clients.reduce((sum, client) => sum + client.typed.length, 0);
    return {
      samples,
      updates,
      cpuMs: cpuAfter - cpuBefore,
      systemMs: systemAfter - systemBefore,
      redisCpuMs: redisAfter - redisBefore,
      switches: switchesAfter - switchesBefore,
      clientSwitches: clientSwitchesAfter - clientSwitchesBefore,
      instanceCpuMs,
      lost,
    };
  } finally {
    leave();
  }
}

/** Waits (at most SETTLE_TIMEOUT_MS) until no server holds a room or folds one. */
async function settled(servers: readonly RunningServer[]): Promise<void> {
  const busy = async (server: RunningServer) => {
    if (server.kind === 'relay') return false;
    const { body } = await httpGet(server.port, '/metrics');
    return metric(body, 'tandem_rooms_loaded') !== 0 || metric(body, 'tandem_compactions_folding') !== 0;
  };
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  while (Date.now() < deadline && (await Promise.all(servers.map(busy))).some(Boolean)) await sleep(50);
}

async function main(): Promise<void> {
  // Each y-websocket provider adds an exit listener in Node; this process holds dozens of them.
  process.setMaxListeners(200);
  const redis = await startRedis();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-bench-scaleout-'));
  // Every mode has processes of its own, started alike, so each gets the same warm-up and rounds as
  // the others: a process that served more modes would have run its code more (its JIT warmer).
  const started: RunningServer[] = [];
  const start = async (count: number, launch: () => Promise<RunningServer>) => {
    const servers: RunningServer[] = [];
    for (let i = 0; i < count; i++) {
      const server = await launch();
      started.push(server);
      servers.push(server);
    }
    return servers;
  };
  let plainCount = 0;
  const plain = () => startTandem(['--data', path.join(dataDir, `plain-${plainCount++}`), ...SETTLING]);
  const onRedis = (...args: string[]) =>
    startTandem(['--redis', redis.url, ...args, ...CYCLE_ARGS, ...SETTLING]);
  try {
    const instances = await start(INSTANCES, () => onRedis());
    const streams = await start(INSTANCES, () => onRedis('--advertise', 'off'));
    const routedInstances = await start(INSTANCES, () => onRedis());
    const [redisAlone] = await start(1, () => onRedis());
    const [single] = await start(1, plain);
    const split = await start(INSTANCES, plain);
    const [relayed] = await start(1, plain);
    const relays = await start(INSTANCES - 1, () => startRelay(relayed.port));
    const [fannedOut] = await start(1, plain);
    const fanouts = await start(INSTANCES - 1, () => startRelay(fannedOut.port, 'fanout'));
    const [quartered] = await start(1, plain);
    const modes = {
      single: (label: string, ms: number) => runRound([single], undefined, label, ms),
      scaleout: (label: string, ms: number) => runRound(instances, redis, label, ms),
      // The same spread over instances that share every room through the streams (--advertise off).
      streams: (label: string, ms: number) => runRound(streams, redis, label, ms),
      // 3 more Redis instances with each room's clients all on one of them, as a load balancer
      // hashing the room path routes them (only when the main mode spreads rooms).
      routed: (label: string, ms: number) => runRound(routedInstances, redis, label, ms, 'room'),
      split: (label: string, ms: number) => runRound(split, undefined, label, ms, 'room'),
      // One Redis instance alone with every client: what Redis costs one instance.
      redisAlone: (label: string, ms: number) => runRound([redisAlone], redis, label, ms),
      // A plain instance with bare relays in front, clients spread over it and them as over the
      // instances: the cheapest pass-through (no Redis, no checks).
      relayed: (label: string, ms: number) => runRound([relayed, ...relays], undefined, label, ms),
      // The same with one upstream per room in each pass-through, fanned out there: each update
      // crosses once per process, as with instances passing updates between them.
      fanout: (label: string, ms: number) => runRound([fannedOut, ...fanouts], undefined, label, ms),
      // A plain instance with one room's clients: the same work per update, woken a quarter as often.
      quarter: (label: string, ms: number) => runRound([quartered], undefined, label, ms, ROUTING, 1),
    };
    type Mode = keyof typeof modes;
    const allModes: Mode[] =
      ROUTING === 'spread' && INSTANCES > 1
        ? ['single', 'scaleout', 'streams', 'routed', 'split', 'redisAlone', 'relayed', 'fanout', 'quarter']
        : ['single', 'scaleout', 'streams', 'split', 'relayed', 'fanout', 'quarter'];
    // TANDEM_BENCH_SCALEOUT_MODES=single,scaleout runs only those (printed, not written).
    const chosen = process.env.TANDEM_BENCH_SCALEOUT_MODES?.split(',');
    const unknownMode = chosen?.find((mode) => !allModes.includes(mode as Mode));
    if (unknownMode)
      throw new Error(`TANDEM_BENCH_SCALEOUT_MODES: no mode ${unknownMode} (${allModes.join(', ')})`);
    // The figures compare against these two: a choice without them has nothing to report.
    if (chosen && !(chosen.includes('single') && chosen.includes('scaleout')))
      throw new Error('TANDEM_BENCH_SCALEOUT_MODES must include single and scaleout');
    const rotation = chosen ? (chosen as Mode[]) : allModes;
    const tally = new Map<Mode, RoundFigures>(
      rotation.map((mode) => [
        mode,
        {
          samples: [],
          updates: 0,
          cpuMs: 0,
          systemMs: 0,
          redisCpuMs: 0,
          switches: 0,
          clientSwitches: 0,
          instanceCpuMs: [],
          lost: 0,
        },
      ]),
    );
    for (const mode of rotation) await modes[mode](`warmup-${mode}`, WARMUP_MS);
    for (let round = 0; round < ROUNDS; round++) {
      // Alternating order: the modes run forwards, then backwards, so none always runs first.
      const order = round % 2 === 0 ? rotation : [...rotation].reverse();
      for (const mode of order) {
        const figures = await modes[mode](`${mode}-${round}`, ROUND_MS);
        const sum = tally.get(mode)!;
        tally.set(mode, {
          samples: sum.samples.concat(figures.samples),
          updates: sum.updates + figures.updates,
          cpuMs: sum.cpuMs + figures.cpuMs,
          systemMs: sum.systemMs + figures.systemMs,
          redisCpuMs: sum.redisCpuMs + figures.redisCpuMs,
          switches: sum.switches + figures.switches,
          clientSwitches: sum.clientSwitches + figures.clientSwitches,
          instanceCpuMs: figures.instanceCpuMs.map((ms, i) => ms + (sum.instanceCpuMs[i] ?? 0)),
          lost: sum.lost + figures.lost,
        });
        console.log(`round ${round + 1} ${mode} done`);
      }
    }
    const cluster = tally.get('scaleout')!;
    const alone = tally.get('single')!;
    const cpuPer1k = (mode: Mode) => {
      const sum = tally.get(mode);
      return sum ? round((sum.cpuMs * 1000) / sum.updates) : undefined;
    };
    const crossOf = (mode: Mode) =>
      (tally.get(mode)?.samples ?? []).filter((sample) => !sample.sameInstance).map((sample) => sample.ms);
    const crossP99 = (mode: Mode) => (tally.has(mode) ? round(quantile(crossOf(mode), 0.99)) : undefined);
    const cross = crossOf('scaleout');
    const singleMs = alone.samples.map((sample) => sample.ms);
    console.log(
      `${INSTANCES} instance(s) on Redis (routing: ${ROUTING}): ${cluster.updates} updates, ${cross.length} cross-instance deliveries, Redis CPU ${round(
        (cluster.redisCpuMs * 1000) / cluster.updates,
      )} ms per 1k updates (not counted below); per mode, updates: ${rotation
        .map((mode) => `${mode} ${tally.get(mode)!.updates}`)
        .join(', ')}; context switches of the instances per update: ${rotation
        .map((mode) => `${mode} ${round(tally.get(mode)!.switches / tally.get(mode)!.updates)}`)
        .join(', ')}; kernel share of the instances' CPU: ${rotation
        .map((mode) => `${mode} ${round((100 * tally.get(mode)!.systemMs) / tally.get(mode)!.cpuMs)}%`)
        .join(', ')}; of the clients' process: ${rotation
        .map((mode) => `${mode} ${round(tally.get(mode)!.clientSwitches / tally.get(mode)!.updates)}`)
        .join(', ')}; each instance's CPU per 1k updates, the busiest of each round first: ${rotation
        .map((mode) => {
          const sum = tally.get(mode)!;
          return `${mode} ${sum.instanceCpuMs.map((ms) => Math.round((ms * 1000) / sum.updates)).join('/')}`;
        })
        .join(', ')}`,
    );
    const figures = {
      instances: INSTANCES,
      clients: ROOMS * CLIENTS_PER_ROOM,
      rooms: ROOMS,
      cross_instance_delivery_p50_ms: round(quantile(cross, 0.5)),
      cross_instance_delivery_p99_ms: round(quantile(cross, 0.99)),
      single_instance_delivery_p99_ms: round(quantile(singleMs, 0.99)),
      server_cpu_ms_per_1k_updates: cpuPer1k('scaleout'),
      single_instance_cpu_ms_per_1k_updates: cpuPer1k('single'),
      // The same spread, every instance serving every room, updates shared through the streams.
      streams_cpu_ms_per_1k_updates: cpuPer1k('streams'),
      streams_cross_instance_delivery_p99_ms: crossP99('streams'),
      // 3 more Redis instances, each room on one of them (no update crosses an instance).
      room_routed_cpu_ms_per_1k_updates: cpuPer1k('routed'),
      // One instance on Redis with the whole load.
      one_redis_instance_cpu_ms_per_1k_updates: cpuPer1k('redisAlone'),
      // The floor: the same load on as many plain instances, no update crossing one (see the top).
      split_instances_cpu_ms_per_1k_updates: cpuPer1k('split'),
      // A plain instance behind bare relays, clients spread as in the first figure: pass-through's floor.
      relayed_cpu_ms_per_1k_updates: cpuPer1k('relayed'),
      // The same behind pass-throughs holding one upstream per room: the floor of a fan-out protocol.
      fanout_relayed_cpu_ms_per_1k_updates: cpuPer1k('fanout'),
      // A plain instance with a quarter of the load (one room): CPU per update as a process idles more.
      single_instance_quarter_load_cpu_ms_per_1k_updates: cpuPer1k('quarter'),
      updates_lost: [...tally.values()].reduce((sum, each) => sum + each.lost, 0),
    };
    // Only the issue's setting (3 instances, rooms spread, the default pace and rounds) goes to
    // results.json; others are printed.
    if (
      INSTANCES === 3 &&
      ROUTING === 'spread' &&
      !chosen &&
      CYCLE_ARGS.length === 0 &&
      !process.env.TANDEM_BENCH_SCALEOUT_KEYSTROKE_MS &&
      !process.env.TANDEM_BENCH_SCALEOUT_ROUNDS
    )
      writeSuiteResult('scaleout', figures);
    else
      console.log(
        `scaleout (${INSTANCES} instance(s), routing ${ROUTING}, not written): ${JSON.stringify(figures)}`,
      );
  } finally {
    await Promise.all(started.map((server) => server.stop('SIGTERM')));
    await redis.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    console.error(error);
    process.exit(1);
  },
);
