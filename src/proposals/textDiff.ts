/**
 * Line diff of two whole texts, fast when they are mostly equal (the usual case for a proposal: a few
 * hunks in a large file). Instead of splitting both texts into lines and hashing every line, it walks
 * them together: long equal runs are skipped by comparing substrings (native, memcmp-like), a
 * difference is resynchronised on the nearest place where a few lines agree again, and only the lines
 * in between go through the general line diff. The result is always a correct diff; like patience
 * diff it prefers the nearest resynchronisation over a globally minimal edit script.
 */
import { diffLines, type LineChange } from './lineDiff';

/** A change with the character offsets of its lines in both texts. */
export interface TextChange extends LineChange {
  aFrom: number;
  aTo: number;
  bFrom: number;
  bTo: number;
}

/** Lines that must agree after a difference before the walk trusts it is back in step. */
const CONFIRM_LINES = 3;
/** Lines looked ahead per side at first; doubled until a resynchronisation is found. */
const FIRST_WINDOW = 32;
/** Differences up to this many lines (both sides together) are resynchronised without an index. */
const NEAR = 6;

export function diffTexts(a: string, b: string): TextChange[] {
  const changes: TextChange[] = [];
  let pa = 0;
  let pb = 0;
  let ia = 0;
  let ib = 0;
  for (;;) {
    // Skip the equal run, in whole lines.
    const equal = commonLength(a, pa, b, pb);
    const stop = pa + equal;
    let lineStart = equal === 0 ? pa : a.lastIndexOf('\n', stop - 1) + 1;
    if (lineStart < pa) lineStart = pa;
    if (stop === a.length && pb + equal === b.length) lineStart = stop;
    const skipped = countLines(a, pa, lineStart);
    pb += lineStart - pa;
    pa = lineStart;
    ia += skipped;
    ib += skipped;
    if (pa === a.length && pb === b.length) break;
    if (pa === a.length || pb === b.length) {
      changes.push({
        aStart: ia,
        aEnd: ia + countLines(a, pa, a.length),
        bStart: ib,
        bEnd: ib + countLines(b, pb, b.length),
        aFrom: pa,
        aTo: a.length,
        bFrom: pb,
        bTo: b.length,
      });
      break;
    }
    const gap = resync(a, pa, b, pb);
    const aLines = splitAt(a, gap.aOffsets);
    const bLines = splitAt(b, gap.bOffsets);
    for (const change of diffLines(aLines, bLines)) {
      changes.push({
        aStart: ia + change.aStart,
        aEnd: ia + change.aEnd,
        bStart: ib + change.bStart,
        bEnd: ib + change.bEnd,
        aFrom: gap.aOffsets[change.aStart],
        aTo: gap.aOffsets[change.aEnd],
        bFrom: gap.bOffsets[change.bStart],
        bTo: gap.bOffsets[change.bEnd],
      });
    }
    ia += aLines.length;
    ib += bLines.length;
    pa = gap.aOffsets[aLines.length];
    pb = gap.bOffsets[bLines.length];
  }
  return changes;
}

/** Number of characters a[pa..] and b[pb..] have in common, found by galloping substring comparisons. */
function commonLength(a: string, pa: number, b: string, pb: number): number {
  const max = Math.min(a.length - pa, b.length - pb);
  let lo = 0;
  let step = 256;
  while (lo + step <= max && a.substring(pa + lo, pa + lo + step) === b.substring(pb + lo, pb + lo + step)) {
    lo += step;
    step *= 2;
  }
  let hi = Math.min(lo + step, max);
  while (hi - lo > 64) {
    const mid = (lo + hi) >> 1;
    if (a.substring(pa + lo, pa + mid) === b.substring(pb + lo, pb + mid)) lo = mid;
    else hi = mid;
  }
  while (lo < hi && a.charCodeAt(pa + lo) === b.charCodeAt(pb + lo)) lo++;
  return lo;
}

function countLines(text: string, from: number, to: number): number {
  let count = 0;
  let at = from;
  while (at < to) {
    const newline = text.indexOf('\n', at);
    count++;
    if (newline < 0 || newline + 1 >= to) break;
    at = newline + 1;
  }
  return count;
}

/** Start offsets of up to `count` lines from `from`, plus the end offset after the last one. */
function lineOffsets(text: string, from: number, count: number): number[] {
  const offsets = [from];
  let at = from;
  while (offsets.length <= count && at < text.length) {
    const newline = text.indexOf('\n', at);
    at = newline < 0 ? text.length : newline + 1;
    offsets.push(at);
  }
  return offsets;
}

function splitAt(text: string, offsets: readonly number[]): string[] {
  const lines = new Array<string>(offsets.length - 1);
  for (let i = 0; i + 1 < offsets.length; i++) lines[i] = text.slice(offsets[i], offsets[i + 1]);
  return lines;
}

function sameLine(
  a: string,
  aOffsets: number[],
  x: number,
  b: string,
  bOffsets: number[],
  y: number,
): boolean {
  const aFrom = aOffsets[x];
  const bFrom = bOffsets[y];
  const length = aOffsets[x + 1] - aFrom;
  return (
    length === bOffsets[y + 1] - bFrom &&
    a.substring(aFrom, aFrom + length) === b.substring(bFrom, bFrom + length)
  );
}

/** Whether line x of A and line y of B start CONFIRM_LINES equal lines (or equal ends of both texts). */
function confirmedAt(
  a: string,
  aOffsets: number[],
  aAll: boolean,
  x: number,
  b: string,
  bOffsets: number[],
  bAll: boolean,
  y: number,
): boolean {
  const aCount = aOffsets.length - 1;
  const bCount = bOffsets.length - 1;
  for (let k = 0; k < CONFIRM_LINES; k++) {
    const endA = x + k >= aCount;
    const endB = y + k >= bCount;
    if (endA || endB) return endA && endB && aAll && bAll;
    if (!sameLine(a, aOffsets, x + k, b, bOffsets, y + k)) return false;
  }
  return true;
}

/**
 * The nearest (x, y) where line x after pa and line y after pb start a run of CONFIRM_LINES equal lines
 * (or equal lines up to the end of both texts). Returns the offsets of the lines before that point.
 */
function resync(a: string, pa: number, b: string, pb: number): { aOffsets: number[]; bOffsets: number[] } {
  // Most differences are a few lines: try the nearest points directly before indexing a window.
  const aNear = lineOffsets(a, pa, NEAR + CONFIRM_LINES);
  const bNear = lineOffsets(b, pb, NEAR + CONFIRM_LINES);
  const aNearAll = aNear[aNear.length - 1] === a.length;
  const bNearAll = bNear[bNear.length - 1] === b.length;
  for (let sum = 1; sum <= NEAR; sum++) {
    for (let x = 0; x <= sum; x++) {
      const y = sum - x;
      if (confirmedAt(a, aNear, aNearAll, x, b, bNear, bNearAll, y))
        return { aOffsets: aNear.slice(0, x + 1), bOffsets: bNear.slice(0, y + 1) };
    }
  }
  for (let window = FIRST_WINDOW; ; window *= 4) {
    const aOffsets = lineOffsets(a, pa, window + CONFIRM_LINES);
    const bOffsets = lineOffsets(b, pb, window + CONFIRM_LINES);
    const aCount = aOffsets.length - 1;
    const bCount = bOffsets.length - 1;
    const aAll = aOffsets[aCount] === a.length;
    const bAll = bOffsets[bCount] === b.length;
    const confirmed = (x: number, y: number) => confirmedAt(a, aOffsets, aAll, x, b, bOffsets, bAll, y);
    // Index the B side's lines of this window, then try A's lines nearest first.
    const firstInB = new Map<string, number[]>();
    const limitB = Math.min(bCount, window);
    for (let y = 1; y <= limitB; y++) {
      if (y >= bCount) break;
      const line = b.slice(bOffsets[y], bOffsets[y + 1]);
      const list = firstInB.get(line);
      if (list) list.push(y);
      else firstInB.set(line, [y]);
    }
    let best: [number, number] | undefined;
    const limitA = Math.min(aCount, window);
    for (let x = 0; x <= limitA; x++) {
      if (best && x >= best[0] + best[1]) break;
      if (x >= aCount) {
        // Everything left in A is changed: B resynchronises only at its end.
        if (aAll && bAll) best = best ?? [aCount, bCount];
        break;
      }
      const candidates = firstInB.get(a.slice(aOffsets[x], aOffsets[x + 1]));
      for (const y of candidates ?? []) {
        if (best && x + y >= best[0] + best[1]) break;
        if (confirmed(x, y)) {
          best = [x, y];
          break;
        }
      }
      // Line x of A against line 0 of B (B's first line was not indexed: it differs from A's first).
      if (x > 0 && (!best || x < best[0] + best[1]) && confirmed(x, 0)) best = [x, 0];
    }
    if (!best && aAll && bAll) best = [aCount, bCount];
    if (best) return { aOffsets: aOffsets.slice(0, best[0] + 1), bOffsets: bOffsets.slice(0, best[1] + 1) };
  }
}
