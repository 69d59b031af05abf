/**
 * Offsets between an editor document and the shared Y.Text. The Y.Text always holds LF line ends;
 * a document keeps its own line end (VS Code normalises every document to a single EOL, LF or CRLF),
 * so a CRLF file stays CRLF on every machine while the shared text is the same for everyone.
 * Offsets on both sides count UTF-16 code units, as VS Code and Yjs do, so surrogate pairs need no
 * special arithmetic; only line ends differ.
 */
import { TextOperation } from './textOperation';

export type Eol = '\n' | '\r\n';

/** A document position, zero-based, as VS Code reports it. */
export interface LinePosition {
  line: number;
  character: number;
}

/** One entry of VS Code's `TextDocumentContentChangeEvent.contentChanges` (structurally). */
export interface DocumentContentChange {
  range: { start: LinePosition; end: LinePosition };
  rangeOffset: number;
  rangeLength: number;
  text: string;
}

/** A replacement in document offsets (the document's own line ends). */
export interface DocumentEdit {
  offset: number;
  length: number;
  text: string;
}

/** What the offset arithmetic needs to know about a document's current text. */
export interface LineLookup {
  readonly eol: Eol;
  readonly lineCount: number;
  /** Document offset of the first character of `line`. */
  offsetAtLineStart(line: number): number;
}

const ANY_LINE_BREAK = /\r\n|\r|\n/g;

/** Text with every line break (CRLF, CR, LF) turned into LF: the form the Y.Text holds. */
export function toLf(text: string): string {
  return text.indexOf('\r') === -1 ? text : text.replace(ANY_LINE_BREAK, '\n');
}

/** LF text written with the document's line end. */
export function fromLf(text: string, eol: Eol): string {
  return eol === '\n' ? text : text.replace(/\n/g, '\r\n');
}

/** The line end a file's text mostly uses (ties and no line breaks: LF), as VS Code decides. */
export function detectEol(text: string): Eol {
  let crlf = 0;
  let lf = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) {
    if (i > 0 && text.charCodeAt(i - 1) === 13) crlf++;
    else lf++;
  }
  return crlf > lf ? '\r\n' : '\n';
}

/** Length of a document's text in LF form. */
export function lfLength(docLength: number, lineCount: number, eol: Eol): number {
  return eol === '\n' ? docLength : docLength - (lineCount - 1);
}

/** LF offset of a position: every line break before it counts as one code unit. */
export function lfOffsetAt(position: LinePosition, docOffset: number, eol: Eol): number {
  return eol === '\n' ? docOffset : docOffset - position.line;
}

/**
 * The document change as an operation on the LF text as it was just before the change.
 * `lfBaseLength` is that text's length.
 */
export function changeToOperation(
  change: DocumentContentChange,
  eol: Eol,
  lfBaseLength: number,
): TextOperation {
  const from = lfOffsetAt(change.range.start, change.rangeOffset, eol);
  const lines = change.range.end.line - change.range.start.line;
  const removed = eol === '\n' ? change.rangeLength : change.rangeLength - lines;
  return TextOperation.replacement(lfBaseLength, from, from + removed, toLf(change.text));
}

/**
 * The document offset of an LF offset. For CRLF documents this finds the line by binary search over
 * line starts (O(log lines) lookups), so a 5 MB document costs microseconds, not a scan.
 */
export function docOffsetAt(lfOffset: number, lookup: LineLookup): number {
  if (lookup.eol === '\n') return lfOffset;
  // The LF start of line L is offsetAtLineStart(L) - L; find the last line starting at or before.
  let low = 0;
  let high = lookup.lineCount - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (lookup.offsetAtLineStart(middle) - middle <= lfOffset) low = middle;
    else high = middle - 1;
  }
  return lfOffset + low;
}

/** The document edits (offsets into the current document) that carry out an LF operation. */
export function operationToEdits(operation: TextOperation, lookup: LineLookup): DocumentEdit[] {
  return operation.replacements().map(({ from, to, insert }) => {
    const start = docOffsetAt(from, lookup);
    const end = to === from ? start : docOffsetAt(to, lookup);
    return { offset: start, length: end - start, text: fromLf(insert, lookup.eol) };
  });
}

/** Line starts of a text, for a `LineLookup` over a plain string (tests, the fuzz's documents). */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    } else if (code === 10) starts.push(i + 1);
  }
  return starts;
}

/** A `LineLookup` over a fixed string. */
export function stringLineLookup(text: string, eol: Eol): LineLookup {
  const starts = lineStarts(text);
  return { eol, lineCount: starts.length, offsetAtLineStart: (line) => starts[line] ?? text.length };
}

/**
 * The smallest single replacement turning `from` into `to` (common prefix and suffix trimmed,
 * never splitting a surrogate pair). Used to repair a divergence and to reload from disk.
 */
export function minimalReplacement(from: string, to: string): TextOperation {
  let start = 0;
  const max = Math.min(from.length, to.length);
  while (start < max && from.charCodeAt(start) === to.charCodeAt(start)) start++;
  if (start > 0 && isHighSurrogate(from.charCodeAt(start - 1))) start--;
  let end = 0;
  const maxEnd = max - start;
  while (end < maxEnd && from.charCodeAt(from.length - 1 - end) === to.charCodeAt(to.length - 1 - end)) end++;
  if (end > 0 && isLowSurrogate(from.charCodeAt(from.length - end))) end--;
  return TextOperation.replacement(from.length, start, from.length - end, to.slice(start, to.length - end));
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
