/**
 * Keeping hunks on the right lines while the person keeps typing. A hunk covers whole lines
 * [line, line + removed.length) of the live document (a pure insertion sits at the boundary before
 * `line`). Each document change either lies before the hunk (the hunk moves by the lines it added or
 * removed), after it (nothing to do), or touches the hunk's text: then the hunk is stale and is never
 * applied. Only the rules below decide; apply time checks the text again regardless.
 */

/** A position as editors give it: 0-based line and UTF-16 character. */
export interface TextPosition {
  line: number;
  character: number;
}

/** One replacement of the range [start, end) by `text`, as VS Code reports document changes. */
export interface TextChange {
  start: TextPosition;
  end: TextPosition;
  text: string;
}

export type AnchorEffect = { kind: 'shift'; lines: number } | { kind: 'none' } | { kind: 'stale' };

export interface AnchoredSpan {
  line: number;
  /** Lines the hunk covers (0 for a pure insertion). */
  length: number;
  /** Length (without its line break) of the last covered line, when length > 0. */
  lastLineLength: number;
}

function countNewlines(text: string): number {
  let count = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) count++;
  return count;
}

export function lineDelta(change: TextChange): number {
  return countNewlines(change.text) - (change.end.line - change.start.line);
}

/** What one change does to a hunk's span. */
export function effectOfChange(span: AnchoredSpan, change: TextChange): AnchorEffect {
  const { start, end, text } = change;
  const first = span.line;
  const delta = lineDelta(change);
  if (end.line < first) return delta === 0 ? { kind: 'none' } : { kind: 'shift', lines: delta };
  if (end.line === first && end.character === 0 && (start.line < first || text !== '')) {
    // The change ends right where the hunk begins: harmless when it leaves the hunk's first line
    // starting a line of its own.
    const wholeLines = text.endsWith('\n') || (text === '' && start.character === 0);
    if (!wholeLines) return { kind: 'stale' };
    return delta === 0 ? { kind: 'none' } : { kind: 'shift', lines: delta };
  }
  if (span.length === 0) return start.line >= first ? { kind: 'none' } : { kind: 'stale' };
  const lastLine = first + span.length - 1;
  if (start.line > lastLine) return { kind: 'none' };
  if (
    start.line === lastLine &&
    start.character >= span.lastLineLength &&
    end.line === start.line &&
    end.character === start.character &&
    /^\r?\n/.test(text)
  ) {
    // A new line typed at the end of the hunk's last line leaves that line as it was.
    return { kind: 'none' };
  }
  return { kind: 'stale' };
}

/**
 * Applies the changes of one change event in the order given, each against the text the previous ones
 * left: that is how VS Code's extension host applies them to its own copy of the document.
 */
export function applyChangesToSpan(
  span: AnchoredSpan,
  changes: readonly TextChange[],
): AnchoredSpan | 'stale' {
  let current = span;
  for (const change of changes) {
    const effect = effectOfChange(current, change);
    if (effect.kind === 'stale') return 'stale';
    if (effect.kind === 'shift') current = { ...current, line: current.line + effect.lines };
  }
  return current;
}
