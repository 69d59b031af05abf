// The next-edit capability's plain data: positions, edits and the edit history, in the lines of a
// document (line ends not counted: a line is its text without "\n" or "\r\n").

export interface Position {
  readonly line: number;
  readonly character: number;
}

export interface Range {
  readonly start: Position;
  readonly end: Position;
}

/** Replace `range` (which holds `oldText`) with `text`. */
export interface NextEdit {
  readonly range: Range;
  readonly oldText: string;
  readonly text: string;
}

/** One change the user made: lines [startLine, startLine + oldLines.length) became `newLines`. */
export interface HistoryHunk {
  readonly path: string;
  readonly startLine: number;
  readonly oldLines: readonly string[];
  readonly newLines: readonly string[];
}

/** A document change as the editor reports it: `range` (in the text before) replaced by `text`. */
export interface DocumentChange {
  readonly range: Range;
  readonly text: string;
}

export function comparePositions(a: Position, b: Position): number {
  return a.line - b.line || a.character - b.character;
}

/** Where `position` is after `change` (a position inside the replaced range moves to its end). */
export function transformPosition(position: Position, change: DocumentChange, stickLeft = false): Position {
  const { start, end } = change.range;
  if (comparePositions(position, start) < 0) return position;
  if (comparePositions(position, start) === 0 && stickLeft) return position;
  const lines = change.text.split('\n');
  const newEnd: Position =
    lines.length === 1
      ? { line: start.line, character: start.character + lines[0].length }
      : { line: start.line + lines.length - 1, character: lines[lines.length - 1].length };
  if (comparePositions(position, end) <= 0) return newEnd;
  if (position.line === end.line)
    return { line: newEnd.line, character: newEnd.character + (position.character - end.character) };
  return { line: position.line + newEnd.line - end.line, character: position.character };
}

/** Whether two ranges share a character, or touch (an insertion at the other's edge counts). */
export function rangesTouch(a: Range, b: Range): boolean {
  return comparePositions(a.start, b.end) <= 0 && comparePositions(b.start, a.end) <= 0;
}
