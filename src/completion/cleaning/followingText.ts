/**
 * Never suggest what is already there: cut a suggestion where it starts repeating the text after the
 * cursor, whether that is the rest of the cursor line (`)`, `);`, `) {`) or the lines below it.
 */
import { codeBrackets, isOpener, matchingOpener } from './codeScanner';
import { type CleaningContext, firstNonBlank, isBlank, leadingWhitespace } from './cleaningContext';

/** Two lines are the same code: equal ignoring surrounding whitespace, and either equally indented or
 * long enough that a different indentation cannot make them different statements. */
function sameLine(a: string, b: string): boolean {
  const trimmed = a.trim();
  if (trimmed === '' || trimmed !== b.trim()) return false;
  return leadingWhitespace(a) === leadingWhitespace(b) || trimmed.length >= 6;
}

/** Cuts the suggestion before its first line that repeats the next non-blank line below the cursor. */
export function cutAtNextLines(text: string, context: CleaningContext): string {
  const next = firstNonBlank(context.linesBelow);
  if (next === undefined) return text;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    // The first line shares the cursor line with the text after the cursor; it is handled below.
    if (i === 0 && !isBlank(context.lineSuffix)) continue;
    const absolute = i === 0 ? context.linePrefix + lines[0] : lines[i];
    if (sameLine(absolute, next)) return lines.slice(0, i).join('\n');
  }
  return text;
}

/**
 * Cuts a one-line suggestion where it runs into the rest of the cursor line: at the end when it ends
 * with that text, at its first balanced occurrence, or where its last characters are the start of it
 * (punctuation, or three characters or more).
 */
export function cutAtRestOfLine(text: string, context: CleaningContext): string {
  const rest = context.lineSuffix.trim();
  if (rest === '' || text.includes('\n')) return text;
  const body = text.trimEnd();
  if (body.endsWith(rest)) return body.slice(0, body.length - rest.length);
  const at = firstBalancedOccurrence(body, rest, context.languageId);
  if (at >= 0) return body.slice(0, at);
  for (let length = Math.min(rest.length - 1, body.length); length >= 1; length--) {
    const overlap = rest.slice(0, length);
    if (!body.endsWith(overlap)) continue;
    if (length >= 3 || !/\w/.test(overlap)) return body.slice(0, body.length - length);
  }
  return text;
}

/** Index of the first occurrence of `needle` in `text` before which text's own brackets are balanced. */
function firstBalancedOccurrence(text: string, needle: string, languageId: string): number {
  if (needle.length < 2 && !/[)\]}]/.test(needle)) return -1;
  let from = text.indexOf(needle);
  while (from >= 0) {
    if (balanced(text.slice(0, from), languageId)) return from;
    from = text.indexOf(needle, from + 1);
  }
  return -1;
}

function balanced(text: string, languageId: string): boolean {
  const stack: string[] = [];
  for (const { char } of codeBrackets(text, languageId)) {
    if (isOpener(char)) stack.push(char);
    else if (stack.pop() !== matchingOpener(char)) return false;
  }
  return stack.length === 0;
}
