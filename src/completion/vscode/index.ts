// Inline suggestions in VS Code: `registerCompletion` is what src/extension.ts calls. Cheap to
// register: the engine, its caches and the similarity index come to life on the first suggestion.
import * as vscode from 'vscode';
import { trustPathOf } from '../../workspace/vscode/fileAddress';
import { workspaceSchemes } from '../../workspace/fileAddress';
import type { ProjectInstructions } from '../../instructions/projectInstructions';
import type { ModelError } from '../../model';
import type { Settings } from '../../settings';
import type { TandemStatusBar } from '../../statusBar';
import { CompletionEngine, type CompletionGate, type EngineStatus } from '../completionEngine';
import { readCompletionSettings } from './completionSettings';
import { CompletionStatus, TOGGLE_COMMAND } from './completionStatus';
import { ContextTracker } from './contextTracker';
import { ACCEPTED_COMMAND, TandemInlineProvider } from './inlineProvider';
import { isServedDocument, VscodeDocumentText } from './vscodeDocument';

export { suggestionsEnabledFor } from './completionSettings';

export interface CompletionDeps {
  readonly settings: Settings;
  readonly status: TandemStatusBar;
  readonly log: vscode.LogOutputChannel;
  /** The window's trust gate (created on first use): every request goes through it. */
  readonly gate: () => CompletionGate;
  /** Shows a failure the user can act on (rate-limited), e.g. the model service's `notifyError`. */
  readonly notifyError: (error: ModelError, what: string) => void;
  /** The project's instruction files that apply to a file, as loaded so far. */
  readonly instructions?: (path: string) => ProjectInstructions;
}

/** What inline suggestions expose to the rest of the extension (and its tests). */
export interface CompletionService extends vscode.Disposable {
  /** The engine, once the first suggestion was asked for. */
  readonly engine: CompletionEngine | undefined;
  /** The last state shown in the status bar. */
  readonly lastStatus: EngineStatus | undefined;
  /** Where ghost text was last handed to VS Code, until the text or the cursor changes. */
  readonly ghostTextAt: { readonly docKey: string; readonly position: vscode.Position } | undefined;
  /** Fires when `ghostTextAt` changes. */
  readonly onDidChangeGhostText: vscode.Event<void>;
}

export const ACCEPT_LINE_COMMAND = 'tandem.acceptLine';
export const DISMISS_COMMAND = 'tandem.dismissSuggestion';

export function registerCompletion(deps: CompletionDeps): CompletionService {
  const { settings, log } = deps;
  const status = new CompletionStatus(deps.status);
  let engine: CompletionEngine | undefined;
  let lastStatus: EngineStatus | undefined;
  const tracker = new ContextTracker((path) => deps.gate().isExcluded(path));
  let ghostTextAt: CompletionService['ghostTextAt'];
  const ghostTextChanged = new vscode.EventEmitter<void>();
  const setGhostText = (next: CompletionService['ghostTextAt']) => {
    if (next === ghostTextAt) return;
    ghostTextAt = next;
    ghostTextChanged.fire();
  };

  const getEngine = (): CompletionEngine => {
    if (!engine) {
      engine = new CompletionEngine({
        gate: deps.gate(),
        settings: () => readCompletionSettings(settings),
        sources: tracker,
        instructions: deps.instructions,
        onStatus: (next) => {
          lastStatus = next;
          if (settings.get('completion.enabled')) status.show(next);
        },
        onError: (error) => deps.notifyError(error, 'Inline suggestion'),
        onRequestFinished: (metrics) =>
          log.debug(
            `inline suggestion (${metrics.reason}): ${metrics.outcome}, prompt build ${metrics.promptBuildMs.toFixed(1)} ms, ` +
              `clean ${metrics.cleanMs.toFixed(1)} ms, total ${Math.round(metrics.totalMs)} ms, request #${metrics.requestRecordId}`,
          ),
      });
    }
    return engine;
  };

  const disposables: vscode.Disposable[] = [
    tracker,
    vscode.languages.registerInlineCompletionItemProvider(
      // Files (local or remote), untitled editors, and a shared session's files as a guest sees them.
      workspaceSchemes().map((scheme) => ({ scheme })),
      new TandemInlineProvider(getEngine, settings, tracker, (document, position) =>
        setGhostText({ docKey: document.uri.toString(), position }),
      ),
    ),
    ghostTextChanged,
    vscode.workspace.onDidChangeTextDocument((event) => {
      if (ghostTextAt?.docKey === event.document.uri.toString() && event.contentChanges.length)
        setGhostText(undefined);
    }),
    vscode.commands.registerCommand(ACCEPTED_COMMAND, (entryId?: number) => {
      setGhostText(undefined);
      engine?.accepted(entryId);
    }),
    vscode.commands.registerCommand(ACCEPT_LINE_COMMAND, async () => {
      await vscode.commands.executeCommand('editor.action.inlineSuggest.acceptNextLine');
      engine?.accepted();
    }),
    vscode.commands.registerCommand(DISMISS_COMMAND, async () => {
      engine?.dismissed();
      setGhostText(undefined);
      await vscode.commands.executeCommand('editor.action.inlineSuggest.hide');
    }),
    vscode.commands.registerCommand(TOGGLE_COMMAND, async () => {
      const inspected = vscode.workspace.getConfiguration('tandem').inspect<boolean>('completion.enabled');
      const on = !settings.get('completion.enabled');
      const target =
        inspected?.workspaceFolderValue !== undefined
          ? vscode.ConfigurationTarget.WorkspaceFolder
          : inspected?.workspaceValue !== undefined
            ? vscode.ConfigurationTarget.Workspace
            : vscode.ConfigurationTarget.Global;
      await settings.set('completion.enabled', on, target);
      vscode.window.setStatusBarMessage(`Tandem inline suggestions ${on ? 'on' : 'off'}`, 3000);
    }),
    settings.watch(['completion.enabled'], () => {
      const on = settings.get('completion.enabled');
      if (!on) engine?.cancel();
      status.enabled(on);
    }),
    vscode.window.onDidChangeTextEditorSelection((event) => {
      const document = event.textEditor.document;
      const at = ghostTextAt;
      if (at && (at.docKey !== document.uri.toString() || !event.selections[0]?.active.isEqual(at.position)))
        setGhostText(undefined);
      if (!engine || !isServedDocument(document) || event.selections.length === 0) return;
      const active = event.selections[0].active;
      engine.cursorChanged(new VscodeDocumentText(document), {
        line: active.line,
        character: active.character,
      });
    }),
    vscode.workspace.onDidCloseTextDocument((document) => engine?.documentClosed(document.uri.toString())),
    // "not sent" belongs to the excluded file: leaving it for another editor clears it.
    vscode.window.onDidChangeActiveTextEditor((editor) => {
      if (lastStatus?.state !== 'excluded' || !settings.get('completion.enabled')) return;
      const document = editor?.document;
      if (document && isServedDocument(document) && deps.gate().isExcluded(trustPathOf(document.uri))) return;
      lastStatus = { state: 'idle', last: lastStatus.last };
      status.show(lastStatus);
    }),
  ];

  return {
    get engine() {
      return engine;
    },
    get lastStatus() {
      return lastStatus;
    },
    get ghostTextAt() {
      return ghostTextAt;
    },
    onDidChangeGhostText: ghostTextChanged.event,
    dispose() {
      engine?.dispose();
      for (const disposable of disposables.splice(0)) disposable.dispose();
    },
  };
}
