import * as vscode from 'vscode';
import { type AuthoredRun, describeAuthorship } from '../authorship';
import type { AuthoredDeletion } from '../fileSummary';
import type { Settings } from '../../settings';

declare module '../../settings' {
  interface SettingsSchema {
    'authorship.gutter': boolean;
  }
}

/** Where marks come from: local files' tracker now, a session's shared texts when they are wired. */
export interface AuthorshipSource {
  /** The assistant runs of a document, or undefined when this source does not know it. */
  runsOf(document: vscode.TextDocument): readonly AuthoredRun[] | undefined;
  readonly onDidChange: vscode.Event<vscode.Uri>;
  /** Accepted edits of a document that only deleted text (in its offsets), when this source knows it. */
  deletionsOf(document: vscode.TextDocument): readonly AuthoredDeletion[];
  /** Why this person may not revert the marks this source gives for a document, if they may not. */
  refusalFor?(document: vscode.TextDocument): string | undefined;
}

/**
 * Shows what the assistant wrote: a hover on its characters ("Written by the assistant (model M) ·
 * asked by X · proposal P", with a link to revert that proposal) and a subtle bar in the gutter of
 * each line holding some (light and dark variants; off with `tandem.authorship.gutter`).
 */
export class AuthorshipMarks implements vscode.Disposable {
  private readonly gutter: vscode.TextEditorDecorationType;
  private readonly disposables: vscode.Disposable[] = [];
  private gutterOn: boolean;

  constructor(
    extensionUri: vscode.Uri,
    private readonly settings: Settings,
    private readonly sources: readonly AuthorshipSource[],
    /** The local participant's name as the marks in a document carry it ("you" on hover). */
    private readonly selfName: (document: vscode.TextDocument) => string | undefined,
  ) {
    this.gutter = vscode.window.createTextEditorDecorationType({
      light: { gutterIconPath: vscode.Uri.joinPath(extensionUri, 'media', 'authorship-gutter-light.svg') },
      dark: { gutterIconPath: vscode.Uri.joinPath(extensionUri, 'media', 'authorship-gutter-dark.svg') },
      gutterIconSize: 'contain',
    });
    this.gutterOn = settings.get('authorship.gutter');
    this.disposables.push(
      this.gutter,
      vscode.languages.registerHoverProvider(
        { scheme: '*' },
        { provideHover: (doc, pos) => this.hover(doc, pos) },
      ),
      settings.watch(['authorship.gutter'], () => {
        this.gutterOn = this.settings.get('authorship.gutter');
        this.refreshAll();
      }),
      vscode.window.onDidChangeVisibleTextEditors(() => this.refreshAll()),
      ...sources.map((source) =>
        source.onDidChange((uri) => {
          for (const editor of vscode.window.visibleTextEditors)
            if (editor.document.uri.toString() === uri.toString()) this.refresh(editor);
        }),
      ),
    );
  }

  private runsOf(document: vscode.TextDocument): readonly AuthoredRun[] {
    return this.sourceOf(document)?.runs ?? [];
  }

  private sourceOf(
    document: vscode.TextDocument,
  ): { source: AuthorshipSource; runs: readonly AuthoredRun[] } | undefined {
    for (const source of this.sources) {
      const runs = source.runsOf(document);
      if (runs) return { source, runs };
    }
    return undefined;
  }

  private hover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const offset = document.offsetAt(position);
    const found = this.sourceOf(document);
    const run = found?.runs.find((candidate) => offset >= candidate.start && offset < candidate.end);
    if (!found || !run) return undefined;
    const args = encodeURIComponent(JSON.stringify([{ proposal: run.meta.proposal }]));
    const refusal = found.source.refusalFor?.(document);
    // No link to a command that could only refuse (a read-only participant): say why instead.
    const action = refusal
      ? `*You cannot revert it here: ${refusal}.*`
      : `[Revert this proposal's edits](command:tandem.revertAssistantEdits?${args})`;
    const text = new vscode.MarkdownString(
      `${describeAuthorship(run.meta, this.selfName(document))}\n\n${action}`,
    );
    text.isTrusted = { enabledCommands: ['tandem.revertAssistantEdits'] };
    return new vscode.Hover(
      text,
      new vscode.Range(document.positionAt(run.start), document.positionAt(run.end)),
    );
  }

  private refreshAll(): void {
    for (const editor of vscode.window.visibleTextEditors) this.refresh(editor);
  }

  private refresh(editor: vscode.TextEditor): void {
    if (!this.gutterOn) {
      editor.setDecorations(this.gutter, []);
      return;
    }
    const lines = new Set<number>();
    const document = editor.document;
    for (const run of this.runsOf(document)) {
      const first = document.positionAt(run.start).line;
      // A run ending with a line break does not reach into the next line.
      const last = document.positionAt(Math.max(run.start, run.end - 1)).line;
      for (let line = first; line <= last; line++) lines.add(line);
    }
    editor.setDecorations(
      this.gutter,
      [...lines].map((line) => new vscode.Range(line, 0, line, 0)),
    );
  }

  dispose(): void {
    for (const editor of vscode.window.visibleTextEditors) editor.setDecorations(this.gutter, []);
    for (const disposable of this.disposables) disposable.dispose();
  }
}
