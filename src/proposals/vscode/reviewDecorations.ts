import * as vscode from 'vscode';
import type { HunkLocation } from '../proposal';
import { hoverDiffLines, type LineBlock, planReviewDecorations } from '../reviewDecorationPlan';
import type { ReviewController } from './reviewController';

/**
 * How pending hunks look in the editor, while the file itself is untouched: the lines a hunk takes out
 * get the diff editor's removed-line background, and the lines it puts in are shown next to them in
 * the inserted-text colours (line i beside removed line i, the rest summarised on the last one). A
 * pure insertion is shown after the line above it. Stale hunks get a warning colour instead. The hover
 * shows the hunk as a diff (its first lines when long) with the assistant's reason, once per hunk.
 */
export class ReviewDecorations implements vscode.Disposable {
  private readonly removed = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    backgroundColor: new vscode.ThemeColor('diffEditor.removedLineBackground'),
    overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.deletedForeground'),
    overviewRulerLane: vscode.OverviewRulerLane.Left,
  });
  private readonly added = vscode.window.createTextEditorDecorationType({
    after: {
      color: new vscode.ThemeColor('gitDecoration.addedResourceForeground'),
      backgroundColor: new vscode.ThemeColor('diffEditor.insertedTextBackground'),
      margin: '0 0 0 1.5em',
    },
    overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.addedForeground'),
    overviewRulerLane: vscode.OverviewRulerLane.Left,
  });
  private readonly stale = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    backgroundColor: new vscode.ThemeColor('diffEditor.diagonalFill'),
    after: { color: new vscode.ThemeColor('editorWarning.foreground'), margin: '0 0 0 1.5em' },
    overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.warningForeground'),
    overviewRulerLane: vscode.OverviewRulerLane.Left,
  });
  private readonly disposables: vscode.Disposable[];

  constructor(private readonly review: ReviewController) {
    this.disposables = [
      this.removed,
      this.added,
      this.stale,
      review.onDidChange(() => this.refreshAll()),
      vscode.window.onDidChangeVisibleTextEditors(() => this.refreshAll()),
    ];
    this.refreshAll();
  }

  refreshAll(): void {
    for (const editor of vscode.window.visibleTextEditors) this.refresh(editor);
  }

  private refresh(editor: vscode.TextEditor): void {
    const document = editor.document;
    const lastLine = Math.max(0, document.lineCount - 1);
    const locations = this.review.hunksIn(document.uri);
    const plan = planReviewDecorations(
      locations.map((location) => location.hunk),
      lastLine,
    );
    // One hover per hunk, on one decoration (see reviewDecorationPlan.ts).
    const hovers = new Map<number, vscode.MarkdownString>();
    const hoverOf = (index: number) => {
      let hover = hovers.get(index);
      if (!hover) hovers.set(index, (hover = hoverFor(locations[index])));
      return hover;
    };
    // A block's range runs to the end of its last line, so its hover shows anywhere in it.
    const block = ({ startLine, endLine, hunk }: LineBlock): vscode.DecorationOptions => ({
      range: new vscode.Range(startLine, 0, endLine, document.lineAt(endLine).range.end.character),
      hoverMessage: hoverOf(hunk),
    });
    const removed = plan.removed.map(block);
    const stale = plan.stale.map((planned) => ({
      ...block(planned),
      renderOptions: {
        after: { contentText: '⚠ Tandem: edited since proposed (stale) — re-propose or drop' },
      },
    }));
    const added = plan.added.map(({ line, text, hunk }): vscode.DecorationOptions => {
      const end = document.lineAt(line).range.end;
      return {
        range: new vscode.Range(end, end),
        ...(hunk === undefined ? {} : { hoverMessage: hoverOf(hunk) }),
        renderOptions: { after: { contentText: text } },
      };
    });
    editor.setDecorations(this.removed, removed);
    editor.setDecorations(this.added, added);
    editor.setDecorations(this.stale, stale);
  }

  dispose(): void {
    for (const editor of vscode.window.visibleTextEditors) {
      editor.setDecorations(this.removed, []);
      editor.setDecorations(this.added, []);
      editor.setDecorations(this.stale, []);
    }
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }
}

function hoverFor({ proposal, file, hunk }: HunkLocation): vscode.MarkdownString {
  const fence = '```';
  const diff = hoverDiffLines(hunk);
  const reason = file.change.notes.join(' ').trim() || proposal.rationale;
  const markdown = new vscode.MarkdownString(undefined, true);
  markdown.appendMarkdown(`**Tandem proposal**${hunk.status === 'stale' ? ' — stale' : ''}\n\n`);
  if (reason) markdown.appendText(`${reason.length > 400 ? `${reason.slice(0, 399)}…` : reason}\n\n`);
  markdown.appendMarkdown(`${fence}diff\n${diff.join('\n').replace(/```/g, '``\u200b`')}\n${fence}`);
  return markdown;
}
