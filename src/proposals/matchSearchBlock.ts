/**
 * Finds where a SEARCH block sits in a file and builds its replacement, trying in turn:
 * 1. exact lines;
 * 2. lines equal but for trailing whitespace;
 * 3. lines equal but for indentation (the replacement is re-indented to the file's style);
 * 4. fuzzy: a region whose first and last lines equal the block's (ignoring indentation), of about the
 *    block's length, at least `fuzzyThreshold` similar overall. Overlapping windows are one place;
 *    of several places, one is taken only when it is clearly the most similar (see clearWinner).
 * A stage that finds several places reports the block as ambiguous instead of guessing one. Lines the
 * replacement keeps from the SEARCH text are written as they are in the file, so context lines the
 * model retyped slightly differently come through byte-identical.
 */
import { detectIndentUnit, leadingWhitespace, type IndentMapping, reindentLine } from './indentation';
import { diffLines } from './lineDiff';
import { lineSimilarity, similarity } from './similarity';

export type MatchStrategy = 'exact' | 'whitespace' | 'indentation' | 'fuzzy';

export interface LineRange {
  /** First line, 0-based. */
  start: number;
  /** One past the last line. */
  end: number;
}

export interface BlockMatch extends LineRange {
  ok: true;
  strategy: MatchStrategy;
  /** The lines that replace [start, end). */
  replacement: string[];
  /** 1 for the first three stages; the measured similarity for a fuzzy match. */
  similarity: number;
}

export interface BlockMiss {
  ok: false;
  kind: 'not-found' | 'ambiguous';
  /** Readable reason, e.g. "SEARCH text matches 2 places (lines 3-4, 9-10); ..." */
  reason: string;
  /** For an ambiguous block: the places it matched. */
  places: LineRange[];
  /** For a block not found: the most similar region seen, when one is at least half similar. */
  closest?: LineRange & { similarity: number };
}

export interface MatchOptions {
  /** Least similarity (0..1) a fuzzy match needs; default 0.8. */
  fuzzyThreshold?: number;
}

export const DEFAULT_FUZZY_THRESHOLD = 0.8;
const MAX_PLACES = 20;
const MAX_FUZZY_WINDOWS = 400;
const MAX_FUZZY_PAIRS = 20_000;
/** How many times further from the block than the best place every other place must be to be passed over. */
const CLEAR_WINNER_RATIO = 2;

const trimEnd = (line: string) => line.trimEnd();
const trimBoth = (line: string) => line.trim();

export function matchSearchBlock(
  lines: readonly string[],
  search: readonly string[],
  replace: readonly string[],
  options: MatchOptions = {},
): BlockMatch | BlockMiss {
  const exact = findAll(lines, search);
  if (exact.length === 1) return matched(exact[0], 'exact', [...replace], 1);
  if (exact.length > 1) return ambiguous(exact, search.length);

  const fileTrimEnd = lines.map(trimEnd);
  const searchTrimEnd = search.map(trimEnd);
  const loose = findAll(fileTrimEnd, searchTrimEnd);
  if (loose.length === 1) {
    const start = loose[0];
    const window = lines.slice(start, start + search.length);
    return matched(start, 'whitespace', keepContext(window, search, replace, identityMap(search.length)), 1);
  }
  if (loose.length > 1) return ambiguous(loose, search.length);

  const fileTrim = lines.map(trimBoth);
  const searchTrim = search.map(trimBoth);
  const unindented = findAll(fileTrim, searchTrim);
  if (unindented.length === 1) {
    const start = unindented[0];
    const window = lines.slice(start, start + search.length);
    const mapping = indentMapping(lines, window, search, replace, identityMap(search.length));
    const replacement = keepContext(window, search, replace, identityMap(search.length), mapping);
    return matched(start, 'indentation', replacement, 1);
  }
  if (unindented.length > 1) return ambiguous(unindented, search.length);

  const threshold = options.fuzzyThreshold ?? DEFAULT_FUZZY_THRESHOLD;
  const fuzzy = fuzzyCandidates(fileTrim, searchTrim, threshold);
  if (fuzzy.winners.length === 1) {
    const { start, end, similarity: score } = fuzzy.winners[0];
    const window = lines.slice(start, end);
    const alignment = alignLines(searchTrim, fileTrim.slice(start, end));
    const mapping = indentMapping(lines, window, search, replace, alignment);
    const replacement = keepContext(window, search, replace, alignment, mapping);
    return { ok: true, start, end, strategy: 'fuzzy', replacement, similarity: score };
  }
  if (fuzzy.overflow) {
    return {
      ok: false,
      kind: 'ambiguous',
      reason:
        'SEARCH text could be at too many places to decide (its first and last lines are very common); include more distinctive lines',
      places: [],
    };
  }
  if (fuzzy.winners.length > 1) {
    return {
      ok: false,
      kind: 'ambiguous',
      reason: `SEARCH text is similar to ${fuzzy.winners.length} places (${describe(fuzzy.winners)}); include more surrounding lines so it matches one`,
      places: fuzzy.winners.map(({ start, end }) => ({ start, end })),
    };
  }
  const closest = closestRegion(fileTrim, searchTrim, fuzzy.best);
  const hint = closest
    ? `; the closest text is at ${describe([closest])} (${Math.floor(closest.similarity * 100)}% similar)`
    : '';
  return { ok: false, kind: 'not-found', reason: `SEARCH text not found${hint}`, places: [], closest };

  function matched(start: number, strategy: MatchStrategy, replacement: string[], score: number): BlockMatch {
    return { ok: true, start, end: start + search.length, strategy, replacement, similarity: score };
  }
}

function ambiguous(starts: number[], length: number): BlockMiss {
  const places = starts.map((start) => ({ start, end: start + length }));
  const more = starts.length >= MAX_PLACES ? ' or more' : '';
  return {
    ok: false,
    kind: 'ambiguous',
    reason: `SEARCH text matches ${starts.length}${more} places (${describe(places)}); include more surrounding lines so it matches one`,
    places,
  };
}

/** "line 3" / "lines 3-5, 9-11" (1-based, as editors number lines). */
export function describe(ranges: readonly LineRange[]): string {
  const parts = ranges.map(({ start, end }) => (end - start <= 1 ? `${start + 1}` : `${start + 1}-${end}`));
  const single = ranges.length === 1 && ranges[0].end - ranges[0].start <= 1;
  return `${single ? 'line' : 'lines'} ${parts.join(', ')}`;
}

/** Start indices of every place `needle` occurs in `haystack` as whole consecutive lines. */
function findAll(haystack: readonly string[], needle: readonly string[]): number[] {
  const found: number[] = [];
  const n = needle.length;
  if (n === 0) return found;
  const first = needle[0];
  for (let i = 0, last = haystack.length - n; i <= last; i++) {
    if (haystack[i] !== first) continue;
    let j = 1;
    while (j < n && haystack[i + j] === needle[j]) j++;
    if (j === n) {
      found.push(i);
      if (found.length >= MAX_PLACES) break;
    }
  }
  return found;
}

interface Scored extends LineRange {
  similarity: number;
}

/** Sorted indices of the lines equal to `text`. */
function positionsOf(lines: readonly string[], text: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < lines.length; i++) if (lines[i] === text) out.push(i);
  return out;
}

/** Index of the first value >= `value` in a sorted array. */
function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Regions whose lines at the block's first and last non-blank lines equal those lines (ignoring
 * indentation), of about the block's length, scored by similarity. Every such pair of anchors is
 * considered (the rarer anchor drives the search); if there are more than MAX_FUZZY_PAIRS, the result
 * is `overflow` rather than a guess among the ones seen.
 */
function fuzzyCandidates(
  fileTrim: readonly string[],
  searchTrim: readonly string[],
  threshold: number,
): { winners: Scored[]; best?: Scored; overflow?: boolean } {
  const n = searchTrim.length;
  let head = 0;
  while (head < n && searchTrim[head] === '') head++;
  let tail = n - 1;
  while (tail > head && searchTrim[tail] === '') tail--;
  if (tail - head < 2) return { winners: [] };
  const firstAt = positionsOf(fileTrim, searchTrim[head]);
  const lastAt = positionsOf(fileTrim, searchTrim[tail]);
  if (firstAt.length === 0 || lastAt.length === 0) return { winners: [] };
  const span = tail - head;
  const slack = Math.max(1, Math.ceil(n * 0.2));
  const minGap = Math.max(2, span - slack);
  const maxGap = span + slack;
  const searchText = searchTrim.join('\n');
  const bestByStart = new Map<number, Scored>();
  let best: Scored | undefined;
  let pairs = 0;
  const consider = (i: number, j: number): boolean => {
    if (++pairs > MAX_FUZZY_PAIRS) return false;
    const start = Math.max(0, i - head);
    const end = Math.min(fileTrim.length, j + (n - 1 - tail) + 1);
    const window = fileTrim.slice(start, end);
    // A cheap line-level check first: most windows are nowhere near similar.
    if (lineSimilarity(window, searchTrim) < threshold - 0.35) return true;
    const score = similarity(window.join('\n'), searchText);
    const scored = { start, end, similarity: score };
    if (!best || score > best.similarity) best = scored;
    const previous = bestByStart.get(start);
    if (score >= threshold && (!previous || score > previous.similarity)) bestByStart.set(start, scored);
    return true;
  };
  const fromFirst = firstAt.length <= lastAt.length;
  for (const anchor of fromFirst ? firstAt : lastAt) {
    const lo = fromFirst ? anchor + minGap : anchor - maxGap;
    const hi = fromFirst ? anchor + maxGap : anchor - minGap;
    const others = fromFirst ? lastAt : firstAt;
    for (let k = lowerBound(others, lo); k < others.length && others[k] <= hi; k++) {
      const ok = fromFirst ? consider(anchor, others[k]) : consider(others[k], anchor);
      if (!ok) return { winners: [], best, overflow: true };
    }
  }
  return { winners: clearWinner(distinctPlaces([...bestByStart.values()], n)), best };
}

/**
 * Of several distinct places, the most similar one alone when every other differs from the block at
 * least CLEAR_WINNER_RATIO times as much (a block with one retyped line, beside a copy of that code
 * elsewhere with more lines changed); otherwise all of them, to be reported as ambiguous.
 */
function clearWinner(places: Scored[]): Scored[] {
  if (places.length < 2) return places;
  const ranked = [...places].sort((a, b) => b.similarity - a.similarity);
  const [best, second] = ranked;
  return 1 - second.similarity >= CLEAR_WINNER_RATIO * (1 - best.similarity) ? [best] : places;
}

/**
 * One candidate per place: windows that overlap (the same code, its ends shifted onto a nearby equal
 * anchor line such as `}` or a blank line) are one place, taken at its most similar window (the one
 * closest to the block's length on a tie).
 */
function distinctPlaces(candidates: Scored[], length: number): Scored[] {
  const ranked = [...candidates].sort(
    (a, b) =>
      b.similarity - a.similarity ||
      Math.abs(a.end - a.start - length) - Math.abs(b.end - b.start - length) ||
      a.start - b.start,
  );
  const kept: Scored[] = [];
  for (const candidate of ranked)
    if (!kept.some((place) => candidate.start < place.end && place.start < candidate.end))
      kept.push(candidate);
  return kept.sort((a, b) => a.start - b.start);
}

/** The region most like the block among those sharing its first or last line, for the failure message. */
function closestRegion(
  fileTrim: readonly string[],
  searchTrim: readonly string[],
  seen: Scored | undefined,
): Scored | undefined {
  const n = searchTrim.length;
  const searchText = searchTrim.join('\n');
  let best = seen;
  let windows = 0;
  const consider = (start: number) => {
    if (start < 0 || start + n > fileTrim.length || windows++ >= MAX_FUZZY_WINDOWS) return;
    const window = fileTrim.slice(start, start + n);
    if (lineSimilarity(window, searchTrim) === 0 && n > 1) return;
    const score = similarity(window.join('\n'), searchText);
    if (!best || score > best.similarity) best = { start, end: start + n, similarity: score };
  };
  const first = searchTrim[0];
  const last = searchTrim[n - 1];
  for (let i = 0; i < fileTrim.length && windows < MAX_FUZZY_WINDOWS; i++) {
    if (first !== '' && fileTrim[i] === first) consider(i);
    if (last !== '' && fileTrim[i] === last && n > 1) consider(i - n + 1);
  }
  return best && best.similarity >= 0.5 ? best : undefined;
}

/** For each SEARCH line, the window line it corresponds to (-1 when none). */
function alignLines(searchTrim: readonly string[], windowTrim: readonly string[]): number[] {
  const map = new Array<number>(searchTrim.length).fill(-1);
  let a = 0;
  let b = 0;
  const pairEqual = (until: number) => {
    while (a < until) map[a++] = b++;
  };
  for (const change of diffLines(searchTrim, windowTrim)) {
    pairEqual(change.aStart);
    // A changed run of equal length on both sides is taken line for line (a retyped line).
    if (change.aEnd - change.aStart === change.bEnd - change.bStart) {
      for (let k = 0; k < change.aEnd - change.aStart; k++) map[change.aStart + k] = change.bStart + k;
    }
    a = change.aEnd;
    b = change.bEnd;
  }
  pairEqual(searchTrim.length);
  return map;
}

function identityMap(length: number): number[] {
  return Array.from({ length }, (_, i) => i);
}

/**
 * The replacement, with every line it keeps unchanged from SEARCH taken from the file instead (so the
 * file's own whitespace and wording survive), and every new line re-indented when a mapping is given.
 */
function keepContext(
  window: readonly string[],
  search: readonly string[],
  replace: readonly string[],
  alignment: readonly number[],
  mapping?: IndentMapping,
): string[] {
  const out: string[] = [];
  const fresh = (line: string) => out.push(mapping ? reindentLine(line, mapping) : line);
  let s = 0;
  let r = 0;
  const keep = (until: number) => {
    while (r < until) {
      const target = alignment[s];
      if (target >= 0) out.push(window[target]);
      else fresh(replace[r]);
      s++;
      r++;
    }
  };
  for (const change of diffLines(search, replace)) {
    keep(change.bStart);
    for (let k = change.bStart; k < change.bEnd; k++) fresh(replace[k]);
    s = change.aEnd;
    r = change.bEnd;
  }
  keep(replace.length);
  return out;
}

/** How to carry the SEARCH text's indentation over to the file's, from the first aligned line. */
function indentMapping(
  fileLines: readonly string[],
  window: readonly string[],
  search: readonly string[],
  replace: readonly string[],
  alignment: readonly number[],
): IndentMapping {
  let fromBase = '';
  let toBase = '';
  for (let i = 0; i < search.length; i++) {
    if (search[i].trim() === '' || alignment[i] < 0) continue;
    fromBase = leadingWhitespace(search[i]);
    toBase = leadingWhitespace(window[alignment[i]]);
    break;
  }
  const fromUnit = detectIndentUnit([...search, ...replace]);
  const toUnit = detectIndentUnit(fileLines) ?? detectIndentUnit(window);
  const fallback = toBase.startsWith('\t') ? '\t' : '    ';
  return {
    fromBase,
    toBase,
    fromUnit: fromUnit ?? toUnit ?? fallback,
    toUnit: toUnit ?? (toBase.startsWith('\t') ? '\t' : (fromUnit ?? fallback)),
  };
}
