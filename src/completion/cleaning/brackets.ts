/**
 * Keeps a suggestion's brackets balanced against the code around it. A closing bracket in the
 * suggestion must close something open: one it opened itself, or one open before the cursor that the
 * text after the cursor does not already close (that would be the duplicated `)` or `}` users complain
 * about). The suggestion stops before the first closer that breaks this. A multi-line suggestion also
 * must not end inside a bracket it opened: it is cut back to its last line that ends balanced.
 */
import {
  closersOfEarlierBrackets,
  codeBrackets,
  isOpener,
  lineIndentAt,
  matchingOpener,
} from './codeScanner';
import type { CleaningContext } from './cleaningContext';

/** Lines scanned above and below the cursor: enough for the enclosing blocks of ordinary code. */
const CONTEXT_LINES = 60;

interface OpenBracket {
  readonly char: string;
  /** Indentation of the line it is on. */
  readonly lineIndent: number;
  /** Opened by the suggestion (else by the code before the cursor). */
  readonly own: boolean;
  /** Opened before the cursor and already closed by the text after it. */
  closedAfter: boolean;
}

export function balanceBrackets(text: string, context: CleaningContext, multiLine: boolean): string {
  if (!/[()[\]{}]/.test(text)) return text;
  const { languageId, tabSize } = context;
  const before = [...context.linesAbove.slice(-CONTEXT_LINES), context.linePrefix].join('\n');

  // Scan the code before the cursor together with the suggestion, so strings and comments that the
  // cursor is inside are recognised; act only on brackets inside the suggestion.
  const full = before + text;
  const stack: OpenBracket[] = [];
  let lastBalancedLineEnd = -1;
  let ownDepth = 0;
  let scanningSuggestion = false;
  let nextNewline = text.indexOf('\n');

  for (const { char, index } of codeBrackets(full, languageId)) {
    if (index < before.length) {
      if (isOpener(char))
        stack.push({ char, lineIndent: lineIndentAt(full, index, tabSize), own: false, closedAfter: false });
      else stack.pop();
      continue;
    }
    if (!scanningSuggestion) {
      scanningSuggestion = true;
      markClosedAfter(stack, context);
    }
    const at = index - before.length;
    while (nextNewline >= 0 && nextNewline < at) {
      if (ownDepth === 0) lastBalancedLineEnd = nextNewline;
      nextNewline = text.indexOf('\n', nextNewline + 1);
    }
    if (isOpener(char)) {
      stack.push({ char, lineIndent: -1, own: true, closedAfter: false });
      ownDepth++;
      continue;
    }
    const top = stack[stack.length - 1];
    if (!top || top.char !== matchingOpener(char) || (top.closedAfter && !recreditCloser(stack))) {
      return cutMultiLine(text.slice(0, at).trimEnd(), multiLine, ownDepth, lastBalancedLineEnd);
    }
    stack.pop();
    if (top.own) ownDepth--;
  }
  while (nextNewline >= 0) {
    if (ownDepth === 0) lastBalancedLineEnd = nextNewline;
    nextNewline = text.indexOf('\n', nextNewline + 1);
  }
  return cutMultiLine(text, multiLine, ownDepth, lastBalancedLineEnd);
}

/**
 * Marks the brackets open before the cursor that the text after it closes. Closers come in nesting
 * order: once one closes a bracket, the next can only close one further out. A closer that starts a
 * line closes the innermost open bracket on a line indented like it (so the `}` of a function below
 * an unfinished `match {` is the function's); one indented deeper than every candidate closes a block
 * still to be typed (the `}` below an unfinished `if (`) and marks nothing; any other closer closes the
 * innermost one of its kind.
 */
function markClosedAfter(stack: OpenBracket[], context: CleaningContext): void {
  const after = [context.lineSuffix, ...context.linesBelow.slice(0, CONTEXT_LINES)].join('\n');
  let floor = stack.length;
  for (const closer of closersOfEarlierBrackets(after, context.languageId, context.tabSize)) {
    const opener = matchingOpener(closer.char);
    let target = -1;
    let innermost = -1;
    for (let i = floor - 1; i >= 0; i--) {
      const open = stack[i];
      if (open.closedAfter || open.char !== opener) continue;
      if (innermost < 0) innermost = i;
      if (closer.lineIndent < 0 || open.lineIndent === closer.lineIndent) {
        target = i;
        break;
      }
    }
    if (target < 0) {
      if (innermost < 0) return;
      if (closer.lineIndent > stack[innermost].lineIndent) continue;
      // No opener indented like it: fall back to the innermost one still open.
      target = innermost;
    }
    stack[target].closedAfter = true;
    floor = target;
  }
}

/**
 * The suggestion closes a bracket that a closer after the cursor was credited with. That is right
 * when the closer after the cursor can close the next bracket of the same kind further out instead
 * (`isArray(in|) {` completed by `put)`): move the credit there. False when no such bracket is open
 * with nothing closed after the cursor in between: the suggestion's closer would be one too many.
 */
function recreditCloser(stack: OpenBracket[]): boolean {
  const top = stack[stack.length - 1];
  for (let i = stack.length - 2; i >= 0; i--) {
    const open = stack[i];
    if (open.closedAfter || open.own) return false;
    if (open.char === top.char) {
      open.closedAfter = true;
      return true;
    }
  }
  return false;
}

function cutMultiLine(
  text: string,
  multiLine: boolean,
  ownDepth: number,
  lastBalancedLineEnd: number,
): string {
  if (!multiLine || ownDepth === 0 || !text.includes('\n')) return text;
  // Ends inside a bracket it opened: keep the lines up to the last one that ended balanced; if there
  // is none, the first line alone (one line may open a bracket, as any single-line suggestion may).
  if (lastBalancedLineEnd > 0) return text.slice(0, lastBalancedLineEnd).trimEnd();
  return text.split('\n')[0].trimEnd();
}
