// Shared sessions in VS Code: `registerCollab` is what src/extension.ts calls. At activation it only
// registers commands, the `tandem:` file system, the URI handler and the (empty) Participants view;
// servers, documents and sockets are created when a session starts.
import * as vscode from 'vscode';
import { SESSION_SCHEME } from '../../workspace/vscode/fileAddress';
import type { Settings } from '../../settings';
import type { CollabSession } from '../session';
import type { ActiveSession } from './activeSession';
import type { EditorBindings } from './editorBindings';
import { GuestFileSystem } from './guestFileSystem';
import { restoreLostFolders } from './lostFolders';
import { ParticipantsView } from './participantsView';
import { type JoinOptions, SessionController, type StartOptions } from './sessionController';
import { normaliseSharedPath } from '../sessionDocument';

export type { StartOptions, JoinOptions } from './sessionController';

export interface CollabDeps {
  context: vscode.ExtensionContext;
  settings: Settings;
  log: vscode.LogOutputChannel;
  /** Tells the trust gate about a session joined as a guest, and its host's model exclusions. */
  sessionTrust?: (root: string, globs: readonly string[] | undefined) => void;
}

/** Shared sessions, as the rest of the extension and its tests see them. */
export class CollabService implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  readonly controller: SessionController;
  /** Set while this extension host waits to be restarted by the folders it put back. */
  private restartExpected = false;

  constructor(deps: CollabDeps) {
    const participantsView = new ParticipantsView(
      vscode.Uri.joinPath(deps.context.globalStorageUri, 'participant-icons'),
    );
    const fileSystem = new GuestFileSystem({ guestFiles: (room) => this.controller.guestFilesFor(room) });
    this.controller = new SessionController({ ...deps, fileSystem, participantsView });
    const controller = this.controller;
    const command = (id: string, run: (...args: never[]) => unknown) =>
      vscode.commands.registerCommand(id, run);
    this.disposables.push(
      participantsView,
      fileSystem,
      vscode.workspace.registerFileSystemProvider(SESSION_SCHEME, fileSystem, { isCaseSensitive: true }),
      vscode.window.createTreeView('tandem.participants', {
        treeDataProvider: participantsView,
        showCollapseAll: false,
      }),
      vscode.window.registerUriHandler({
        handleUri: (uri) => {
          if (uri.path.replace(/\/+$/, '') === '/join') void controller.join(uri.toString(true));
          else
            void vscode.window.showErrorMessage(
              `Tandem: unknown link ${uri.path}; invite links end in /join?….`,
            );
        },
      }),
      command('tandem.collab.start', (options?: StartOptions) =>
        controller.start(options ?? {}, options === undefined),
      ),
      command('tandem.collab.join', (link?: string, options?: JoinOptions) =>
        controller.join(link, options ?? {}, true),
      ),
      command('tandem.collab.leave', () => controller.leave(true)),
      command('tandem.collab.copyInviteLink', (role?: unknown) =>
        controller.inviteLink(role === 'rw' || role === 'ro' ? role : undefined, true),
      ),
      // From the Participants view the argument is the item (or its client id); from the palette, nothing.
      command('tandem.collab.follow', (who?: unknown) => controller.follow(participantArgument(who))),
      command('tandem.collab.stopFollowing', () => controller.current?.follower.stop()),
      command('tandem.collab.removeParticipant', (who?: unknown) =>
        this.removeParticipant(participantArgument(who)),
      ),
      command('tandem.collab.undo', () => this.undoRedo(false)),
      command('tandem.collab.redo', () => this.undoRedo(true)),
      command('tandem.collab.saveCopy', () => controller.saveCopy()),
      command('tandem.collab.openSharedFile', () => this.openSharedFile()),
      command('tandem.collab.sessionMenu', () => this.sessionMenu()),
      new vscode.Disposable(() => controller.dispose()),
    );
    // A window reopened on a session folder (after a reload, or after joining turned the window into
    // a workspace) joins again, also when the folder shows up only after activation; a workspace that
    // lost its folders in the reload gets them back. Nothing is read when neither can be the case.
    const showsSessionFolder = (folders: readonly vscode.WorkspaceFolder[] | undefined) =>
      folders?.some((folder) => folder.uri.scheme === SESSION_SCHEME) ?? false;
    this.disposables.push(
      vscode.workspace.onDidChangeWorkspaceFolders((change) => {
        if (showsSessionFolder(change.added) && !this.restartExpected)
          void controller.rejoinWorkspaceFolders();
      }),
    );
    if (showsSessionFolder(vscode.workspace.workspaceFolders) || vscode.workspace.workspaceFile) {
      const timer = setTimeout(() => void this.restoreWindow(deps.log), 0);
      this.disposables.push(new vscode.Disposable(() => clearTimeout(timer)));
    }
  }

  private async restoreWindow(log: vscode.LogOutputChannel): Promise<void> {
    const outcome = await restoreLostFolders(this.controller.rejoinRecords, log);
    if (outcome.kind === 'failed') return this.controller.explainFailedRejoin(outcome.room, outcome.why);
    if (outcome.kind === 'restored' && outcome.restartsExtensionHost) {
      // The extension host that comes next joins. Joining here too would race it: this one's session,
      // torn down as it stops, would clear the window's "in a session" state after the new one set it.
      // Should VS Code not restart it after all, join from here once that is clear.
      this.restartExpected = true;
      const timer = setTimeout(() => {
        this.restartExpected = false;
        void this.controller.rejoinWorkspaceFolders();
      }, 15_000);
      this.disposables.push(new vscode.Disposable(() => clearTimeout(timer)));
      return;
    }
    await this.controller.rejoinWorkspaceFolders();
  }

  /** Starts a session without prompts (tests); returns the read-write invite link. */
  start(options: StartOptions = {}): Promise<string | undefined> {
    return this.controller.start(options, false);
  }

  join(link: string, options: JoinOptions = {}): Promise<boolean> {
    return this.controller.join(link, options, false);
  }

  leave(): Promise<boolean> {
    return this.controller.leave(false);
  }

  inviteLink(role: 'rw' | 'ro'): Promise<string | undefined> {
    return this.controller.inviteLink(role, false);
  }

  /** Ends a hosted session cleanly (guests are told) and keeps a guest's unconfirmed edits: await in deactivate(). */
  shutdown(): Promise<void> {
    return this.controller.shutdown();
  }

  /** Saves the shared files this participant has into `target` (a guest whose host left). */
  saveCopy(target: vscode.Uri): Promise<number> {
    return this.controller.saveCopy(target);
  }

  get session(): CollabSession | undefined {
    return this.controller.current?.session;
  }

  /** The session running in this window (its bindings, shared paths, presence), if any. */
  get active(): ActiveSession | undefined {
    return this.controller.current;
  }

  /** Fires when a session becomes active in this window, and (with undefined) when it is left. */
  get onDidChangeSession(): vscode.Event<ActiveSession | undefined> {
    return this.controller.onDidChangeActive;
  }

  get bindings(): EditorBindings | undefined {
    return this.controller.current?.bindings;
  }

  /** The session status bar item's text (empty outside a session). */
  get statusText(): string {
    return this.controller.current?.status.text ?? '';
  }

  dispose(): void {
    for (const disposable of this.disposables.reverse()) disposable.dispose();
  }

  /**
   * Host only: removes a participant. The server revokes the invite token they joined with (everyone
   * who joined with the same link goes too) and closes them; the revocation outlives a server restart.
   */
  async removeParticipant(who?: number | string, confirm = true): Promise<boolean> {
    const active = this.controller.current;
    if (!active || active.session.role !== 'host') {
      void vscode.window.showInformationMessage(
        'Tandem: only the host of a shared session can remove someone.',
      );
      return false;
    }
    const others = active.session.participants().filter((participant) => !participant.self);
    let target = others.find((participant) => participant.clientId === who || participant.name === who);
    if (!target && who === undefined) {
      const pick = await vscode.window.showQuickPick(
        others.map((participant) => ({
          label: participant.name,
          description: participant.role,
          participant,
        })),
        { title: 'Tandem: Remove Participant', placeHolder: 'Who should leave the session?' },
      );
      target = pick?.participant;
    }
    if (!target) return false;
    if (confirm) {
      const answer = await vscode.window.showWarningMessage(
        `Remove ${target.name} from the session? The invite link they joined with stops working, for everyone who used it.`,
        { modal: true },
        'Remove',
      );
      if (answer !== 'Remove') return false;
    }
    const sent = active.session.removeParticipant(target.clientId);
    if (!sent) void vscode.window.showErrorMessage('Tandem: not connected to the session server; try again.');
    return sent;
  }

  private async undoRedo(redo: boolean): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    const active = this.controller.current;
    if (!editor || !active) return;
    if (!(await active.bindings.undoRedo(editor, redo)))
      vscode.window.setStatusBarMessage(`Tandem: nothing of yours to ${redo ? 'redo' : 'undo'} here`, 2500);
  }

  private async openSharedFile(): Promise<void> {
    const active = this.controller.current;
    if (!active) {
      void vscode.window.showInformationMessage('Tandem: join or start a shared session first.');
      return;
    }
    const files = [...active.session.document.tree.entries()]
      .filter(([, entry]) => entry.type === 'file')
      .map(([key, entry]) => ({
        label: key.split('/').pop() ?? key,
        description: key.includes('/') ? key.slice(0, key.lastIndexOf('/')) : '',
        detail: entry.unshared
          ? entry.unshared === 'binary'
            ? 'not a text file'
            : 'larger than 5 MB'
          : undefined,
        key,
      }))
      .sort((a, b) => a.key.localeCompare(b.key));
    const pick = await vscode.window.showQuickPick(files, {
      title: 'Tandem: Open Shared File',
      placeHolder: 'Files in the shared folder',
      matchOnDescription: true,
    });
    const key = pick && normaliseSharedPath(pick.key);
    if (!key) return;
    const document = await active.openShared(key);
    if (document) await vscode.window.showTextDocument(document);
  }

  private async sessionMenu(): Promise<void> {
    const active = this.controller.current;
    type Item = vscode.QuickPickItem & { run: () => unknown };
    const items: Item[] = active
      ? [
          ...(active.session.role === 'host'
            ? [{ label: '$(link) Copy Invite Link…', run: () => this.controller.inviteLink(undefined, true) }]
            : []),
          { label: '$(go-to-file) Open Shared File…', run: () => this.openSharedFile() },
          { label: '$(eye) Follow Participant…', run: () => this.controller.follow() },
          {
            label: '$(organization) Show Participants',
            run: () => vscode.commands.executeCommand('tandem.participants.focus'),
          },
          ...(active.session.role !== 'host'
            ? [{ label: '$(save-all) Save a Copy of Shared Files…', run: () => this.controller.saveCopy() }]
            : []),
          {
            label: active.session.role === 'host' ? '$(debug-stop) End Session' : '$(sign-out) Leave Session',
            run: () => this.controller.leave(true),
          },
        ]
      : [
          { label: '$(live-share) Start Shared Session', run: () => this.controller.start({}, true) },
          { label: '$(plug) Join Shared Session…', run: () => this.controller.join(undefined, {}, true) },
        ];
    const pick = await vscode.window.showQuickPick(items, { title: 'Tandem Session' });
    await pick?.run();
  }
}

function participantArgument(value: unknown): number | string | undefined {
  if (typeof value === 'number' || typeof value === 'string') return value;
  const participant = (value as { participant?: { clientId?: unknown } } | undefined)?.participant;
  return typeof participant?.clientId === 'number' ? participant.clientId : undefined;
}

export function registerCollab(deps: CollabDeps): CollabService {
  return new CollabService(deps);
}
