/**
 * The assistant's proposals in a shared session: while this window is in one, proposals for shared
 * files go into the session's document and everyone's proposals show in the review (editor and
 * panel); the host runs the applier that turns decisions into edits, once. Also the per-session
 * choice to share the request and answer behind a proposal.
 */
import * as vscode from 'vscode';
import type { CollabService } from '../../collab/vscode';
import type { ActiveSession } from '../../collab/vscode/activeSession';
import type { ModelService } from '../../model/vscode';
import { SessionProposalStore } from '../../proposals/sessionProposalStore';
import { HostApplier, SharedProposals } from '../../proposals/shared';
import { lineStartOffset } from '../../proposals/shared/anchoring';
import { assistantPresence } from '../../collab/presence';
import { uriOfTrustPath } from '../../workspace/vscode/fileAddress';
import type { AssistantService } from './assistantService';
import type { Settings } from '../../settings';

declare module '../../settings' {
  interface SettingsSchema {
    'collab.shareAssistantThread': boolean;
  }
}

export interface SessionProposalsDeps {
  collab: CollabService;
  assistant: AssistantService;
  model: ModelService;
  settings: Settings;
  log: vscode.LogOutputChannel;
}

export class SessionProposals implements vscode.Disposable {
  private attached: { dispose(): void } | undefined;
  /** This session's choice (starts from `tandem.collab.shareAssistantThread`). */
  private threadShared = false;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly deps: SessionProposalsDeps) {
    this.disposables.push(
      deps.collab.onDidChangeSession((active) => this.attach(active)),
      vscode.commands.registerCommand('tandem.collab.toggleShareAssistantThread', () => this.toggleThread()),
    );
    this.attach(deps.collab.active);
  }

  /** Whether proposals made in this session carry the request and answer behind them. */
  get sharesThread(): boolean {
    return this.threadShared;
  }

  dispose(): void {
    this.attach(undefined);
    for (const disposable of this.disposables.splice(0).reverse()) disposable.dispose();
  }

  private attach(active: ActiveSession | undefined): void {
    this.attached?.dispose();
    this.attached = undefined;
    if (!active) return;
    const { assistant, model, settings, log } = this.deps;
    const review = assistant.review.controller;
    const session = active.session;
    this.threadShared = settings.get('collab.shareAssistantThread') === true;
    const shared = new SharedProposals(session.document, {
      // What the server stamps on this participant: a decision must be signed with it.
      name: () => session.selfName,
      canWrite: () => !session.readOnly,
      // Not while this window's own large revert is being written into that file.
      busy: (path) => active.directWrites.busy(path),
    });
    const store = new SessionProposalStore(
      shared,
      (path) => active.uriOf(path)?.toString(),
      () => !session.readOnly,
    );
    review.attachSession(store, {
      sharedPathOf: (uri) => active.sharedPathOf(uri),
      model: () => model.chatModel,
      shareThread: () => this.threadShared,
    });
    assistant.showWorkIn((paths) => this.showWork(active, paths));
    const parts: { dispose(): void }[] = [
      store,
      shared,
      {
        dispose: () => {
          assistant.showWorkIn(undefined);
          session.setPresence({ assistant: undefined });
        },
      },
    ];
    if (session.role === 'host') {
      // The host applies decisions, once it has every outcome already written (synced).
      const applier = new HostApplier(session.document);
      const startWhenSynced = () => {
        if (session.state === 'connected') applier.start();
      };
      parts.push(
        applier.onDidHandle((handled) =>
          log.info(
            `[collab] decision ${handled.key} on ${handled.hunk}: ${handled.result}${handled.reason ? ` (${handled.reason})` : ''}`,
          ),
        ),
        applier,
        session.connection.onDidChangeState(startWhenSynced),
      );
      startWhenSynced();
    }
    this.attached = {
      dispose: () => {
        review.attachSession(undefined);
        for (const part of parts.reverse()) part.dispose();
      },
    };
  }

  /**
   * While the assistant answers this participant, their presence carries it: on the shared file the
   * request is about (the active editor's, else the first shared file sent), at the cursor there.
   */
  private showWork(active: ActiveSession, paths: readonly string[] | undefined): void {
    const session = active.session;
    if (!paths || session.readOnly) {
      session.setPresence({ assistant: undefined });
      return;
    }
    const editor = vscode.window.activeTextEditor;
    let file = editor ? active.sharedPathOf(editor.document.uri) : undefined;
    let line = file && editor ? editor.selection.active.line : 0;
    if (!file)
      for (const path of paths) {
        const uri = uriOfTrustPath(path);
        file = uri && active.sharedPathOf(uri);
        line = 0;
        if (file) break;
      }
    const text = file ? session.document.text(file) : undefined;
    const since = Date.now();
    const model = this.deps.model.chatModel;
    session.setPresence({
      assistant:
        file && text
          ? assistantPresence(text, file, lineStartOffset(text.toString(), line) ?? 0, since, model)
          : { since, model },
    });
  }

  private async toggleThread(): Promise<void> {
    if (!this.deps.collab.active) {
      void vscode.window.showInformationMessage(
        'Tandem: join or start a shared session first; the choice holds for that session.',
      );
      return;
    }
    this.threadShared = !this.threadShared;
    void vscode.window.showInformationMessage(
      this.threadShared
        ? "Tandem: proposals you make in this session now share your request and the assistant's answer with the other participants (secrets masked)."
        : 'Tandem: proposals you make in this session no longer share your request and the answer.',
    );
  }
}
