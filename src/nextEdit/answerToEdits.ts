/**
 * Turns a model's answer (the rewritten region, in whatever wrapping its format uses) into the smallest
 * edits that take the region there: markers and code fences are unwrapped, lines the model copied from
 * outside the region are trimmed, a cut-off answer keeps only the changes it finished, changes that undo
 * or repeat the user's last edit are dropped, and each changed block is narrowed to the words that
 * differ.
 */
import { diffLines } from '../proposals/lineDiff';
import { CONTROL_TOKENS, ZETA_REGION_END, ZETA_REGION_START } from './promptFormats';
import type { Region } from './region';
import type { HistoryHunk, NextEdit, Position } from './types';

export interface AnswerContext {
  readonly region: Region;
  /** The trust path of the document (to match the history's hunks). */
  readonly path: string;
  /** Recent edits, newest last. */
  readonly history: readonly HistoryHunk[];
  /** The model ended its answer itself (finish reason `stop`), rather than being cut off. */
  readonly finished: boolean;
}

export interface AnswerEdits {
  /** In document coordinates, in document order. */
  readonly edits: NextEdit[];
  readonly cutOff: boolean;
  /** Why changes were left out, for the log. */
  readonly notes: string[];
}

/** A finished answer missing this many of the region's last lines stopped early (not a deletion). */
const EARLY_END_LINES = 3;

const CURSOR_MARKERS = ['<|user_cursor_is_here|>', '<|cursor|>', '<|user_cursor|>'];

/** The rewritten region's lines as the answer gives them, or undefined when it gives none. */
export function extractRewrite(
  answer: string,
  finished: boolean,
): { lines: string[]; cutOff: boolean } | undefined {
  let text = answer.replace(/\r\n/g, '\n');
  // Exact: the answer marks where the region ends (its end marker, a closing fence), so its last
  // line is whole and a blank last line is part of the region.
  let exact = false;
  const start = text.indexOf(ZETA_REGION_START);
  if (start >= 0) text = text.slice(start + ZETA_REGION_START.length).replace(/^[^\S\n]*\n/, '');
  const end = text.indexOf(ZETA_REGION_END);
  if (end >= 0) {
    text = text.slice(0, end).replace(/\n$/, '');
    exact = true;
  } else if (start < 0) {
    const fenced = unfence(text);
    if (fenced) {
      text = fenced.text;
      exact = fenced.closed;
    }
  }
  for (const token of [...CURSOR_MARKERS, ...CONTROL_TOKENS]) text = text.split(token).join('');
  const lines = text.split('\n');
  const cutOff = !exact && !finished;
  if (!exact && lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  if (cutOff) lines.pop(); // the last line may be half written
  if (looksLikeDiff(lines)) return undefined;
  return { lines, cutOff };
}

/** The body of the first ``` block, if the answer has one. */
function unfence(text: string): { text: string; closed: boolean } | undefined {
  const lines = text.split('\n');
  const open = lines.findIndex((line) => /^\s*(```|~~~)/.test(line));
  if (open < 0) return undefined;
  const fence = lines[open].trim().startsWith('~~~') ? '~~~' : '```';
  const close = lines.findIndex((line, i) => i > open && line.trim() === fence);
  if (close < 0) return { text: lines.slice(open + 1).join('\n'), closed: false };
  return { text: lines.slice(open + 1, close).join('\n'), closed: true };
}

/** An answer written as a unified diff (a model repeating the history's format) is no rewrite. */
function looksLikeDiff(lines: readonly string[]): boolean {
  const meaningful = lines.filter((line) => line.trim() !== '');
  return (
    meaningful.some((line) => /^@@ -\d+(,\d+)? \+\d+(,\d+)? @@/.test(line)) &&
    meaningful.every((line) => /^[-+ @]/.test(line))
  );
}

export function answerToEdits(answer: string, context: AnswerContext): AnswerEdits {
  const notes: string[] = [];
  const rewrite = extractRewrite(answer, context.finished);
  if (!rewrite)
    return { edits: [], cutOff: false, notes: ['the answer is a diff, not the rewritten region'] };
  const { region } = context;
  const lines = trimDrift(rewrite.lines, region, rewrite.cutOff, notes);
  const old = region.lines;
  if (lines.join('').trim() === '' && old.join('').trim() !== '')
    return { edits: [], cutOff: rewrite.cutOff, notes: [...notes, 'the answer is empty'] };
  let changes = diffLines(old, lines, { patience: false });
  const final = changes[changes.length - 1];
  if (final && final.aEnd === old.length && final.bEnd === lines.length) {
    if (rewrite.cutOff) {
      // The answer stopped here: its last lines pair with the region's lines where they stand, and
      // the region's lines it never reached stay.
      const count = final.bEnd - final.bStart;
      changes = changes.slice(0, -1);
      if (count > 0) changes.push({ ...final, aEnd: Math.min(final.aEnd, final.aStart + count) });
      notes.push('the answer was cut off: the region past its end is left as it is');
    } else if (
      old.slice(final.aStart).every((line) => line.trim() === '') &&
      lines.slice(final.bStart).every((line) => line.trim() === '')
    ) {
      // Blank lines at the end of the region, kept or dropped: how the answer was wrapped, not an edit.
      changes = changes.slice(0, -1);
    } else if (final.bStart === final.bEnd && final.aEnd - final.aStart >= EARLY_END_LINES) {
      // A model that stops rewriting before the region's end would delete the rest of it.
      changes = changes.slice(0, -1);
      notes.push('the answer ended before the region did: the missing lines are kept');
    }
  }
  const last = lastHunkHere(context);
  const edits: NextEdit[] = [];
  for (const change of changes) {
    const oldLines = old.slice(change.aStart, change.aEnd);
    const newLines = lines.slice(change.bStart, change.bEnd);
    if (last && repeatsHistory(last, region.startLine + change.aStart, oldLines, newLines)) {
      notes.push('a change that undoes or repeats the last edit is left out');
      continue;
    }
    edits.push(...blockEdits(old, change.aStart, change.aEnd, newLines, region.startLine));
  }
  return { edits, cutOff: rewrite.cutOff, notes };
}

/** Takes off lines the answer copied from just above or below the region. */
function trimDrift(lines: string[], region: Region, cutOff: boolean, notes: string[]): string[] {
  let result = lines;
  const { above, below } = region;
  for (let k = Math.min(above.length, result.length); k > 0; k--) {
    if (!sameLines(result, 0, above, above.length - k, k)) continue;
    if (sameLines(result, 0, region.lines, 0, k)) break; // the region itself starts so
    result = result.slice(k);
    notes.push(`${k} line(s) from above the region were left out`);
    break;
  }
  if (!cutOff) {
    for (let k = Math.min(below.length, result.length); k > 0; k--) {
      if (!sameLines(result, result.length - k, below, 0, k)) continue;
      if (sameLines(result, result.length - k, region.lines, region.lines.length - k, k)) break;
      result = result.slice(0, result.length - k);
      notes.push(`${k} line(s) from below the region were left out`);
      break;
    }
  }
  return result;
}

function sameLines(
  a: readonly string[],
  aFrom: number,
  b: readonly string[],
  bFrom: number,
  count: number,
): boolean {
  if (aFrom < 0 || bFrom < 0 || aFrom + count > a.length || bFrom + count > b.length) return false;
  for (let i = 0; i < count; i++) if (a[aFrom + i] !== b[bFrom + i]) return false;
  return true;
}

function lastHunkHere(context: AnswerContext): HistoryHunk | undefined {
  const last = context.history[context.history.length - 1];
  return last && last.path === context.path ? last : undefined;
}

/**
 * A change at the place of the user's last edit that puts back what they replaced (undo), or that
 * inserts again right next to it the lines they just inserted (echo).
 */
function repeatsHistory(
  last: HistoryHunk,
  line: number,
  oldLines: readonly string[],
  newLines: readonly string[],
): boolean {
  const undo =
    line === last.startLine &&
    sameLines(oldLines, 0, last.newLines, 0, last.newLines.length) &&
    oldLines.length === last.newLines.length &&
    sameLines(newLines, 0, last.oldLines, 0, last.oldLines.length) &&
    newLines.length === last.oldLines.length;
  const lastEnd = last.startLine + last.newLines.length;
  const echo =
    oldLines.length === 0 &&
    newLines.length > 0 &&
    newLines.length === last.newLines.length &&
    sameLines(newLines, 0, last.newLines, 0, newLines.length) &&
    (line === lastEnd || line === last.startLine);
  return undo || echo;
}

/** The smallest edits that turn lines [aStart, aEnd) of `old` into `newLines` (region line `base` = document line). */
function blockEdits(
  old: readonly string[],
  aStart: number,
  aEnd: number,
  newLines: readonly string[],
  base: number,
): NextEdit[] {
  const at = (line: number, character: number): Position => ({ line: base + line, character });
  if (aStart === aEnd) {
    // Whole lines inserted: before line aStart, or after the last line.
    if (aStart < old.length)
      return [
        {
          range: { start: at(aStart, 0), end: at(aStart, 0) },
          oldText: '',
          text: newLines.join('\n') + '\n',
        },
      ];
    const end = at(old.length - 1, old[old.length - 1]?.length ?? 0);
    return [{ range: { start: end, end }, oldText: '', text: '\n' + newLines.join('\n') }];
  }
  if (newLines.length === 0) {
    const removed = old.slice(aStart, aEnd).join('\n');
    if (aEnd < old.length)
      return [{ range: { start: at(aStart, 0), end: at(aEnd, 0) }, oldText: removed + '\n', text: '' }];
    if (aStart === 0)
      return [
        { range: { start: at(0, 0), end: at(aEnd - 1, old[aEnd - 1].length) }, oldText: removed, text: '' },
      ];
    return [
      {
        range: { start: at(aStart - 1, old[aStart - 1].length), end: at(aEnd - 1, old[aEnd - 1].length) },
        oldText: '\n' + removed,
        text: '',
      },
    ];
  }
  // Replaced lines: diff their words, so a rename becomes edits of the name alone.
  const before = old.slice(aStart, aEnd).join('\n');
  const after = newLines.join('\n');
  const a = words(before);
  const b = words(after);
  const edits: NextEdit[] = [];
  let aOffset = 0;
  let bOffset = 0;
  let aIndex = 0;
  let bIndex = 0;
  const offsetsA = prefixSums(a);
  const offsetsB = prefixSums(b);
  for (const change of diffLines(a, b, { patience: false })) {
    aOffset = offsetsA[change.aStart];
    bOffset = offsetsB[change.bStart];
    aIndex = change.aEnd;
    bIndex = change.bEnd;
    let oldText = before.slice(aOffset, offsetsA[aIndex]);
    let text = after.slice(bOffset, offsetsB[bIndex]);
    let from = aOffset;
    // A word that only grows or shrinks at one end (`total` -> `totalAmount`) is an insertion or a
    // deletion there, which can show as ghost text at the cursor.
    if (oldText && text.startsWith(oldText)) {
      from += oldText.length;
      text = text.slice(oldText.length);
      oldText = '';
    } else if (oldText && text.endsWith(oldText)) {
      text = text.slice(0, text.length - oldText.length);
      oldText = '';
    } else if (text && oldText.startsWith(text)) {
      from += text.length;
      oldText = oldText.slice(text.length);
      text = '';
    } else if (text && oldText.endsWith(text)) {
      oldText = oldText.slice(0, oldText.length - text.length);
      text = '';
    }
    edits.push({
      range: {
        start: positionIn(before, from, aStart, base),
        end: positionIn(before, from + oldText.length, aStart, base),
      },
      oldText,
      text,
    });
  }
  return edits;
}

/** Words, runs of white space and single other characters: the units a rename changes. */
function words(text: string): string[] {
  return text.match(/[\p{L}\p{N}_$]+|[^\S\n]+|\n|[^\p{L}\p{N}_$\s]/gu) ?? [];
}

function prefixSums(tokens: readonly string[]): number[] {
  const sums = [0];
  for (const token of tokens) sums.push(sums[sums.length - 1] + token.length);
  return sums;
}

function positionIn(text: string, offset: number, firstLine: number, base: number): Position {
  let line = firstLine;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line: base + line, character: offset - lineStart };
}
