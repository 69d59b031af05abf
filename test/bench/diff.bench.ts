// `npm run bench -- diff`: hunks for a 20,000-line file with 1 % of its lines changed, against the
// `diff` package's diffLines on the same texts in the same run; and matching a 10-line SEARCH block in
// that file. Figures are medians (p50) over repeated runs after a warm-up (both diffs get the same
// treatment); the very first, cold call of each is reported too.
import { diffLines as jsdiffLines } from 'diff';
import { computeHunks } from '../../src/proposals/hunks';
import { matchSearchBlock } from '../../src/proposals/matchSearchBlock';
import { quantile, round, writeSuiteResult } from './results';

const LINES = 20_000;

/** Deterministic pseudo-random numbers, so every run measures the same texts. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Source-like lines: repeated braces and blank lines, like real code, plus mostly distinct statements. */
function sourceLines(next: () => number): string[] {
  const lines: string[] = [];
  for (let i = 0; i < LINES; i++) {
    const depth = 1 + (i % 4);
    if (i % 9 === 8) lines.push('');
    else if (i % 9 === 7) lines.push(' '.repeat(depth * 2) + '}');
    else
      lines.push(
        `${' '.repeat(depth * 2)}const value${i} = compute(${Math.floor(next() * 1000)}, "item ${i}");`,
      );
  }
  return lines;
}

function changeOnePercent(lines: string[], next: () => number): string[] {
  const out = [...lines];
  const edits = LINES / 100;
  for (let edit = 0; edit < edits; edit++) {
    const at = Math.floor(next() * out.length);
    const kind = next();
    if (kind < 0.5) out[at] = `${out[at]} // changed ${edit}`;
    else if (kind < 0.75) out.splice(at, 0, `    inserted(${edit});`);
    else out.splice(at, 1);
  }
  return out;
}

function time(run: () => void, repeats: number): number[] {
  const samples: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    run();
    samples.push(performance.now() - started);
  }
  return samples;
}

const next = random(2026);
const before = sourceLines(next);
const after = changeOnePercent(before, next);
const original = before.join('\n') + '\n';
const proposed = after.join('\n') + '\n';

let hunkCount = 0;
const hunksColdMs = time(() => (hunkCount = computeHunks(original, proposed).length), 1)[0];
time(() => computeHunks(original, proposed), 20);
const hunkSamples = time(() => computeHunks(original, proposed), 41);

let jsdiffParts = 0;
const jsdiffColdMs = time(() => (jsdiffParts = jsdiffLines(original, proposed).length), 1)[0];
time(() => jsdiffLines(original, proposed), 4);
const jsdiffSamples = time(() => jsdiffLines(original, proposed), 11);

// 10-line SEARCH blocks taken from the file (each unique, as a model would quote them), with a change.
const matchSamples: number[] = [];
let matched = 0;
for (let i = 0; i < 300; i++) {
  const start = 10 + Math.floor(next() * (LINES - 30));
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
for (let i = 0; i < 100; i++) {
  const start = 10 + Math.floor(next() * (LINES - 30));
  const search = before.slice(start, start + 10);
  const retyped = search.findIndex((line, index) => index >= 3 && line.includes('compute('));
  search[retyped] = search[retyped].replace('compute(', 'computeValue(');
  const started = performance.now();
  const result = matchSearchBlock(before, search, search.slice(0, 9));
  fuzzySamples.push(performance.now() - started);
  if (result.ok && result.strategy === 'fuzzy' && result.start === start) fuzzyMatched++;
}
if (fuzzyMatched !== 100) throw new Error(`only ${fuzzyMatched} of 100 retyped blocks matched fuzzily`);

const hunksMs = quantile(hunkSamples, 0.5);
const jsdiffMs = quantile(jsdiffSamples, 0.5);
const matchP50 = quantile(matchSamples.slice(20), 0.5);
writeSuiteResult('diff', {
  hunks_20k_ms: round(hunksMs),
  jsdiff_20k_ms: round(jsdiffMs),
  match_block_20k_p50_ms: round(matchP50),
  speedup_vs_jsdiff: round(jsdiffMs / hunksMs, 1),
  hunks_20k_cold_ms: round(hunksColdMs),
  jsdiff_20k_cold_ms: round(jsdiffColdMs),
  hunks: hunkCount,
  jsdiff_parts: jsdiffParts,
  match_block_20k_p95_ms: round(quantile(matchSamples.slice(20), 0.95)),
  match_block_fuzzy_20k_p50_ms: round(quantile(fuzzySamples.slice(10), 0.5)),
});
if (hunksMs * 10 > jsdiffMs)
  console.warn(`diff: hunks_20k_ms ${hunksMs} is not a tenth of jsdiff's ${jsdiffMs}`);
if (matchP50 >= 5) console.warn(`diff: match_block_20k_p50_ms ${matchP50} is not under 5 ms`);
