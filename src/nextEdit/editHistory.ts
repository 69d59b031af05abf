/**
 * The recent edits of each document as small line diffs, newest last and bounded. Keystrokes that keep
 * changing the same lines grow one hunk (typing a name is one edit, not five); an edit elsewhere closes
 * it. The history keeps a copy of each document's lines so it knows what a change replaced.
 */
import type { DocumentChange, HistoryHunk } from './types';

export interface EditHistoryOptions {
  /** Hunks kept, over all documents. */
  readonly maxHunks: number;
  /** Lines kept on each side of a hunk; a bigger change is cut to its first lines. */
  readonly maxHunkLines: number;
}

const defaults: EditHistoryOptions = { maxHunks: 8, maxHunkLines: 12 };

interface Open {
  readonly docKey: string;
  readonly path: string;
  readonly startLine: number;
  readonly oldLines: readonly string[];
  /** Last line (inclusive) the hunk covers in the current text. */
  endLine: number;
}

export class EditHistory {
  private readonly options: EditHistoryOptions;
  private readonly texts = new Map<string, string[]>();
  private readonly closed: (HistoryHunk & { docKey: string })[] = [];
  private open: Open | undefined;

  constructor(options: Partial<EditHistoryOptions> = {}) {
    this.options = { ...defaults, ...options };
  }

  /** Starts following a document (its text now). */
  track(docKey: string, text: string): void {
    this.texts.set(docKey, text.split(/\r?\n/));
  }

  isTracked(docKey: string): boolean {
    return this.texts.has(docKey);
  }

  /** Lines of a tracked document as the history knows them. */
  linesOf(docKey: string): readonly string[] | undefined {
    return this.texts.get(docKey);
  }

  /** Records changes (in the order the editor applied them) to a tracked document. */
  record(docKey: string, path: string, changes: readonly DocumentChange[]): void {
    const lines = this.texts.get(docKey);
    if (!lines) return;
    for (const change of changes) {
      const { start, end } = change.range;
      const inserted = change.text.split(/\r?\n/);
      const open = this.open;
      const extends_ =
        open !== undefined &&
        open.docKey === docKey &&
        start.line >= open.startLine &&
        end.line <= open.endLine;
      if (!extends_) {
        this.close();
        this.open = {
          docKey,
          path,
          startLine: start.line,
          oldLines: lines.slice(start.line, end.line + 1),
          endLine: end.line,
        };
      }
      const head = (lines[start.line] ?? '').slice(0, start.character);
      const tail = (lines[end.line] ?? '').slice(end.character);
      const replacement = inserted.slice();
      replacement[0] = head + replacement[0];
      replacement[replacement.length - 1] += tail;
      lines.splice(start.line, end.line - start.line + 1, ...replacement);
      this.open!.endLine += inserted.length - 1 - (end.line - start.line);
    }
  }

  /** The hunks to show the model for a document: its own and other files', newest last. */
  recent(): HistoryHunk[] {
    const hunks: HistoryHunk[] = this.closed.map(({ path, startLine, oldLines, newLines }) => ({
      path,
      startLine,
      oldLines,
      newLines,
    }));
    const open = this.materialize(this.open);
    if (open)
      hunks.push({
        path: open.path,
        startLine: open.startLine,
        oldLines: open.oldLines,
        newLines: open.newLines,
      });
    return hunks.slice(-this.options.maxHunks);
  }

  /** Stops following a document (closed). */
  forget(docKey: string): void {
    this.texts.delete(docKey);
    if (this.open?.docKey === docKey) this.open = undefined;
    for (let i = this.closed.length - 1; i >= 0; i--)
      if (this.closed[i].docKey === docKey) this.closed.splice(i, 1);
  }

  clear(): void {
    this.texts.clear();
    this.closed.length = 0;
    this.open = undefined;
  }

  private close(): void {
    const hunk = this.materialize(this.open);
    this.open = undefined;
    if (!hunk) return;
    this.closed.push(hunk);
    if (this.closed.length > this.options.maxHunks)
      this.closed.splice(0, this.closed.length - this.options.maxHunks);
  }

  private materialize(open: Open | undefined): (HistoryHunk & { docKey: string }) | undefined {
    if (!open) return undefined;
    const lines = this.texts.get(open.docKey);
    if (!lines) return undefined;
    let oldLines = open.oldLines;
    let newLines = lines.slice(open.startLine, open.endLine + 1);
    let startLine = open.startLine;
    // Lines that came back as they were are not part of the change.
    while (oldLines.length && newLines.length && oldLines[0] === newLines[0]) {
      oldLines = oldLines.slice(1);
      newLines = newLines.slice(1);
      startLine++;
    }
    while (
      oldLines.length &&
      newLines.length &&
      oldLines[oldLines.length - 1] === newLines[newLines.length - 1]
    ) {
      oldLines = oldLines.slice(0, -1);
      newLines = newLines.slice(0, -1);
    }
    if (!oldLines.length && !newLines.length) return undefined;
    const max = this.options.maxHunkLines;
    return {
      docKey: open.docKey,
      path: open.path,
      startLine,
      oldLines: oldLines.slice(0, max),
      newLines: newLines.slice(0, max),
    };
  }
}
