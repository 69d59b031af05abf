/**
 * A stand-in for a VS Code TextDocument with the properties that make binding hard, modelled on
 * how VS Code behaves (checked against 1.100's source): the text lives in the "renderer" (main
 * side) where the user types; the extension host sees a copy updated by change events that arrive
 * later, in order; `applyEdits` is a round trip that succeeds only if the renderer's document is
 * still at the version the extension host computed the edit for; the change event of an applied
 * edit reaches the extension host before its result. Inserted line breaks are normalised to the
 * document's EOL, and a multi-edit change is reported in descending order, as VS Code does.
 */
import type { BindableDocument } from '../../src/collab/documentBinding';
import type { DocumentContentChange, DocumentEdit, Eol } from '../../src/collab/eol';
import { lineStarts } from '../../src/collab/eol';

type ToExtension =
  | { kind: 'change'; changes: DocumentContentChange[]; versionAfter: number }
  | { kind: 'result'; id: number; applied: boolean };

interface ApplyRequest {
  id: number;
  edits: DocumentEdit[];
  versionBefore: number;
}

export interface SimulatedDocumentOptions {
  text: string;
  eol: Eol;
  /** Milliseconds a message takes in either direction; `manual` means tests deliver by hand. */
  latency: (() => number) | 'manual';
  /**
   * False models VS Code's edits that lost their version (applyEdit's "more minimal edits" path
   * without metadata): applied to whatever the text is by then. Default true.
   */
  checkVersion?: boolean;
}

export type ChangeListener = (changes: readonly DocumentContentChange[], versionAfter: number) => void;

export class SimulatedDocument implements BindableDocument {
  /** The renderer's text: what the user sees and types into. */
  mainText: string;
  mainVersion = 1;
  /** The extension host's copy. */
  private extText: string;
  private extVersion = 1;
  private extLineStarts: number[] | undefined;
  private readonly toExtension: ToExtension[] = [];
  private readonly toMain: ApplyRequest[] = [];
  private readonly waiting = new Map<number, (applied: boolean) => void>();
  private readonly listeners: ChangeListener[] = [];
  private nextId = 1;
  private extClock = 0;
  private mainClock = 0;
  private closed = false;
  readonly eol: Eol;

  constructor(private readonly options: SimulatedDocumentOptions) {
    this.eol = options.eol;
    this.mainText = normalise(options.text, options.eol);
    this.extText = this.mainText;
  }

  onDidChange(listener: ChangeListener): void {
    this.listeners.push(listener);
  }

  // BindableDocument, seen from the extension host.
  get version(): number {
    return this.extVersion;
  }
  get length(): number {
    return this.extText.length;
  }
  get lineCount(): number {
    return this.starts().length;
  }
  offsetAtLineStart(line: number): number {
    return this.starts()[line] ?? this.extText.length;
  }
  getText(): string {
    return this.extText;
  }
  applyEdits(edits: DocumentEdit[]): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    const id = this.nextId++;
    const request: ApplyRequest = { id, edits, versionBefore: this.extVersion };
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.toMain.push(request);
      this.schedule('main');
    });
  }

  /** The user types: replaces [offset, offset + length) of the renderer's text. */
  userEdit(offset: number, length: number, text: string): void {
    this.applyOnMain([{ offset, length, text }]);
  }

  /** Messages not yet delivered, per direction (for manual tests). */
  get undelivered(): { toExtension: number; toMain: number } {
    return { toExtension: this.toExtension.length, toMain: this.toMain.length };
  }

  /** Delivers the oldest message to the extension host (manual mode). */
  deliverToExtension(): void {
    const message = this.toExtension.shift();
    if (!message) throw new Error('nothing to deliver to the extension host');
    if (message.kind === 'result') {
      const resolve = this.waiting.get(message.id);
      this.waiting.delete(message.id);
      // A real host resolves the promise in a later turn; so does this.
      queueMicrotask(() => resolve?.(message.applied));
      return;
    }
    let text = this.extText;
    for (const change of message.changes)
      text =
        text.slice(0, change.rangeOffset) + change.text + text.slice(change.rangeOffset + change.rangeLength);
    this.extText = text;
    this.extVersion = message.versionAfter;
    this.extLineStarts = undefined;
    for (const listener of this.listeners) listener(message.changes, message.versionAfter);
  }

  /** Delivers the oldest apply request to the renderer (manual mode). */
  deliverToMain(): void {
    const request = this.toMain.shift();
    if (!request) throw new Error('nothing to deliver to the renderer');
    const current = this.options.checkVersion === false || request.versionBefore === this.mainVersion;
    const applied = current && this.applyOnMain(request.edits);
    this.toExtension.push({ kind: 'result', id: request.id, applied });
    this.schedule('extension');
  }

  /** True when no message is on its way in either direction. */
  get quiet(): boolean {
    return this.toExtension.length === 0 && this.toMain.length === 0 && this.waiting.size === 0;
  }

  close(): void {
    this.closed = true;
    for (const resolve of this.waiting.values()) resolve(false);
    this.waiting.clear();
  }

  private applyOnMain(edits: DocumentEdit[]): boolean {
    // Like VS Code, positions outside the text are clamped to it (a binding that computes such an
    // edit is wrong, and the resulting divergence is what the fuzz reports).
    const clamp = (offset: number) => Math.max(0, Math.min(this.mainText.length, offset));
    const sorted = edits
      .map((edit) => {
        const offset = clamp(edit.offset);
        return { offset, length: clamp(edit.offset + edit.length) - offset, text: edit.text };
      })
      .sort((a, b) => b.offset - a.offset);
    for (let i = 1; i < sorted.length; i++)
      if (sorted[i].offset + sorted[i].length > sorted[i - 1].offset) throw new Error('overlapping edits');
    let text = this.mainText;
    const changes: DocumentContentChange[] = [];
    for (const edit of sorted) {
      const inserted = normalise(edit.text, this.eol);
      const before = text.slice(0, edit.offset + edit.length);
      changes.push({
        range: { start: positionAt(before, edit.offset), end: positionAt(before, edit.offset + edit.length) },
        rangeOffset: edit.offset,
        rangeLength: edit.length,
        text: inserted,
      });
      text = text.slice(0, edit.offset) + inserted + text.slice(edit.offset + edit.length);
    }
    if (changes.every((change) => change.rangeLength === 0 && change.text === '')) return true;
    this.mainText = text;
    this.mainVersion++;
    this.toExtension.push({ kind: 'change', changes, versionAfter: this.mainVersion });
    this.schedule('extension');
    return true;
  }

  private schedule(direction: 'extension' | 'main'): void {
    const latency = this.options.latency;
    if (latency === 'manual') return;
    // Messages keep their order: each is delivered no earlier than the one before it.
    const now = Date.now();
    if (direction === 'extension') {
      this.extClock = Math.max(this.extClock, now + latency());
      setTimeout(() => this.deliverToExtension(), this.extClock - now);
    } else {
      this.mainClock = Math.max(this.mainClock, now + latency());
      setTimeout(() => this.deliverToMain(), this.mainClock - now);
    }
  }

  private starts(): number[] {
    this.extLineStarts ??= lineStarts(this.extText);
    return this.extLineStarts;
  }
}

function normalise(text: string, eol: Eol): string {
  return text.replace(/\r\n|\r|\n/g, eol);
}

function positionAt(text: string, offset: number): { line: number; character: number } {
  let line = 0;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    const code = text.charCodeAt(i);
    if (code === 13 || code === 10) {
      if (code === 13 && text.charCodeAt(i + 1) === 10) i++;
      line++;
      lineStart = i + 1;
    }
  }
  return { line, character: offset - lineStart };
}

/** An offset a real editor can produce: never inside a CRLF or a surrogate pair. */
export function editorOffset(text: string, offset: number): number {
  const before = text.charCodeAt(offset - 1);
  if (before === 13 || (before >= 0xd800 && before <= 0xdbff)) return offset - 1;
  return offset;
}
