/**
 * A running session wired into the window: editor bindings, cursors, presence, Follow, the
 * Participants view, the status item, the host's file watcher or the guest's file system, and the
 * messages a participant needs (host left, link expired, connection lost).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { SESSION_SCHEME } from '../../workspace/vscode/fileAddress';
import { DirectWrites } from '../directWrites';
import type { CollabSession } from '../session';
import { CollabStatusItem } from './collabStatus';
import { EditorBindings, type SharedPathOf } from './editorBindings';
import { Follower, PresencePublisher } from './follow';
import { type GuestFileSystem } from './guestFileSystem';
import type { ParticipantsView } from './participantsView';
import { RemoteCursors } from './remoteCursors';

export interface ActiveSessionOptions {
  session: CollabSession;
  /** Host: the shared folder. */
  root?: vscode.Uri;
  room: string;
  fileSystem: GuestFileSystem;
  participantsView: ParticipantsView;
  log: vscode.LogOutputChannel;
  nameTags: () => 'activity' | 'always' | 'never';
  /** Where unconfirmed edits are kept if the window closes (guests). */
  snapshotFile?: string;
  /** Offers to save a copy of the shared files (after the host left). */
  saveCopy: () => Promise<void>;
  /**
   * Guests: the trust gate learns the session's root (`tandem://room`) and the globs its host keeps
   * from models, again whenever the host changes them, and `undefined` when the session is left.
   */
  sessionTrust?: (root: string, globs: readonly string[] | undefined) => void;
  /**
   * Hosts: what they keep from models (`tandem.trust.excludeGlobs`), published in the session so
   * guests' gates keep it from theirs too, and republished when it changes.
   */
  modelExclude?: { current: () => readonly string[]; onChange: (listener: () => void) => vscode.Disposable };
}

/** How long a guest waits without a host before saying so. */
const HOST_GONE_AFTER_MS = 12_000;

export class ActiveSession implements vscode.Disposable {
  readonly session: CollabSession;
  readonly bindings: EditorBindings;
  readonly follower: Follower;
  readonly status = new CollabStatusItem();
  /** Chunked writes (a large revert) this window is making into shared texts. */
  readonly directWrites = new DirectWrites();
  /** A document's path in the session, or undefined when it is not a shared file. */
  readonly sharedPathOf: SharedPathOf;
  private readonly disposables: vscode.Disposable[] = [];
  private hostGoneTimer: ReturnType<typeof setTimeout> | undefined;
  private hostGoneNotified = false;
  private expiredNotified = false;
  private ended = false;
  private disposed = false;
  private shownParticipants = '';
  private shownFollowing: string | undefined;
  private shownStatus = '';

  constructor(private readonly options: ActiveSessionOptions) {
    const { session } = options;
    this.session = session;
    this.sharedPathOf = this.sharedPathOfFactory();
    this.bindings = new EditorBindings(session, this.sharedPathOf, options.log);
    const cursors = new RemoteCursors(session, this.bindings, options.nameTags);
    const publisher = new PresencePublisher(session, this.bindings);
    this.follower = new Follower(session, this.bindings, (shared) => this.openShared(shared));
    this.disposables.push(this.bindings, cursors, publisher, this.follower, this.status);
    this.disposables.push(
      session.onDidChangeParticipants(() => this.refreshViews()),
      this.follower.onDidChange(() => this.refreshViews()),
      toDisposable(session.connection.onDidChangeState((state) => this.onState(state))),
      toDisposable(session.connection.onDidChangeUnsynced(() => this.refreshViews())),
      toDisposable(session.connection.onDidChangeVerification(() => this.refreshViews())),
      vscode.window.onDidChangeActiveTextEditor(() => this.updateEditorContext()),
      this.bindings.onDidChangeBindings(() => this.updateEditorContext()),
    );
    // "Idle" comes from time passing, not from an event: look again now and then.
    const idleTimer = setInterval(() => this.refreshViews(), 15_000);
    this.disposables.push(new vscode.Disposable(() => clearInterval(idleTimer)));
    if (session.hostFiles && options.root) this.watchHostFolder(options.root);
    if (session.role === 'host' && options.modelExclude) this.publishModelExclude(options.modelExclude);
    if (session.guestFiles) {
      session.guestFiles.openInEditor = (shared) => this.bindings.documentsOf(shared).length > 0;
      this.disposables.push(options.fileSystem.attach(options.room, session.guestFiles));
      this.disposables.push(toDisposable(session.onDidEnd((reason) => void this.onEnded(reason))));
      this.followHostTrust(options.sessionTrust);
    }
    void vscode.commands.executeCommand('setContext', 'tandem.collab.active', true);
    void vscode.commands.executeCommand('setContext', 'tandem.collab.role', session.role);
    this.bindings.bindOpenDocuments();
    this.updateEditorContext();
    this.refreshViews();
  }

  /** True once the host ended the session (guests keep their copy until they leave). */
  get hasEnded(): boolean {
    return this.ended;
  }

  refreshViews(): void {
    if (this.disposed) return;
    // The view lists an assistant at work as a participant of its own; the status counts people.
    const everyone = this.session.participants({ assistants: true });
    const participants = everyone.filter((p) => p.kind === 'person');
    const following = this.follower.following;
    // Presence changes with every keystroke of everyone; the views only when what they show does.
    const shown = JSON.stringify(everyone.map((p) => [p.key, p.label, p.color, p.role, p.file, p.idle]));
    if (shown !== this.shownParticipants || following?.key !== this.shownFollowing) {
      this.shownParticipants = shown;
      this.shownFollowing = following?.key;
      this.options.participantsView.update(everyone, following?.key);
    }
    const report = {
      state: this.ended ? ('ended' as const) : this.session.state,
      participants: participants.length,
      unsynced: this.session.connection.unsynced,
      verified: this.session.connection.verification === 'in-sync',
      role: this.session.role,
      following: following?.label,
      detail: this.session.connection.closeInfo?.reason
        ? `Server said: ${this.session.connection.closeInfo.reason}`
        : undefined,
    };
    const reportKey = JSON.stringify(report);
    if (reportKey !== this.shownStatus) {
      this.shownStatus = reportKey;
      this.status.update(report);
    }
    this.checkHostPresence();
  }

  /** Writes unconfirmed edits where a later join of this room picks them up (window closing). */
  persistUnconfirmed(): void {
    const file = this.options.snapshotFile;
    if (!file) return;
    try {
      if (this.session.connection.unsynced && !this.ended) {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, this.session.snapshot());
        this.options.log.warn(
          `[collab] kept unconfirmed session edits in ${file}; they merge when you join again`,
        );
      } else if (fs.existsSync(file)) fs.rmSync(file);
    } catch (error) {
      this.options.log.error(`[collab] could not keep unconfirmed edits: ${String(error)}`);
    }
  }

  /**
   * `hostStopping`: this extension host is going away (window closing, or VS Code restarting the host
   * after a folder change). Then the window's context keys are left to the host that comes next: a
   * "not in a session" from this one could arrive after the next host, already rejoined, said it is.
   */
  dispose(options: { hostStopping?: boolean } = {}): void {
    if (this.disposed) return;
    this.disposed = true;
    this.persistUnconfirmed();
    if (this.hostGoneTimer) clearTimeout(this.hostGoneTimer);
    for (const disposable of this.disposables.reverse()) disposable.dispose();
    if (options.hostStopping) return;
    this.options.participantsView.update([]);
    void vscode.commands.executeCommand('setContext', 'tandem.collab.active', false);
    void vscode.commands.executeCommand('setContext', 'tandem.collab.boundEditor', false);
    void vscode.commands.executeCommand('setContext', 'tandem.collab.following', false);
  }

  /**
   * Host: publishes what it keeps from models (onChange also runs at once), and puts it back if a
   * peer writes something else there: only the host says what the host keeps from models.
   */
  private publishModelExclude({
    current,
    onChange,
  }: NonNullable<ActiveSessionOptions['modelExclude']>): void {
    const document = this.session.document;
    const publish = () => {
      const globs = current();
      if (JSON.stringify(document.modelExclude()) !== JSON.stringify(globs))
        document.writeModelExclude(globs);
    };
    const meta = document.meta;
    meta.observe(publish);
    this.disposables.push(onChange(publish), new vscode.Disposable(() => meta.unobserve(publish)));
  }

  private followHostTrust(sessionTrust: ActiveSessionOptions['sessionTrust']): void {
    if (!sessionTrust) return;
    const root = `${SESSION_SCHEME}://${this.options.room}`;
    const meta = this.session.document.meta;
    let shown: string | undefined;
    const update = () => {
      const globs = this.session.document.modelExclude();
      const key = JSON.stringify(globs);
      if (key === shown) return;
      shown = key;
      sessionTrust(root, globs);
    };
    update();
    meta.observe(update);
    this.disposables.push(
      new vscode.Disposable(() => {
        meta.unobserve(update);
        sessionTrust(root, undefined);
      }),
    );
  }

  /** Opens a shared file's document (host: on disk; guest: through the session's file system). */
  async openShared(shared: string): Promise<vscode.TextDocument | undefined> {
    const uri = this.uriOf(shared);
    if (!uri) return undefined;
    try {
      return await vscode.workspace.openTextDocument(uri);
    } catch (error) {
      this.options.log.warn(`[collab] could not open ${shared}: ${String(error)}`);
      return undefined;
    }
  }

  uriOf(shared: string): vscode.Uri | undefined {
    if (this.options.root) return vscode.Uri.joinPath(this.options.root, ...shared.split('/'));
    return vscode.Uri.from({ scheme: SESSION_SCHEME, authority: this.options.room, path: `/${shared}` });
  }

  private sharedPathOfFactory(): SharedPathOf {
    const { root, room, session } = this.options;
    if (root) {
      const prefix = root.path.endsWith('/') ? root.path : `${root.path}/`;
      return (uri) => {
        if (uri.scheme !== root.scheme || uri.authority !== root.authority || !uri.path.startsWith(prefix))
          return undefined;
        const relative = uri.path.slice(prefix.length);
        return relative && session.hostTree?.isShared(relative) ? relative : undefined;
      };
    }
    return (uri) =>
      uri.scheme === SESSION_SCHEME && uri.authority === room
        ? uri.path.replace(/^\/+/, '') || undefined
        : undefined;
  }

  private updateEditorContext(): void {
    const editor = vscode.window.activeTextEditor;
    const bound = !!editor && !!this.bindings.bindingFor(editor.document.uri) && !this.session.readOnly;
    void vscode.commands.executeCommand('setContext', 'tandem.collab.boundEditor', bound);
  }

  private watchHostFolder(root: vscode.Uri): void {
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(root, '**/*'));
    const relative = (uri: vscode.Uri) => {
      const prefix = root.path.endsWith('/') ? root.path : `${root.path}/`;
      return uri.path.startsWith(prefix) ? uri.path.slice(prefix.length) : undefined;
    };
    const refresh = (uri: vscode.Uri, changed: boolean) => {
      const shared = relative(uri);
      if (!shared) return;
      void this.session.hostTree?.refresh(shared).then(() => {
        if (changed) return this.session.hostFiles?.diskChanged(shared);
        if (!fs.existsSync(uri.fsPath) && this.session.document.texts.has(shared))
          this.session.document.unseed(shared);
      });
    };
    this.disposables.push(
      watcher,
      watcher.onDidCreate((uri) => refresh(uri, false)),
      watcher.onDidChange((uri) => refresh(uri, true)),
      watcher.onDidDelete((uri) => refresh(uri, false)),
    );
  }

  private onState(state: string): void {
    this.refreshViews();
    if (state === 'expired' && !this.expiredNotified) {
      this.expiredNotified = true;
      void vscode.window.showErrorMessage(
        `Tandem: the session link expired (${this.session.connection.closeInfo?.reason || 'the server refused it'}). ` +
          'Ask the host for a new invite link, then join again.',
      );
    } else if (state === 'refused') {
      void vscode.window.showErrorMessage(`Tandem: ${this.session.connection.describeState()}.`);
    }
  }

  /** A guest connected to a server with no host in the room for a while is told so, once. */
  private checkHostPresence(): void {
    if (this.session.role === 'host' || this.ended) return;
    const hostHere = this.session.hostReachable;
    if (hostHere) {
      if (this.hostGoneTimer) clearTimeout(this.hostGoneTimer);
      this.hostGoneTimer = undefined;
      this.hostGoneNotified = false;
      return;
    }
    if (this.hostGoneTimer || this.hostGoneNotified) return;
    this.hostGoneTimer = setTimeout(() => {
      this.hostGoneTimer = undefined;
      if (this.disposed || this.ended || this.session.hostReachable) return;
      this.hostGoneNotified = true;
      void vscode.window
        .showWarningMessage(
          'Tandem: the session host is not reachable. Your edits are kept and sync when the host is back; you can also save a copy of the shared files.',
          'Save a Copy…',
          'Leave Session',
        )
        .then((choice) => {
          if (choice === 'Save a Copy…') void this.options.saveCopy();
          else if (choice === 'Leave Session') void vscode.commands.executeCommand('tandem.collab.leave');
        });
    }, HOST_GONE_AFTER_MS);
  }

  private async onEnded(reason: string): Promise<void> {
    this.ended = true;
    this.session.connection.disconnect();
    this.refreshViews();
    const choice = await vscode.window.showWarningMessage(
      `Tandem: ${reason}. Your open shared files stay readable until you leave; save a copy to keep them.`,
      'Save a Copy…',
      'Leave Session',
    );
    if (choice === 'Save a Copy…') await this.options.saveCopy();
    else if (choice === 'Leave Session') await vscode.commands.executeCommand('tandem.collab.leave');
  }
}

function toDisposable(subscription: { dispose(): void }): vscode.Disposable {
  return new vscode.Disposable(() => subscription.dispose());
}
