/**
 * Where the editor's review decorations of pending hunks go, without VS Code (see
 * vscode/reviewDecorations.ts for how they look). Each hunk's hover (its whole diff) is attached to
 * one decoration only: the block of lines it takes out, the line a pure insertion follows, or the
 * stale block. Attaching it to every removed line sent the whole hunk once per line to the renderer:
 * a 2,000-line rewrite became about 500 MB of decoration messages, and the extension host spent tens
 * of seconds serialising them while remote edits waited behind them.
 */
import { lineContent } from './hunks';
import type { HunkStatus } from './review';

/** A hover shows at most this many diff lines; the rest is counted ("… 1,234 more lines"). */
export const HOVER_DIFF_LINES = 200;
/** An inline preview of added text is cut to this many characters. */
export const PREVIEW_CHARS = 120;

/** What the plan needs of a hunk. */
export interface PlannedHunk {
  readonly line: number;
  readonly removed: readonly string[];
  readonly added: readonly string[];
  readonly status: HunkStatus;
}

/** Lines `startLine`..`endLine` (inclusive) marked as one block; `hunk` indexes the input (its hover). */
export interface LineBlock {
  readonly startLine: number;
  readonly endLine: number;
  readonly hunk: number;
}

/** Text shown after the end of `line`; `hunk` is set on the one decoration that carries the hover. */
export interface AfterText {
  readonly line: number;
  readonly text: string;
  readonly hunk?: number;
}

export interface DecorationPlan {
  readonly removed: LineBlock[];
  readonly added: AfterText[];
  readonly stale: LineBlock[];
}

/** The decorations of `hunks` in a document whose last line is `lastLine`. */
export function planReviewDecorations(hunks: readonly PlannedHunk[], lastLine: number): DecorationPlan {
  const removed: LineBlock[] = [];
  const added: AfterText[] = [];
  const stale: LineBlock[] = [];
  const clamp = (line: number) => Math.min(Math.max(0, line), lastLine);
  hunks.forEach((hunk, index) => {
    if (hunk.status === 'stale') {
      const line = clamp(hunk.line);
      stale.push({
        startLine: line,
        endLine: clamp(line + Math.max(0, hunk.removed.length - 1)),
        hunk: index,
      });
      return;
    }
    const addedText = hunk.added.map(lineContent);
    if (hunk.removed.length === 0) {
      added.push({ line: clamp(hunk.line - 1), text: summary('+ ', addedText), hunk: index });
      return;
    }
    removed.push({
      startLine: clamp(hunk.line),
      endLine: clamp(hunk.line + hunk.removed.length - 1),
      hunk: index,
    });
    // Added line i beside removed line i; the rest summarised on the last removed line.
    for (let i = 0; i < hunk.removed.length; i++) {
      const last = i === hunk.removed.length - 1;
      const shown = last ? addedText.slice(i) : i < addedText.length ? [addedText[i]] : [];
      if (shown.length > 0) added.push({ line: clamp(hunk.line + i), text: summary('→ ', shown) });
    }
  });
  return { removed, added, stale };
}

/** "→ first line" or "→ first line  (+2 more lines)", shortened to fit. */
export function summary(prefix: string, lines: readonly string[]): string {
  const first = lines[0] ?? '';
  const shown = first.length > PREVIEW_CHARS ? `${first.slice(0, PREVIEW_CHARS - 1)}…` : first;
  const more = lines.length > 1 ? `  (+${lines.length - 1} more line${lines.length > 2 ? 's' : ''})` : '';
  return `${prefix}${shown.trim() === '' ? '(blank line)' : shown}${more}`;
}

/**
 * The hunk as diff lines for its hover ("-old", "+new"), at most `max` of them; a longer hunk ends
 * with a line saying how many more there are.
 */
export function hoverDiffLines(hunk: PlannedHunk, max = HOVER_DIFF_LINES): string[] {
  const total = hunk.removed.length + hunk.added.length;
  const lines: string[] = [];
  for (const line of hunk.removed) {
    if (lines.length === max) break;
    lines.push(`-${lineContent(line)}`);
  }
  for (const line of hunk.added) {
    if (lines.length === max) break;
    lines.push(`+${lineContent(line)}`);
  }
  const more = total - lines.length;
  if (more > 0) lines.push(`… ${more.toLocaleString('en-US')} more line${more === 1 ? '' : 's'}`);
  return lines;
}
