import * as vscode from 'vscode';
import type { ShownEdit } from '../nextEditEngine';

/** Context keys the Tab and Escape keybindings read. */
export const VISIBLE_CONTEXT = 'tandem.nextEditVisible';
export const MODE_CONTEXT = 'tandem.nextEditMode';

/**
 * Draws the suggested next edit in an editor: an insertion at the cursor as ghost text; any other edit
 * where it would land, the text it removes struck through and the text it inserts beside it; and, when
 * that place is scrolled out of view, an arrow in the gutter at the edge of the view pointing to it.
 * Colours come from the theme (diff and ghost-text colours), so it follows light, dark and high contrast.
 */
export class NextEditView implements vscode.Disposable {
  private readonly removed = vscode.window.createTextEditorDecorationType({
    textDecoration: 'line-through',
    backgroundColor: new vscode.ThemeColor('diffEditor.removedTextBackground'),
    rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
  });
  private readonly inserted = vscode.window.createTextEditorDecorationType({
    after: {
      backgroundColor: new vscode.ThemeColor('diffEditor.insertedTextBackground'),
      border: '1px solid',
      borderColor: new vscode.ThemeColor('diffEditor.insertedLineBackground'),
    },
  });
  private readonly ghost = vscode.window.createTextEditorDecorationType({
    after: { color: new vscode.ThemeColor('editorGhostText.foreground'), fontStyle: 'italic' },
  });
  private readonly hint = vscode.window.createTextEditorDecorationType({
    after: {
      color: new vscode.ThemeColor('editorCodeLens.foreground'),
      margin: '0 0 0 2em',
      fontStyle: 'italic',
    },
  });
  private readonly arrowDown: vscode.TextEditorDecorationType;
  private readonly arrowUp: vscode.TextEditorDecorationType;
  private visible: boolean | undefined;
  private mode: string | undefined;

  constructor(extensionUri: vscode.Uri) {
    const arrow = (direction: 'up' | 'down') =>
      vscode.window.createTextEditorDecorationType({
        light: {
          gutterIconPath: vscode.Uri.joinPath(extensionUri, 'media', `next-edit-${direction}-light.svg`),
        },
        dark: {
          gutterIconPath: vscode.Uri.joinPath(extensionUri, 'media', `next-edit-${direction}-dark.svg`),
        },
        gutterIconSize: '80%',
        after: {
          color: new vscode.ThemeColor('editorCodeLens.foreground'),
          margin: '0 0 0 2em',
          fontStyle: 'italic',
        },
      });
    this.arrowDown = arrow('down');
    this.arrowUp = arrow('up');
  }

  render(editor: vscode.TextEditor, shown: ShownEdit | undefined): void {
    const none: vscode.DecorationOptions[] = [];
    const sets = new Map<vscode.TextEditorDecorationType, vscode.DecorationOptions[]>([
      [this.removed, none.slice()],
      [this.inserted, none.slice()],
      [this.ghost, none.slice()],
      [this.hint, none.slice()],
      [this.arrowDown, none.slice()],
      [this.arrowUp, none.slice()],
    ]);
    if (shown) {
      const { edit } = shown;
      const range = new vscode.Range(
        edit.range.start.line,
        edit.range.start.character,
        edit.range.end.line,
        edit.range.end.character,
      );
      const label = (text: string) => text.replace(/\n/g, ' ⏎ ');
      if (shown.mode === 'ghost') {
        const [first, ...rest] = edit.text.split('\n');
        const more = rest.length ? `  (+${rest.length} line${rest.length > 1 ? 's' : ''}, Tab accepts)` : '';
        sets.get(this.ghost)!.push({ range, renderOptions: { after: { contentText: first + more } } });
      } else {
        if (!range.isEmpty)
          sets.get(this.removed)!.push({ range, hoverMessage: 'Tandem: suggested next edit removes this' });
        if (edit.text)
          sets.get(this.inserted)!.push({
            range: new vscode.Range(range.end, range.end),
            renderOptions: { after: { contentText: label(edit.text) } },
          });
        const cursor = editor.selection.active;
        const target = range.start.line + 1;
        const offScreen = !editor.visibleRanges.some((visible) => visible.contains(range.start));
        if (shown.mode === 'jump' && offScreen && editor.visibleRanges.length) {
          const below = range.start.isAfter(editor.visibleRanges[editor.visibleRanges.length - 1].end);
          const edge = below
            ? editor.visibleRanges[editor.visibleRanges.length - 1].end.line
            : editor.visibleRanges[0].start.line;
          const line = editor.document.lineAt(Math.max(0, Math.min(edge, editor.document.lineCount - 1)));
          sets.get(below ? this.arrowDown : this.arrowUp)!.push({
            range: new vscode.Range(line.range.end, line.range.end),
            renderOptions: {
              after: { contentText: `Tab: next edit at line ${target} ${below ? '↓' : '↑'}` },
            },
            hoverMessage: `Tandem suggests an edit at line ${target}: Tab goes there, Tab again accepts, Escape dismisses.`,
          });
        } else if (shown.mode === 'jump') {
          const line = editor.document.lineAt(cursor.line);
          sets.get(this.hint)!.push({
            range: new vscode.Range(line.range.end, line.range.end),
            renderOptions: { after: { contentText: `Tab: next edit at line ${target}` } },
          });
        }
      }
    }
    for (const [type, options] of sets) editor.setDecorations(type, options);
    this.setContext(shown !== undefined, shown?.mode);
  }

  /** Clears every editor. */
  clear(): void {
    for (const editor of vscode.window.visibleTextEditors) this.render(editor, undefined);
    this.setContext(false, undefined);
  }

  private setContext(visible: boolean, mode: string | undefined): void {
    if (visible !== this.visible) {
      this.visible = visible;
      void vscode.commands.executeCommand('setContext', VISIBLE_CONTEXT, visible);
    }
    if (mode !== this.mode) {
      this.mode = mode;
      void vscode.commands.executeCommand('setContext', MODE_CONTEXT, mode ?? '');
    }
  }

  dispose(): void {
    for (const type of [this.removed, this.inserted, this.ghost, this.hint, this.arrowDown, this.arrowUp])
      type.dispose();
    this.setContext(false, undefined);
  }
}
