// `npm run bench -- diff`: hunks for a 20,000-line file of real source code (files of packages in
// node_modules, concatenated: braces, blank lines and repeated lines as real code has them) with
// realistic edits to about 1 % of its lines (statements changed, lines and blocks inserted, blocks
// deleted, a block moved), against the `diff` package's diffLines on the same texts in the same run;
// and matching a 10-line SEARCH block in that file. Both diffs get the same warm-up and sample count,
// timed alternately (A B A B); both are checked to turn the old text into the new one, and the changed
// lines of each are reported next to the minimal count (jsdiff's Myers diff is a shortest edit script).
// Time figures are raw wall-clock percentiles over the samples; the first, cold call of each is
// reported too.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { diffLines as jsdiffLines, type Change } from 'diff';
import { computeHunks, splitKeepEnds, type Hunk } from '../../src/proposals/hunks';
import { matchSearchBlock } from '../../src/proposals/matchSearchBlock';
import { pickFiles } from './quality/holes';
import { quantile, round, writeSuiteResult } from './results';

const LINES = 20_000;
const WARMUP = 5;
const SAMPLES = 21;
const root = path.resolve(__dirname, '..', '..', '..');

/** Deterministic pseudo-random numbers, so every run measures the same texts. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** 20,000 lines of real TypeScript and JavaScript from node_modules, whole files in a fixed order. */
function sourceLines(): string[] {
  const files = pickFiles(
    [path.join(root, 'node_modules')],
    (file) => /\.(ts|js)$/.test(file) && !/\.d\.ts$|\.min\.js$/.test(file),
    400,
  );
  const lines: string[] = [];
  for (const file of files) {
    if (lines.length >= LINES) break;
    lines.push(...fs.readFileSync(file, 'utf8').replace(/\r\n/g, '\n').split('\n'));
  }
  if (lines.length < LINES) throw new Error(`diff bench: only ${lines.length} lines of source found`);
  return lines.slice(0, LINES);
}

/** Edits as a person or a model makes them, touching about 1 % of the lines. */
function realisticEdits(lines: readonly string[], next: () => number): string[] {
  const out = [...lines];
  const pick = () => Math.floor(next() * out.length);
  const indent = (line: string | undefined) => /^\s*/.exec(line ?? '')![0];
  let touched = 0;
  for (let edit = 0; touched < LINES / 100; edit++) {
    const at = pick();
    const kind = next();
    if (kind < 0.4) {
      // A statement changed: a renamed identifier or a new literal.
      const line = out[at];
      const changed = /\b[a-z]\w{3,}\b/i.test(line)
        ? line.replace(/\b([a-z]\w{3,})\b/i, '$1Next')
        : `${line}${line.trim() ? ' ' : ''}// note ${edit}`;
      out[at] = changed;
      touched++;
    } else if (kind < 0.6) {
      // New lines: a guard or a log line, and sometimes a blank line and a closing brace with it.
      const pad = indent(out[at]);
      const added = [`${pad}if (value${edit} === undefined) {`, `${pad}  return;`, `${pad}}`];
      if (next() < 0.5) added.push('');
      out.splice(at, 0, ...added);
      touched += added.length;
    } else if (kind < 0.8) {
      const count = 1 + Math.floor(next() * 4);
      out.splice(at, count);
      touched += count;
    } else if (kind < 0.9) {
      // A line duplicated (copy and paste), often a brace or a blank line.
      out.splice(at, 0, out[at]);
      touched++;
    } else {
      // A block of 3-6 lines moved 20-200 lines down.
      const count = 3 + Math.floor(next() * 4);
      const block = out.splice(at, count);
      const to = Math.min(out.length, at + 20 + Math.floor(next() * 180));
      out.splice(to, 0, ...block);
      touched += 2 * count;
    }
  }
  return out;
}

/** Applies Tandem's hunks to the original text. */
function applyHunks(original: string, hunks: readonly Hunk[]): string {
  const lines = splitKeepEnds(original);
  const out: string[] = [];
  let at = 0;
  for (const hunk of hunks) {
    out.push(...lines.slice(at, hunk.originalStart));
    const removed = lines.slice(hunk.originalStart, hunk.originalStart + hunk.removed.length);
    if (removed.join('') !== hunk.removed.join(''))
      throw new Error(`hunk at ${hunk.originalStart} removes other lines`);
    out.push(...hunk.added);
    at = hunk.originalStart + hunk.removed.length;
  }
  out.push(...lines.slice(at));
  return out.join('');
}

/** Applies jsdiff's change list to the original text (checking the parts it keeps and removes). */
function applyChanges(original: string, changes: readonly Change[]): string {
  let at = 0;
  let out = '';
  for (const change of changes) {
    if (change.added) out += change.value;
    else {
      if (original.slice(at, at + change.value.length) !== change.value)
        throw new Error(`jsdiff part at ${at} does not match the original`);
      at += change.value.length;
      if (!change.removed) out += change.value;
    }
  }
  return out + original.slice(at);
}

function timeOnce(run: () => void): number {
  const started = performance.now();
  run();
  return performance.now() - started;
}

const next = random(2026);
const before = sourceLines();
const after = realisticEdits(before, next);
const original = before.join('\n') + '\n';
const proposed = after.join('\n') + '\n';

let hunks: Hunk[] = [];
let changes: Change[] = [];
const hunksColdMs = timeOnce(() => (hunks = computeHunks(original, proposed)));
const jsdiffColdMs = timeOnce(() => (changes = jsdiffLines(original, proposed)));
const hunkSamples: number[] = [];
const jsdiffSamples: number[] = [];
for (let i = 0; i < WARMUP + SAMPLES; i++) {
  // A B A B: each side runs first in every other round.
  const runHunks = () => timeOnce(() => computeHunks(original, proposed));
  const runJsdiff = () => timeOnce(() => jsdiffLines(original, proposed));
  let hunkTime: number;
  let jsdiffTime: number;
  if (i % 2 === 0) {
    hunkTime = runHunks();
    jsdiffTime = runJsdiff();
  } else {
    jsdiffTime = runJsdiff();
    hunkTime = runHunks();
  }
  if (i < WARMUP) continue;
  hunkSamples.push(hunkTime);
  jsdiffSamples.push(jsdiffTime);
}

const hunksRestore = applyHunks(original, hunks) === proposed;
const jsdiffRestore = applyChanges(original, changes) === proposed;
const hunkChanged = hunks.reduce((sum, hunk) => sum + hunk.removed.length + hunk.added.length, 0);
const jsdiffChanged = changes
  .filter((change) => change.added || change.removed)
  .reduce((sum, change) => sum + (change.count ?? splitKeepEnds(change.value).length), 0);

// 10-line SEARCH blocks taken from the file (each unique, as a model would quote them), with a change.
const unique = (start: number) => {
  const block = before.slice(start, start + 10).join('\n');
  return original.indexOf(block) === original.lastIndexOf(block) && before[start].trim() !== '';
};
const matchSamples: number[] = [];
let matched = 0;
let tried = 0;
while (tried < 300) {
  const start = 10 + Math.floor(next() * (LINES - 30));
  if (!unique(start)) continue;
  tried++;
  const search = before.slice(start, start + 10);
  const replace = [...search.slice(0, 5), '    added();', ...search.slice(5)];
  const started = performance.now();
  const result = matchSearchBlock(before, search, replace);
  matchSamples.push(performance.now() - started);
  if (result.ok && result.start === start) matched++;
}
if (matched !== 300) throw new Error(`only ${matched} of 300 SEARCH blocks matched their place`);

// The slow path: a block whose middle line the model retyped, found only by the fuzzy stage.
const fuzzySamples: number[] = [];
let fuzzyMatched = 0;
let fuzzyTried = 0;
while (fuzzyTried < 100) {
  const start = 10 + Math.floor(next() * (LINES - 30));
  if (!unique(start)) continue;
  const search = before.slice(start, start + 10);
  const retyped = search.findIndex((line, index) => index >= 3 && index <= 6 && /\w{4,}/.test(line));
  if (retyped < 0) continue;
  fuzzyTried++;
  search[retyped] = search[retyped].replace(/(\w{4,})/, '$1Value');
  const started = performance.now();
  const result = matchSearchBlock(before, search, search.slice(0, 9));
  fuzzySamples.push(performance.now() - started);
  if (result.ok && result.start === start) fuzzyMatched++;
}

const hunksMs = quantile(hunkSamples, 0.5);
const jsdiffMs = quantile(jsdiffSamples, 0.5);
const matchP50 = quantile(matchSamples.slice(20), 0.5);
writeSuiteResult('diff', {
  hunks_20k_ms: round(hunksMs),
  jsdiff_20k_ms: round(jsdiffMs),
  hunks_20k_p99_ms: round(quantile(hunkSamples, 0.99)),
  jsdiff_20k_p99_ms: round(quantile(jsdiffSamples, 0.99)),
  samples: SAMPLES,
  match_block_20k_p50_ms: round(matchP50),
  speedup_vs_jsdiff: round(jsdiffMs / hunksMs, 1),
  hunks_20k_cold_ms: round(hunksColdMs),
  jsdiff_20k_cold_ms: round(jsdiffColdMs),
  equivalent: hunksRestore && jsdiffRestore ? 1 : 0,
  hunks_changed_lines: hunkChanged,
  jsdiff_changed_lines: jsdiffChanged,
  minimal_changed_lines: jsdiffChanged,
  hunks: hunks.length,
  jsdiff_parts: changes.length,
  match_block_20k_p95_ms: round(quantile(matchSamples.slice(20), 0.95)),
  match_block_20k_p99_ms: round(quantile(matchSamples.slice(20), 0.99)),
  match_block_fuzzy_20k_p50_ms: round(quantile(fuzzySamples.slice(10), 0.5)),
  match_block_fuzzy_found_rate: round(fuzzyMatched / fuzzyTried, 3),
});
if (!hunksRestore || !jsdiffRestore)
  throw new Error(
    `diff: applied to the old text, ${hunksRestore ? '' : "Tandem's hunks"}${!hunksRestore && !jsdiffRestore ? ' and ' : ''}${jsdiffRestore ? '' : "jsdiff's changes"} do not give the new text`,
  );
if (hunksMs * 10 > jsdiffMs)
  console.warn(`diff: hunks_20k_ms ${hunksMs} is not a tenth of jsdiff's ${jsdiffMs}`);
if (matchP50 >= 5) console.warn(`diff: match_block_20k_p50_ms ${matchP50} is not under 5 ms`);
