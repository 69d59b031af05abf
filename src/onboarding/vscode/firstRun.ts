// The first minute with Tandem: on the first activation the walkthrough opens and the usual local
// model servers are probed in the background (never blocking activation); the walkthrough's steps
// complete through context keys set here when the person has done each thing.

import * as vscode from 'vscode';
import { recommendedPair, type DiscoveredServer } from '../../model/discovery';
import type { ModelService } from '../../model/vscode';
import type { Settings } from '../../settings';

declare module '../../settings' {
  interface SettingsSchema {
    'onboarding.openWalkthrough': boolean;
  }
}
import type { ReviewController } from '../../proposals/vscode/reviewController';

export const WALKTHROUGH_ID = 'tandem.tandem#tandem.gettingStarted';
/** Set once a hunk of a proposal was accepted or rejected (the walkthrough's "review an edit" step). */
export const REVIEWED_CONTEXT = 'tandem.walkthrough.reviewed';
const FIRST_RUN_KEY = 'tandem.firstRunDone';

export interface FirstRunDeps {
  context: vscode.ExtensionContext;
  model: ModelService;
  settings: Settings;
  log: vscode.LogOutputChannel;
  review: () => ReviewController;
}

export class FirstRun implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly abort = new AbortController();
  /** The background probe of the first run, when one was started (tests await it). */
  probe: Promise<DiscoveredServer[]> | undefined;

  constructor(private readonly deps: FirstRunDeps) {
    const review = deps.review();
    this.disposables.push(
      review.onDidChange(() => {
        const decided = review.proposals
          .all()
          .some((proposal) =>
            proposal.files.some((file) => file.hunks.some((hunk) => hunk.status !== 'pending')),
          );
        if (decided) void vscode.commands.executeCommand('setContext', REVIEWED_CONTEXT, true);
      }),
    );
    if (deps.context.globalState.get<boolean>(FIRST_RUN_KEY)) return;
    // After activation returns: nothing here may delay the extension host's start.
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.welcome();
    }, 0);
  }

  private async welcome(): Promise<void> {
    const { context, model, log } = this.deps;
    await context.globalState.update(FIRST_RUN_KEY, true);
    // Tandem's own switch, and VS Code's for walkthroughs of newly installed extensions.
    const openOnInstall =
      this.deps.settings.get('onboarding.openWalkthrough') &&
      vscode.workspace
        .getConfiguration('workbench')
        .get<boolean>('welcomePage.walkthroughs.openOnInstall', true);
    log.info(
      openOnInstall
        ? 'First start: opening the walkthrough'
        : 'First start: walkthrough not opened (tandem.onboarding.openWalkthrough or workbench.welcomePage.walkthroughs.openOnInstall is off)',
    );
    if (openOnInstall)
      void vscode.commands
        .executeCommand('workbench.action.openWalkthrough', WALKTHROUGH_ID, false)
        .then(undefined, (error: unknown) => log.warn(`Could not open the walkthrough: ${String(error)}`));
    this.probe = model.discover(this.abort.signal);
    const servers = await this.probe;
    if (this.abort.signal.aborted) return;
    log.info(
      servers.length
        ? `Model servers found: ${servers.map((server) => `${server.name} at ${server.baseUrl} (${server.models.length} models)`).join('; ')}`
        : 'No model server answers on the usual local ports',
    );
    const configured = servers.find((server) => server.baseUrl === model.client.baseUrl);
    const hasConfigured = configured?.models.some((entry) => entry.id === model.completionModel);
    const other = servers.find((server) => server.models.length > 0);
    if (hasConfigured || !other) return;
    const pair = recommendedPair(other);
    const choice = await vscode.window.showInformationMessage(
      `Tandem found ${other.name} at ${other.baseUrl} with ${other.models.length} model${other.models.length === 1 ? '' : 's'}` +
        (pair.completion
          ? ` (suggestions: ${pair.completion.id}, chat: ${pair.chat?.id ?? pair.completion.id})`
          : '') +
        '.',
      'Select Model...',
    );
    if (choice) await vscode.commands.executeCommand('tandem.selectModel');
  }

  dispose(): void {
    this.abort.abort();
    if (this.timer) clearTimeout(this.timer);
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }
}
