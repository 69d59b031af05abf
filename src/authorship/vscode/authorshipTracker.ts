import * as vscode from 'vscode';
import type { AuthorshipMeta } from '../authorship';
import { LocalAuthorship, textHash } from '../localAuthorship';

/** What an accepted hunk wrote, as the review reports it once VS Code applied it. */
export interface AppliedAssistantText {
  readonly uri: vscode.Uri;
  /** Where the replaced text started (line, character) in the document before and after the edit. */
  readonly start: vscode.Position;
  readonly replaced: string;
  readonly inserted: string;
  readonly meta: Omit<AuthorshipMeta, 'edit'>;
}

const STORAGE_PREFIX = 'tandem.authorship:';
/** How many accepts back per document Redo can bring marks back for. */
const MAX_ACCEPT_STATES = 20;

/** What workspace storage keeps per file: the state at the last save, and the latest state. */
interface StoredEntry {
  readonly saved?: unknown;
  readonly latest?: unknown;
}

/**
 * The assistant's characters in local files: one `LocalAuthorship` per document that has any, kept
 * in step with every change VS Code reports, and kept in workspace storage (the state as of the last
 * save and the latest state, each with a hash of its text) so it survives save, close and reload.
 * A file whose text matches neither hash when opened changed while nobody watched: its marks are
 * dropped rather than put on the wrong characters.
 */
export class AuthorshipTracker implements vscode.Disposable {
  private readonly byUri = new Map<string, LocalAuthorship>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  /** Fires when a document's marks changed (attributed, edited, reverted, restored). */
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly persistTimers = new Map<string, NodeJS.Timeout>();
  /**
   * Per document, its marks just before and just after the last revert (each with the hash and length
   * of the text it describes): when Undo or Redo puts one of those texts back, its marks come back.
   */
  private readonly aroundRevert = new Map<string, { stored: unknown; length: number }[]>();
  /**
   * Per document, its marks just after each of its last accepted hunks: when Redo (or Undo of later
   * edits) puts that text back, the accepted text is the assistant's again.
   */
  private readonly afterAccept = new Map<string, { stored: unknown; length: number }[]>();

  constructor(
    private readonly storage: vscode.Memento,
    private readonly log: vscode.LogOutputChannel,
    /** Don't follow documents of a session (their marks live in the shared text). */
    private readonly isLocal: (uri: vscode.Uri) => boolean = (uri) => uri.scheme === 'file',
  ) {
    this.disposables.push(
      this.changed,
      vscode.workspace.onDidChangeTextDocument((event) => this.onChanged(event)),
      vscode.workspace.onDidSaveTextDocument((document) => this.persist(document, true)),
      vscode.workspace.onDidOpenTextDocument((document) => this.restore(document)),
      vscode.workspace.onDidCloseTextDocument((document) => this.onClosed(document)),
    );
    for (const document of vscode.workspace.textDocuments) this.restore(document);
  }

  /** The marks of an open document, if it has any. */
  of(uri: vscode.Uri): LocalAuthorship | undefined {
    return this.byUri.get(uri.toString());
  }

  /** Every open document with marks. */
  all(): [vscode.Uri, LocalAuthorship][] {
    return [...this.byUri].map(([key, authorship]) => [vscode.Uri.parse(key), authorship]);
  }

  /** Files with stored marks that are not open (Revert opens them to look). */
  storedElsewhere(): vscode.Uri[] {
    return this.storage
      .keys()
      .filter((key) => key.startsWith(STORAGE_PREFIX) && !this.byUri.has(key.slice(STORAGE_PREFIX.length)))
      .map((key) => vscode.Uri.parse(key.slice(STORAGE_PREFIX.length)));
  }

  /**
   * Marks what an accepted hunk wrote. Only the characters it changed are the assistant's (what it
   * kept of the text it replaced, around and between its changes, stays the person's). The text must
   * still be there.
   */
  async attribute(applied: AppliedAssistantText, editId: string): Promise<boolean> {
    if (!this.isLocal(applied.uri)) return false;
    const document = await vscode.workspace.openTextDocument(applied.uri);
    const start = document.offsetAt(applied.start);
    const eol = document.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n';
    const inserted = applied.inserted.replace(/\r?\n/g, eol);
    const replaced = applied.replaced.replace(/\r?\n/g, eol);
    if (document.getText().slice(start, start + inserted.length) !== inserted) {
      this.log.warn(`Authorship: ${applied.uri.toString()} no longer holds the accepted text; not marked`);
      return false;
    }
    const key = applied.uri.toString();
    const authorship = this.byUri.get(key) ?? new LocalAuthorship();
    if (!authorship.attributeHunk(start, replaced, inserted, { ...applied.meta, edit: editId })) return false;
    this.byUri.set(key, authorship);
    const text = document.getText();
    const accepted = this.afterAccept.get(key) ?? [];
    accepted.push({ stored: authorship.toStored(text), length: text.length });
    this.afterAccept.set(key, accepted.slice(-MAX_ACCEPT_STATES));
    this.changed.fire(applied.uri);
    this.schedulePersist(document);
    return true;
  }

  /**
   * Keeps a document's marks as they are now, just before a revert changes it (`after` false, which
   * starts afresh) or just after (see `aroundRevert`).
   */
  rememberAroundRevert(document: vscode.TextDocument, after: boolean): void {
    const key = document.uri.toString();
    const authorship = this.byUri.get(key);
    if (!authorship) return;
    const text = document.getText();
    const states = after ? (this.aroundRevert.get(key) ?? []) : [];
    this.aroundRevert.set(key, [...states, { stored: authorship.toStored(text), length: text.length }]);
  }

  /** Drops the records of reverted edits. */
  forget(uri: vscode.Uri, edits: readonly string[]): void {
    const authorship = this.byUri.get(uri.toString());
    if (!authorship) return;
    authorship.forget(edits);
    const document = vscode.workspace.textDocuments.find((doc) => doc.uri.toString() === uri.toString());
    if (document) this.schedulePersist(document);
    this.changed.fire(uri);
  }

  /** Opens a file with stored marks so they are restored (or found stale and dropped). */
  async load(uri: vscode.Uri): Promise<LocalAuthorship | undefined> {
    try {
      const document = await vscode.workspace.openTextDocument(uri);
      this.restore(document);
    } catch (error) {
      this.log.warn(`Authorship: cannot open ${uri.toString()} (${String(error)}); its marks are dropped`);
      await this.storage.update(STORAGE_PREFIX + uri.toString(), undefined);
    }
    return this.of(uri);
  }

  private onChanged(event: vscode.TextDocumentChangeEvent): void {
    const key = event.document.uri.toString();
    const authorship = this.byUri.get(key);
    if (!authorship || event.contentChanges.length === 0) return;
    const text = event.document.getText();
    const undoOrRedo =
      event.reason === vscode.TextDocumentChangeReason.Undo ||
      event.reason === vscode.TextDocumentChangeReason.Redo;
    const states = [
      ...(this.aroundRevert.get(key) ?? []),
      // Only Undo and Redo bring an accept's marks back: text typed anew is the person's.
      ...(undoOrRedo ? [...(this.afterAccept.get(key) ?? [])].reverse() : []),
    ];
    for (const state of states) {
      // The text is back to what it was just before or after the revert (Undo, Redo): so are its marks.
      const restored = state.length === text.length && LocalAuthorship.fromStored(state.stored, text);
      if (restored) {
        this.byUri.set(key, restored);
        this.changed.fire(event.document.uri);
        this.schedulePersist(event.document);
        return;
      }
    }
    // VS Code lists a multi-range change last-first, so each offset holds in the text before it.
    for (const change of event.contentChanges)
      authorship.applyChange({
        offset: change.rangeOffset,
        deleted: change.rangeLength,
        inserted: change.text.length,
      });
    this.changed.fire(event.document.uri);
    this.schedulePersist(event.document);
  }

  private schedulePersist(document: vscode.TextDocument): void {
    const key = document.uri.toString();
    clearTimeout(this.persistTimers.get(key));
    this.persistTimers.set(
      key,
      setTimeout(() => {
        this.persistTimers.delete(key);
        this.persist(document, false);
      }, 1000),
    );
  }

  private persist(document: vscode.TextDocument, saved: boolean): void {
    const key = document.uri.toString();
    const authorship = this.byUri.get(key);
    if (!authorship) return;
    const storageKey = STORAGE_PREFIX + key;
    if (authorship.isEmpty) {
      void this.storage.update(storageKey, undefined);
      return;
    }
    const state = authorship.toStored(document.getText());
    const previous = this.storage.get<StoredEntry>(storageKey) ?? {};
    const entry: StoredEntry = saved ? { saved: state, latest: state } : { ...previous, latest: state };
    void this.storage.update(storageKey, entry);
  }

  private restore(document: vscode.TextDocument): void {
    const key = document.uri.toString();
    if (this.byUri.has(key) || !this.isLocal(document.uri)) return;
    const entry = this.storage.get<StoredEntry>(STORAGE_PREFIX + key);
    if (!entry) return;
    const text = document.getText();
    const restored =
      LocalAuthorship.fromStored(entry.latest, text) ?? LocalAuthorship.fromStored(entry.saved, text);
    if (!restored) {
      this.log.info(
        `Authorship: ${document.uri.toString()} changed since its assistant marks were kept (hash ${textHash(text).slice(0, 12)}); marks dropped`,
      );
      void this.storage.update(STORAGE_PREFIX + key, undefined);
      return;
    }
    this.byUri.set(key, restored);
    this.changed.fire(document.uri);
  }

  private onClosed(document: vscode.TextDocument): void {
    const key = document.uri.toString();
    const timer = this.persistTimers.get(key);
    if (timer) {
      clearTimeout(timer);
      this.persistTimers.delete(key);
      this.persist(document, false);
    }
    // Storage keeps the state as of the last save: a file closed without saving gets it back.
    this.byUri.delete(key);
    this.aroundRevert.delete(key);
    this.afterAccept.delete(key);
  }

  dispose(): void {
    for (const [key, timer] of this.persistTimers) {
      clearTimeout(timer);
      const document = vscode.workspace.textDocuments.find((doc) => doc.uri.toString() === key);
      if (document) this.persist(document, false);
    }
    this.persistTimers.clear();
    for (const disposable of this.disposables) disposable.dispose();
  }
}
