// `npm run bench -- collab`: 60 stock y-websocket clients (5 rooms x 12, in worker threads) typing at
// a human pace against Tandem's server (the real dist/server.js, persisting to SQLite) and, in the
// same run, against the reference @y/websocket-server. Also: a burst phase, a saturating mode (raw
// protocol clients, collabSaturating.ts, send pre-encoded keystrokes unpaced and never apply what they
// receive, so the server sets the rate: maximum updates/s and the delivery tail at that rate, both
// servers in the order A B B A), the time a new client takes to sync a 5 MB document, and the memory
// a loaded and an idle room keep, for both servers. Loopback only.
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { signToken } from '../../src/server/token';
import { startServerProcess, testSecret } from '../unit/server/harness';
import type { FromSaturating, RawClientSpec, SaturatingData, ToSaturating } from './collabSaturating';
import type { FromTypists, ToTypists, TypistSpec, TypistsData } from './collabTypists';
import { connect, nextMessage, within } from './collabClients';
import { roomMemoryKb } from './collabMemory';
import { quantile, round, writeSuiteResult } from './results';

const ROOMS = 5;
const CLIENTS_PER_ROOM = 12;
const WORKERS = 4;
const HUMAN_MS = 15_000;
const BURST_KEYSTROKES = 100;
/** The saturating mode: its measured window, the warm-up before it, and its raw clients' workers. */
const SATURATE_MS = 4_000;
const SATURATE_WARMUP_MS = 1_000;
const SATURATE_WORKERS = 2;
/** Keystrokes a saturating sender may have on the way (sent, not yet seen by its room's watcher). */
const SATURATE_WINDOW = 32;
/** Pre-encoded keystrokes per saturating sender: more than any server here carries in the phase. */
const SATURATE_SUPPLY = 20_000;
/**
 * Tandem's server in the saturating mode: its per-connection message rate limit (200/s by default,
 * some 40 times a fast typist) raised out of the way, so the server's capacity is measured, not its
 * policy. The reference has no such limit.
 */
const SATURATE_TANDEM_ARGS = ['--messages-per-second', '1000000'];
/** How long receivers wait for the last keystroke of a phase. */
const PHASE_TIMEOUT_MS = 60_000;
const root = path.resolve(__dirname, '..', '..', '..');
const now = () => performance.timeOrigin + performance.now();
/** The whole bench is bounded: past this, it fails rather than hangs. */
const BENCH_LIMIT_MS = 10 * 60_000;

interface LoadFigures {
  updates_per_s: number;
  delivery_p50_ms: number;
  delivery_p99_ms: number;
  delivered_fraction: number;
  burst_updates_per_s: number;
  burst_delivered_fraction: number;
}

/** The typists' workers, connected and synced to `url`; `all` sends a message to each and collects the replies. */
async function startTypists(label: string, url: string, tokens: boolean) {
  const specs: TypistSpec[] = [];
  for (let id = 0; id < ROOMS * CLIENTS_PER_ROOM; id++) {
    const room = `bench-room-${id % ROOMS}`;
    const token = tokens
      ? signToken(testSecret, { room, role: 'rw', name: `typist ${id}`, exp: Date.now() + 3_600_000 })
      : undefined;
    specs.push({ id, room, token });
  }
  const workers = Array.from({ length: WORKERS }, (_, w) => {
    const data: TypistsData = {
      url,
      typists: specs.filter((_, i) => i % WORKERS === w),
      clientsPerRoom: CLIENTS_PER_ROOM,
      rooms: ROOMS,
    };
    return new Worker(path.join(__dirname, 'collabTypists.js'), { workerData: data });
  });
  const next = (worker: Worker) => nextMessage<FromTypists>(worker);
  const all = (message?: ToTypists) =>
    Promise.all(
      workers.map((worker) => {
        const reply = next(worker);
        if (message) worker.postMessage(message);
        return reply;
      }),
    );
  await within(all(), 60_000, `${label}: connecting and syncing every client`);
  const checkConverged = (replies: FromTypists[], phase: string) => {
    const texts: Record<string, Set<string>> = {};
    for (const reply of replies)
      if ('texts' in reply)
        for (const [room, list] of Object.entries(reply.texts))
          for (const text of list) (texts[room] ??= new Set()).add(text);
    for (const [room, set] of Object.entries(texts))
      if (set.size !== 1) throw new Error(`${label}: room ${room} did not converge after the ${phase} phase`);
  };
  const stop = async () => {
    for (const worker of workers) worker.postMessage({ type: 'stop' } satisfies ToTypists);
    await Promise.all(workers.map((worker) => new Promise((resolve) => worker.once('exit', resolve))));
  };
  return { all, checkConverged, stop };
}

/**
 * Runs the typing load against one server. Strict (Tandem's server): every keystroke must reach every
 * peer and every room must converge, else the bench fails. The reference is measured as it comes.
 */
async function runLoad(label: string, url: string, tokens: boolean, strict: boolean): Promise<LoadFigures> {
  const { all, checkConverged, stop } = await startTypists(label, url, tokens);

  const typingStart = now() + 200;
  const typingEnd = typingStart + HUMAN_MS;
  const typed = (await all({ type: 'human', startAt: typingStart, durationMs: HUMAN_MS })) as Extract<
    FromTypists,
    { type: 'typed' }
  >[];
  const sentById = Object.assign({}, ...typed.map((reply) => reply.sentById)) as Record<number, number>;
  const human = (await all({ type: 'collect', sentById, timeoutMs: PHASE_TIMEOUT_MS })) as Extract<
    FromTypists,
    { type: 'human-done' }
  >[];
  const sent = Object.values(sentById).reduce((sum, count) => sum + count, 0);
  const received = human.reduce((sum, reply) => sum + reply.received, 0);
  const expected = sent * (CLIENTS_PER_ROOM - 1);
  const humanComplete = human.every((reply) => reply.complete);
  if (strict && !humanComplete)
    throw new Error(`${label}: only ${received} of ${expected} keystrokes reached their peers in time`);
  if (humanComplete) checkConverged(human, 'human');
  const latencies = human.flatMap((reply) => Array.from(reply.latencies));
  const firstSend = Math.min(...human.map((reply) => reply.firstSend));

  const burstStart = now() + 200;
  const burst = (await all({
    type: 'burst',
    startAt: burstStart,
    keystrokes: BURST_KEYSTROKES,
    timeoutMs: PHASE_TIMEOUT_MS,
  })) as Extract<FromTypists, { type: 'burst-done' }>[];
  const burstComplete = burst.every((reply) => reply.complete);
  if (strict && !burstComplete) throw new Error(`${label}: the burst was not fully delivered in time`);
  if (burstComplete) checkConverged(burst, 'burst');
  const burstReceived = burst.reduce((sum, reply) => sum + reply.received, 0);
  const burstEnd = Math.max(...burst.map((reply) => reply.lastReceive));
  await stop();

  const figures: LoadFigures = {
    // Updates carried from a typist to all of its room's peers, per second of the typing window. The
    // typists are paced and seeded, so both servers get the same keystrokes over the same window:
    // a server scores less only by failing to deliver (how late it delivers is delivery_p99_ms).
    updates_per_s: round(received / (CLIENTS_PER_ROOM - 1) / ((typingEnd - firstSend) / 1000), 1),
    delivery_p50_ms: round(quantile(latencies, 0.5), 2),
    delivery_p99_ms: round(quantile(latencies, 0.99), 2),
    delivered_fraction: round(received / expected, 4),
    burst_updates_per_s: round(burstReceived / (CLIENTS_PER_ROOM - 1) / ((burstEnd - burstStart) / 1000), 0),
    burst_delivered_fraction: round(
      burstReceived / (ROOMS * CLIENTS_PER_ROOM * BURST_KEYSTROKES * (CLIENTS_PER_ROOM - 1)),
      4,
    ),
  };
  console.log(`${label}: ${sent} keystrokes, ${received}/${expected} deliveries`, figures);
  return figures;
}

interface SaturationFigures {
  max_updates_per_s: number;
  delivery_p99_ms: number;
  delivered_fraction: number;
  /** Server CPU seconds per second of the measured window: about 1 when the server is the bottleneck. */
  server_cpu_share: number;
  /** The clients' CPU seconds per second of the window (this process: its worker threads). */
  client_cpu_share: number;
  /** Keystrokes a peer received more than once (counted once above). */
  duplicates: number;
}

interface SaturationRound {
  /** Keystroke deliveries to peers within the measured window. */
  deliveries: number;
  windowS: number;
  latencies: Float64Array;
  delivered: number;
  expected: number;
  cpuShare: number;
  clientCpuShare: number;
  duplicates: number;
}

/**
 * One round of the saturating mode against `url`: raw protocol clients (collabSaturating.ts), 10
 * senders and 2 receive-only watchers per room, send pre-encoded keystrokes for SATURATE_WARMUP_MS +
 * SATURATE_MS, each never more than SATURATE_WINDOW ahead of what its room's watcher has seen. Only
 * the last SATURATE_MS count: deliveries to peers in that window, and the delivery time of every
 * keystroke sent in it to every peer.
 */
async function saturationRound(
  label: string,
  url: string,
  tokens: boolean,
  pid: number | undefined,
): Promise<SaturationRound> {
  const specs: (RawClientSpec & { worker: number })[] = [];
  for (let room = 0; room < ROOMS; room++)
    for (let i = 0; i < CLIENTS_PER_ROOM; i++) {
      const name = `saturate-${room}`;
      const token = tokens
        ? signToken(testSecret, { room: name, role: 'rw', name: `raw ${i}`, exp: Date.now() + 3_600_000 })
        : undefined;
      // Clients alternate between the workers; the first of each worker in a room is its watcher.
      specs.push({
        room: name,
        clientId: 1_000_000 + room * 100 + i,
        token,
        watcher: i < SATURATE_WORKERS,
        worker: i % SATURATE_WORKERS,
      });
    }
  const workers = Array.from({ length: SATURATE_WORKERS }, (_, w) => {
    const data: SaturatingData = {
      url,
      clients: specs.filter((spec) => spec.worker === w),
      window: SATURATE_WINDOW,
      supply: SATURATE_SUPPLY,
    };
    return new Worker(path.join(__dirname, 'collabSaturating.js'), { workerData: data });
  });
  const all = (message?: ToSaturating) =>
    Promise.all(
      workers.map((worker) => {
        const reply = nextMessage<FromSaturating>(worker);
        if (message) worker.postMessage(message);
        return reply;
      }),
    );
  try {
    await within(all(), 60_000, `${label}: connecting the saturating clients`);
    const startAt = now() + 200;
    const measureFrom = startAt + SATURATE_WARMUP_MS;
    const endAt = measureFrom + SATURATE_MS;
    let cpuFrom = NaN;
    let cpuTo = NaN;
    let benchFrom = NaN;
    let benchTo = NaN;
    setTimeout(
      () => ((cpuFrom = cpuSeconds(pid)), (benchFrom = cpuSeconds(process.pid))),
      measureFrom - now(),
    );
    setTimeout(() => ((cpuTo = cpuSeconds(pid)), (benchTo = cpuSeconds(process.pid))), endAt - now());
    const sent = (await all({ type: 'run', startAt, endAt })) as Extract<FromSaturating, { type: 'sent' }>[];
    if (sent.some((reply) => reply.exhausted))
      throw new Error(`${label}: a sender used up its ${SATURATE_SUPPLY} keystrokes; raise SATURATE_SUPPLY`);
    const sentAt = new Map<number, Float64Array>();
    for (const reply of sent)
      for (const [id, times] of Object.entries(reply.sentAt)) sentAt.set(Number(id), times);
    const counts = specs
      .filter((spec) => !spec.watcher)
      .map((spec) => ({
        clientId: spec.clientId,
        room: spec.room,
        count: sentAt.get(spec.clientId)?.length ?? 0,
      }));
    const collected = (await all({ type: 'collect', sent: counts, timeoutMs: PHASE_TIMEOUT_MS })) as Extract<
      FromSaturating,
      { type: 'collected' }
    >[];
    const closed = collected.reduce((sum, reply) => sum + reply.closed, 0);
    if (closed > 0) throw new Error(`${label}: the server closed ${closed} of the saturating connections`);
    let deliveries = 0;
    let delivered = 0;
    const latencies: number[] = [];
    for (const reply of collected)
      for (let r = 0; r < reply.client.length; r++) {
        const at = reply.at[r];
        if (at >= measureFrom && at < endAt) deliveries += reply.to[r] - reply.from[r];
        const times = sentAt.get(reply.client[r]);
        if (!times) continue;
        for (let clock = reply.from[r]; clock < reply.to[r]; clock++) {
          const sentTime = times[clock];
          if (sentTime < measureFrom || sentTime >= endAt) continue;
          delivered++;
          latencies.push(at - sentTime);
        }
      }
    let inWindow = 0;
    for (const times of sentAt.values()) for (const t of times) if (t >= measureFrom && t < endAt) inWindow++;
    const round_: SaturationRound = {
      deliveries,
      windowS: SATURATE_MS / 1000,
      latencies: Float64Array.from(latencies),
      delivered,
      expected: inWindow * (CLIENTS_PER_ROOM - 1),
      cpuShare: (cpuTo - cpuFrom) / (SATURATE_MS / 1000),
      clientCpuShare: (benchTo - benchFrom) / (SATURATE_MS / 1000),
      duplicates: collected.reduce((sum, reply) => sum + reply.duplicates, 0),
    };
    console.log(
      `${label} (saturating): ${inWindow} keystrokes sent in the ${SATURATE_MS / 1000} s window, ` +
        `${round(deliveries / (CLIENTS_PER_ROOM - 1) / round_.windowS, 0)} updates/s, ` +
        `server CPU ${round(round_.cpuShare, 2)} s/s, clients ${round(round_.clientCpuShare, 2)} s/s, ${delivered}/${round_.expected} delivered`,
    );
    return round_;
  } finally {
    for (const worker of workers) worker.postMessage({ type: 'stop' } satisfies ToSaturating);
    await Promise.all(workers.map((worker) => new Promise((resolve) => worker.once('exit', resolve))));
  }
}

/** The rounds of one server together: mean rate and CPU shares, p99 over every sample of both. */
function saturationFigures(rounds: readonly SaturationRound[]): SaturationFigures {
  const rates = rounds.map((r) => r.deliveries / (CLIENTS_PER_ROOM - 1) / r.windowS);
  const latencies = new Float64Array(rounds.reduce((sum, r) => sum + r.latencies.length, 0));
  let offset = 0;
  for (const r of rounds) {
    latencies.set(r.latencies, offset);
    offset += r.latencies.length;
  }
  latencies.sort();
  const p99 = latencies.length
    ? latencies[Math.min(latencies.length - 1, Math.ceil(0.99 * latencies.length) - 1)]
    : NaN;
  return {
    max_updates_per_s: round(rates.reduce((a, b) => a + b, 0) / rates.length, 0),
    delivery_p99_ms: round(p99, 1),
    delivered_fraction: round(
      rounds.reduce((sum, r) => sum + r.delivered, 0) / rounds.reduce((sum, r) => sum + r.expected, 0),
      4,
    ),
    server_cpu_share: round(rounds.reduce((sum, r) => sum + r.cpuShare, 0) / rounds.length, 2),
    client_cpu_share: round(rounds.reduce((sum, r) => sum + r.clientCpuShare, 0) / rounds.length, 2),
    duplicates: rounds.reduce((sum, r) => sum + r.duplicates, 0),
  };
}

/** The saturating mode for both servers, each round on a fresh server, in the order A B B A. */
async function runSaturation(): Promise<{ ours: SaturationFigures; theirs: SaturationFigures }> {
  const ours: SaturationRound[] = [];
  const theirs: SaturationRound[] = [];
  for (const server of ['tandem', 'reference', 'reference', 'tandem'] as const) {
    if (server === 'tandem') {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-bench-collab-max-'));
      const tandem = await startServerProcess(['--data', dataDir, ...SATURATE_TANDEM_ARGS]);
      try {
        ours.push(await saturationRound('tandem', tandem.url, true, tandem.process.pid));
      } finally {
        await tandem.stop();
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    } else {
      const reference = await startReference();
      try {
        theirs.push(await saturationRound('reference', reference.url, false, reference.pid));
      } finally {
        await reference.stop();
      }
    }
  }
  return { ours: saturationFigures(ours), theirs: saturationFigures(theirs) };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** The reference server, as its package starts it: `HOST=... PORT=... node src/server.js`. */
async function startReference(): Promise<{ url: string; pid: number | undefined; stop(): Promise<void> }> {
  const port = await freePort();
  const script = path.join(root, 'node_modules', '@y', 'websocket-server', 'src', 'server.js');
  const child: ChildProcess = spawn(process.execPath, [script], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('running at')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`reference server exited with ${code}`)));
  });
  return {
    url: `ws://127.0.0.1:${port}`,
    pid: child.pid,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/**
 * A document of about 5 MB built the way a shared session builds one: a 5 MB file seeded in one
 * piece, then 5,000 keystrokes by five other clients at scattered places.
 */
function buildLargeDoc(): Y.Doc {
  const doc = new Y.Doc();
  const text = doc.getText('text');
  const line = 'const value = compute(input, options); // a line of ordinary source code, eighty-ish\n';
  text.insert(0, line.repeat(Math.ceil((5 * 1024 * 1024) / line.length)));
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let editor = 0; editor < 5; editor++) {
    const other = new Y.Doc();
    Y.applyUpdate(other, Y.encodeStateAsUpdate(doc));
    const otherText = other.getText('text');
    for (let k = 0; k < 1000; k++) otherText.insert(Math.floor(random() * otherText.length), 'x');
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(other, Y.encodeStateVector(doc)));
    other.destroy();
  }
  return doc;
}

/**
 * Time for a fresh client to be fully synced to the room holding `large` (median of three), and the
 * time the document took to get there: from its first client connecting (with the whole document)
 * until a second client, connected at the same time, had all of it through the server.
 */
async function syncLargeDoc(
  label: string,
  url: string,
  large: Y.Doc,
  token?: (room: string) => string,
): Promise<{ syncMs: number; uploadMs: number }> {
  const room = 'bench-large';
  const expected = large.getText('text').length;
  const uploadStarted = performance.now();
  const seeder = connect(url, room, large, token?.(room));
  const waitFull = (doc: Y.Doc, provider: WebsocketProvider) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (provider.synced && doc.getText('text').length === expected) resolve();
        else setTimeout(check, 1);
      };
      check();
    });
  // Wait until the server holds the whole document (a probe sees it), then time fresh clients.
  const probeDoc = new Y.Doc();
  const probe = connect(url, room, probeDoc, token?.(room));
  await within(waitFull(probeDoc, probe), 60_000, `${label}: loading the 5 MB document`);
  const uploadMs = performance.now() - uploadStarted;
  probe.destroy();
  probeDoc.destroy();
  seeder.destroy();
  // What a server does after taking a document (storing it) is not what a new client waits for.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const doc = new Y.Doc();
    const started = performance.now();
    const provider = connect(url, room, doc, token?.(room));
    await within(waitFull(doc, provider), 30_000, `${label}: syncing the 5 MB document`);
    times.push(performance.now() - started);
    provider.destroy();
    doc.destroy();
  }
  console.log(
    `${label}: 5 MB sync (${Y.encodeStateAsUpdate(large).byteLength} bytes encoded) in ${times.map((t) => t.toFixed(0)).join(', ')} ms`,
  );
  return { syncMs: quantile(times, 0.5), uploadMs };
}

/** CPU time (user + system) a process has used so far, in seconds, from /proc. */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // Fields 14 and 15 of stat (utime, stime), counted from after the command name.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  setTimeout(() => {
    console.error(`collab bench: still running after ${BENCH_LIMIT_MS / 60_000} minutes; giving up`);
    process.exit(1);
  }, BENCH_LIMIT_MS).unref();
  // Each y-websocket provider adds a process 'exit' listener.
  process.setMaxListeners(100);
  // Memory first, while the heap holds nothing else of this run.
  const memory = await roomMemoryKb('tandem');
  const referenceMemory = await roomMemoryKb('reference');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-bench-collab-'));
  const large = buildLargeDoc();
  try {
    const tandem = await startServerProcess(['--data', dataDir]);
    let ours: LoadFigures;
    let oursCpu = NaN;
    let oursSync: { syncMs: number; uploadMs: number };
    try {
      const cpuBefore = cpuSeconds(tandem.process.pid);
      ours = await runLoad('tandem', tandem.url, true, true);
      oursCpu = cpuSeconds(tandem.process.pid) - cpuBefore;
      oursSync = await syncLargeDoc('tandem', tandem.url, large, (room) =>
        signToken(testSecret, { room, role: 'rw', name: 'bench', exp: Date.now() + 600_000 }),
      );
    } finally {
      await tandem.stop();
    }
    const reference = await startReference();
    let theirs: LoadFigures;
    let theirCpu = NaN;
    let theirSync: { syncMs: number; uploadMs: number };
    try {
      const cpuBefore = cpuSeconds(reference.pid);
      theirs = await runLoad('reference', reference.url, false, false);
      theirCpu = cpuSeconds(reference.pid) - cpuBefore;
      theirSync = await syncLargeDoc('reference', reference.url, large);
    } finally {
      await reference.stop();
    }
    const { ours: oursMax, theirs: theirMax } = await runSaturation();
    writeSuiteResult('collab', {
      clients: ROOMS * CLIENTS_PER_ROOM,
      updates_per_s: ours.updates_per_s,
      delivery_p50_ms: ours.delivery_p50_ms,
      delivery_p99_ms: ours.delivery_p99_ms,
      reference_updates_per_s: theirs.updates_per_s,
      reference_delivery_p99_ms: theirs.delivery_p99_ms,
      idle_room_kb: memory.idle,
      max_updates_per_s: oursMax.max_updates_per_s,
      reference_max_updates_per_s: theirMax.max_updates_per_s,
      max_rate_delivery_p99_ms: oursMax.delivery_p99_ms,
      reference_max_rate_delivery_p99_ms: theirMax.delivery_p99_ms,
      max_rate_delivered_fraction: oursMax.delivered_fraction,
      reference_max_rate_delivered_fraction: theirMax.delivered_fraction,
      max_rate_server_cpu_share: oursMax.server_cpu_share,
      reference_max_rate_server_cpu_share: theirMax.server_cpu_share,
      max_rate_client_cpu_share: oursMax.client_cpu_share,
      reference_max_rate_client_cpu_share: theirMax.client_cpu_share,
      max_rate_duplicates: oursMax.duplicates,
      reference_max_rate_duplicates: theirMax.duplicates,
      reference_idle_room_kb: referenceMemory.idle,
      sync_5mb_doc_ms: round(oursSync.syncMs, 1),
      upload_5mb_doc_ms: round(oursSync.uploadMs, 1),
      reference_upload_5mb_doc_ms: round(theirSync.uploadMs, 1),
      // Context for the figures above.
      reference_delivery_p50_ms: theirs.delivery_p50_ms,
      delivered_fraction: ours.delivered_fraction,
      reference_delivered_fraction: theirs.delivered_fraction,
      burst_updates_per_s: ours.burst_updates_per_s,
      reference_burst_updates_per_s: theirs.burst_updates_per_s,
      reference_burst_delivered_fraction: theirs.burst_delivered_fraction,
      reference_sync_5mb_doc_ms: round(theirSync.syncMs, 1),
      loaded_room_kb: memory.loaded,
      reference_loaded_room_kb: referenceMemory.loaded,
      // Server CPU over both load phases: comparable even when other work shares the machine.
      server_cpu_s: round(oursCpu, 2),
      reference_server_cpu_s: round(theirCpu, 2),
      storage: 'sqlite',
      // The 1-minute load average of the machine while the bench ran: the latency figures need it.
      host_load_1m: round(os.loadavg()[0], 1),
      seconds: round((Date.now() - started) / 1000, 1),
    });
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
