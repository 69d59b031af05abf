/**
 * Publishes where you are (file, selections, visible range) to the session, and Follow: your editor
 * tracks a teammate's file and scroll position until you move, type or switch editors yourself.
 */
import * as vscode from 'vscode';
import { absoluteIndex, type Participant, type PresenceState, relativePosition } from '../presence';
import type { CollabSession } from '../session';
import { docPositionToLf, type EditorBindings, lfToDocOffset } from './editorBindings';

export class PresencePublisher implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** What was last sent, so nothing is sent (and nobody is marked active) when nothing moved. */
  private lastSent = '';
  private typed = false;

  constructor(
    private readonly session: CollabSession,
    private readonly bindings: EditorBindings,
  ) {
    this.disposables.push(
      vscode.window.onDidChangeActiveTextEditor(() => this.schedule()),
      // Selection changes without a kind come from edits (a teammate's text moved yours): not you.
      vscode.window.onDidChangeTextEditorSelection((event) => {
        if (event.kind !== undefined) this.schedule();
      }),
      vscode.window.onDidChangeTextEditorVisibleRanges(() => this.schedule()),
      vscode.workspace.onDidChangeTextDocument((event) => {
        // Only your own typing (a remote change being applied keeps the binding busy).
        if (event.document !== vscode.window.activeTextEditor?.document || event.contentChanges.length === 0)
          return;
        if (this.bindings.bindingFor(event.document.uri)?.idle !== false) this.schedule(true);
      }),
      bindings.onDidChangeBindings(() => this.schedule()),
    );
    this.publish();
  }

  /** Publishes soon; `typed` marks you active even if your cursor's anchor in the text is unchanged. */
  schedule(typed = false): void {
    this.typed ||= typed;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.publish();
    }, 40);
  }

  publish(): void {
    const typed = this.typed;
    this.typed = false;
    const editor = vscode.window.activeTextEditor;
    const text = editor && this.bindings.textFor(editor.document.uri);
    const path = editor && this.bindings.pathFor(editor.document.uri);
    if (!editor || !text || path === undefined) {
      this.send({ file: undefined, selections: undefined, visible: undefined });
      return;
    }
    const document = editor.document;
    const at = (position: vscode.Position, assoc = 0) =>
      relativePosition(text, docPositionToLf(document, position), assoc);
    const visible = editor.visibleRanges[0];
    this.send(
      {
        file: path,
        selections: editor.selections.map((selection) => ({
          anchor: at(selection.anchor),
          head: at(selection.active),
        })),
        visible: visible ? { start: at(visible.start), end: at(visible.end) } : undefined,
      },
      typed,
    );
  }

  /** Typing at the end of a text keeps the same relative position: a typed edit still counts. */
  private send(fields: Pick<PresenceState, 'file' | 'selections' | 'visible'>, typed = false): void {
    const key = JSON.stringify(fields);
    if (key === this.lastSent && !typed) return;
    this.lastSent = key;
    this.session.setPresence({ ...fields, active: Date.now() });
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const disposable of this.disposables) disposable.dispose();
  }
}

export class Follower implements vscode.Disposable {
  /** The key of the participant followed (a person's client id, or `<client id>/assistant`). */
  private target: string | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  /** While Tandem itself moves the editor, its own events must not stop following. */
  private moving = 0;
  private readonly changed = new vscode.EventEmitter<Participant | undefined>();
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly session: CollabSession,
    private readonly bindings: EditorBindings,
    private readonly openShared: (path: string) => Promise<vscode.TextDocument | undefined>,
  ) {
    this.disposables.push(
      this.changed,
      session.onDidChangeParticipants(() => void this.track()),
      vscode.window.onDidChangeTextEditorSelection((event) => {
        if (this.moving === 0 && event.kind !== vscode.TextEditorSelectionChangeKind.Command) this.stop();
      }),
      vscode.window.onDidChangeActiveTextEditor((editor) => {
        if (this.moving === 0 && editor) this.stop();
      }),
      vscode.workspace.onDidChangeTextDocument((event) => {
        // Your own typing stops following; applied remote edits do not (they arrive while not idle).
        if (this.moving === 0 && event.document === vscode.window.activeTextEditor?.document) {
          const binding = this.bindings.bindingFor(event.document.uri);
          if (binding?.idle !== false && event.contentChanges.length > 0) this.stop();
        }
      }),
    );
  }

  get following(): Participant | undefined {
    return this.target === undefined
      ? undefined
      : this.session.participants({ assistants: true }).find((p) => p.key === this.target);
  }

  async follow(participant: Participant): Promise<void> {
    this.target = participant.key;
    await vscode.commands.executeCommand('setContext', 'tandem.collab.following', true);
    this.changed.fire(participant);
    await this.track();
  }

  stop(): void {
    if (this.target === undefined) return;
    this.target = undefined;
    void vscode.commands.executeCommand('setContext', 'tandem.collab.following', false);
    this.changed.fire(undefined);
  }

  dispose(): void {
    this.stop();
    for (const disposable of this.disposables) disposable.dispose();
  }

  /** Brings your editor to where the followed participant is. */
  private async track(): Promise<void> {
    const target = this.following;
    if (this.target !== undefined && !target) {
      this.stop();
      return;
    }
    if (!target?.file) return;
    this.moving++;
    try {
      const document = await this.openShared(target.file);
      if (!document || this.target !== target.key) return;
      let editor = vscode.window.activeTextEditor;
      if (editor?.document !== document)
        editor = await vscode.window.showTextDocument(document, { preserveFocus: false });
      const text = this.bindings.textFor(document.uri);
      const visible = target.state.visible;
      const head = target.state.selections?.[0]?.head;
      if (!text) return;
      const start = visible ? absoluteIndex(text, visible.start) : undefined;
      const end = visible ? absoluteIndex(text, visible.end) : undefined;
      const cursor = absoluteIndex(text, head);
      const toPosition = (index: number) => document.positionAt(lfToDocOffset(document, index));
      if (start !== undefined && end !== undefined)
        editor.revealRange(
          new vscode.Range(toPosition(start), toPosition(end)),
          vscode.TextEditorRevealType.AtTop,
        );
      else if (cursor !== undefined)
        editor.revealRange(
          new vscode.Range(toPosition(cursor), toPosition(cursor)),
          vscode.TextEditorRevealType.InCenterIfOutsideViewport,
        );
    } finally {
      // Events caused by the reveal arrive after this turn; keep ignoring them a moment.
      setTimeout(() => this.moving--, 100);
    }
  }
}
