import * as vscode from 'vscode';
import { trustPathOf } from '../../workspace/vscode/fileAddress';
import type { ContextSources } from '../context/promptContext';
import { RecentRanges } from '../context/recentRanges';
import { SimilarityIndex } from '../context/similarity';
import type { DocumentText } from '../documentText';
import { isServedDocument, VscodeDocumentText } from './vscodeDocument';

/** Lines around the cursor recorded as "viewed" when the user leaves a place. */
const VIEW_RADIUS = 10;
/** Documents are (re)indexed for similarity this long after their last change: never while typing. */
const INDEX_IDLE_MS = 1000;

/**
 * Keeps the context sources up to date from editor events: recently edited ranges, recently viewed
 * places, and the similarity index of open documents. Indexing runs on idle timers, never inside a
 * completion request, only once suggestions have been asked for at least once, and for the file being
 * typed into only when the user leaves it.
 */
export class ContextTracker implements ContextSources, vscode.Disposable {
  readonly edits = new RecentRanges();
  readonly views = new RecentRanges({ perDocument: 2, mergeDistance: VIEW_RADIUS });
  readonly similarity = new SimilarityIndex();
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly disposables: vscode.Disposable[] = [];
  private lastPlace: { key: string; line: number } | undefined;
  private indexing = false;
  private warmTimer: NodeJS.Timeout | undefined;
  private activeKey = vscode.window.activeTextEditor?.document.uri.toString();
  /** Documents changed while they were the active editor (indexed when the user leaves them). */
  private readonly changedWhileActive = new Set<string>();

  constructor(private readonly excluded: (path: string) => boolean) {
    this.disposables.push(
      vscode.workspace.onDidChangeTextDocument((event) => this.onChange(event)),
      vscode.workspace.onDidCloseTextDocument((document) => this.onClose(document)),
      vscode.workspace.onDidOpenTextDocument((document) => this.scheduleIndex(document)),
      vscode.window.onDidChangeTextEditorSelection((event) => this.onSelection(event)),
      vscode.window.onDidChangeActiveTextEditor((editor) => {
        // The file just left becomes "another open file": index what was typed into it.
        if (this.activeKey !== undefined && this.changedWhileActive.delete(this.activeKey)) {
          const left = vscode.workspace.textDocuments.find((doc) => doc.uri.toString() === this.activeKey);
          if (left) this.scheduleIndex(left);
        }
        this.activeKey = editor?.document.uri.toString();
        if (!editor) return;
        this.onSelection({ textEditor: editor, selections: editor.selections });
        this.warmExclusion(editor.document);
      }),
    );
    const active = vscode.window.activeTextEditor;
    if (active) this.warmExclusion(active.document);
  }

  /** Called with each completion request: the first one starts indexing the open documents. */
  startIndexing(): void {
    if (this.indexing) return;
    this.indexing = true;
    for (const document of vscode.workspace.textDocuments) this.scheduleIndex(document);
  }

  openDocument(key: string): DocumentText | undefined {
    const document = vscode.workspace.textDocuments.find((candidate) => candidate.uri.toString() === key);
    return document && !document.isClosed ? new VscodeDocumentText(document) : undefined;
  }

  isExcluded(path: string): boolean {
    return this.excluded(path);
  }

  dispose(): void {
    clearTimeout(this.warmTimer);
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }

  private onChange(event: vscode.TextDocumentChangeEvent): void {
    const { document } = event;
    if (!isServedDocument(document) || event.contentChanges.length === 0) return;
    const key = document.uri.toString();
    for (const change of event.contentChanges) {
      const removed = change.range.end.line - change.range.start.line;
      const added = (change.text.match(/\n/g) ?? []).length;
      if (added !== removed) this.edits.shift(key, change.range.start.line, added - removed);
      this.edits.record(key, change.range.start.line, change.range.start.line + added);
    }
    // The file being typed into is never its own snippet source: index it once the user leaves it,
    // rather than re-reading a large file after every pause.
    if (key === this.activeKey) this.changedWhileActive.add(key);
    else this.scheduleIndex(document);
  }

  private onClose(document: vscode.TextDocument): void {
    const key = document.uri.toString();
    clearTimeout(this.pending.get(key));
    this.pending.delete(key);
    this.similarity.remove(key);
    this.changedWhileActive.delete(key);
    this.edits.forgetDocument(key);
    this.views.forgetDocument(key);
  }

  /** Records the place the cursor leaves when it jumps to another file or far within one. */
  private onSelection(event: {
    textEditor: vscode.TextEditor;
    selections: readonly vscode.Selection[];
  }): void {
    const { document } = event.textEditor;
    if (!isServedDocument(document) || event.selections.length === 0) return;
    const key = document.uri.toString();
    const line = event.selections[0].active.line;
    const last = this.lastPlace;
    if (last && (last.key !== key || Math.abs(last.line - line) > 2 * VIEW_RADIUS)) {
      this.views.record(last.key, Math.max(0, last.line - VIEW_RADIUS), last.line + VIEW_RADIUS);
    }
    this.lastPlace = { key, line };
  }

  /**
   * Asks the exclusion rules about a document as soon as it is shown, off the typing path: the rules
   * read a folder's `.tandemignore` files the first time they meet it, and that read should not land
   * in a suggestion request.
   */
  private warmExclusion(document: vscode.TextDocument): void {
    if (!isServedDocument(document)) return;
    clearTimeout(this.warmTimer);
    this.warmTimer = setTimeout(() => {
      this.warmTimer = undefined;
      if (!document.isClosed) this.excluded(trustPathOf(document.uri));
    }, 0);
  }

  private scheduleIndex(document: vscode.TextDocument): void {
    if (!this.indexing || !isServedDocument(document)) return;
    const key = document.uri.toString();
    clearTimeout(this.pending.get(key));
    this.pending.set(
      key,
      setTimeout(() => {
        this.pending.delete(key);
        if (document.isClosed) return;
        const text = new VscodeDocumentText(document);
        if (this.excluded(text.path)) return;
        this.similarity.update(text, document.version);
      }, INDEX_IDLE_MS),
    );
  }
}
