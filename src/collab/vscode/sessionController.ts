/**
 * Starting, joining and leaving sessions, and the commands around them. One session per window.
 * Nothing here runs at activation: the server, the Y.Doc and the connection are created when a
 * session starts.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { SESSION_SCHEME } from '../../workspace/vscode/fileAddress';
import WebSocket from 'ws';
import type { Settings } from '../../settings';
import { type CollabServer, signToken, startCollabServer } from '../../server';
import { approveGuestChange } from './approveGuestChange';
import { buildInviteLink, describeExpiry, type Invite, parseInviteLink, readTokenClaims } from '../invite';
import { RejoinRecords } from '../rejoinRecords';
import { newSeat, watchForLaterSeatHolder } from '../seat';
import { CollabSession } from '../session';
import { ActiveSession } from './activeSession';
import { participantColor, participantName } from './collabSettings';
import type { GuestFileSystem } from './guestFileSystem';
import { chooseWhere, type Where } from './networkChoice';
import type { ParticipantsView } from './participantsView';
import { saveSharedCopy } from './saveCopy';

export interface StartOptions {
  /** Embedded server interface ('127.0.0.1' by default), or `serverUrl` to use a running server. */
  listenHost?: string;
  port?: number;
  serverUrl?: string;
  /** For `serverUrl`: the server's TANDEM_SECRET (Tandem signs tokens) or a host token. */
  secret?: string;
  token?: string;
  folder?: vscode.Uri;
}

export interface JoinOptions {
  /** Skip adding the shared folder to the workspace (tests open documents directly). */
  addFolder?: boolean;
}

const HOST_TOKEN_TTL_MS = 30 * 86_400_000;
/** How long an extension host waits to be told of the session's folder it added (see watchForReplacement). */
export const LEFT_BEHIND_MS = 15_000;
/** How long after joining an extension host gives way to a later one claiming its window's seat. */
export const SEAT_WATCH_MS = 300_000;

export interface ControllerDeps {
  context: vscode.ExtensionContext;
  settings: Settings;
  log: vscode.LogOutputChannel;
  fileSystem: GuestFileSystem;
  participantsView: ParticipantsView;
  /** See ActiveSessionOptions.sessionTrust. */
  sessionTrust?: (root: string, globs: readonly string[] | undefined) => void;
}

export class SessionController implements vscode.Disposable {
  private active: ActiveSession | undefined;
  private readonly activeChanged = new vscode.EventEmitter<ActiveSession | undefined>();
  /** Fires when a session becomes active in this window, and (with undefined) when it is left. */
  readonly onDidChangeActive = this.activeChanged.event;
  private server: CollabServer | undefined;
  /** Host: how to mint invite tokens, and the URL guests connect to. */
  private inviter:
    { serverUrl: string; room: string; sign?: (role: 'rw' | 'ro') => string; token?: string } | undefined;
  private pending: Promise<unknown> | undefined;
  private rejoining: Promise<boolean> | undefined;
  /** Rooms this extension host left to another of its window (watchForReplacement): no rejoining. */
  private readonly continuedElsewhere = new Set<string>();
  private room: string | undefined;
  readonly rejoinRecords: RejoinRecords;

  constructor(private readonly deps: ControllerDeps) {
    this.rejoinRecords = new RejoinRecords(
      path.join(deps.context.globalStorageUri.fsPath, 'sessions', 'rejoin.json'),
    );
  }

  get current(): ActiveSession | undefined {
    return this.active;
  }

  /** Starts sharing a folder. Returns the read-write invite link. */
  async start(options: StartOptions = {}, interactive = true): Promise<string | undefined> {
    if (!(await this.readyForNewSession(interactive))) return undefined;
    const folder = options.folder ?? (await this.pickFolder(interactive));
    if (!folder) return undefined;
    let where: Where | undefined;
    if (options.serverUrl) where = { kind: 'server', serverUrl: options.serverUrl };
    else if (options.listenHost || !interactive)
      where = { kind: 'embedded', host: options.listenHost ?? this.deps.settings.get('collab.listenHost') };
    else where = await chooseWhere(this.deps.settings);
    if (!where) return undefined;
    const link = await this.guard(() => this.startIn(folder, where, options));
    if (link && interactive) {
      await vscode.env.clipboard.writeText(link);
      const claims = readTokenClaims(new URL(link).searchParams.get('token') ?? '');
      void vscode.window
        .showInformationMessage(
          `Tandem: sharing "${path.basename(folder.fsPath)}". A read-write invite link is on your clipboard${claims ? ` (expires ${describeExpiry(claims.exp)})` : ''}: send it to your teammates like a password.`,
          'Copy Read-Only Link',
          'Show Participants',
        )
        .then((choice) => {
          if (choice === 'Copy Read-Only Link') void this.inviteLink('ro', true);
          else if (choice === 'Show Participants')
            void vscode.commands.executeCommand('tandem.participants.focus');
        });
    }
    return link;
  }

  /** After a reload (or the extension host restarting) in a window that shows a session folder: join again. */
  async rejoinWorkspaceFolders(): Promise<void> {
    const folder = (vscode.workspace.workspaceFolders ?? []).find(
      (candidate) => candidate.uri.scheme === SESSION_SCHEME,
    );
    if (!folder || this.active || this.pending || this.rejoining) return;
    try {
      await this.guestFilesFor(folder.uri.authority);
    } catch (error) {
      await this.explainFailedRejoin(folder.uri.authority, (error as Error).message);
    }
  }

  /** Says why the window is not in its session, and offers the two ways out. */
  async explainFailedRejoin(room: string, why: string): Promise<void> {
    const choice = await vscode.window.showWarningMessage(`Tandem: ${why}`, 'Join Again…', 'Remove Folder');
    if (choice === 'Remove Folder') this.removeSessionFolder(room);
    else if (choice === 'Join Again…') {
      // A window that gave its place to a later one takes it back with the link it joined with.
      const link = this.continuedElsewhere.has(room) ? this.rejoinRecords.get(room)?.link : undefined;
      await this.join(link, { addFolder: false }, true);
    }
  }

  /** Joins with an invite link (asks for one when not given). */
  async join(link?: string, options: JoinOptions = {}, interactive = true): Promise<boolean> {
    let text = link;
    if (text === undefined) {
      if (!interactive) throw new Error('join needs an invite link');
      text = await this.askForLink();
      if (text === undefined) return false;
    }
    let invite: Invite;
    try {
      invite = parseInviteLink(text);
    } catch (error) {
      void vscode.window.showErrorMessage(`Tandem: ${(error as Error).message}`);
      return false;
    }
    const claims = readTokenClaims(invite.token);
    if (claims && claims.exp <= Date.now()) {
      void vscode.window.showErrorMessage(
        `Tandem: this invite link expired ${describeExpiry(claims.exp)}. Ask the host for a new link.`,
      );
      return false;
    }
    if (!(await this.readyForNewSession(interactive))) return false;
    return (await this.guard(() => this.joinWith(invite, text!, claims?.role === 'ro', options))) ?? false;
  }

  /** Leaves the session (the host ends it for everyone). */
  async leave(interactive = true): Promise<boolean> {
    const active = this.active;
    if (!active) {
      if (interactive) void vscode.window.showInformationMessage('Tandem: you are not in a shared session.');
      return true;
    }
    if (interactive && active.session.connection.unsynced && !active.hasEnded) {
      const choice = await vscode.window.showWarningMessage(
        'Tandem: some of your edits are not yet confirmed by the server. If you leave now they may not reach the others.',
        { modal: true },
        'Leave Anyway',
        'Save a Copy…',
      );
      if (choice === 'Save a Copy…') await this.saveCopy();
      if (choice !== 'Leave Anyway') return false;
    }
    const room = this.room;
    const isHost = active.session.role === 'host';
    await active.session.leave();
    this.active = undefined;
    this.activeChanged.fire(undefined);
    active.dispose();
    this.inviter = undefined;
    this.room = undefined;
    if (this.server) {
      await this.server.close();
      this.server = undefined;
    }
    if (room && !isHost) {
      this.rejoinRecords.forget(room);
      this.removeSessionFolder(room);
    }
    this.deps.log.info(`[collab] left the session${isHost ? ' (ended it for everyone)' : ''}`);
    return true;
  }

  /** The invite link for a role; copies it to the clipboard when interactive. */
  async inviteLink(role?: 'rw' | 'ro', interactive = true): Promise<string | undefined> {
    const inviter = this.inviter;
    if (!inviter) {
      if (interactive)
        void vscode.window.showInformationMessage(
          this.active
            ? 'Tandem: only the host can create invite links.'
            : 'Tandem: start a shared session first.',
        );
      return undefined;
    }
    let chosen = role;
    if (!chosen) {
      if (!interactive) chosen = 'rw';
      else {
        const pick = await vscode.window.showQuickPick(
          [
            {
              label: '$(edit) Read-write',
              description: 'guests can edit, save, create and delete files',
              role: 'rw' as const,
            },
            {
              label: '$(eye) Read-only',
              description: 'guests can look and follow, the server drops their edits',
              role: 'ro' as const,
            },
          ],
          { title: 'Tandem: Copy Invite Link', placeHolder: 'What may the people with this link do?' },
        );
        if (!pick) return undefined;
        chosen = pick.role;
      }
    }
    let token = inviter.sign?.(chosen);
    if (!inviter.sign) {
      // A server we have no secret for: a guest's token must come from its operator (the host's own
      // token is a host token and is never shared).
      token = interactive
        ? await vscode.window.showInputBox({
            title: `Tandem: ${chosen === 'ro' ? 'read-only' : 'read-write'} token`,
            prompt: `Paste a ${chosen === 'ro' ? 'read-only' : 'read-write'} token for room "${inviter.room}" (node dist/server.js token --room ${inviter.room} --role ${chosen})`,
            ignoreFocusOut: true,
          })
        : undefined;
      if (!token) return undefined;
    }
    const link = buildInviteLink(
      { serverUrl: inviter.serverUrl, room: inviter.room, token: token ?? '' },
      vscode.env.uriScheme,
    );
    if (interactive) {
      await vscode.env.clipboard.writeText(link);
      const claims = readTokenClaims(token ?? '');
      void vscode.window.showInformationMessage(
        `Tandem: ${chosen === 'ro' ? 'read-only' : 'read-write'} invite link copied${claims ? `; it expires ${describeExpiry(claims.exp)}` : ''}. Anyone with the link can join: share it like a password.`,
      );
    }
    return link;
  }

  /** Follows a participant given by client id or name (asks when not given). */
  async follow(who?: number | string): Promise<boolean> {
    const active = this.active;
    if (!active) {
      void vscode.window.showInformationMessage('Tandem: join or start a shared session first.');
      return false;
    }
    // An assistant at work can be followed too (by its key `<client id>/assistant` or its label).
    const others = active.session.participants({ assistants: true }).filter((p) => !p.self);
    let target = others.find(
      (p) => (p.kind === 'person' && p.clientId === who) || p.key === who || p.label === who,
    );
    if (!target && who === undefined) {
      if (others.length === 0) {
        void vscode.window.showInformationMessage('Tandem: nobody else is in the session yet.');
        return false;
      }
      const pick = await vscode.window.showQuickPick(
        others.map((p) => ({
          label: p.label,
          description: [p.file, p.idle ? 'idle' : 'active'].filter(Boolean).join(' · '),
          p,
        })),
        { title: 'Tandem: Follow Participant' },
      );
      target = pick?.p;
    }
    if (!target) return false;
    await active.follower.follow(target);
    return true;
  }

  /** Writes the shared files this participant has into a folder (asks which when not given). */
  async saveCopy(target?: vscode.Uri): Promise<number> {
    const active = this.active;
    if (!active) return 0;
    return saveSharedCopy(active.session, this.deps.log, target);
  }

  /** The guest files for a `tandem://<room>` URI, rejoining after a window reload. */
  async guestFilesFor(room: string) {
    const live = () => (this.room === room ? this.current?.session.guestFiles : undefined);
    if (live()) return live()!;
    if (this.rejoining) await this.rejoining;
    else if (this.pending) await this.pending.catch(() => undefined);
    if (live()) return live()!;
    if (this.continuedElsewhere.has(room))
      throw new Error(
        `This window left the Tandem session "${room.slice(0, 8)}…": another window of yours took its place (after a reload, or in another tab). Join again to take it back here.`,
      );
    const record = this.rejoinRecords.get(room);
    if (!record || this.current)
      throw new Error(
        `The Tandem session "${room.slice(0, 8)}…" is not active in this window. Join it again with its invite link, or remove the folder from the workspace.`,
      );
    // Many file-system calls arrive at once after a reload: they share one rejoin.
    this.rejoining ??= this.join(record.link, { addFolder: false }, false).finally(
      () => (this.rejoining = undefined),
    );
    const joined = await this.rejoining;
    const rejoined = live();
    if (!joined || !rejoined)
      throw new Error('Could not rejoin the Tandem session; join again with the invite link.');
    return rejoined;
  }

  /**
   * For `deactivate()` (VS Code waits for its promise a few seconds): a host's "session ended" reaches
   * the server before the embedded server stops, so guests are told instead of left reconnecting.
   */
  async shutdown(): Promise<void> {
    const active = this.active;
    if (active?.session.role === 'host') {
      active.session.document.markEnded(`${active.session.options.name} closed their window`);
      await active.session.connection.whenConfirmed(1500).catch(() => undefined);
    }
    this.dispose();
  }

  dispose(): void {
    const active = this.active;
    this.active = undefined;
    if (active) this.activeChanged.fire(undefined);
    if (active) {
      // The window is closing: keep unconfirmed edits for the next join, end a hosted session.
      if (active.session.role === 'host')
        active.session.document.markEnded(`${active.session.options.name} closed their window`);
      active.dispose({ hostStopping: true });
      active.session.dispose();
    }
    void this.server?.close();
    this.server = undefined;
    this.activeChanged.dispose();
  }

  private async startIn(
    folder: vscode.Uri,
    where: Where,
    options: StartOptions,
  ): Promise<string | undefined> {
    const { settings, log } = this.deps;
    const name = participantName(settings);
    const room = randomBytes(16).toString('hex');
    let connectUrl: string;
    let token: string;
    if (where.kind === 'embedded') {
      const secret = randomBytes(32).toString('hex');
      const server = await startCollabServer({
        host: where.host,
        port: options.port ?? settings.get('collab.port'),
        secret,
        logger: (record) => {
          if (record.level === 'warn' || record.level === 'error')
            log[record.level](`[collab server] ${JSON.stringify(record)}`);
        },
      });
      this.server = server;
      connectUrl = `ws://127.0.0.1:${server.port}`;
      if (where.host !== '0.0.0.0' && where.host !== '::' && !where.host.startsWith('127.'))
        connectUrl = server.url;
      // The host's token carries the host role: the server lets only it write the session's state.
      token = server.createToken({ room, role: 'host', name, ttlMs: HOST_TOKEN_TTL_MS });
      const ttlMs = settings.get('collab.inviteExpiryHours') * 3_600_000;
      this.inviter = {
        serverUrl: `ws://${urlHost(where.advertiseHost ?? where.host)}:${server.port}`,
        room,
        sign: (role) =>
          // No name in a guest's token: the server shows the name they chose (never one a named token holds).
          server.createToken({ room, role, name: '', ttlMs }),
      };
      log.info(`[collab] session server listening on ${server.url} (room ${room})`);
    } else {
      const credentials =
        options.secret || options.token ? options : await askServerCredentials(where.serverUrl);
      if (!credentials) return undefined;
      connectUrl = where.serverUrl.replace(/\/+$/, '');
      const ttlMs = settings.get('collab.inviteExpiryHours') * 3_600_000;
      if (credentials.secret) {
        const secret = credentials.secret;
        token = signToken(secret, { room, role: 'host', name, exp: Date.now() + HOST_TOKEN_TTL_MS });
        this.inviter = {
          serverUrl: connectUrl,
          room,
          sign: (role) => signToken(secret, { room, role, name: '', exp: Date.now() + ttlMs }),
        };
      } else {
        token = credentials.token!;
        const claims = readTokenClaims(token);
        if (!claims || claims.role !== 'host') {
          void vscode.window.showErrorMessage(
            'Tandem: hosting needs a host token. Create one with `node dist/server.js token --room <room> --role host`.',
          );
          return undefined;
        }
        this.inviter = { serverUrl: connectUrl, room: claims.room, token };
      }
    }
    const sessionRoom = this.inviter.room;
    const session = new CollabSession({
      role: 'host',
      serverUrl: connectUrl,
      room: sessionRoom,
      token,
      name,
      color: participantColor(settings, name),
      WebSocketPolyfill: WebSocket,
      log: (level, message) => log[level](`[collab] ${message}`),
      host: {
        root: folder.fsPath,
        folderName: path.basename(folder.fsPath),
        excludeGlobs: settings.get('collab.exclude'),
        editors: this.hostEditors(folder),
        approve: (change) => approveGuestChange(change, log),
      },
    });
    try {
      await session.start();
    } catch (error) {
      session.dispose();
      await this.server?.close();
      this.server = undefined;
      this.inviter = undefined;
      throw new Error(`could not start the session: ${(error as Error).message}`);
    }
    this.room = sessionRoom;
    this.activate(session, sessionRoom, folder);
    const link = await this.inviteLink('rw', false);
    log.info(`[collab] hosting ${folder.fsPath} as room ${sessionRoom}`);
    return link;
  }

  private async joinWith(
    invite: Invite,
    link: string,
    readOnly: boolean,
    options: JoinOptions,
  ): Promise<boolean> {
    const { settings, log } = this.deps;
    const name = participantName(settings);
    const snapshotFile = this.snapshotFile(invite.room);
    let restoredState: Uint8Array | undefined;
    try {
      if (fs.existsSync(snapshotFile)) restoredState = fs.readFileSync(snapshotFile);
    } catch {
      restoredState = undefined;
    }
    // A join that makes the window a workspace reloads it: it draws the window's seat, which the
    // extension hosts rejoining that workspace from the record claim too (see watchForReplacement).
    // The first rejoin names the workspace; a rejoin elsewhere (another window that joined the same
    // room) keeps the record's seat as it is and claims none.
    const reloads = options.addFolder !== false && vscode.workspace.workspaceFile === undefined;
    const here = vscode.workspace.workspaceFile?.toString();
    const earlier = this.rejoinRecords.get(invite.room);
    const sameLink = options.addFolder === false && earlier?.link === link && earlier.seat !== undefined;
    const seatRecord: { seat?: string; workspace?: string } = reloads
      ? { seat: newSeat() }
      : sameLink
        ? { seat: earlier.seat, workspace: earlier.workspace ?? here }
        : {};
    const seat = reloads || (sameLink && seatRecord.workspace === here) ? seatRecord.seat : undefined;
    const session = new CollabSession({
      role: 'guest',
      serverUrl: invite.serverUrl,
      room: invite.room,
      token: invite.token,
      readOnly,
      seat,
      name,
      color: participantColor(settings, name),
      WebSocketPolyfill: WebSocket,
      restoredState,
      log: (level, message) => log[level](`[collab] ${message}`),
    });
    try {
      await session.start();
    } catch (error) {
      const state = session.connection.state;
      session.dispose();
      const message =
        state === 'expired'
          ? `the invite link expired or is not valid for this server (${session.connection.closeInfo?.reason ?? 'refused'}). Ask the host for a new link.`
          : state === 'refused'
            ? `the server refused to join: ${session.connection.closeInfo?.reason ?? 'not allowed'}.`
            : `could not reach the session server at ${invite.serverUrl} (${(error as Error).message}). Check that the host is still sharing and that this address is reachable from here.`;
      void vscode.window.showErrorMessage(`Tandem: ${message}`);
      return false;
    }
    if (restoredState) log.info(`[collab] merged edits kept from an earlier visit to this session`);
    this.room = invite.room;
    this.rejoinRecords.remember(invite.room, link, seatRecord);
    this.continuedElsewhere.delete(invite.room);
    this.activate(session, invite.room, undefined, snapshotFile);
    const meta = session.document.readMeta();
    if (options.addFolder !== false)
      this.addSessionFolder(invite.room, meta?.hostName ?? 'host', meta?.folderName ?? 'shared');
    void vscode.window.showInformationMessage(
      `Tandem: joined ${meta?.hostName ?? 'the host'}'s session${readOnly ? ' (read-only)' : ''}. The shared folder "${meta?.folderName ?? ''}" is in the Explorer.`,
    );
    if (seat !== undefined) this.watchForReplacement(invite.room, seat, reloads);
    return true;
  }

  private activate(session: CollabSession, room: string, root?: vscode.Uri, snapshotFile?: string): void {
    this.active = new ActiveSession({
      session,
      root,
      room,
      fileSystem: this.deps.fileSystem,
      participantsView: this.deps.participantsView,
      log: this.deps.log,
      nameTags: () => this.deps.settings.get('collab.nameTags'),
      snapshotFile,
      saveCopy: async () => void (await this.saveCopy()),
      sessionTrust: this.deps.sessionTrust,
      modelExclude: {
        current: () => this.deps.settings.get('trust.excludeGlobs'),
        onChange: (listener) => this.deps.settings.watch(['trust.excludeGlobs'], listener),
      },
    });
    this.activeChanged.fire(this.active);
  }

  /** The host's open editors, as the host side of the shared folder sees them. */
  private hostEditors(folder: vscode.Uri) {
    const find = (relative: string) => {
      const uri = vscode.Uri.joinPath(folder, ...relative.split('/')).toString();
      return vscode.workspace.textDocuments.find((document) => document.uri.toString() === uri);
    };
    return {
      text: (relative: string) => {
        const document = find(relative);
        if (!document) return undefined;
        return {
          text: document.getText(),
          eol: document.eol === vscode.EndOfLine.CRLF ? ('\r\n' as const) : ('\n' as const),
        };
      },
      save: async (relative: string) => {
        const document = find(relative);
        if (!document) return false;
        await this.active?.bindings.bindingFor(document.uri)?.whenIdle();
        return document.save();
      },
    };
  }

  private async guard<T>(run: () => Promise<T>): Promise<T | undefined> {
    if (this.pending) {
      void vscode.window.showInformationMessage('Tandem: a session is already starting.');
      return undefined;
    }
    const promise = run();
    this.pending = promise;
    try {
      return await promise;
    } catch (error) {
      this.deps.log.error(`[collab] ${String(error)}`);
      void vscode.window.showErrorMessage(`Tandem: ${(error as Error).message}`);
      return undefined;
    } finally {
      this.pending = undefined;
    }
  }

  private async readyForNewSession(interactive: boolean): Promise<boolean> {
    if (!this.active) return true;
    if (!interactive) return this.leave(false);
    const choice = await vscode.window.showWarningMessage(
      'Tandem: you are already in a shared session. Leave it first?',
      { modal: true },
      'Leave and Continue',
    );
    return choice === 'Leave and Continue' && (await this.leave(true));
  }

  private async pickFolder(interactive: boolean): Promise<vscode.Uri | undefined> {
    const folders = (vscode.workspace.workspaceFolders ?? []).filter(
      (folder) => folder.uri.scheme === 'file',
    );
    if (folders.length === 0) {
      if (interactive)
        void vscode.window.showErrorMessage(
          'Tandem: open a folder first; a shared session shares a workspace folder.',
        );
      return undefined;
    }
    if (folders.length === 1 || !interactive) return folders[0].uri;
    const pick = await vscode.window.showWorkspaceFolderPick({
      placeHolder: 'Which folder do you want to share?',
    });
    return pick?.uri;
  }

  private async askForLink(): Promise<string | undefined> {
    const clipboard = (await vscode.env.clipboard.readText()).trim();
    let prefill = '';
    try {
      parseInviteLink(clipboard);
      prefill = clipboard;
    } catch {
      prefill = '';
    }
    return vscode.window.showInputBox({
      title: 'Tandem: Join Shared Session',
      prompt: 'Paste the invite link the host copied with "Tandem: Copy Invite Link"',
      placeHolder: 'vscode://tandem.tandem/join?server=…&room=…&token=…',
      value: prefill,
      ignoreFocusOut: true,
      validateInput: (value) => {
        try {
          parseInviteLink(value);
          return undefined;
        } catch (error) {
          return (error as Error).message;
        }
      },
    });
  }

  /**
   * Adding the session's folder to a window that is not yet a workspace makes it one: this extension
   * host is replaced by a new one, which joins again by itself (and that one may be replaced once more
   * when the reloaded page lost its folders). The web workbench may keep a replaced one running a
   * while, and its connection then counts as one more participant (CI saw one for over 90 s, twice).
   * So, for SEAT_WATCH_MS after joining, this extension host leaves the session (for itself only) as
   * soon as another claims the window's seat later than it did (src/collab/seat); and one whose join
   * reloads the window leaves when it is not told of the new folder within LEFT_BEHIND_MS (one that
   * lives on, as no reload came, is told of it at once).
   */
  private watchForReplacement(room: string, seat: string, reloads: boolean): void {
    const active = this.active;
    if (!active) return;
    const isOurs = (folder: vscode.WorkspaceFolder) =>
      folder.uri.scheme === SESSION_SCHEME && folder.uri.authority === room;
    const watches: vscode.Disposable[] = [];
    const timers: NodeJS.Timeout[] = [];
    const stop = () => {
      for (const timer of timers.splice(0)) clearTimeout(timer);
      for (const watch of watches.splice(0)) watch.dispose();
    };
    const leave = (why: string) => {
      stop();
      if (this.active !== active) return false;
      this.deps.log.info(`[collab] ${why}; this extension host leaves the session`);
      // It does not rejoin by itself either (a file request would): the window's place is another's.
      this.continuedElsewhere.add(room);
      this.active = undefined;
      this.room = undefined;
      this.activeChanged.fire(undefined);
      // Edits made here just before go to the server first (the other window gets them from there);
      // what it does not confirm in time stays in this room's snapshot file (ActiveSession).
      void active.session.connection
        .whenConfirmed(1500)
        .catch(() => undefined)
        .then(() => {
          active.dispose();
          active.session.dispose();
        });
      return true;
    };
    const after = (ms: number, action: () => void) => {
      const timer = setTimeout(action, ms);
      timer.unref();
      timers.push(timer);
      return timer;
    };
    after(SEAT_WATCH_MS, stop);
    if (reloads) {
      const untold = after(LEFT_BEHIND_MS, () => {
        if ((vscode.workspace.workspaceFolders ?? []).some(isOurs)) return;
        leave(
          `the window reloaded into a workspace with the session's folder, and a new extension host joins there`,
        );
      });
      watches.push(
        vscode.workspace.onDidChangeWorkspaceFolders((event) => {
          if (event.added.some(isOurs)) clearTimeout(untold);
        }),
      );
    }
    // This session ending any other way ends the watch too.
    watches.push(
      this.activeChanged.event((now) => {
        if (now !== active) stop();
      }),
    );
    // Last: it may find a later claim at once, and leaving stops everything above.
    watches.push(
      watchForLaterSeatHolder(active.session.connection.awareness, seat, (clientId) => {
        if (!leave(`a later extension host of this window joined the session (as client ${clientId})`))
          return;
        // Seen only where a window is still open on this extension host (another tab, say).
        void vscode.window
          .showInformationMessage(
            'Tandem: this window left the session, which continues in a window of yours that joined it later.',
            'Join Here',
          )
          .then((choice) => {
            // With the link it joined with, or, if that record is gone, the one the user gives.
            if (choice === 'Join Here')
              void this.join(this.rejoinRecords.get(room)?.link, { addFolder: false }, true);
          });
      }),
    );
  }

  private addSessionFolder(room: string, hostName: string, folderName: string): void {
    const uri = vscode.Uri.from({ scheme: SESSION_SCHEME, authority: room, path: '/' });
    const folders = vscode.workspace.workspaceFolders ?? [];
    if (folders.some((folder) => folder.uri.toString() === uri.toString())) return;
    // Added after the existing folders: changing the first folder would restart the extension host.
    vscode.workspace.updateWorkspaceFolders(folders.length, 0, {
      uri,
      name: `${folderName} (${hostName}, Tandem)`,
    });
  }

  private removeSessionFolder(room: string): void {
    const folders = vscode.workspace.workspaceFolders ?? [];
    const index = folders.findIndex(
      (folder) => folder.uri.scheme === SESSION_SCHEME && folder.uri.authority === room,
    );
    if (index >= 0) vscode.workspace.updateWorkspaceFolders(index, 1);
  }

  private snapshotFile(room: string): string {
    return path.join(
      this.deps.context.globalStorageUri.fsPath,
      'sessions',
      `${room.replace(/[^a-zA-Z0-9_-]/g, '_')}.ydoc`,
    );
  }
}

/** For a server Tandem does not run: its secret (Tandem signs tokens) or a host token. */
async function askServerCredentials(
  serverUrl: string,
): Promise<{ secret?: string; token?: string } | undefined> {
  const pick = await vscode.window.showQuickPick(
    [
      {
        label: 'Enter the server’s secret',
        description: 'TANDEM_SECRET: Tandem signs tokens for you and your guests',
        via: 'secret' as const,
      },
      {
        label: 'Paste a host token',
        description: 'from `node dist/server.js token --role host`',
        via: 'token' as const,
      },
    ],
    {
      title: `Tandem: session on ${serverUrl}`,
      placeHolder: 'How should Tandem get tokens for this server?',
    },
  );
  if (!pick) return undefined;
  const value = await vscode.window.showInputBox({
    title: `Tandem: ${pick.label}`,
    password: true,
    ignoreFocusOut: true,
    prompt: pick.via === 'secret' ? `The TANDEM_SECRET of ${serverUrl}` : `A host token for ${serverUrl}`,
    validateInput: (text) => (text.trim().length === 0 ? 'Required' : undefined),
  });
  if (!value) return undefined;
  return pick.via === 'secret' ? { secret: value.trim() } : { token: value.trim() };
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
