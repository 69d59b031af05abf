// `npm run bench -- authorship`: does a large assistant edit starve people? Five stock y-websocket
// clients (a worker thread) type at a human pace into one room of the real server (dist/server.js,
// its own process, SQLite); a sixth client, the assistant's writer, applies a 2,000-line proposal
// through Tandem's chunked write (marked as the assistant's, the way an accepted proposal is), then
// reverts it (Revert Assistant Edits' planner, one transaction), back to back for the whole phase.
// Phases alternate (idle, chunked, whole) in three orders, so load on the machine falls on each alike:
// - human_delivery_p99_ms_idle:            keystroke delivery (send to a peer's apply), nobody else writing;
// - human_delivery_p99_ms_during_ai_apply: the same while the assistant writes in chunks;
// - human_delivery_p99_ms_during_whole_apply: the same when each proposal is one transaction (the
//   baseline chunking is measured against);
// - ai_apply_lines, ai_applies, ai_apply_p50_ms: the size of one proposal, how many were applied
//   during the chunked phases, and how long one took to write.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as Y from 'yjs';
import type { AuthorshipMeta } from '../../src/authorship/authorship';
import { planRevert } from '../../src/authorship/revertPlan';
import {
  applyAttributedInChunks,
  applySharedRevert,
  attributeInsert,
  type SharedEditRecord,
  sharedAuthorshipView,
} from '../../src/authorship/sharedAuthorship';
import { DEFAULT_CHUNK_CHARS, DEFAULT_CHUNK_PAUSE_MS } from '../../src/collab/burstApply';
import { signToken } from '../../src/server/token';
import { startServerProcess, testSecret } from '../unit/server/harness';
import { connect, nextMessage, within } from './collabClients';
import type { FromTypists, ToTypists, TypistSpec, TypistsData } from './collabTypists';
import { quantile, round, writeSuiteResult } from './results';

const TYPISTS = 5;
const LINES = 2000;
const PHASE_MS = 6_000;
const ROUNDS = 3;
const ROOM = 'authorship-bench';
/** Chunk size and the pause between chunks (tunable to explore; the defaults are what Tandem uses). */
const CHUNK_CHARS = Number(process.env.TANDEM_BENCH_CHUNK_CHARS ?? DEFAULT_CHUNK_CHARS);
const CHUNK_PAUSE_MS = Number(process.env.TANDEM_BENCH_CHUNK_PAUSE_MS ?? DEFAULT_CHUNK_PAUSE_MS);
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

type Phase = 'idle' | 'chunked' | 'whole';

const proposal = Array.from(
  { length: LINES },
  (_, i) => `    const value${i} = compute(${i % 97}, "proposal line ${i}"); // written by the assistant\n`,
).join('');

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-authorship-bench-'));
  const server = await startServerProcess(['--data', dataDir]);
  const token = (name: string) =>
    signToken(testSecret, { room: ROOM, role: 'rw', name, exp: Date.now() + 3_600_000 });
  const specs: TypistSpec[] = Array.from({ length: TYPISTS }, (_, id) => ({
    id,
    room: ROOM,
    token: token(`typist ${id}`),
  }));
  const data: TypistsData = { url: server.url, typists: specs, clientsPerRoom: TYPISTS, rooms: 1 };
  const worker = new Worker(path.join(__dirname, 'collabTypists.js'), { workerData: data });
  const ask = <T extends FromTypists>(message?: ToTypists): Promise<T> => {
    const reply = nextMessage<T>(worker);
    if (message) worker.postMessage(message);
    return reply;
  };
  await within(ask(), 60_000, 'connecting the typists');

  const doc = new Y.Doc();
  const text = doc.getText('text');
  const records = doc.getMap<SharedEditRecord>('authorship');
  const provider = connect(server.url, ROOM, doc, token('assistant'));
  await within(
    new Promise<void>((resolve) => (provider.synced ? resolve() : provider.once('sync', () => resolve()))),
    30_000,
    'connecting the assistant',
  );
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
  let editCounter = 0;

  const lineStartNear = (offset: number) => {
    const content = text.toString();
    const at = content.lastIndexOf('\n', offset - 1);
    return at === -1 ? 0 : at + 1;
  };

  async function assistantWrites(phase: Phase, until: number): Promise<void> {
    while (now() < until) {
      const meta: AuthorshipMeta = {
        edit: `bench-${++editCounter}`,
        proposal: `p${editCounter}`,
        model: 'bench-model',
        askedBy: 'typist 0',
        at: Date.now(),
      };
      const index = lineStartNear(Math.floor(Math.random() * (text.length + 1)));
      const started = performance.now();
      if (phase === 'chunked') {
        await applyAttributedInChunks(text, records, index, 0, proposal, meta, {
          origin: 'assistant',
          pause,
          maxChunkChars: CHUNK_CHARS,
        });
        applyMs.push(performance.now() - started);
        applies++;
      } else attributeInsert(text, records, index, 0, proposal, meta, 'assistant');
      await sleep(100);
      const plan = planRevert(sharedAuthorshipView(text, records), (m) => m.edit === meta.edit);
      applySharedRevert(text, records, plan.replacements, plan.edits, 'assistant');
      await sleep(100);
    }
  }

  async function run(phase: Phase): Promise<void> {
    const startAt = now() + 300;
    const endAt = startAt + PHASE_MS;
    const typing = ask<Extract<FromTypists, { type: 'typed' }>>({
      type: 'human',
      startAt,
      durationMs: PHASE_MS,
    });
    if (phase !== 'idle') {
      await sleep(startAt - now());
      await assistantWrites(phase, endAt);
    }
    const { sentById } = await typing;
    const done = await ask<Extract<FromTypists, { type: 'human-done' }>>({
      type: 'collect',
      sentById,
      timeoutMs: 5_000,
    });
    latencies[phase].push(...done.latencies);
    const sent = Object.values(sentById).reduce((sum, count) => sum + count, 0);
    delivered[phase].sent += sent * (TYPISTS - 1);
    delivered[phase].received += done.received;
    const texts = new Set(done.texts[ROOM]);
    if (texts.size !== 1) throw new Error(`the typists did not converge after a ${phase} phase`);
    await sleep(500);
    if (text.toString() !== [...texts][0])
      throw new Error(`the assistant did not converge after a ${phase} phase`);
    console.log(
      `${phase}: ${done.latencies.length} deliveries, p99 ${round(quantile([...done.latencies], 0.99))} ms`,
    );
  }

  const orders: Phase[][] = [
    ['idle', 'chunked', 'whole'],
    ['whole', 'chunked', 'idle'],
    ['chunked', 'idle', 'whole'],
  ];
  for (let round = 0; round < ROUNDS; round++)
    for (const phase of orders[round % orders.length]) await run(phase);

  worker.postMessage({ type: 'stop' } satisfies ToTypists);
  await new Promise((resolve) => worker.once('exit', resolve));
  provider.destroy();
  server.process.kill();
  fs.rmSync(dataDir, { recursive: true, force: true });

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
