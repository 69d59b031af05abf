/**
 * A text as the proposal code works on it: lines without their line breaks, plus what is needed to
 * write it back byte for byte (the line break style and whether the text ends with one).
 */
export interface TextLines {
  lines: string[];
  eol: '\n' | '\r\n';
  /** True when the text ends with a line break (the usual case for source files). */
  finalNewline: boolean;
}

/** Splits a text into lines; the line break style is CRLF when the text's first line break is CRLF. */
export function toLines(text: string): TextLines {
  const firstBreak = text.indexOf('\n');
  const eol: TextLines['eol'] = firstBreak > 0 && text[firstBreak - 1] === '\r' ? '\r\n' : '\n';
  if (text === '') return { lines: [], eol, finalNewline: false };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.endsWith('\r')) lines[i] = line.slice(0, -1);
  }
  const finalNewline = lines[lines.length - 1] === '';
  if (finalNewline) lines.pop();
  return { lines, eol, finalNewline };
}

/** The inverse of toLines. */
export function fromLines({ lines, eol, finalNewline }: TextLines): string {
  if (lines.length === 0) return '';
  return lines.join(eol) + (finalNewline ? eol : '');
}

/** Splits text (LF or CRLF) into lines without a trailing empty line for a final line break. */
export function splitLines(text: string): string[] {
  return toLines(text).lines;
}
