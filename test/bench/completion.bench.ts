// `npm run bench -- completion`: inline suggestions under realistic typing.
// Replays typing traces over real source files (TypeScript, Python, Go, and a >=10,000-line TypeScript
// file) in real time against the scripted model server (150 ms to the first token, 15 ms per token),
// through Tandem's engine and, in the same run on the same traces, Continue's default autocomplete
// (debounce, cache, generator reuse, multi-line rule and stops, see completion/baseline.ts). Then
// measures Tandem's own time per request (prompt build + cleaning) on the large file: the raw
// wall-clock percentiles over every request, and, under their own names, the per-position medians of
// the least of wall-clock and CPU time.
import * as os from 'node:os';
import { detectIndentUnit } from '../../src/completion/cleaning/cleaningContext';
import {
  CompletionEngine,
  type CompletionSettings,
  type RequestMetrics,
} from '../../src/completion/completionEngine';
import type { ContextSources } from '../../src/completion/context/promptContext';
import { SimilarityIndex } from '../../src/completion/context/similarity';
import { LineDocument } from '../../src/completion/documentText';
import { TriggerPolicy } from '../../src/completion/triggerPolicy';
import { ModelClient, RequestLog } from '../../src/model';
import { ExclusionRules, TrustGate } from '../../src/trust';
import { startScriptedModelServer, type ScriptedModelServer } from '../fixtures/model-server';
import { ContinueBaseline } from './completion/baseline';
import { OracleModel } from './completion/oracle';
import { replayTrace, type TraceResult } from './completion/replay';
import {
  buildTrace,
  largeFile,
  loadFixtures,
  random,
  segmentStarts,
  type SourceFile,
} from './completion/traces';
import { quantile, round, writeSuiteResult } from './results';

const TTFT_MS = 150;
const PER_TOKEN_MS = 15;
const SEGMENTS_PER_FILE = 3;
const SEGMENT_LINES = 8;
const LARGE_FILE_MIN_LINES = 10_000;
/** Positions in the large file where Tandem's own time per request is measured, and rounds per position. */
const OVERHEAD_POSITIONS = 200;
const OVERHEAD_ROUNDS = 5;
const WARMUP_REQUESTS = 40;
/** Lines of the warm-up trace both pipelines replay before the measured ones. */
const WARMUP_LINES = 2;
/** Stops the whole bench if something hangs. */
const DEADLINE_MS = 8 * 60_000;

const settings: CompletionSettings = {
  model: 'qwen2.5-coder:1.5b-base',
  format: 'auto',
  maxPromptTokens: 2048,
  candidates: 1,
  maxTokensSingleLine: 64,
  maxTokensMultiLine: 192,
  temperature: 0.1,
};

/** CPU time of the whole process in ms (microsecond resolution). */
function processCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

interface Pipeline {
  server: ScriptedModelServer;
  client: ModelClient;
  gate: TrustGate;
}

async function pipeline(oracle: OracleModel, ttft: number, perToken: number): Promise<Pipeline> {
  const server = await startScriptedModelServer({
    script: oracle.script,
    timeToFirstTokenMs: ttft,
    perTokenDelayMs: perToken,
  });
  const client = new ModelClient({ baseUrl: server.url, log: new RequestLog({ capacity: 100_000 }) });
  const gate = new TrustGate({ model: client, rules: new ExclusionRules({ roots: ['/bench'] }) });
  return { server, client, gate };
}

/** Context sources as in the editor: the other files are open (indexed for similarity). */
function sourcesFor(file: SourceFile, all: readonly SourceFile[], gate: TrustGate): ContextSources {
  const similarity = new SimilarityIndex();
  const open = new Map<string, LineDocument>();
  for (const other of all) {
    if (other.text === file.text || file.text.includes(other.text.slice(0, 2000))) continue;
    const doc = new LineDocument(`file://${other.path}`, other.path, other.languageId, other.text);
    open.set(doc.key, doc);
    similarity.update(doc, 1);
  }
  return { similarity, openDocument: (key) => open.get(key), isExcluded: (path) => gate.isExcluded(path) };
}

/** Positions spread over a file: mid-line, line ends and indentation, as a cursor would be. */
function positions(doc: LineDocument, count: number, seed: number) {
  const rand = random(seed);
  return Array.from({ length: count }, () => {
    const line = Math.floor(rand() * doc.lineCount);
    const text = doc.lineAt(line);
    const indent = /^\s*/.exec(text)![0].length;
    return { line, character: indent + Math.floor(rand() * (text.length - indent + 1)) };
  });
}

/**
 * Tandem's own time per request on the large file: a real request (through the engine, the trust gate
 * and the model client) at each position, in `rounds` shuffled rounds. A position's figure is the median
 * over its rounds of the least of wall-clock and process CPU time per stage: wall-clock time also counts
 * waits for a core while other processes keep the machine busy, process CPU time also counts V8's
 * helper threads, and each is an upper bound of the work Tandem does on the main thread.
 */
async function measureOverhead(
  newEngine: () => CompletionEngine,
  metrics: RequestMetrics[],
  file: SourceFile,
  count: number,
  rounds: number,
) {
  const doc = new LineDocument(`sweep://${file.name}`, file.path, file.languageId, file.text);
  const indentUnit = detectIndentUnit(file.text.split('\n').slice(0, 200));
  const places = positions(doc, count, 2);
  const own: number[][] = places.map(() => []);
  const wall: number[][] = places.map(() => []);
  const engine = newEngine();
  for (let round = 0; round < rounds; round++) {
    const order = places.map((_, index) => index);
    const rand = random(100 + round);
    order.sort(() => rand() - 0.5);
    for (const index of order) {
      engine.cache.clear();
      const before = metrics.length;
      await engine.provide({
        doc,
        pos: places[index],
        explicit: false,
        indentUnit,
        tabSize: 4,
        signal: new AbortController().signal,
      });
      const sample = metrics[before];
      if (!sample || sample.outcome === 'cancelled') continue;
      own[index].push(
        Math.min(sample.promptBuildMs, sample.promptBuildCpuMs ?? Infinity) +
          Math.min(sample.cleanMs, sample.cleanCpuMs ?? Infinity),
      );
      wall[index].push(sample.promptBuildMs + sample.cleanMs);
    }
  }
  engine.dispose();
  const median = (values: number[]) => quantile(values, 0.5);
  return {
    perRequest: own.filter((values) => values.length).map(median),
    wallPerRequest: wall.filter((values) => values.length).map(median),
    wallEveryTiming: wall.flat(),
  };
}

async function main(): Promise<void> {
  const deadline = setTimeout(() => {
    console.error('completion bench: did not finish in time');
    process.exit(1);
  }, DEADLINE_MS);
  const fixtures = loadFixtures();
  const large = largeFile(
    fixtures.find((file) => file.languageId === 'typescript')!,
    LARGE_FILE_MIN_LINES,
  );
  const files = [...fixtures, large];
  // Answers like a code model: the right continuation about half the time mid-line, a third of the
  // time at the start of a line; otherwise another line of the same file.
  const oracle = new OracleModel({ correctAtLineStart: 0.35, correctMidLine: 0.55 });
  for (const file of files) oracle.addFile(file.text);

  const ours = await pipeline(oracle, TTFT_MS, PER_TOKEN_MS);
  const base = await pipeline(oracle, TTFT_MS, PER_TOKEN_MS);
  const fast = await pipeline(oracle, 0, 0);
  const oursMetrics: (RequestMetrics & { file: string })[] = [];
  const newEngine = (file: SourceFile, gate: TrustGate, policy?: TriggerPolicy) =>
    new CompletionEngine({
      gate,
      cpuClock: processCpuMs,
      settings: () => settings,
      sources: sourcesFor(file, files, gate),
      policy,
      onRequestFinished: (metrics) => oursMetrics.push({ ...metrics, file: file.name }),
    });
  const instantPolicy = () => new TriggerPolicy({ baseDelayMs: 0, minDelayMs: 0 });

  // Warm up the JIT on the code paths measured below (not counted): the per-request sweep, and one
  // short trace replayed through both Tandem and the baseline at once, as the measured traces are.
  await measureOverhead(() => newEngine(large, fast.gate, instantPolicy()), [], large, WARMUP_REQUESTS, 1);
  {
    const file = files[0];
    const warmEngine = newEngine(file, fast.gate);
    const warmBaseline = new ContinueBaseline(fast.gate, settings, sourcesFor(file, files, fast.gate));
    const indentUnit = detectIndentUnit(file.text.split('\n').slice(0, 200));
    await replayTrace(
      buildTrace(file, segmentStarts(file, 1, WARMUP_LINES)[0], WARMUP_LINES),
      warmEngine,
      warmBaseline,
      indentUnit,
    );
    warmEngine.dispose();
  }
  oursMetrics.length = 0;

  // Typing traces, all at once (each in its own editor: its own engine and baseline).
  const traces = files.flatMap((file) =>
    segmentStarts(file, SEGMENTS_PER_FILE, SEGMENT_LINES).map((start) => ({
      file,
      trace: buildTrace(file, start, SEGMENT_LINES),
    })),
  );
  const baselines: ContinueBaseline[] = [];
  const started = performance.now();
  const results: TraceResult[] = await Promise.all(
    traces.map(({ file, trace }) => {
      const engine = newEngine(file, ours.gate);
      const baseline = new ContinueBaseline(base.gate, settings, sourcesFor(file, files, base.gate));
      baselines.push(baseline);
      const indentUnit = detectIndentUnit(file.text.split('\n').slice(0, 200));
      return replayTrace(trace, engine, baseline, indentUnit).finally(() => engine.dispose());
    }),
  );
  const traceSeconds = (performance.now() - started) / 1000;

  const traceOverhead = oursMetrics
    .filter((metrics) => metrics.file === large.name && metrics.outcome !== 'cancelled')
    .map((metrics) => metrics.promptBuildMs + metrics.cleanMs);
  const sweepMetrics: RequestMetrics[] = [];
  const overhead = await measureOverhead(
    () =>
      new CompletionEngine({
        gate: fast.gate,
        cpuClock: processCpuMs,
        settings: () => settings,
        sources: sourcesFor(large, files, fast.gate),
        policy: instantPolicy(),
        onRequestFinished: (metrics) => sweepMetrics.push(metrics),
      }),
    sweepMetrics,
    large,
    OVERHEAD_POSITIONS,
    OVERHEAD_ROUNDS,
  );

  // Model time: the scripted server's own time for the requests whose answers were shown at pauses.
  const byEntry = new Map(oursMetrics.filter((m) => m.entryId !== undefined).map((m) => [m.entryId!, m]));
  const serverByPrompt = new Map<string, number[]>();
  for (const request of ours.server.requests) {
    if (request.finishedAt === undefined || typeof request.body?.prompt !== 'string') continue;
    const times = serverByPrompt.get(request.body.prompt) ?? [];
    times.push(request.finishedAt - request.receivedAt);
    serverByPrompt.set(request.body.prompt, times);
  }
  const modelTimes: number[] = [];
  const counted = new Set<number>();
  for (const entryId of results.flatMap((result) => result.ours.pauseEntryIds)) {
    const metrics = byEntry.get(entryId);
    if (!metrics || counted.has(metrics.requestRecordId)) continue;
    counted.add(metrics.requestRecordId);
    const prompt = ours.client.log.get(metrics.requestRecordId)?.sent?.prompt;
    const time = prompt === undefined ? undefined : serverByPrompt.get(prompt)?.[0];
    if (time !== undefined) modelTimes.push(time);
  }

  const keys = results.reduce((sum, result) => sum + result.keys, 0);
  const completions = (server: ScriptedModelServer) =>
    server.requests.filter((request) => request.path === '/v1/completions').length;
  const oursPause = results.flatMap((result) => result.ours.pauseToGhost);
  const basePause = results.flatMap((result) => result.baseline.pauseToGhost);
  const opportunities = results.reduce((sum, result) => sum + result.ours.typeAlongOpportunities, 0);
  const hits = results.reduce((sum, result) => sum + result.ours.typeAlongHits, 0);
  const lookups = baselines.reduce((sum, baseline) => sum + baseline.lookups, 0);
  const cacheHits = baselines.reduce((sum, baseline) => sum + baseline.cacheHits, 0);

  console.log(
    `traces: ${results.length} over ${files.length} files, ${keys} keys in ${traceSeconds.toFixed(0)} s`,
  );
  for (const result of results)
    console.log(
      `  ${result.trace}: ${result.keys} keys, ${result.pauses} pauses; ghost at ${result.ours.pauseToGhost.length} (Tandem) / ` +
        `${result.baseline.pauseToGhost.length} (baseline); type-along ${result.ours.typeAlongHits}/${result.ours.typeAlongOpportunities}`,
    );
  const byReason = new Map<string, number>();
  for (const m of oursMetrics)
    byReason.set(`${m.reason}/${m.outcome}`, (byReason.get(`${m.reason}/${m.outcome}`) ?? 0) + 1);
  console.log('requests by reason/outcome (traces and sweep):', JSON.stringify(Object.fromEntries(byReason)));
  console.log(
    `pause-to-ghost samples (ms): Tandem ${oursPause
      .map(Math.round)
      .sort((a, b) => a - b)
      .join(' ')}; baseline ${basePause
      .map(Math.round)
      .sort((a, b) => a - b)
      .join(' ')}`,
  );
  console.log(
    `baseline cache: ${cacheHits} of ${lookups} completions past the debounce; ` +
      `model answers: ${oracle.answers.correct} right, ${oracle.answers.wrong} wrong, ${oracle.answers.unknown} unplaced; ` +
      `model-time samples: ${modelTimes.length}`,
  );
  console.log(
    `overhead over ${overhead.perRequest.length} positions x ${OVERHEAD_ROUNDS} rounds: ` +
      `p50 ${quantile(overhead.perRequest, 0.5).toFixed(2)} ms, p99 ${quantile(overhead.perRequest, 0.99).toFixed(2)} ms; ` +
      `wall clock (median of rounds): p99 ${quantile(overhead.wallPerRequest, 0.99).toFixed(2)} ms; ` +
      `every wall-clock timing: p99 ${quantile(overhead.wallEveryTiming, 0.99).toFixed(2)} ms; ` +
      `requests typed in the large file: wall p50 ${quantile(traceOverhead, 0.5).toFixed(2)} ms, ` +
      `p99 ${quantile(traceOverhead, 0.99).toFixed(2)} ms (n=${traceOverhead.length}); ` +
      `load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores`,
  );
  writeSuiteResult('completion', {
    // Raw wall-clock percentiles over every request of the sweep (prompt build + cleaning).
    overhead_p50_ms: round(quantile(overhead.wallEveryTiming, 0.5)),
    overhead_p99_ms: round(quantile(overhead.wallEveryTiming, 0.99)),
    pause_to_ghost_p50_ms: round(quantile(oursPause, 0.5), 1),
    pause_to_ghost_p95_ms: round(quantile(oursPause, 0.95), 1),
    pause_to_ghost_p99_ms: round(quantile(oursPause, 0.99), 1),
    model_time_p50_ms: round(quantile(modelTimes, 0.5), 1),
    requests_per_100_keys: round((completions(ours.server) / keys) * 100, 2),
    baseline_pause_to_ghost_p50_ms: round(quantile(basePause, 0.5), 1),
    baseline_pause_to_ghost_p95_ms: round(quantile(basePause, 0.95), 1),
    baseline_pause_to_ghost_p99_ms: round(quantile(basePause, 0.99), 1),
    baseline_requests_per_100_keys: round((completions(base.server) / keys) * 100, 2),
    baseline_cache_hit_rate: round(lookups ? cacheHits / lookups : NaN, 4),
    typealong_hit_rate: round(opportunities ? hits / opportunities : NaN, 4),
    pauses_with_ghost: oursPause.length,
    baseline_pauses_with_ghost: basePause.length,
    file_lines_max: Math.max(...files.map((file) => file.text.split('\n').length)),
    // Per position: the median over its rounds of min(wall, CPU) per stage; a figure of Tandem's own
    // work that a busy machine disturbs less, not a latency a user sees.
    overhead_cpu_position_median_p50_ms: round(quantile(overhead.perRequest, 0.5)),
    overhead_cpu_position_median_p99_ms: round(quantile(overhead.perRequest, 0.99)),
  });
  await Promise.all([ours.server.close(), base.server.close(), fast.server.close()]);
  clearTimeout(deadline);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
