import * as vscode from 'vscode';
import { ApiKeyStore } from './secrets';
import { Settings } from './settings';
import { TandemStatusBar } from './statusBar';
import { registerModel, type ModelService } from './model/vscode';
import { registerTrust, type TrustService } from './trust/vscode';
import { WorkspaceExclusions } from './trust/vscode/workspaceExclusions';
import { WorkspaceRedirects } from './trust/vscode/workspaceRedirects';
import { registerPanel, type TandemPanel } from './panel/vscode';
import { registerAssistant, type AssistantService } from './assistant/vscode/assistantService';
import { SessionProposals } from './assistant/vscode/sessionProposals';
import { registerCollab, type CollabService } from './collab/vscode';
import { registerCompletion, type CompletionService } from './completion/vscode';
import { FirstRun } from './onboarding/vscode/firstRun';
import { InstructionsService } from './instructions/vscode/instructionsService';
import { registerNextEdit, type NextEditService } from './nextEdit/vscode';
import { AuthorshipService } from './authorship/vscode';

/** What the extension hands to other extensions and to its integration tests. */
export interface TandemApi {
  readonly settings: Settings;
  readonly log: vscode.LogOutputChannel;
  readonly status: TandemStatusBar;
  readonly apiKey: ApiKeyStore;
  /** Workspace settings that would redirect code, keys or sessions: used only once the user allows them. */
  readonly redirects: WorkspaceRedirects;
  /** `tandem.trust.excludeGlobs` as used: the user's, plus only the exclusions a workspace adds. */
  readonly exclusions: WorkspaceExclusions;
  /** The model layer: its client (created on first use), request log and error reporting. */
  readonly model: ModelService;
  /** The trust gate every model request goes through (created on first use), and proposal confirmation. */
  readonly trust: TrustService;
  /** Shared sessions: start, join, leave, and the live session (created when one starts). */
  readonly collab: CollabService;
  /** The assistant: its conversation, the proposals it made and their review in the editor. */
  readonly assistant: AssistantService;
  /** The side panel (a view of the assistant and its proposals) and the edit commands. */
  readonly panel: TandemPanel;
  /** Which characters the assistant wrote in local files (marks, hover, Revert Assistant Edits). */
  readonly authorship: AuthorshipService;
  /** Inline suggestions: the engine (created with the first suggestion) and its last status. */
  readonly completion: CompletionService;
  /**
   * The project's instruction files and few-shot examples (AGENTS.md, .github/copilot-instructions.md,
   * .tandem/instructions.md, *.instructions.md, .tandem/examples/*.md): `forFile(path)` for what is
   * loaded now, `forPaths(paths)` after loading. Hand the result to the trust gate as `project`.
   */
  readonly instructions: InstructionsService;
  /** The first minute: walkthrough, background probe for model servers, walkthrough progress. */
  readonly firstRun: FirstRun;
  /** Next-edit suggestions: the engine, the suggestion drawn and the last status. */
  readonly nextEdit: NextEditService;
  /** Milliseconds spent inside activate(), measured by activate() itself. */
  readonly activateMs: number;
}

/**
 * Builds Tandem's services and registers them. Kept cheap: nothing here reads files, starts servers
 * or talks to a model; each capability does its work on first use.
 */
export function activate(context: vscode.ExtensionContext): TandemApi {
  const started = performance.now();
  const log = vscode.window.createOutputChannel('Tandem', { log: true });
  const settings = new Settings();
  const status = new TandemStatusBar();
  context.subscriptions.push(log, settings, status);
  // Before anything reads them: a workspace's baseUrl/serverUrl count only once the user allows them.
  const redirects = new WorkspaceRedirects(settings, context.globalState, log);
  const exclusions = new WorkspaceExclusions(settings, log);
  context.subscriptions.push(redirects, exclusions);
  const apiKey = new ApiKeyStore(
    context.secrets,
    () => settings.get('model.baseUrl'),
    () => {
      const levels = settings.inspect('model.baseUrl');
      return levels?.globalValue ?? levels?.defaultValue ?? '';
    },
  );
  const model = registerModel({ settings, apiKey, status, log });
  context.subscriptions.push(model);
  const trust = registerTrust({ settings, model, log });
  context.subscriptions.push(trust);
  const instructions = new InstructionsService(log);
  context.subscriptions.push(instructions);
  const assistant = registerAssistant({
    context,
    settings,
    log,
    model,
    gate: () => trust.gate,
    instructions: (paths) => instructions.forPaths(paths),
  });
  context.subscriptions.push(assistant);
  const panel = registerPanel({ context, log, model, assistant });
  context.subscriptions.push(panel);
  const authorship = new AuthorshipService({
    context,
    settings,
    log,
    review: assistant.review.controller,
    modelOfRequest: (id) => (id === undefined ? undefined : model.requestLog.get(id)?.model),
  });
  context.subscriptions.push(authorship);
  panel.view.connectAuthorship(authorship.summaries, authorship);
  const collab = registerCollab({
    context,
    settings,
    log,
    sessionTrust: (root, globs) => trust.setSessionGlobs(root, globs),
  });
  context.subscriptions.push(collab);
  authorship.followSessions(collab);
  // Proposals for shared files live in the session's document while this window is in one.
  context.subscriptions.push(new SessionProposals({ collab, assistant, model, settings, log }));
  const completion = registerCompletion({
    settings,
    status,
    log,
    gate: () => trust.gate,
    notifyError: (error, what) => void model.notifyError(error, what, { background: true }),
    instructions: (path) => instructions.forFile(path),
  });
  context.subscriptions.push(completion);
  const firstRun = new FirstRun({ context, model, settings, log, review: () => assistant.review.controller });
  context.subscriptions.push(firstRun);
  const nextEdit = registerNextEdit({
    extensionUri: context.extensionUri,
    settings,
    status,
    log,
    gate: () => trust.gate,
    notifyError: (error, what) => void model.notifyError(error, what, { background: true }),
    completion,
    instructions: (path) => instructions.forFile(path),
    assistantWriting: (uri) => assistant.review.controller.isWriting(uri),
    remoteChange: (event) =>
      collab.active?.bindings
        .bindingFor(event.document.uri)
        ?.isRemoteApply(event.contentChanges, event.document.version) ?? false,
  });
  context.subscriptions.push(nextEdit);

  context.subscriptions.push(
    vscode.commands.registerCommand('tandem.showLog', () => log.show(true)),
    vscode.commands.registerCommand('tandem.setApiKey', async () => {
      if (await apiKey.prompt()) {
        log.info('API key stored in Secret Storage');
        void vscode.window.showInformationMessage('Tandem: API key saved in Secret Storage.');
      }
    }),
    vscode.commands.registerCommand('tandem.clearApiKey', async () => {
      await apiKey.clear();
      log.info('API key removed from Secret Storage');
      void vscode.window.showInformationMessage('Tandem: API key removed.');
    }),
  );

  const activateMs = performance.now() - started;
  log.info(`Tandem ${context.extension.packageJSON.version} activated in ${activateMs.toFixed(2)} ms`);
  active = {
    settings,
    log,
    status,
    apiKey,
    redirects,
    exclusions,
    model,
    trust,
    assistant,
    panel,
    authorship,
    collab,
    completion,
    instructions,
    firstRun,
    nextEdit,
    activateMs,
  };
  context.subscriptions.push({ dispose: () => (active = undefined) });
  return active;
}

let active: TandemApi | undefined;

/**
 * VS Code calls this before it disposes `context.subscriptions` (which hold everything else) and
 * waits a few seconds for the promise: a host's shared session tells its guests it ended before the
 * embedded server stops, instead of leaving them reconnecting to nothing.
 */
export function deactivate(): Promise<void> | undefined {
  return active?.collab.shutdown();
}
