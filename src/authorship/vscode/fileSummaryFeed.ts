import * as vscode from 'vscode';
import type { AuthoredRun } from '../authorship';
import { type AuthoredDeletion, type FileAuthorshipSummary, summarizeAuthorship } from '../fileSummary';

/** The summary of the file in the active editor. */
export interface ActiveFileSummary {
  readonly document: vscode.TextDocument;
  readonly summary: FileAuthorshipSummary;
}

/** Recomputed at most this often while people type (the summary is a glance, not a meter). */
const SETTLE_MS = 60;

/**
 * Follows the active editor's file and tells when its authorship summary may have changed: another
 * editor became active, its text changed, or its marks changed (accepted, overwritten, reverted, a
 * peer's edit in a session). The output panel's editors are ignored; focusing the side panel keeps
 * the editor active (VS Code's active text editor stays), and with no text editor there is no summary.
 */
export class FileSummaryFeed implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private document: vscode.TextDocument | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly runsOf: (document: vscode.TextDocument) => readonly AuthoredRun[],
    private readonly deletionsOf: (document: vscode.TextDocument) => readonly AuthoredDeletion[],
    marksChanged: readonly vscode.Event<vscode.Uri>[],
    /** Whether a document is a session's shared file. */
    private readonly isShared: (document: vscode.TextDocument) => boolean,
    /** The local participant's name as their marks in a document carry it. */
    private readonly selfName: (document: vscode.TextDocument) => string | undefined,
  ) {
    this.follow(vscode.window.activeTextEditor);
    this.disposables.push(
      this.changed,
      vscode.window.onDidChangeActiveTextEditor((editor) => this.follow(editor)),
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (event.document === this.document) this.schedule();
      }),
      vscode.workspace.onDidCloseTextDocument((document) => {
        if (document === this.document) this.follow(vscode.window.activeTextEditor);
      }),
      ...marksChanged.map((event) =>
        event((uri) => {
          if (uri.toString() === this.document?.uri.toString()) this.schedule();
        }),
      ),
    );
  }

  /** The active file's summary now; undefined when no file is open. */
  current(): ActiveFileSummary | undefined {
    const document = this.document;
    if (!document || document.isClosed) return undefined;
    return {
      document,
      summary: summarizeAuthorship(
        document.getText(),
        this.runsOf(document),
        this.selfName(document),
        this.deletionsOf(document),
      ),
    };
  }

  shared(document: vscode.TextDocument): boolean {
    return this.isShared(document);
  }

  /**
   * Where a proposal's first surviving character is in a document, or else where it deleted text, if
   * it has either there.
   */
  firstMark(document: vscode.TextDocument, proposal: string): vscode.Range | undefined {
    const run = this.runsOf(document).find((candidate) => candidate.meta.proposal === proposal);
    if (run) return new vscode.Range(document.positionAt(run.start), document.positionAt(run.end));
    const deletion = this.deletionsOf(document)
      .filter((candidate) => candidate.meta.proposal === proposal)
      .sort((a, b) => a.at - b.at)[0];
    return deletion && new vscode.Range(document.positionAt(deletion.at), document.positionAt(deletion.at));
  }

  private follow(editor: vscode.TextEditor | undefined): void {
    const document = editor?.document;
    if (document && (document.uri.scheme === 'output' || document.uri.scheme.startsWith('vscode'))) return;
    if (document === this.document) return;
    this.document = document;
    this.schedule();
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.changed.fire();
    }, SETTLE_MS);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }
}
