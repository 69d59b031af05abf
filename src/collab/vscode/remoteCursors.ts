/**
 * Teammates' cursors and selections in your editors, in their colours, with a name tag at the
 * cursor (shown while they are active, or always, per `tandem.collab.nameTags`). Positions travel
 * as Y.RelativePositions, so they stay on the right character while anyone types.
 */
import * as vscode from 'vscode';
import { absoluteIndex, type Participant } from '../presence';
import type { CollabSession } from '../session';
import { type EditorBindings, lfToDocOffset } from './editorBindings';

/** How long a name tag stays after its owner moved or typed, in 'activity' mode. */
const TAG_VISIBLE_MS = 4000;

interface ColorDecorations {
  selection: vscode.TextEditorDecorationType;
  cursor: vscode.TextEditorDecorationType;
  tag: vscode.TextEditorDecorationType;
}

export class RemoteCursors implements vscode.Disposable {
  private readonly byColor = new Map<string, ColorDecorations>();
  private readonly lastMoved = new Map<string, { key: string; at: number }>();
  /** What each editor shows per decoration type, so unchanged decorations are not sent again. */
  private readonly shown = new WeakMap<vscode.TextEditor, Map<vscode.TextEditorDecorationType, string>>();
  private readonly disposables: vscode.Disposable[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private tagTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly session: CollabSession,
    private readonly bindings: EditorBindings,
    private readonly nameTags: () => 'activity' | 'always' | 'never',
  ) {
    this.disposables.push(
      session.onDidChangeParticipants(() => this.schedule()),
      vscode.window.onDidChangeVisibleTextEditors(() => this.schedule()),
      vscode.workspace.onDidChangeTextDocument(() => this.schedule()),
      bindings.onDidChangeBindings(() => this.schedule()),
    );
  }

  /** Redraws soon (changes come in bursts). */
  schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.render();
    }, 30);
  }

  render(): void {
    const now = Date.now();
    // An assistant at work has a cursor of its own, where it works.
    const participants = this.session.participants({ assistants: true }).filter((p) => !p.self);
    const present = new Set(participants.map((p) => p.key));
    for (const key of [...this.lastMoved.keys()]) if (!present.has(key)) this.lastMoved.delete(key);
    for (const participant of participants) {
      // Their clock, but only compared with itself: it changes whenever they move, type or scroll.
      const key = JSON.stringify([participant.file, participant.state.active]);
      const moved = this.lastMoved.get(participant.key);
      if (!moved || moved.key !== key) this.lastMoved.set(participant.key, { key, at: now });
    }
    const mode = this.nameTags();
    let nextTagChange = Infinity;
    for (const editor of vscode.window.visibleTextEditors) {
      const path = this.bindings.pathFor(editor.document.uri);
      const text = this.bindings.textFor(editor.document.uri);
      const perColor = new Map<
        string,
        { selections: vscode.Range[]; cursors: vscode.DecorationOptions[]; tags: vscode.DecorationOptions[] }
      >();
      for (const color of this.byColor.keys()) perColor.set(color, { selections: [], cursors: [], tags: [] });
      if (path !== undefined && text)
        for (const participant of participants) {
          if (participant.file !== path || !Array.isArray(participant.state.selections)) continue;
          this.decorationsFor(participant.color);
          const bucket = perColor.get(participant.color) ?? { selections: [], cursors: [], tags: [] };
          perColor.set(participant.color, bucket);
          const movedAt = this.lastMoved.get(participant.key)?.at ?? 0;
          const showTag = mode === 'always' || (mode === 'activity' && now - movedAt < TAG_VISIBLE_MS);
          if (mode === 'activity' && showTag)
            nextTagChange = Math.min(nextTagChange, movedAt + TAG_VISIBLE_MS - now);
          participant.state.selections.slice(0, 20).forEach((selection, index) => {
            const anchor = this.position(editor.document, text, selection.anchor);
            const head = this.position(editor.document, text, selection.head);
            if (!anchor || !head) return;
            if (!anchor.isEqual(head)) bucket.selections.push(new vscode.Range(anchor, head));
            const hover = new vscode.MarkdownString();
            hover.appendText(`${participant.label}${participant.role === 'ro' ? ' (read-only)' : ''}`);
            bucket.cursors.push({ range: new vscode.Range(head, head), hoverMessage: hover });
            if (showTag && index === 0) bucket.tags.push(this.tag(head, participant));
          });
        }
      for (const [color, bucket] of perColor) {
        const decorations = this.decorationsFor(color);
        this.set(editor, decorations.selection, bucket.selections);
        this.set(editor, decorations.cursor, bucket.cursors);
        this.set(editor, decorations.tag, bucket.tags);
      }
    }
    if (this.tagTimer) clearTimeout(this.tagTimer);
    this.tagTimer = Number.isFinite(nextTagChange)
      ? setTimeout(() => this.render(), Math.max(50, nextTagChange + 20))
      : undefined;
  }

  /** setDecorations is a message to the window: send it only when something changed. */
  private set(
    editor: vscode.TextEditor,
    type: vscode.TextEditorDecorationType,
    items: readonly (vscode.Range | vscode.DecorationOptions)[],
  ): void {
    const key = JSON.stringify(
      items.map((item) => {
        const range = item instanceof vscode.Range ? item : item.range;
        const tag = item instanceof vscode.Range ? '' : (item.renderOptions?.before?.contentText ?? '');
        return [range.start.line, range.start.character, range.end.line, range.end.character, tag];
      }),
    );
    let perType = this.shown.get(editor);
    if (!perType) {
      perType = new Map();
      this.shown.set(editor, perType);
    }
    if (perType.get(type) === key) return;
    perType.set(type, key);
    editor.setDecorations(type, items as vscode.DecorationOptions[]);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.tagTimer) clearTimeout(this.tagTimer);
    for (const decorations of this.byColor.values()) {
      decorations.selection.dispose();
      decorations.cursor.dispose();
      decorations.tag.dispose();
    }
    this.byColor.clear();
    for (const disposable of this.disposables) disposable.dispose();
  }

  private position(
    document: vscode.TextDocument,
    text: Parameters<typeof absoluteIndex>[0],
    relative: unknown,
  ): vscode.Position | undefined {
    const index = absoluteIndex(text, relative);
    if (index === undefined) return undefined;
    return document.positionAt(lfToDocOffset(document, index));
  }

  private tag(at: vscode.Position, participant: Participant): vscode.DecorationOptions {
    return {
      range: new vscode.Range(at, at),
      renderOptions: { before: { contentText: participant.name } },
    };
  }

  private decorationsFor(color: string): ColorDecorations {
    let decorations = this.byColor.get(color);
    if (decorations) return decorations;
    decorations = {
      selection: vscode.window.createTextEditorDecorationType({
        backgroundColor: `${color}40`,
        borderRadius: '2px',
        rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
      }),
      // A zero-width character with a coloured border: a caret that does not move the text.
      cursor: vscode.window.createTextEditorDecorationType({
        rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
        before: {
          contentText: '\u200b',
          border: `1px solid ${color}`,
          margin: '0 -1px 0 -1px',
          width: '0',
        },
      }),
      // The name tag floats above the line: VS Code has no API for that, so the attachment's CSS is
      // extended through textDecoration (the common technique of co-editing extensions).
      tag: vscode.window.createTextEditorDecorationType({
        rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
        before: {
          backgroundColor: color,
          color: '#ffffff',
          fontWeight: 'normal',
          textDecoration: `none; position: absolute; transform: translateY(-100%); font-size: 0.8em; line-height: 1.3em; padding: 0 4px; border-radius: 3px 3px 3px 0; white-space: nowrap; z-index: 10; pointer-events: none;`,
        },
      }),
    };
    this.byColor.set(color, decorations);
    return decorations;
  }
}
