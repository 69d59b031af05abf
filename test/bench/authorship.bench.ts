// `npm run bench -- authorship`: does a large assistant edit starve people? Five stock y-websocket
// clients (a worker thread each) type at a human pace into one shared file of a Tandem session in one room
// of the real server (dist/server.js, its own process, SQLite); a sixth client, the session's host,
// has 2,000-line proposals shared in the session (before the phase) and accepts them one after the
// other through the real path, a decision handled by the host's applier (HostApplier: the accepted
// text written in chunks, marked as the assistant's), then reverts each as Revert Assistant Edits
// does in a session (its planner; the restored text written in chunks like an accept), back to back
// for the whole phase. Every other proposal replaces a block of people's lines in a second file where
// nobody types (a typist's key inside a block would make its proposal stale), so its revert restores
// more than a chunk of text and is written in chunks too.
// Phases alternate (idle, chunked, whole) in three orders, each kind once in each place, so load on
// the machine falls on each alike:
// - human_delivery_p99_ms_idle:            keystroke delivery (send to a peer's apply), nobody else writing;
// - human_delivery_p99_ms_during_ai_apply: the same while the host's applier writes accepts in chunks;
// - human_delivery_p99_ms_during_whole_apply: the same when the applier writes each accept as one
//   transaction (the baseline chunking is measured against);
// - ai_apply_lines, ai_applies, ai_apply_p50_ms: the size of one proposal, how many were accepted
//   during the chunked phases, and how long one took from the decision to 'accepted'.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as Y from 'yjs';
import { planRevert } from '../../src/authorship/revertPlan';
import { applySharedRevertInChunks, sharedAuthorshipView } from '../../src/authorship/sharedAuthorship';
import { DEFAULT_CHUNK_CHARS, DEFAULT_CHUNK_PAUSE_MS } from '../../src/collab/burstApply';
import { SessionDocument } from '../../src/collab/sessionDocument';
import { lineStartOffset } from '../../src/proposals/shared/anchoring';
import { HostApplier } from '../../src/proposals/shared/hostApplier';
import { SharedProposals } from '../../src/proposals/shared/sharedProposals';
import { COMPACT_QUIET_MS } from '../../src/server/room';
import { signToken } from '../../src/server/token';
import { httpGet } from '../reliability/servers';
import { metric, startServerProcess, testSecret } from '../unit/server/harness';
import { connect, nextMessage, within } from './collabClients';
import type { FromTypists, ToTypists, TypistSpec, TypistsData } from './collabTypists';
import { quantile, round, writeSuiteResult } from './results';

const TYPISTS = 5;
const LINES = 2000;
const PHASE_MS = 6_000;
/** Two Latin squares: about 3,800 deliveries per phase kind, so a p99 rests on its 38 slowest. */
const ROUNDS = 6;
const ROOM = 'authorship-bench';
const FILE = 'src/bench.ts';
/** The file of the proposals that replace people's lines (nobody types there). */
const BLOCKS_FILE = 'src/blocks.ts';
/**
 * Blocks of people's lines in BLOCKS_FILE, each replaced by one proposal of a phase.
 * TANDEM_BENCH_AUTHORSHIP_BLOCKS=0: every proposal goes into the file people type in (the harsher
 * scenario of earlier runs: people's keys land in the assistant's text twice as often).
 */
const BLOCKS = Number(process.env.TANDEM_BENCH_AUTHORSHIP_BLOCKS ?? 12);
/** Lines in a block: about 22 K characters, so restoring one takes two chunks. */
const BLOCK_LINES = 300;
/** Proposals shared before each writing phase (more than one phase accepts). */
const POOL = 32;
/** Chunk size and the pause between chunks (tunable to explore; the defaults are what Tandem uses). */
const CHUNK_CHARS = Number(process.env.TANDEM_BENCH_CHUNK_CHARS ?? DEFAULT_CHUNK_CHARS);
const CHUNK_PAUSE_MS = Number(process.env.TANDEM_BENCH_CHUNK_PAUSE_MS ?? DEFAULT_CHUNK_PAUSE_MS);
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

type Phase = 'idle' | 'chunked' | 'whole';

const proposalLines = Array.from(
  { length: LINES },
  (_, i) => `    const value${i} = compute(${i % 97}, "proposal line ${i}"); // written by the assistant\n`,
);

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-authorship-bench-'));
  // Every proposal shared stays in the room's history: room enough for them.
  // Debug logs: the server says how long each compaction held it (printed after each phase, for
  // those since the phase before, the quiet wait before this phase included).
  const server = await startServerProcess([
    '--data',
    dataDir,
    '--max-document-bytes',
    String(1024 ** 3),
    '--log-level',
    'debug',
  ]);
  const token = (name: string, role: 'rw' | 'host' = 'rw') =>
    signToken(testSecret, { room: ROOM, role, name, exp: Date.now() + 3_600_000 });
  const specs: TypistSpec[] = Array.from({ length: TYPISTS }, (_, id) => ({
    id,
    room: ROOM,
    token: token(`typist ${id}`),
  }));
  // One worker thread per typist: five people integrate what arrives on five machines at once, not
  // one after the other on one thread (which would add four peers' work to every delivery).
  const workers = specs.map(
    (spec) =>
      new Worker(path.join(__dirname, 'collabTypists.js'), {
        workerData: {
          url: server.url,
          typists: [spec],
          clientsPerRoom: TYPISTS,
          rooms: 1,
          sessionFile: FILE,
        } satisfies TypistsData,
      }),
  );
  /** Sends `message` (if any) to every typist and resolves with each one's next answer. */
  const ask = <T extends FromTypists>(message?: ToTypists): Promise<T[]> =>
    Promise.all(
      workers.map((worker) => {
        const reply = nextMessage<T>(worker);
        if (message) worker.postMessage(message);
        return reply;
      }),
    );
  await within(ask(), 60_000, 'connecting the typists');

  const doc = new Y.Doc();
  const session = new SessionDocument(doc);
  const provider = connect(server.url, ROOM, doc, token('assistant', 'host'));
  await within(
    new Promise<void>((resolve) => (provider.synced ? resolve() : provider.once('sync', () => resolve()))),
    30_000,
    'connecting the assistant',
  );
  const text = session.seed(FILE, '', { eol: '\n', bom: false }).text;
  const block = (b: number) =>
    Array.from(
      { length: BLOCK_LINES },
      (_, i) => `  people(${b}, ${i}); // a line people wrote in block ${b}\n`,
    );
  const blocksText = session.seed(
    BLOCKS_FILE,
    Array.from({ length: BLOCKS }, (_, b) => `// block ${b}\n${block(b).join('')}`).join(''),
    { eol: '\n', bom: false },
  ).text;
  const records = session.authorship;
  const shared = new SharedProposals(session, {
    name: () => 'assistant',
    canWrite: () => true,
    isHost: () => true,
  });
  // Between chunks: Tandem's pause, and no more than 64 KB waiting in the socket.
  const pause = async () => {
    await sleep(CHUNK_PAUSE_MS);
    const socket = provider.ws as { bufferedAmount?: number } | null;
    while ((socket?.bufferedAmount ?? 0) > 65_536) await sleep(1);
  };

  const latencies: Record<Phase, number[]> = { idle: [], chunked: [], whole: [] };
  const delivered: Record<Phase, { sent: number; received: number }> = {
    idle: { sent: 0, received: 0 },
    chunked: { sent: 0, received: 0 },
    whole: { sent: 0, received: 0 },
  };
  const applyMs: number[] = [];
  let applies = 0;
  let chunkedReverts = 0;

  /**
   * Shares POOL proposals at random line starts, and between them one replacing each block of
   * BLOCKS_FILE (before a phase: sharing is not what is measured).
   */
  async function sharePool(): Promise<string[]> {
    const hunks: string[] = [];
    for (let i = 0; i < POOL; i++) {
      if (i < BLOCKS) {
        const record = shared.publish({
          path: BLOCKS_FILE,
          reason: 'bench proposal replacing a block',
          model: 'bench-model',
          hunks: [{ line: i * (BLOCK_LINES + 1) + 1, removed: block(i), added: proposalLines }],
        });
        hunks.push(record.hunks[0].id);
        await pause();
      }
      const content = text.toString();
      const lines = content.split('\n').length;
      let line = Math.floor(Math.random() * lines);
      while (lineStartOffset(content, line) === undefined) line--;
      const record = shared.publish({
        path: FILE,
        reason: 'bench proposal',
        model: 'bench-model',
        hunks: [{ line, removed: [], added: proposalLines }],
      });
      hunks.push(record.hunks[0].id);
      await pause();
    }
    return hunks;
  }

  /** Accepts `hunk` and resolves once the host's applier has written all of it (state 'accepted'). */
  async function acceptAndWait(applier: HostApplier, hunk: string): Promise<void> {
    let finish = () => {};
    const written = new Promise<void>((resolve) => (finish = resolve));
    const listener = applier.onDidWriteChunk((id, state) => {
      if (id === hunk && state === 'accepted') finish();
    });
    try {
      shared.decide(hunk, 'accept');
      // Written in the decision's own transaction when it is not chunked.
      if (shared.hunk(hunk)?.status.state === 'accepted') finish();
      await within(written, 30_000, 'the applier writing an accepted proposal');
    } finally {
      listener.dispose();
    }
  }

  async function assistantWrites(phase: Phase, until: number, pool: string[]): Promise<void> {
    // The host's applier, as Tandem starts it: chunked, or (the baseline) every accept one transaction.
    const applier = new HostApplier(session, {
      chunkChars: phase === 'chunked' ? CHUNK_CHARS : Number.MAX_SAFE_INTEGER,
      pause,
    });
    applier.start();
    try {
      while (now() < until) {
        const hunk = pool.shift();
        if (!hunk) throw new Error(`the ${POOL} proposals shared for the phase ran out: share more`);
        const started = performance.now();
        await acceptAndWait(applier, hunk);
        if (phase === 'chunked') {
          applyMs.push(performance.now() - started);
          applies++;
        }
        await sleep(100);
        // Revert Assistant Edits in a session: restored text longer than a chunk goes in chunks (in
        // the baseline phase, in one transaction like its accepts).
        const proposal = hunk.slice(0, hunk.lastIndexOf('/'));
        const target = shared.proposal(proposal)?.path === BLOCKS_FILE ? blocksText : text;
        const plan = planRevert(sharedAuthorshipView(target, records), (m) => m.proposal === proposal);
        await applySharedRevertInChunks(target, records, plan.replacements, plan.edits, {
          origin: 'assistant',
          maxChunkChars: phase === 'chunked' ? CHUNK_CHARS : Number.MAX_SAFE_INTEGER,
          pause,
        });
        if (phase === 'chunked' && target === blocksText) chunkedReverts++;
        // Done with: taken out of the session, so the document does not grow phase after phase.
        shared.withdraw(hunk.slice(0, hunk.lastIndexOf('/')));
        await sleep(100);
      }
    } finally {
      applier.dispose();
    }
  }

  /**
   * Waits until the server folds nothing: a room folds its log once quiet for COMPACT_QUIET_MS, so a
   * fold the writes before (the last phase's, the proposals just shared) call for has started by
   * then, and it has ended when the server's gauge says no fold is on its worker. Without this wait,
   * the fold of the previous phase's assistant text ran into an idle phase that followed it and made
   * its slowest deliveries (43-100 % of an idle phase's slowest 1 % were in flight during one).
   */
  async function serverSettled(): Promise<void> {
    await sleep(COMPACT_QUIET_MS + 200);
    const folding = async () => (await serverMetrics())('tandem_compactions_folding');
    for (const until = now() + 30_000; (await folding()) !== 0 && now() < until;) await sleep(20);
  }

  /** The server's /metrics now, as a lookup of one figure by its name and labels. */
  async function serverMetrics(): Promise<(name: string, labels?: string) => number> {
    const { body } = await httpGet(server.port, '/metrics');
    return (name, labels) => metric(body, name, labels);
  }

  async function run(phase: Phase): Promise<void> {
    const pool = phase === 'idle' ? [] : await sharePool();
    // Everyone has the proposals (and has integrated them) before the phase starts.
    if (pool.length) {
      const socket = provider.ws as { bufferedAmount?: number } | null;
      while ((socket?.bufferedAmount ?? 0) > 0) await sleep(10);
      await sleep(5000);
    }
    await serverSettled();
    const startAt = now() + 300;
    const endAt = startAt + PHASE_MS;
    const typing = ask<Extract<FromTypists, { type: 'typed' }>>({
      type: 'human',
      startAt,
      durationMs: PHASE_MS,
    }).then(
      (answers) => Object.assign({}, ...answers.map((answer) => answer.sentById)) as Record<number, number>,
    );
    if (phase !== 'idle') {
      await sleep(startAt - now());
      await assistantWrites(phase, endAt, pool);
    }
    const sentById = await typing;
    const answers = await ask<Extract<FromTypists, { type: 'human-done' }>>({
      type: 'collect',
      sentById,
      timeoutMs: 5_000,
    });
    const done = {
      latencies: answers.flatMap((answer) => [...answer.latencies]),
      sentAts: answers.flatMap((answer) => [...answer.sentAts]),
      received: answers.reduce((sum, answer) => sum + answer.received, 0),
    };
    if (process.env.TANDEM_BENCH_DEBUG_COMPACTIONS) slowNearCompactions(phase, done.latencies, done.sentAts);
    latencies[phase].push(...done.latencies);
    const sent = Object.values(sentById).reduce((sum, count) => sum + count, 0);
    delivered[phase].sent += sent * (TYPISTS - 1);
    delivered[phase].received += done.received;
    const texts = new Set(answers.flatMap((answer) => answer.texts[ROOM]));
    if (texts.size !== 1) throw new Error(`the typists did not converge after a ${phase} phase`);
    // The host has everything too (a loaded machine may take a while past the typists' 5 s).
    for (const until = now() + 10_000; text.toString() !== [...texts][0] && now() < until;) await sleep(50);
    if (text.toString() !== [...texts][0])
      throw new Error(`the assistant did not converge after a ${phase} phase`);
    // What was not accepted is taken back, as its author would.
    for (const hunk of pool) shared.withdraw(hunk.slice(0, hunk.lastIndexOf('/')));
    console.log(
      `${phase}: ${done.latencies.length} deliveries, p99 ${round(quantile([...done.latencies], 0.99))} ms; ` +
        `server so far: ${await serverStorage()}; document ${round(Y.encodeStateAsUpdate(doc).byteLength / 2 ** 20)} MB`,
    );
  }

  /**
   * Diagnostics (TANDEM_BENCH_DEBUG_COMPACTIONS=1): how many of a phase's slowest 1 % deliveries were
   * in flight while the server compacted (from reading the log to writing the snapshot), against the
   * share of all its deliveries that were.
   */
  function slowNearCompactions(phase: Phase, latencies: number[], sentAts: number[]): void {
    const windows = server
      .logs()
      .filter((line) => line.msg === 'room compacted')
      .map((line) => {
        const end = Date.parse(String(line.time));
        return [end - Number(line.ms) - Number(line.foldMs ?? 0), end] as const;
      });
    const during = (i: number) =>
      windows.some(([from, to]) => sentAts[i] <= to && sentAts[i] + latencies[i] >= from);
    const order = latencies.map((_, i) => i).sort((a, b) => latencies[b] - latencies[a]);
    const slow = order.slice(0, Math.max(1, Math.ceil(order.length / 100)));
    const share = (indices: number[]) =>
      round((100 * indices.filter(during).length) / Math.max(1, indices.length));
    console.log(
      `  ${phase}: slowest 1 % (${slow.length}, from ${round(latencies[slow[slow.length - 1]])} ms): ${share(slow)} % in flight during a compaction; all deliveries: ${share(order)} %`,
    );
  }

  let compactionsSeen = 0;
  /** The server's storage figures from /metrics (commits over 25 ms hold its event loop that long). */
  async function serverStorage(): Promise<string> {
    const value = await serverMetrics();
    const commits = value('tandem_storage_write_seconds_count');
    const slow = commits - value('tandem_storage_write_seconds_bucket', '{le="0.025"}');
    const compactions = server.logs().filter((line) => line.msg === 'room compacted');
    const recent = compactions.slice(compactionsSeen);
    const longest = Math.max(0, ...recent.map((line) => Number(line.ms)));
    if (process.env.TANDEM_BENCH_DEBUG_COMPACTIONS)
      for (const line of recent) console.log(JSON.stringify(line));
    // On the compaction worker: how long it encoded, apart from the event loop's hold (ms).
    const worker = Math.max(0, ...recent.map((line) => Number(line.foldMs ?? 0)));
    compactionsSeen = compactions.length;
    return `${commits} commits (${slow} over 25 ms), ${compactions.length} compactions (since the last phase: longest hold of the event loop ${longest} ms, longest on the worker ${worker} ms)`;
  }

  // A Latin square: each kind of phase comes first, second and third once.
  const orders: Phase[][] = [
    ['idle', 'chunked', 'whole'],
    ['chunked', 'whole', 'idle'],
    ['whole', 'idle', 'chunked'],
  ];
  for (let round = 0; round < ROUNDS; round++)
    for (const phase of orders[round % orders.length]) await run(phase);

  for (const worker of workers) worker.postMessage({ type: 'stop' } satisfies ToTypists);
  await Promise.all(workers.map((worker) => new Promise((resolve) => worker.once('exit', resolve))));
  provider.destroy();
  server.process.kill();
  fs.rmSync(dataDir, { recursive: true, force: true });

  // The chunked phases did revert restored text in chunks (what this bench is also about).
  if (chunkedReverts === 0 && BLOCKS > 0)
    throw new Error('no revert of a replaced block was written in chunks');
  console.log(`${chunkedReverts} reverts restoring a ${BLOCK_LINES}-line block were written in chunks`);
  const p99 = (phase: Phase) => round(quantile(latencies[phase], 0.99));
  const fraction = (phase: Phase) => round(delivered[phase].received / Math.max(1, delivered[phase].sent));
  writeSuiteResult('authorship', {
    human_delivery_p99_ms_idle: p99('idle'),
    human_delivery_p99_ms_during_ai_apply: p99('chunked'),
    human_delivery_p99_ms_during_whole_apply: p99('whole'),
    human_delivery_during_over_idle: round(p99('chunked') / p99('idle')),
    human_delivery_p50_ms_idle: round(quantile(latencies.idle, 0.5)),
    human_delivery_p50_ms_during_ai_apply: round(quantile(latencies.chunked, 0.5)),
    human_delivered_fraction_during_ai_apply: fraction('chunked'),
    ai_apply_lines: LINES,
    ai_applies: applies,
    ai_apply_p50_ms: round(quantile(applyMs, 0.5)),
  });
}

main().then(
  // A y-websocket client's reconnect timer can outlive destroy(): the figures are written, so leave.
  () => setTimeout(() => process.exit(0), 1000).unref(),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
