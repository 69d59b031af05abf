/**
 * Re-proposing a stale hunk without asking the model again: the hunk, with the lines that surrounded it,
 * becomes a SEARCH/REPLACE block matched against the document as it is now (so the person's edits are
 * seen and shown, never silently overwritten).
 */
import { lineContent, splitKeepEnds } from './hunks';
import { matchSearchBlock, type MatchOptions } from './matchSearchBlock';
import type { ReviewHunk } from './review';
import { toLines } from './textLines';

export type Reproposal =
  { ok: true; line: number; removed: string[]; added: string[] } | { ok: false; reason: string };

export function reproposeHunk(
  hunk: Pick<ReviewHunk, 'before' | 'removed' | 'added' | 'after'>,
  documentText: string,
  options: MatchOptions = {},
): Reproposal {
  const search = [...hunk.before, ...hunk.removed, ...hunk.after].map(lineContent);
  const replace = [...hunk.before, ...hunk.added, ...hunk.after].map(lineContent);
  const text = toLines(documentText);
  if (search.length === 0) {
    // A hunk for a file that was empty: it proposes the whole content again.
    if (documentText !== '') return { ok: false, reason: 'the file is no longer empty' };
    return { ok: true, line: 0, removed: [], added: [...hunk.added] };
  }
  const match = matchSearchBlock(text.lines, search, replace, options);
  if (!match.ok) return { ok: false, reason: match.reason };
  const current = splitKeepEnds(documentText);
  const atEnd = match.end >= current.length && !text.finalNewline;
  const oldRegion = current.slice(match.start, match.end);
  const newRegion = match.replacement.map((line, i) =>
    atEnd && i === match.replacement.length - 1 ? line : line + text.eol,
  );
  let head = 0;
  while (head < oldRegion.length && head < newRegion.length && oldRegion[head] === newRegion[head]) head++;
  let tail = 0;
  while (
    tail < oldRegion.length - head &&
    tail < newRegion.length - head &&
    oldRegion[oldRegion.length - 1 - tail] === newRegion[newRegion.length - 1 - tail]
  )
    tail++;
  const removed = oldRegion.slice(head, oldRegion.length - tail);
  const added = newRegion.slice(head, newRegion.length - tail);
  if (removed.length === 0 && added.length === 0)
    return { ok: false, reason: 'the document already contains this change' };
  return { ok: true, line: match.start + head, removed, added };
}
