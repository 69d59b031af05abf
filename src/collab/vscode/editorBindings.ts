/**
 * Binds VS Code TextDocuments to the session's shared texts: on the host, files of the shared folder
 * (file: URIs); on a guest, documents of the session's `tandem:` folder. Also owns Undo/Redo in a
 * session: your own edits only, through a Y.UndoManager per text.
 */
import * as vscode from 'vscode';
import type * as Y from 'yjs';
import { type BindableDocument, DocumentBinding } from '../documentBinding';
import { docOffsetAt, type DocumentEdit, type Eol, lfOffsetAt, toLf } from '../eol';
import { replaceText } from '../hostFiles';
import { OwnUndo } from '../ownUndo';
import type { CollabSession } from '../session';

/** Where a document sits in the shared folder, or undefined when it is not shared. */
export type SharedPathOf = (uri: vscode.Uri) => string | undefined;

/**
 * A TextDocument as the binding sees it. Edits go through workspace.applyEdit, which VS Code applies
 * only if the document is still at the version the extension host knows, so a race with the user's
 * typing is a refusal, never a misplaced edit. One detail makes that true for every document: edits
 * without metadata to a document that is not in the active editor are first rewritten by VS Code's
 * "more minimal edits" step, which drops their version (VS Code 1.100); edits with metadata skip it.
 */
export class TextDocumentAdapter implements BindableDocument {
  private static readonly metadata: vscode.WorkspaceEditEntryMetadata = {
    needsConfirmation: false,
    label: 'Tandem shared session',
  };

  constructor(readonly document: vscode.TextDocument) {}

  get eol(): Eol {
    return this.document.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n';
  }
  get version(): number {
    return this.document.version;
  }
  get length(): number {
    const last = this.document.lineAt(this.document.lineCount - 1);
    return this.document.offsetAt(last.range.end);
  }
  get lineCount(): number {
    return this.document.lineCount;
  }
  offsetAtLineStart(line: number): number {
    return this.document.offsetAt(new vscode.Position(line, 0));
  }
  getText(): string {
    return this.document.getText();
  }
  applyEdits(edits: DocumentEdit[]): Promise<boolean> {
    const edit = new vscode.WorkspaceEdit();
    for (const { offset, length, text } of edits)
      edit.replace(
        this.document.uri,
        new vscode.Range(this.document.positionAt(offset), this.document.positionAt(offset + length)),
        text,
        TextDocumentAdapter.metadata,
      );
    return Promise.resolve(vscode.workspace.applyEdit(edit));
  }
}

interface Bound {
  path: string;
  text: Y.Text;
  adapter: TextDocumentAdapter;
  binding: DocumentBinding;
  lastVersion: number;
}

export class EditorBindings implements vscode.Disposable {
  private readonly bound = new Map<string, Bound>();
  readonly undo: OwnUndo;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly onTexts: (event: Y.YMapEvent<Y.Text>) => void;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when a document is bound or unbound. */
  readonly onDidChangeBindings = this.changed.event;

  constructor(
    private readonly session: CollabSession,
    private readonly sharedPathOf: SharedPathOf,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.undo = new OwnUndo(session.origin);
    this.disposables.push(
      vscode.workspace.onDidOpenTextDocument((document) => void this.bind(document)),
      vscode.workspace.onDidCloseTextDocument((document) => this.unbind(document.uri.toString())),
      vscode.workspace.onDidChangeTextDocument((event) => this.onChange(event)),
      vscode.workspace.onDidSaveTextDocument((document) => {
        const bound = this.bound.get(document.uri.toString());
        if (bound && session.hostFiles) session.hostFiles.noteSaved(bound.path, toLf(document.getText()));
      }),
    );
    // A file's shared text can be replaced (renamed, deleted, shared again): rebind its documents.
    this.onTexts = (event) => {
      for (const key of event.keysChanged)
        for (const [uri, bound] of [...this.bound])
          if (bound.path === key) {
            this.unbind(uri);
            void this.bind(bound.adapter.document);
          }
    };
    session.document.texts.observe(this.onTexts);
  }

  /** Binds every open document that belongs to the session. */
  bindOpenDocuments(): void {
    for (const document of vscode.workspace.textDocuments) void this.bind(document);
  }

  bindingFor(uri: vscode.Uri): DocumentBinding | undefined {
    return this.bound.get(uri.toString())?.binding;
  }

  textFor(uri: vscode.Uri): Y.Text | undefined {
    return this.bound.get(uri.toString())?.text;
  }

  pathFor(uri: vscode.Uri): string | undefined {
    return this.bound.get(uri.toString())?.path;
  }

  /** Open documents of a shared path. */
  documentsOf(path: string): vscode.TextDocument[] {
    return [...this.bound.values()]
      .filter((bound) => bound.path === path)
      .map((bound) => bound.adapter.document);
  }

  /** Resolves when no bound document has changes still in flight. */
  async whenIdle(): Promise<void> {
    await Promise.all([...this.bound.values()].map((bound) => bound.binding.whenIdle()));
  }

  /** Undoes (or redoes) your last edit in the active editor's shared text; false if there was none. */
  async undoRedo(editor: vscode.TextEditor, redo: boolean): Promise<boolean> {
    const bound = this.bound.get(editor.document.uri.toString());
    if (!bound || this.session.readOnly) return false;
    let changedAt: number | undefined;
    const watch = (event: Y.YTextEvent) => {
      let index = 0;
      for (const part of event.delta) {
        if (part.retain) index += part.retain;
        else if (typeof part.insert === 'string') {
          index += part.insert.length;
          changedAt = index;
        } else if (part.delete) changedAt = index;
      }
    };
    bound.text.observe(watch);
    const done = redo ? this.undo.redo(bound.text) : this.undo.undo(bound.text);
    bound.text.unobserve(watch);
    if (!done) return false;
    await bound.binding.whenIdle();
    if (changedAt !== undefined && vscode.window.activeTextEditor === editor) {
      // Put the cursor where the undone change was, as the editor's own undo does.
      const position = editor.document.positionAt(lfToDocOffset(editor.document, changedAt));
      editor.selection = new vscode.Selection(position, position);
      editor.revealRange(new vscode.Range(position, position));
    }
    return true;
  }

  dispose(): void {
    this.session.document.texts.unobserve(this.onTexts);
    for (const uri of [...this.bound.keys()]) this.unbind(uri);
    this.undo.dispose();
    for (const disposable of this.disposables) disposable.dispose();
    this.changed.dispose();
  }

  private async bind(document: vscode.TextDocument): Promise<void> {
    const key = document.uri.toString();
    if (this.bound.has(key) || document.isClosed) return;
    const path = this.sharedPathOf(document.uri);
    if (path === undefined) return;
    const hostFiles = this.session.hostFiles;
    if (hostFiles && !this.session.document.texts.has(path)) {
      if (this.session.state !== 'connected') return;
      const versionBefore = document.version;
      const outcome = await hostFiles.ensureSeeded(path);
      if (outcome !== 'seeded' && outcome !== 'exists') return;
      // Keystrokes typed while the file was being read belong to the host: they win over the seed.
      const seededText = this.session.document.text(path);
      if (outcome === 'seeded' && seededText && document.version !== versionBefore && !document.isClosed)
        replaceText(seededText, toLf(document.getText()), this.session.origin);
    }
    const text = this.session.document.text(path);
    if (!text || this.bound.has(key) || document.isClosed) return;
    const adapter = new TextDocumentAdapter(document);
    const binding = new DocumentBinding(text, adapter, {
      origin: this.session.origin,
      readOnly: this.session.readOnly,
      log: (level, message) => this.log[level](`[collab] ${path}: ${message}`),
    });
    this.undo.managerFor(text);
    this.bound.set(key, { path, text, adapter, binding, lastVersion: document.version });
    this.log.debug(`[collab] bound ${path}`);
    this.changed.fire();
  }

  private unbind(key: string): void {
    const bound = this.bound.get(key);
    if (!bound) return;
    bound.binding.dispose();
    this.bound.delete(key);
    if (![...this.bound.values()].some((other) => other.text === bound.text)) this.undo.forget(bound.text);
    this.changed.fire();
  }

  private onChange(event: vscode.TextDocumentChangeEvent): void {
    const bound = this.bound.get(event.document.uri.toString());
    if (!bound) return;
    const version = event.document.version;
    // Dirty-state notifications repeat the version and carry no change.
    if (event.contentChanges.length === 0 && version === bound.lastVersion) return;
    bound.lastVersion = version;
    bound.binding.handleDocumentChange(event.contentChanges, version);
  }
}

/** Document offset of an LF offset in a (possibly CRLF) document. */
export function lfToDocOffset(document: vscode.TextDocument, lfOffset: number): number {
  return docOffsetAt(lfOffset, new TextDocumentAdapter(document));
}

/** LF offset of a document position. */
export function docPositionToLf(document: vscode.TextDocument, position: vscode.Position): number {
  const eol: Eol = document.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n';
  return lfOffsetAt(position, document.offsetAt(position), eol);
}
