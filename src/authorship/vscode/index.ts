import * as vscode from 'vscode';
import type { Settings } from '../../settings';
import { hunkOf, isPartOf, newEditId } from '../authorship';
import { deletionsOf } from '../fileSummary';
import { participantName } from '../../collab/vscode/collabSettings';
import type { ReviewController } from '../../proposals/vscode/reviewController';
import { AuthorshipMarks, type AuthorshipSource } from './authorshipMarks';
import { AuthorshipTracker } from './authorshipTracker';
import { FileSummaryFeed } from './fileSummaryFeed';
import { type RevertRequest, revertAssistantEdits } from './revertCommand';
import { SessionAuthorship } from './sessionAuthorship';
import type { ActiveSession } from '../../collab/vscode/activeSession';

export { AuthorshipTracker } from './authorshipTracker';
export type { AuthorshipSource } from './authorshipMarks';
export type { ActiveFileSummary, FileSummaryFeed } from './fileSummaryFeed';

export interface AuthorshipDeps {
  readonly context: vscode.ExtensionContext;
  readonly settings: Settings;
  readonly log: vscode.LogOutputChannel;
  readonly review: ReviewController;
  /** The model that answered a request, if the request log still holds it. */
  readonly modelOfRequest: (requestId: number | undefined) => string | undefined;
}

/**
 * Authorship in local files: accepted hunks are marked as the assistant's (who asked, model,
 * proposal), shown on hover and in the gutter, kept across save and reload, and taken back by
 * "Tandem: Revert Assistant Edits". In a session, shared files' marks come from the session's
 * document (the host's applier writes them) and Revert works on them too.
 */
export class AuthorshipService implements vscode.Disposable {
  readonly tracker: AuthorshipTracker;
  readonly session = new SessionAuthorship();
  /** The active editor's file: how much of it the assistant wrote (the side panel shows it). */
  readonly summaries: FileSummaryFeed;
  /** What Revert Assistant Edits last told the user (its notification), for the log and tests. */
  lastRevertMessage: { readonly kind: 'info' | 'error'; readonly message: string } | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  /** Accepted hunks of local files this window marked: the file and the hunk's edit id. */
  private readonly acceptedHunks = new Map<string, { uri: string; edit: string }>();
  /** Edit ids Revert Assistant Edits took back in this window. */
  private readonly revertedEdits = new Set<string>();
  /** Fires when what `isReverted` says may have changed (a revert, its undo, an accept's marks). */
  readonly onDidChangeReverted: vscode.Event<unknown>;

  constructor(deps: AuthorshipDeps) {
    this.tracker = new AuthorshipTracker(deps.context.workspaceState, deps.log);
    const tracker = this.tracker;
    this.onDidChangeReverted = tracker.onDidChange;
    const session = this.session;
    const sources: AuthorshipSource[] = [
      // A shared file's marks are the session's, whatever the local tracker remembers of it.
      {
        runsOf: (document) => session.runsOf(document),
        deletionsOf: (document) => session.deletionsOf(document),
        onDidChange: session.onDidChange,
        refusalFor: (document) => session.refusalFor(document),
      },
      {
        runsOf: (document) => tracker.of(document.uri)?.runs,
        deletionsOf: (document) => {
          const authorship = tracker.of(document.uri);
          return authorship ? deletionsOf(authorship) : [];
        },
        onDidChange: tracker.onDidChange,
      },
    ];
    const sourceOf = (document: vscode.TextDocument) =>
      sources.find((source) => source.runsOf(document) !== undefined);
    // A shared file's marks carry session names; a local file's, the name Tandem gives this user.
    const selfName = (document: vscode.TextDocument) =>
      session.runsOf(document) !== undefined ? session.selfName : participantName(deps.settings);
    this.summaries = new FileSummaryFeed(
      (document) => sourceOf(document)?.runsOf(document) ?? [],
      (document) => sourceOf(document)?.deletionsOf(document) ?? [],
      sources.map((source) => source.onDidChange),
      (document) => session.runsOf(document) !== undefined,
      selfName,
    );
    this.disposables.push(
      tracker,
      session,
      this.summaries,
      new AuthorshipMarks(deps.context.extensionUri, deps.settings, sources, selfName),
      deps.review.onDidApplyHunk((applied) => {
        const model =
          deps.modelOfRequest(applied.proposal.origin.requestId) ?? deps.settings.get('model.chatModel');
        const edit = newEditId();
        void tracker
          .attribute(
            {
              uri: applied.uri,
              start: new vscode.Position(applied.line, 0),
              replaced: applied.replaced,
              inserted: applied.inserted,
              meta: {
                proposal: applied.proposal.id,
                model,
                askedBy: participantName(deps.settings),
                at: Date.now(),
              },
            },
            edit,
          )
          .then((marked) => {
            if (marked) this.acceptedHunks.set(applied.hunkId, { uri: applied.uri.toString(), edit });
          })
          .catch((error) =>
            deps.log.error(`Authorship: marking ${applied.uri.toString()} failed: ${String(error)}`),
          );
      }),
      vscode.commands.registerCommand('tandem.revertAssistantEdits', (request?: RevertRequest) =>
        revertAssistantEdits(
          tracker,
          deps.log,
          request && typeof request === 'object' ? request : {},
          session,
          (kind, message) => {
            this.lastRevertMessage = { kind, message };
          },
          (shared) => (shared ? session.selfName : participantName(deps.settings)),
          (edits) => {
            for (const id of edits) this.revertedEdits.add(hunkOf(id));
          },
        ),
      ),
    );
  }

  /**
   * Whether an accepted hunk of a local file was taken back by Revert Assistant Edits: its edit was
   * reverted and none of its records are back (Undo of the revert brings them back).
   */
  isReverted(hunkId: string): boolean {
    const accepted = this.acceptedHunks.get(hunkId);
    if (!accepted || !this.revertedEdits.has(accepted.edit)) return false;
    const records = this.tracker.of(vscode.Uri.parse(accepted.uri))?.edits;
    return ![...(records?.keys() ?? [])].some((id) => isPartOf(id, accepted.edit));
  }

  /** Follows the session this window is in (its shared files' marks, and Revert there). */
  followSessions(sessions: {
    readonly active: ActiveSession | undefined;
    readonly onDidChangeSession: vscode.Event<ActiveSession | undefined>;
  }): void {
    this.session.attach(sessions.active);
    this.disposables.push(sessions.onDidChangeSession((active) => this.session.attach(active)));
  }

  dispose(): void {
    for (const disposable of this.disposables.splice(0).reverse()) disposable.dispose();
  }
}
