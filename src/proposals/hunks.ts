/**
 * Hunks: the units a person accepts or rejects. Lines here keep their line break ("a\n", "b\r\n", and
 * an unterminated last line "c"), so applying a hunk is byte-exact, CRLF and a missing final newline
 * included, and document line i is hunk line i.
 */
import { diffTexts } from './textDiff';

export interface Hunk {
  /** First line of the hunk in the text it was computed against. */
  originalStart: number;
  /** Lines taken out (with their line breaks). */
  removed: string[];
  /** Lines put in (with their line breaks). */
  added: string[];
  /** First line of `added` in the proposed text. */
  proposedStart: number;
  /** Up to two unchanged lines before and after the hunk in the original (to find it again later). */
  before: string[];
  after: string[];
}

/** Splits after every line break, keeping it; no empty piece for a final line break. */
export function splitKeepEnds(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  for (;;) {
    const newline = text.indexOf('\n', start);
    if (newline < 0) break;
    lines.push(text.slice(start, newline + 1));
    start = newline + 1;
  }
  if (start < text.length) lines.push(text.slice(start));
  return lines;
}

/** A line without its line break. */
export function lineContent(line: string): string {
  if (line.endsWith('\r\n')) return line.slice(0, -2);
  if (line.endsWith('\n')) return line.slice(0, -1);
  return line;
}

const CONTEXT_LINES = 2;

export function computeHunks(original: string, proposed: string): Hunk[] {
  return diffTexts(original, proposed).map((change) => ({
    originalStart: change.aStart,
    removed: splitKeepEnds(original.slice(change.aFrom, change.aTo)),
    added: splitKeepEnds(proposed.slice(change.bFrom, change.bTo)),
    proposedStart: change.bStart,
    before: linesBefore(original, change.aFrom, CONTEXT_LINES),
    after: splitKeepEnds(original.slice(change.aTo, offsetAfterLines(original, change.aTo, CONTEXT_LINES))),
  }));
}

function linesBefore(text: string, offset: number, count: number): string[] {
  let from = offset;
  for (let i = 0; i < count && from > 0; i++) from = text.lastIndexOf('\n', from - 2) + 1;
  return splitKeepEnds(text.slice(from, offset));
}

function offsetAfterLines(text: string, offset: number, count: number): number {
  let to = offset;
  for (let i = 0; i < count && to < text.length; i++) {
    const newline = text.indexOf('\n', to);
    to = newline < 0 ? text.length : newline + 1;
  }
  return to;
}

/** Which of a hunk's lines to take: indices into `removed` (lines to take out) and `added` (to put in). */
export interface LineSelection {
  removed: readonly number[];
  added: readonly number[];
}

/**
 * The region's new lines when only some of the hunk's lines are accepted, the way `git add -p` stages
 * part of a hunk: removed lines not selected stay, then the selected added lines follow.
 */
export function composeSelection(
  hunk: { readonly removed: readonly string[]; readonly added: readonly string[] },
  selection: LineSelection,
  eol: string,
): string[] {
  const remove = new Set(selection.removed);
  const add = new Set(selection.added);
  const pieces = [
    ...hunk.removed.filter((_, i) => !remove.has(i)),
    ...hunk.added.filter((_, i) => add.has(i)),
  ];
  // Only the file's last line may lack a line break; one that no longer ends the region gets one.
  const regionEndsFile = hunk.removed.length > 0 && !/\n$/.test(hunk.removed[hunk.removed.length - 1]);
  return pieces.map((line, i) => {
    const last = i === pieces.length - 1;
    if (line.endsWith('\n')) return line;
    if (last && (regionEndsFile || hunk.removed.length === 0)) return line;
    return line + eol;
  });
}

/**
 * How removed and added lines go together when a person picks lines on one side only: removed line i
 * with added line i. With `leftovers: 'attach'` (the editor, which draws the extra lines of the longer
 * side beside the last line of the shorter one) those extra lines join that last pair; with 'alone'
 * (the proposed side of the diff, where every added line can be selected) each stands by itself.
 * Selecting any line of a group selects the whole group.
 */
export function pairGroups(
  removedCount: number,
  addedCount: number,
  leftovers: 'attach' | 'alone' = 'attach',
): LineSelection[] {
  const groups: LineSelection[] = [];
  const pairs = Math.min(removedCount, addedCount);
  for (let i = 0; i < pairs; i++) {
    const last = i === pairs - 1 && leftovers === 'attach';
    groups.push({
      removed: last ? range(i, removedCount) : [i],
      added: last ? range(i, addedCount) : [i],
    });
  }
  if (pairs === 0 || leftovers === 'alone') {
    for (let i = pairs; i < removedCount; i++) groups.push({ removed: [i], added: [] });
    for (let i = pairs; i < addedCount; i++) groups.push({ removed: [], added: [i] });
  }
  return groups;
}

/** The selection covering every group that contains one of the picked lines. */
export function expandToGroups(
  removedCount: number,
  addedCount: number,
  picked: { removed?: readonly number[]; added?: readonly number[] },
  leftovers: 'attach' | 'alone' = 'attach',
): LineSelection {
  const removed = new Set<number>();
  const added = new Set<number>();
  const pickedRemoved = new Set(picked.removed ?? []);
  const pickedAdded = new Set(picked.added ?? []);
  for (const group of pairGroups(removedCount, addedCount, leftovers)) {
    if (group.removed.some((i) => pickedRemoved.has(i)) || group.added.some((i) => pickedAdded.has(i))) {
      group.removed.forEach((i) => removed.add(i));
      group.added.forEach((i) => added.add(i));
    }
  }
  return { removed: [...removed].sort((a, b) => a - b), added: [...added].sort((a, b) => a - b) };
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}
