// `npm run bench -- nextedit`: next-edit suggestions on a replay of recorded edit sequences (renames
// typed key by key in real source files, 110 ms between keys) through the real engine, trust gate and
// model client against the scripted model server answering the true rewrite of the region (100 ms to
// the first token, 1 ms per token). Each suggestion is then accepted edit by edit as Tab, Tab would.
import * as path from 'node:path';
import { ModelClient, RequestLog } from '../../src/model';
import { answerToEdits } from '../../src/nextEdit/answerToEdits';
import { EditHistory } from '../../src/nextEdit/editHistory';
import { NextEditEngine, type NextEditMetrics } from '../../src/nextEdit/nextEditEngine';
import { buildNextEditPrompt, regionShapeOf } from '../../src/nextEdit/promptFormats';
import { chooseRegion } from '../../src/nextEdit/region';
import type { DocumentChange, NextEdit, Position } from '../../src/nextEdit/types';
import { ExclusionRules, TrustGate } from '../../src/trust';
import { nextEditRegion, startScriptedModelServer } from '../fixtures/model-server';
import { editSequences, type EditSequence } from './nextedit/sequences';
import { quantile, round, writeSuiteResult } from './results';

const SEQUENCES = 110;
const WARMUP = 6;
const KEY_INTERVAL_MS = 110;
const TTFT_MS = 100;
const PER_TOKEN_MS = 1;
const DEADLINE_MS = 8 * 60_000;
/** Rounds of the offline measurement of Tandem's own work per prediction. */
const OVERHEAD_ROUNDS = 9;

const repo = path.resolve(__dirname, '..', '..', '..');
const files = [
  'test/fixtures/completion/rateLimiter.ts',
  'test/fixtures/completion/inventory.py',
  'test/fixtures/completion/jobqueue.go',
  'src/nextEdit/answerToEdits.ts',
  'src/nextEdit/editHistory.ts',
  'src/completion/completionEngine.ts',
  'src/trust/gate.ts',
  'src/proposals/lineDiff.ts',
  'src/collab/documentBinding.ts',
].map((file) => path.join(repo, file));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** CPU time of the whole process in ms. */
function processCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/**
 * Tandem's own work for one prediction, as the engine does it: record the last keystroke, choose the
 * region, build the prompt and pass it through the trust gate (redaction, fencing), restore the answer
 * and turn it into edits. Returns the least of wall-clock and process CPU time: on a busy machine
 * wall-clock also counts waits for a core, and each is an upper bound of the work done.
 */
function ownWork(sequence: EditSequence, gate: TrustGate): number {
  const lines = sequence.text.split('\n');
  const history = new EditHistory();
  history.track('doc', sequence.text);
  const name = { line: sequence.line, character: sequence.character };
  const typed = sequence.to.slice(0, -1);
  history.record('doc', sequence.file, [
    {
      range: { start: name, end: { line: name.line, character: name.character + sequence.from.length } },
      text: typed,
    },
  ]);
  const line = lines[sequence.line];
  lines[sequence.line] =
    line.slice(0, sequence.character) + sequence.to + line.slice(sequence.character + sequence.from.length);
  const answerRegion = chooseRegion(lines, name, regionShapeOf('chat'));
  const answer =
    '```\n' +
    answerRegion.lines.join('\n').replace(new RegExp(`\\b${sequence.from}\\b`, 'g'), sequence.to) +
    '\n```';
  const wall = performance.now();
  const cpu = processCpuMs();
  const at = { line: sequence.line, character: sequence.character + typed.length };
  history.record('doc', sequence.file, [{ range: { start: at, end: at }, text: sequence.to.slice(-1) }]);
  const region = chooseRegion(
    history.linesOf('doc')!,
    { line: at.line, character: at.character + 1 },
    regionShapeOf('chat'),
  );
  const prompt = buildNextEditPrompt('chat', {
    path: sequence.file,
    languageId: sequence.languageId,
    region,
    history: history.recent(),
  });
  if (prompt.kind === 'chat')
    gate.prepareChat({
      feature: 'next-edit',
      model: 'm',
      system: prompt.system,
      instructions: prompt.instructions,
      context: prompt.context,
    });
  const restored = gate.restore(answer).text;
  const result = answerToEdits(restored, {
    region,
    path: sequence.file,
    history: history.recent(),
    finished: true,
  });
  if (!result.edits.length) throw new Error(`no edits for ${sequence.from}`);
  return Math.min(performance.now() - wall, processCpuMs() - cpu);
}

/** The text with a change applied. */
function apply(text: string, change: DocumentChange): string {
  const lines = text.split('\n');
  const offset = (at: Position) =>
    lines.slice(0, at.line).reduce((sum, line) => sum + line.length + 1, 0) + at.character;
  return text.slice(0, offset(change.range.start)) + change.text + text.slice(offset(change.range.end));
}

async function main(): Promise<void> {
  const deadline = setTimeout(() => {
    console.error('nextedit bench: deadline passed');
    process.exit(1);
  }, DEADLINE_MS);
  const sequences = editSequences(files, SEQUENCES);
  if (sequences.length < 100) throw new Error(`only ${sequences.length} edit sequences`);
  let current: EditSequence | undefined;
  const server = await startScriptedModelServer({
    timeToFirstTokenMs: TTFT_MS,
    perTokenDelayMs: PER_TOKEN_MS,
    script: (request) => {
      const region = nextEditRegion(request.promptText);
      if (region === undefined || !current) return { text: '' };
      // The true rewrite: the rename applied to the whole region, once the new name is typed.
      const typed = request.promptText.includes(current.to);
      const pattern = new RegExp(`\\b${current.from}\\b`, 'g');
      return { text: '```\n' + (typed ? region.replace(pattern, current.to) : region) + '\n```' };
    },
  });
  const client = new ModelClient({ baseUrl: server.url, log: new RequestLog({ capacity: 10_000 }) });
  const gate = new TrustGate({ model: client, rules: new ExclusionRules({ roots: [repo] }) });

  const overhead: number[] = [];
  const modelTimes: number[] = [];
  const editToVisible: number[] = [];
  let exact = 0;
  let measured = 0;
  const misses: string[] = [];

  for (const [index, sequence] of sequences.entries()) {
    current = sequence;
    const finished: NextEditMetrics[] = [];
    let shownAt: number | undefined;
    const engine = new NextEditEngine({
      gate,
      settings: () => ({
        model: 'qwen2.5-coder:7b-instruct',
        format: 'auto',
        maxTokens: 2048,
        temperature: 0,
      }),
      onRequestFinished: (metrics) => finished.push(metrics),
      onSuggestion: () => (shownAt ??= performance.now()),
    });
    const doc = { key: `bench://${index}`, path: sequence.file, languageId: sequence.languageId };
    let text = sequence.text;
    engine.documentOpened(doc, text);
    // Typed key by key over the selected name: the first key replaces it.
    let cursor: Position = { line: sequence.line, character: sequence.character };
    let pending: Promise<void> = Promise.resolve();
    let lastKeyAt = 0;
    for (const [i, char] of [...sequence.to].entries()) {
      const change: DocumentChange = {
        range: {
          start: cursor,
          end: i === 0 ? { line: cursor.line, character: cursor.character + sequence.from.length } : cursor,
        },
        text: char,
      };
      text = apply(text, change);
      cursor = { line: cursor.line, character: cursor.character + 1 };
      shownAt = undefined;
      lastKeyAt = performance.now();
      pending = engine.documentChanged(doc, [change], cursor);
      if (i < sequence.to.length - 1) await sleep(KEY_INTERVAL_MS);
    }
    await pending;
    const final = finished.at(-1);
    // Tab, Tab, ... until this suggestion's edits are all applied.
    let taken = 0;
    for (
      let shown = engine.shown(doc.key, cursor);
      shown && taken < 20;
      shown = engine.shown(doc.key, cursor)
    ) {
      if (shown.mode === 'jump') cursor = shown.edit.range.start;
      const edit: NextEdit = shown.edit;
      engine.take(doc.key, edit);
      const change = { range: edit.range, text: edit.text };
      text = apply(text, change);
      const lines = edit.text.split('\n');
      cursor =
        lines.length === 1
          ? { line: edit.range.start.line, character: edit.range.start.character + edit.text.length }
          : { line: edit.range.start.line + lines.length - 1, character: lines.at(-1)!.length };
      void engine.documentChanged(doc, [change], cursor, true);
      taken++;
    }
    engine.dispose();
    if (index < WARMUP) continue;
    measured++;
    if (text === sequence.expected) exact++;
    else if (misses.length < 5)
      misses.push(`${path.basename(sequence.file)} ${sequence.from} -> ${sequence.to}`);
    if (final?.outcome === 'ok' && shownAt !== undefined) {
      editToVisible.push(shownAt - lastKeyAt);
      if (final.modelMs !== undefined) modelTimes.push(final.modelMs);
    }
    for (const metrics of finished)
      if (metrics.outcome === 'ok' || metrics.outcome === 'no-edit') overhead.push(metrics.ownMs);
  }
  await server.close();

  // Tandem's own work per prediction, offline: each sequence in every round (order shuffled per
  // round), a sequence's figure the median over its rounds.
  const measuredSequences = sequences.slice(WARMUP);
  const rounds: number[][] = measuredSequences.map(() => []);
  for (let round = 0; round < OVERHEAD_ROUNDS; round++) {
    const order = measuredSequences.map((_, i) => i);
    if (round % 2) order.reverse();
    for (const i of order) rounds[i].push(ownWork(measuredSequences[i], gate));
  }
  const overheadPerSequence = rounds.map((values) => quantile(values, 0.5));
  clearTimeout(deadline);

  const figures = {
    /** Raw wall clock of the engine's own work per prediction in the live replay, waits for a core included. */
    overhead_p99_ms: round(quantile(overhead, 0.99)),
    overhead_p50_ms: round(quantile(overhead, 0.5)),
    /** Offline, per sequence the median over rounds of the least of wall clock and CPU time: its p99. */
    overhead_cpu_sequence_median_p99_ms: round(quantile(overheadPerSequence, 0.99)),
    edit_to_visible_p50_ms: round(quantile(editToVisible, 0.5)),
    model_time_p50_ms: round(quantile(modelTimes, 0.5)),
    apply_exact_rate: round(exact / measured, 4),
    sequences: measured,
    predictions: overhead.length,
  };
  writeSuiteResult('nextedit', figures);
  if (misses.length) console.log(`not applied exactly: ${misses.join('; ')}`);
  const failures = [
    figures.overhead_p99_ms < 5 ? '' : `overhead p99 ${figures.overhead_p99_ms} ms >= 5 ms`,
    figures.edit_to_visible_p50_ms <= figures.model_time_p50_ms + 40
      ? ''
      : `edit to visible p50 ${figures.edit_to_visible_p50_ms} ms > model ${figures.model_time_p50_ms} ms + 40`,
    figures.apply_exact_rate === 1 ? '' : `apply exact rate ${figures.apply_exact_rate} < 1`,
  ].filter(Boolean);
  if (failures.length) {
    console.error(`nextedit bench: ${failures.join('; ')}`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
