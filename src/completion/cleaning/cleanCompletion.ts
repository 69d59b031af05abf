/**
 * Turns raw model output into what may be shown as ghost text, or '' when nothing should be. The
 * rules run in this order, each on the previous one's result:
 * 1. one line, unless the cursor is at an empty block start (then the block's lines, up to its end);
 * 2. indentation in the file's style and depth;
 * 3. never repeat the lines below the cursor or the rest of the cursor line;
 * 4. brackets balanced against the code around the cursor;
 * 5. stop where the model loops;
 * 6. no trailing whitespace, and nothing whitespace-only.
 */
import { emptyBlockStart, limitToBlock } from './blockShape';
import { balanceBrackets } from './brackets';
import type { CleaningContext } from './cleaningContext';
import { cutAtNextLines, cutAtRestOfLine } from './followingText';
import { fixIndentation } from './indentation';
import { stopAtRepetition } from './repetition';

export type { CleaningContext } from './cleaningContext';

/** A suggestion longer than this is cut at a line end; nobody reviews 40 lines of ghost text. */
export const MAX_SUGGESTION_LINES = 40;

export interface CleaningMode {
  /** Whether the place allows a multi-line suggestion. */
  readonly multiLine: boolean;
}

/** What the request can already know: a one-line place lets the model stop at the first newline. */
export function cleaningMode(context: CleaningContext): CleaningMode {
  return { multiLine: emptyBlockStart(context) !== undefined };
}

export function cleanCompletion(raw: string, context: CleaningContext): string {
  let text = raw.replace(/\r\n?/g, '\n');
  // The model re-typing the space the cursor already follows.
  if (/[ \t]$/.test(context.linePrefix) && !/^\s*$/.test(context.linePrefix))
    text = text.replace(/^[ \t]+/, '');

  const block = emptyBlockStart(context);
  let lines = text.split('\n');
  lines = block
    ? limitToBlock(lines, block, context.tabSize).slice(0, MAX_SUGGESTION_LINES)
    : lines.slice(0, 1);
  lines = fixIndentation(lines, context, block);
  text = lines.join('\n');

  text = cutAtNextLines(text, context);
  text = cutAtRestOfLine(text, context);
  text = balanceBrackets(text, context, block !== undefined);
  text = stopAtRepetition(text, context);
  return finish(text, context);
}

function finish(text: string, context: CleaningContext): string {
  // A space between the suggestion and the rest of the line is part of the code: before a word, and
  // before a bracket (`{ a: b |}`) unless the cursor follows a space (then that one matches it).
  const keepSpace =
    / $/.test(text) &&
    (/^\w/.test(context.lineSuffix) || (/^\S/.test(context.lineSuffix) && !/\s$/.test(context.linePrefix))) &&
    !text.includes('\n');
  const lines = text.split('\n').map((line) => line.trimEnd());
  while (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  let result = lines.join('\n');
  if (keepSpace) result += ' ';
  return result.trim() === '' ? '' : result;
}
