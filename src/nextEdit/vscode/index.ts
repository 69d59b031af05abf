// Next-edit suggestions in VS Code: `registerNextEdit` is what src/extension.ts calls. It follows the
// edits of served documents (files, untitled editors, shared-session files), asks the engine for a
// prediction after each, draws the suggestion in the active editor and binds Tab / Escape to it.
import * as vscode from 'vscode';
import { trustPathOf } from '../../workspace/vscode/fileAddress';
import type { ModelError } from '../../model';
import type { Settings } from '../../settings';
import type { TandemStatusBar } from '../../statusBar';
import type { CompletionService } from '../../completion/vscode';
import { isServedDocument } from '../../completion/vscode/vscodeDocument';
import { NextEditEngine, type NextEditGate, type NextEditStatus, type ShownEdit } from '../nextEditEngine';
import type { DocumentChange } from '../types';
import type { ProjectInstructions } from '../../instructions/projectInstructions';
import { readNextEditSettings } from './nextEditSettings';
import { NextEditStatusView, TOGGLE_NEXT_EDIT_COMMAND } from './nextEditStatus';
import { NextEditView } from './nextEditView';

export const TAB_COMMAND = 'tandem.nextEdit.tab';
export const ACCEPT_COMMAND = 'tandem.nextEdit.accept';
export const JUMP_COMMAND = 'tandem.nextEdit.jump';
export const DISMISS_COMMAND = 'tandem.nextEdit.dismiss';

export interface NextEditDeps {
  readonly extensionUri: vscode.Uri;
  readonly settings: Settings;
  readonly status: TandemStatusBar;
  readonly log: vscode.LogOutputChannel;
  /** The window's trust gate (created on first use): every request goes through it. */
  readonly gate: () => NextEditGate;
  readonly notifyError: (error: ModelError, what: string) => void;
  /** Inline suggestions: their ghost text at the cursor wins over a next edit. */
  readonly completion: Pick<CompletionService, 'ghostTextAt' | 'onDidChangeGhostText'>;
  /** The project's instruction files for a path (chat-format requests carry them). */
  readonly instructions?: (path: string) => ProjectInstructions | undefined;
  /** Whether the assistant's accepted text is being written to a document now (not the user's edit). */
  readonly assistantWriting?: (uri: vscode.Uri) => boolean;
  /** Whether a change event is a shared session writing teammates' edits into the document. */
  readonly remoteChange?: (event: vscode.TextDocumentChangeEvent) => boolean;
}

/** What next-edit suggestions expose to the rest of the extension (and its tests). */
export interface NextEditService extends vscode.Disposable {
  readonly engine: NextEditEngine;
  readonly lastStatus: NextEditStatus | undefined;
  /** The suggestion drawn in the active editor, if any. */
  readonly shown: ShownEdit | undefined;
  /** Fires when the drawn suggestion changes. */
  readonly onDidChangeShown: vscode.Event<void>;
}

export function registerNextEdit(deps: NextEditDeps): NextEditService {
  const { settings, log } = deps;
  const statusView = new NextEditStatusView(deps.status);
  const view = new NextEditView(deps.extensionUri);
  const shownChanged = new vscode.EventEmitter<void>();
  let lastStatus: NextEditStatus | undefined;
  let shown: ShownEdit | undefined;
  /** Whether next-edit suggestions were on when the setting was last read (undefined before). */
  let wasEnabled: boolean | undefined;
  /** Set while Tandem applies an accepted edit, so its change is not taken for the user's. */
  let applying = false;

  const enabled = () => settings.get('nextEdit.enabled');
  const engine = new NextEditEngine({
    gate: {
      isExcluded: (path) => deps.gate().isExcluded(path),
      explainExclusion: (path) => deps.gate().explainExclusion(path),
      chat: (request) => deps.gate().chat(request),
      raw: (request) => deps.gate().raw(request),
    },
    settings: () => readNextEditSettings(settings),
    instructions: deps.instructions,
    onStatus: (next) => {
      lastStatus = next;
      if (enabled()) statusView.show(next);
    },
    onSuggestion: () => redraw(),
    onError: (error) => deps.notifyError(error, 'Next-edit suggestion'),
    onRequestFinished: (metrics) =>
      log.debug(
        `next edit (${metrics.format}): ${metrics.outcome}, ${metrics.edits} edit(s), Tandem ${metrics.ownMs.toFixed(1)} ms, ` +
          `model ${metrics.modelMs === undefined ? '-' : Math.round(metrics.modelMs)} ms, total ${Math.round(metrics.totalMs)} ms, ` +
          `request #${metrics.requestRecordId}${metrics.notes.length ? `; ${metrics.notes.join('; ')}` : ''}`,
      ),
  });

  const docOf = (document: vscode.TextDocument) => ({
    key: document.uri.toString(),
    path: trustPathOf(document.uri),
    languageId: document.languageId,
  });
  const track = (document: vscode.TextDocument) => {
    if (isServedDocument(document)) engine.documentOpened(docOf(document), document.getText());
  };

  function redraw(): void {
    const editor = vscode.window.activeTextEditor;
    let next: ShownEdit | undefined;
    if (editor && enabled()) {
      const key = editor.document.uri.toString();
      const cursor = editor.selection.active;
      next = engine.shown(key, { line: cursor.line, character: cursor.character });
      const ghost = deps.completion.ghostTextAt;
      // One suggestion at a time: ghost text at the cursor wins.
      if (next && ghost && ghost.docKey === key && ghost.position.isEqual(cursor)) next = undefined;
    }
    for (const visible of vscode.window.visibleTextEditors)
      if (visible !== editor) view.render(visible, undefined);
    if (editor) view.render(editor, next);
    else view.clear();
    if (next?.edit !== shown?.edit || next?.mode !== shown?.mode) {
      shown = next;
      shownChanged.fire();
    }
  }

  async function accept(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    const current = shown;
    if (!editor || !current || current.docKey !== editor.document.uri.toString()) return;
    const { edit } = current;
    const range = new vscode.Range(
      edit.range.start.line,
      edit.range.start.character,
      edit.range.end.line,
      edit.range.end.character,
    );
    // Applied only over the text the model saw there.
    if (editor.document.getText(range).replace(/\r\n/g, '\n') !== edit.oldText) {
      engine.cancel();
      return;
    }
    if (!engine.take(current.docKey, edit)) return;
    applying = true;
    try {
      // Through the editor like a keystroke: undo takes it back, and in a shared session the
      // document binding sends it to the others.
      const ok = await editor.edit((builder) => builder.replace(range, edit.text));
      if (!ok) return;
    } finally {
      applying = false;
    }
    const end = editor.document.positionAt(editor.document.offsetAt(range.start) + edit.text.length);
    editor.selection = new vscode.Selection(end, end);
    redraw();
  }

  function jump(): void {
    const editor = vscode.window.activeTextEditor;
    if (!editor || !shown) return;
    const start = new vscode.Position(shown.edit.range.start.line, shown.edit.range.start.character);
    editor.selection = new vscode.Selection(start, start);
    editor.revealRange(new vscode.Range(start, start), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    redraw();
  }

  for (const document of vscode.workspace.textDocuments) track(document);

  const disposables: vscode.Disposable[] = [
    view,
    shownChanged,
    vscode.workspace.onDidOpenTextDocument(track),
    vscode.workspace.onDidCloseTextDocument((document) => engine.documentClosed(document.uri.toString())),
    vscode.workspace.onDidChangeTextDocument((event) => {
      const document = event.document;
      if (!isServedDocument(document) || !event.contentChanges.length) return;
      // Ranges refer to the text before the event: apply from the end of the document backwards.
      const changes: DocumentChange[] = [...event.contentChanges]
        .sort((a, b) => b.rangeOffset - a.rangeOffset)
        .map((change) => ({
          range: {
            start: { line: change.range.start.line, character: change.range.start.character },
            end: { line: change.range.end.line, character: change.range.end.character },
          },
          text: change.text.replace(/\r\n/g, '\n'),
        }));
      const doc = docOf(document);
      // Predictions follow the user's own typing: in the editor they are typing in, not undo or redo,
      // nor an accepted proposal's hunk, nor a teammate's edit arriving through a shared session (the
      // history still records every change, so offsets stay right).
      const typing =
        event.reason === undefined &&
        vscode.window.activeTextEditor?.document === document &&
        !deps.assistantWriting?.(document.uri) &&
        !deps.remoteChange?.(event);
      // The cursor after a keystroke: where the (first) change's text ends.
      const first = event.contentChanges.reduce((a, b) => (a.rangeOffset <= b.rangeOffset ? a : b));
      const cursor = document.positionAt(first.rangeOffset + first.text.length);
      const predict = enabled() && (typing || applying);
      void engine
        .documentChanged(doc, changes, { line: cursor.line, character: cursor.character }, applying, predict)
        .catch((error: unknown) => log.error(`next-edit prediction failed: ${String(error)}`));
    }),
    vscode.window.onDidChangeTextEditorSelection(() => redraw()),
    vscode.window.onDidChangeTextEditorVisibleRanges(() => redraw()),
    vscode.window.onDidChangeActiveTextEditor(() => redraw()),
    deps.completion.onDidChangeGhostText(() => redraw()),
    vscode.commands.registerCommand(TAB_COMMAND, async () => {
      if (!shown) return;
      if (shown.mode === 'jump') jump();
      else await accept();
    }),
    vscode.commands.registerCommand(ACCEPT_COMMAND, () => accept()),
    vscode.commands.registerCommand(JUMP_COMMAND, () => jump()),
    vscode.commands.registerCommand(DISMISS_COMMAND, () => {
      engine.dismiss();
      redraw();
    }),
    vscode.commands.registerCommand(TOGGLE_NEXT_EDIT_COMMAND, async () => {
      const on = !enabled();
      await settings.set('nextEdit.enabled', on);
      vscode.window.setStatusBarMessage(`Tandem next-edit suggestions ${on ? 'on' : 'off'}`, 3000);
    }),
    settings.watch(['nextEdit.enabled'], () => {
      const on = enabled();
      if (!on) engine.cancel();
      // Said in the shared status item when it changes, not at start: turned off in the settings, it
      // must not hide what inline suggestions show there.
      if (wasEnabled !== undefined && on !== wasEnabled) statusView.enabled(on);
      wasEnabled = on;
      redraw();
    }),
  ];

  return {
    engine,
    get lastStatus() {
      return lastStatus;
    },
    get shown() {
      return shown;
    },
    onDidChangeShown: shownChanged.event,
    dispose() {
      engine.dispose();
      for (const disposable of disposables.splice(0)) disposable.dispose();
    },
  };
}
