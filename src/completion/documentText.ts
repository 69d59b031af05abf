/**
 * The read-only view of a document the completion pipeline works on. The VS Code adapter wraps a
 * `TextDocument` (whose `lineAt`/`offsetAt` are O(1)/O(log n)); tests and the bench use `LineDocument`.
 * Nothing here copies the whole text: the pipeline reads only the lines it needs, so a 10,000-line
 * file costs no more per request than a 100-line one.
 */
export interface DocumentText {
  /** Identifies the document across requests (the URI string in VS Code). */
  readonly key: string;
  /** Path shown to the model and checked by the trust gate (file system path, or the untitled name). */
  readonly path: string;
  readonly languageId: string;
  readonly lineCount: number;
  /** The text of a line without its end-of-line characters. */
  lineAt(line: number): string;
  /** Offset of a position counted in characters with "\n" line ends, whatever the file uses. */
  offsetAt(line: number, character: number): number;
}

export interface CursorPosition {
  readonly line: number;
  readonly character: number;
}

/** The last `maxChars` characters before the cursor, lines joined with "\n". */
export function textBefore(doc: DocumentText, pos: CursorPosition, maxChars: number): string {
  const parts: string[] = [doc.lineAt(pos.line).slice(0, pos.character)];
  let length = parts[0].length;
  for (let line = pos.line - 1; line >= 0 && length < maxChars; line--) {
    const text = doc.lineAt(line);
    parts.push(text);
    length += text.length + 1;
  }
  const joined = parts.reverse().join('\n');
  return joined.length > maxChars ? joined.slice(joined.length - maxChars) : joined;
}

/** The first `maxChars` characters after the cursor, lines joined with "\n". */
export function textAfter(doc: DocumentText, pos: CursorPosition, maxChars: number): string {
  const parts: string[] = [doc.lineAt(pos.line).slice(pos.character)];
  let length = parts[0].length;
  for (let line = pos.line + 1; line < doc.lineCount && length < maxChars; line++) {
    const text = doc.lineAt(line);
    parts.push(text);
    length += text.length + 1;
  }
  const joined = parts.join('\n');
  return joined.length > maxChars ? joined.slice(0, maxChars) : joined;
}

/**
 * A document held as an array of lines. Used by unit tests and by the bench, which edits it
 * keystroke by keystroke exactly as an editor would.
 */
export class LineDocument implements DocumentText {
  private lines: string[];
  /** Prefix sums of line lengths (+1 for "\n"), rebuilt lazily after an edit. */
  private lineStarts: number[] | undefined;
  version = 1;

  constructor(
    readonly key: string,
    readonly path: string,
    readonly languageId: string,
    text: string,
  ) {
    this.lines = text.replace(/\r\n?/g, '\n').split('\n');
  }

  get lineCount(): number {
    return this.lines.length;
  }

  lineAt(line: number): string {
    return this.lines[line] ?? '';
  }

  offsetAt(line: number, character: number): number {
    if (!this.lineStarts) {
      const starts = new Array<number>(this.lines.length);
      let offset = 0;
      for (let i = 0; i < this.lines.length; i++) {
        starts[i] = offset;
        offset += this.lines[i].length + 1;
      }
      this.lineStarts = starts;
    }
    return this.lineStarts[line] + character;
  }

  getText(): string {
    return this.lines.join('\n');
  }

  /**
   * Inserts `text` at a position and returns the position after it. An edit that stays within one
   * line keeps the line-start table valid by shifting it, so typing into a large file stays cheap.
   */
  insert(pos: CursorPosition, text: string): CursorPosition {
    const line = this.lines[pos.line];
    const before = line.slice(0, pos.character);
    const after = line.slice(pos.character);
    const inserted = text.split('\n');
    this.version++;
    if (inserted.length === 1) {
      this.lines[pos.line] = before + text + after;
      this.shiftStarts(pos.line + 1, text.length);
      return { line: pos.line, character: pos.character + text.length };
    }
    const last = inserted[inserted.length - 1];
    const replacement = [before + inserted[0], ...inserted.slice(1, -1), last + after];
    this.lines.splice(pos.line, 1, ...replacement);
    this.lineStarts = undefined;
    return { line: pos.line + inserted.length - 1, character: last.length };
  }

  /** Deletes `count` characters before the position (Backspace), possibly joining lines. */
  deleteBefore(pos: CursorPosition, count = 1): CursorPosition {
    let { line, character } = pos;
    this.version++;
    for (let i = 0; i < count; i++) {
      if (character > 0) {
        const text = this.lines[line];
        this.lines[line] = text.slice(0, character - 1) + text.slice(character);
        character--;
        this.shiftStarts(line + 1, -1);
      } else if (line > 0) {
        const previous = this.lines[line - 1];
        this.lines.splice(line - 1, 2, previous + this.lines[line]);
        line--;
        character = previous.length;
        this.lineStarts = undefined;
      }
    }
    return { line, character };
  }

  private shiftStarts(fromLine: number, delta: number): void {
    if (!this.lineStarts) return;
    for (let i = fromLine; i < this.lineStarts.length; i++) this.lineStarts[i] += delta;
  }
}
