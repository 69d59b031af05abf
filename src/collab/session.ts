/**
 * One shared session as one participant sees it, without the editor: the Y.Doc, the connection,
 * presence, and the host's or the guest's side of the shared folder. The VS Code adapters
 * (src/collab/vscode/) bind editors, files and views to this.
 */
import * as Y from 'yjs';
import { encodeRemoveParticipant } from '../server/authority';
import { type ConnectionState, SessionConnection } from './connection';
import type { ApproveGuestChange } from './guestBoundary';
import { GuestFiles } from './guestFiles';
import { HostFiles, type OpenDocumentAccess } from './hostFiles';
import { HostTree } from './hostTree';
import { type Participant, participantsOf, type PresenceState } from './presence';
import { seatClaim } from './seat';
import { SessionDocument } from './sessionDocument';

export type SessionRole = 'host' | 'guest';

export interface SessionOptions {
  role: SessionRole;
  serverUrl: string;
  room: string;
  token?: string;
  /** A guest that joined with a read-only link. */
  readOnly?: boolean;
  name: string;
  color: string;
  WebSocketPolyfill?: unknown;
  /** Backoff for reconnecting (defaults 500 ms .. 30 s). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  log?: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;
  /** Host only. */
  host?: {
    root: string;
    folderName: string;
    excludeGlobs: readonly string[];
    editors: OpenDocumentAccess;
    /** Asked before a guest changes VS Code, Git or Tandem configuration on the host's disk. */
    approve?: ApproveGuestChange;
  };
  /** Guest only: updates saved from an earlier visit to this room, merged before connecting. */
  restoredState?: Uint8Array;
  /**
   * Guest only: the seat of the window this participant joins from (src/collab/seat), claimed in its
   * presence so that an extension host the window replaced, if still running, leaves.
   */
  seat?: string;
}

type Listener<T> = (value: T) => void;

export class CollabSession {
  readonly ydoc = new Y.Doc();
  readonly document = new SessionDocument(this.ydoc);
  readonly connection: SessionConnection;
  /** Origin of this participant's edits: what its Y.UndoManagers track. */
  readonly origin = { tandem: 'local edit' };
  readonly hostTree?: HostTree;
  readonly hostFiles?: HostFiles;
  readonly guestFiles?: GuestFiles;
  private readonly participantListeners = new Set<Listener<Participant[]>>();
  private readonly endListeners = new Set<Listener<string>>();
  private readonly wants = new Set<string>();
  private ended: string | undefined;
  private disposed = false;
  private readonly onAwareness = () => this.awarenessChanged();
  private readonly onMeta = () => this.metaChanged();

  constructor(readonly options: SessionOptions) {
    if (options.restoredState) Y.applyUpdate(this.ydoc, options.restoredState, 'tandem-restore');
    this.connection = new SessionConnection({
      serverUrl: options.serverUrl,
      room: options.room,
      token: options.token,
      doc: this.ydoc,
      WebSocketPolyfill: options.WebSocketPolyfill,
      minBackoffMs: options.minBackoffMs,
      maxBackoffMs: options.maxBackoffMs,
      connect: false,
      log: options.log,
    });
    this.setPresence({
      user: { name: options.name, color: options.color },
      role: this.role,
      active: Date.now(),
      ...(options.seat !== undefined
        ? { seat: seatClaim(options.seat, this.ydoc.clientID, Date.now()) }
        : {}),
    });
    this.connection.awareness.on('change', this.onAwareness);
    this.document.meta.observe(this.onMeta);
    if (options.role === 'host') {
      if (!options.host) throw new Error('a host session needs its folder');
      this.hostTree = new HostTree({
        root: options.host.root,
        session: this.document,
        excludeGlobs: options.host.excludeGlobs,
        log: options.log,
      });
      this.hostFiles = new HostFiles({
        session: this.document,
        tree: this.hostTree,
        editors: options.host.editors,
        log: options.log,
        approve: options.host.approve,
        requesterRole: (clientId) => this.roleOf(clientId),
      });
    } else {
      this.guestFiles = new GuestFiles({
        session: this.document,
        readOnly: options.readOnly === true,
        name: options.name,
        want: (path) => this.setWant(path, true),
        unwant: (path) => this.setWant(path, false),
        hostReachable: () => this.hostReachable,
      });
    }
  }

  get role(): 'host' | 'rw' | 'ro' {
    return this.options.role === 'host' ? 'host' : this.options.readOnly ? 'ro' : 'rw';
  }

  /**
   * This participant's name as the server stamps it on their presence: what everyone sees, and what
   * a shared proposal or decision they write must carry.
   */
  get selfName(): string {
    return this.connection.stampedName ?? this.options.name;
  }

  get readOnly(): boolean {
    return this.role === 'ro';
  }

  get state(): ConnectionState {
    return this.connection.state;
  }

  /** Why the session is over, once the host has ended it. */
  get endedReason(): string | undefined {
    return this.ended;
  }

  /** The host is in the session (and it has not ended). */
  get hostReachable(): boolean {
    if (this.ended !== undefined) return false;
    if (this.options.role === 'host') return true;
    return (
      this.connection.state === 'connected' && this.participants().some((p) => p.role === 'host' && !p.self)
    );
  }

  /**
   * Connects and waits for the first sync. The host then describes the session and lists its
   * folder; only after syncing may it seed files (so nothing is ever seeded twice).
   */
  async start(timeoutMs = 15_000): Promise<void> {
    this.connection.connect();
    await this.connection.whenConnected(timeoutMs);
    if (this.options.role === 'host' && this.options.host) {
      this.document.writeMeta(this.options.name, this.options.host.folderName);
      await this.hostTree!.scan();
      this.awarenessChanged();
    } else {
      this.metaChanged();
    }
  }

  /** Everyone in the session; with `assistants`, each assistant at work after whoever asked it. */
  participants(options: { assistants?: boolean } = {}): Participant[] {
    return participantsOf(
      this.connection.awareness.getStates() as Map<number, Record<string, unknown>>,
      this.ydoc.clientID,
      Date.now(),
      options,
    );
  }

  onDidChangeParticipants(listener: Listener<Participant[]>): { dispose(): void } {
    this.participantListeners.add(listener);
    return { dispose: () => this.participantListeners.delete(listener) };
  }

  /** Fires once when the host ends the session (for guests). */
  onDidEnd(listener: Listener<string>): { dispose(): void } {
    this.endListeners.add(listener);
    return { dispose: () => this.endListeners.delete(listener) };
  }

  /** Updates this participant's presence fields (and marks them active). */
  setPresence(fields: Partial<PresenceState>): void {
    if (this.disposed) return;
    const current = (this.connection.awareness.getLocalState() ?? {}) as Partial<PresenceState>;
    this.connection.awareness.setLocalState({ ...current, ...fields });
  }

  /**
   * Leaves the session. The host first marks it ended and waits (briefly) until the server has
   * that, so guests are told rather than left reconnecting.
   */
  async leave(): Promise<void> {
    if (this.disposed) return;
    if (this.options.role === 'host' && this.ended === undefined) {
      this.document.markEnded(`${this.options.name} ended the session`);
      await this.connection.whenConfirmed(3000).catch(() => undefined);
    }
    this.dispose();
  }

  /** The whole document as one update (to keep unsynced edits across a window reload). */
  snapshot(): Uint8Array {
    return Y.encodeStateAsUpdate(this.ydoc);
  }

  /**
   * Host only: asks the server to remove a participant (by awareness client id). The server revokes
   * their token and closes them; false when the request could not be sent.
   */
  removeParticipant(clientId: number): boolean {
    if (this.role !== 'host') return false;
    return this.connection.sendRaw(encodeRemoveParticipant(clientId));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.connection.awareness.off('change', this.onAwareness);
    this.document.meta.unobserve(this.onMeta);
    this.hostFiles?.dispose();
    this.guestFiles?.dispose();
    this.connection.dispose();
    this.participantListeners.clear();
    this.endListeners.clear();
    this.ydoc.destroy();
  }

  /**
   * The role on a Yjs client's presence: the server stamps it from that connection's token, so a
   * client cannot claim more than its invite link gives. Undefined without a presence.
   */
  private roleOf(clientId: number): 'host' | 'rw' | 'ro' | undefined {
    if (clientId === this.ydoc.clientID) return this.role;
    const role = (this.connection.awareness.getStates().get(clientId) as { role?: unknown } | undefined)
      ?.role;
    return role === 'host' || role === 'rw' || role === 'ro' ? role : undefined;
  }

  private setWant(path: string, wanted: boolean): void {
    if (wanted) this.wants.add(path);
    else this.wants.delete(path);
    this.setPresence({ want: [...this.wants] });
  }

  private awarenessChanged(): void {
    if (this.disposed) return;
    const participants = this.participants();
    if (this.hostFiles && this.connection.state === 'connected') {
      // Guests ask for files through presence (read-only guests cannot write requests).
      for (const participant of participants)
        if (!participant.self && Array.isArray(participant.state.want))
          for (const path of participant.state.want.slice(0, 50))
            if (typeof path === 'string') void this.hostFiles.ensureSeeded(path);
    }
    for (const listener of this.participantListeners) listener(participants);
  }

  private metaChanged(): void {
    const ended = this.document.readMeta()?.ended;
    if (!ended || this.ended !== undefined || this.options.role === 'host') return;
    this.ended = ended.reason || 'the host ended the session';
    for (const listener of this.endListeners) listener(this.ended);
  }
}
