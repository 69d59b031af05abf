import * as vscode from 'vscode';
import { lineContent } from '../hunks';
import type { HunkLocation } from '../proposal';
import type { ReviewController } from './reviewController';

const PREVIEW_CHARS = 120;

/**
 * How pending hunks look in the editor, while the file itself is untouched: the lines a hunk takes out
 * get the diff editor's removed-line background, and the lines it puts in are shown next to them in
 * the inserted-text colours (line i beside removed line i, the rest summarised on the last one). A
 * pure insertion is shown after the line above it. Stale hunks get a warning colour instead. The hover
 * shows the whole hunk as a diff with the assistant's reason.
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
    const removed: vscode.DecorationOptions[] = [];
    const added: vscode.DecorationOptions[] = [];
    const stale: vscode.DecorationOptions[] = [];
    const document = editor.document;
    const lastLine = Math.max(0, document.lineCount - 1);
    for (const location of this.review.hunksIn(document.uri)) {
      const { hunk } = location;
      const hover = hoverFor(location);
      if (hunk.status === 'stale') {
        const line = Math.min(hunk.line, lastLine);
        stale.push({
          range: new vscode.Range(
            line,
            0,
            Math.min(lastLine, line + Math.max(0, hunk.removed.length - 1)),
            0,
          ),
          hoverMessage: hover,
          renderOptions: {
            after: { contentText: '⚠ Tandem: edited since proposed (stale) — re-propose or drop' },
          },
        });
        continue;
      }
      const addedText = hunk.added.map(lineContent);
      if (hunk.removed.length === 0) {
        const anchor = Math.min(Math.max(0, hunk.line - 1), lastLine);
        const end = document.lineAt(anchor).range.end;
        added.push({
          range: new vscode.Range(end, end),
          hoverMessage: hover,
          renderOptions: { after: { contentText: summary('+ ', addedText) } },
        });
        continue;
      }
      for (let i = 0; i < hunk.removed.length; i++) {
        const line = Math.min(hunk.line + i, lastLine);
        removed.push({ range: new vscode.Range(line, 0, line, 0), hoverMessage: hover });
        const last = i === hunk.removed.length - 1;
        const shown = last ? addedText.slice(i) : i < addedText.length ? [addedText[i]] : [];
        if (shown.length === 0) continue;
        const end = document.lineAt(line).range.end;
        added.push({
          range: new vscode.Range(end, end),
          hoverMessage: hover,
          renderOptions: { after: { contentText: summary('→ ', shown) } },
        });
      }
    }
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

/** "→ first line" or "→ first line  (+2 more lines)", shortened to fit. */
function summary(prefix: string, lines: string[]): string {
  const first = lines[0] ?? '';
  const shown = first.length > PREVIEW_CHARS ? `${first.slice(0, PREVIEW_CHARS - 1)}…` : first;
  const more = lines.length > 1 ? `  (+${lines.length - 1} more line${lines.length > 2 ? 's' : ''})` : '';
  return `${prefix}${shown.trim() === '' ? '(blank line)' : shown}${more}`;
}

function hoverFor({ proposal, file, hunk }: HunkLocation): vscode.MarkdownString {
  const fence = '```';
  const diff = [
    ...hunk.removed.map((line) => `-${lineContent(line)}`),
    ...hunk.added.map((line) => `+${lineContent(line)}`),
  ];
  const reason = file.change.notes.join(' ').trim() || proposal.rationale;
  const markdown = new vscode.MarkdownString(undefined, true);
  markdown.appendMarkdown(`**Tandem proposal**${hunk.status === 'stale' ? ' — stale' : ''}\n\n`);
  if (reason) markdown.appendText(`${reason.length > 400 ? `${reason.slice(0, 399)}…` : reason}\n\n`);
  markdown.appendMarkdown(`${fence}diff\n${diff.join('\n').replace(/```/g, '``\u200b`')}\n${fence}`);
  return markdown;
}
