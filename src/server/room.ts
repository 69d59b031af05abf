// One shared document in memory: its Y.Doc and awareness, the connections in it, and the rule that
// an update is stored before any peer receives it.
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import type { CollabLimits } from './limits';
import type { CollabLogger } from './log';
import type { ServerMetrics } from './metrics';
import { type AwarenessEntry, encodeAwareness, encodeUpdate, writeAwarenessEntries } from './protocol';
import type { RoomStore } from './storage';
import type { BatchedRoom, UpdateBatch } from './updateBatch';

/** What a room needs from a connection in it. */
export interface RoomMember {
  /** Sends a relayed message; the member decides whether it is too far behind to take it. */
  relay(message: Uint8Array): void;
  close(code: number, reason: string): void;
}

/** Fills a new room's document; runs once per room, ever (per store). */
export type RoomSeeder = (room: string, doc: Y.Doc) => void | Promise<void>;

export interface RoomContext {
  readonly store: RoomStore;
  readonly batch: UpdateBatch;
  readonly limits: CollabLimits;
  readonly metrics: ServerMetrics;
  readonly log: CollabLogger;
  readonly seedRoom?: RoomSeeder;
  /** Called when the room leaves memory (idle unload or failure), so the server forgets it. */
  readonly onGone: (room: Room) => void;
}

export class Room implements BatchedRoom {
  readonly doc = new Y.Doc();
  readonly awareness = new awarenessProtocol.Awareness(this.doc);
  readonly members = new Set<RoomMember>();
  /** Resolves when the stored state is loaded (or the room seeded); rejects if that failed. */
  readonly ready: Promise<void>;
  private isReady = false;
  private gone = false;
  private logCount = 0;
  private logBytes = 0;
  private compactionQueued = false;
  /** The whole document encoded, kept until the next update: new clients and compaction share it. */
  private fullState: Uint8Array | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  /** Awareness client ids each member announced: they are removed when it leaves. */
  private readonly awarenessOwner = new Map<number, RoomMember>();

  constructor(
    readonly name: string,
    private readonly context: RoomContext,
  ) {
    // The server takes part in awareness only as a relay.
    this.awareness.setLocalState(null);
    this.ready = this.load().catch((error: Error) => {
      // Nothing was stored (creation is the last step), so the next connection starts afresh.
      if (!this.gone) this.dispose();
      throw error;
    });
    this.ready.catch(() => undefined);
  }

  get loaded(): boolean {
    return this.isReady && !this.gone;
  }

  private async load(): Promise<void> {
    const { store, metrics } = this.context;
    const stored = store.load(this.name);
    if (stored) {
      Y.transact(this.doc, () => {
        for (const update of stored.updates) Y.applyUpdate(this.doc, update);
      });
      this.logCount = stored.logCount;
      this.logBytes = stored.logBytes;
    } else {
      if (this.context.seedRoom) await this.context.seedRoom(this.name, this.doc);
      if (this.gone) throw new Error(`room "${this.name}" closed while it was being seeded`);
      // Creating the room stores the seed: from now on this room is never seeded again.
      store.create(this.name, Y.encodeStateAsUpdate(this.doc));
    }
    this.doc.on('update', this.onDocUpdate);
    this.awareness.on('update', this.onAwarenessUpdate);
    this.isReady = true;
    metrics.roomsLoadedTotal.inc();
    this.context.log({ level: 'debug', msg: 'room loaded', room: this.name, created: !stored });
  }

  join(member: RoomMember): void {
    this.members.add(member);
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  leave(member: RoomMember): void {
    if (!this.members.delete(member)) return;
    const owned = [...this.awarenessOwner].filter(([, owner]) => owner === member).map(([id]) => id);
    for (const id of owned) this.awarenessOwner.delete(id);
    if (this.isReady && !this.gone && owned.length > 0)
      awarenessProtocol.removeAwarenessStates(this.awareness, owned, null);
    if (this.members.size === 0 && !this.gone) {
      this.idleTimer = setTimeout(() => this.unloadIfIdle(), this.context.limits.idleUnloadMs);
      this.idleTimer.unref();
    }
  }

  /** Applies a document update from a member; the update handler stores it, then relays it. */
  applyUpdate(update: Uint8Array, from: RoomMember): void {
    Y.applyUpdate(this.doc, update, from);
  }

  /**
   * Applies an awareness update from a member, keeping only the client ids that are its own (an id
   * first announced by another member stays that member's, so no one can move or erase another's
   * cursor). Returns false when nothing was left to apply.
   */
  applyAwareness(entries: readonly AwarenessEntry[], from: RoomMember): boolean {
    const allowed = entries.filter((entry) => (this.awarenessOwner.get(entry.clientId) ?? from) === from);
    if (allowed.length === 0) return false;
    for (const entry of allowed) this.awarenessOwner.set(entry.clientId, from);
    awarenessProtocol.applyAwarenessUpdate(this.awareness, writeAwarenessEntries(allowed), from);
    return true;
  }

  /** The updates a client with state vector `stateVector` lacks (everything, for a new client). */
  missingUpdates(stateVector: Uint8Array): Uint8Array {
    // What a client is sent must be stored first.
    this.context.batch.flush();
    // An empty state vector is the single varuint 0.
    if (stateVector.byteLength === 1 && stateVector[0] === 0) return this.encodedState();
    return Y.encodeStateAsUpdate(this.doc, stateVector);
  }

  private encodedState(): Uint8Array {
    this.fullState ??= Y.encodeStateAsUpdate(this.doc);
    return this.fullState;
  }

  /** Every awareness state, as one message (for a member that just joined or asked). */
  awarenessSnapshot(): Uint8Array | undefined {
    const ids = [...this.awareness.getStates().keys()];
    if (ids.length === 0) return undefined;
    return encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, ids));
  }

  private readonly onDocUpdate = (update: Uint8Array, origin: unknown): void => {
    this.fullState = undefined;
    this.logCount++;
    this.logBytes += update.byteLength;
    // Stored at the end of this turn of the event loop; relayed only once stored (relayStored).
    this.context.batch.add(this, update, origin);
  };

  relayStored(update: Uint8Array, origin: unknown): void {
    if (this.gone) return;
    const message = encodeUpdate(update);
    let relayed = 0;
    for (const member of this.members) {
      if (member === origin) continue;
      member.relay(message);
      relayed++;
    }
    this.context.metrics.updatesOut.add(relayed);
    const { compactAfterUpdates, compactAfterBytes } = this.context.limits;
    if (this.logCount >= compactAfterUpdates || this.logBytes >= compactAfterBytes) this.queueCompaction();
  }

  private readonly onAwarenessUpdate = (
    change: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    const changed = [...change.added, ...change.updated, ...change.removed];
    const message = encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed));
    for (const member of this.members) if (member !== origin) member.relay(message);
  };

  private queueCompaction(): void {
    if (this.compactionQueued) return;
    this.compactionQueued = true;
    // After the current message, so relaying never waits for a snapshot to be encoded.
    setImmediate(() => {
      this.compactionQueued = false;
      if (!this.gone && this.isReady) this.compact();
    });
  }

  /** Folds the update log into one snapshot of the current document. */
  compact(): void {
    this.context.batch.flush();
    if (this.logCount === 0 || this.gone) return;
    const started = performance.now();
    try {
      this.context.store.compact(this.name, this.encodedState());
    } catch (error) {
      // The log is still intact, so nothing is lost; the next trigger tries again.
      this.context.metrics.storageErrors.inc();
      this.context.log({ level: 'error', msg: 'compaction failed', room: this.name, error: String(error) });
      return;
    }
    this.context.metrics.compactions.inc();
    this.context.log({
      level: 'debug',
      msg: 'room compacted',
      room: this.name,
      updates: this.logCount,
      ms: Math.round(performance.now() - started),
    });
    this.logCount = 0;
    this.logBytes = 0;
  }

  private unloadIfIdle(): void {
    if (this.members.size > 0 || this.gone || !this.isReady) return;
    this.unload();
    this.context.metrics.roomsUnloaded.inc();
    this.context.log({ level: 'info', msg: 'idle room unloaded', room: this.name });
  }

  /**
   * Stores a snapshot and leaves memory; a room still loading is abandoned (its seed never stored).
   * Members (if any) must have been closed by the caller.
   */
  unload(): void {
    if (this.gone) return;
    if (this.isReady) this.compact();
    this.dispose();
  }

  /**
   * Storage failed: the document in memory holds an update the store does not, so it must not be
   * served. Close every member (they reconnect and re-send what they have) and drop the room.
   */
  fail(reason: string): void {
    if (this.gone) return;
    this.context.log({ level: 'error', msg: 'room failed', room: this.name, reason });
    this.dispose();
    for (const member of [...this.members]) member.close(1011, 'storage failed, reconnect');
  }

  private dispose(): void {
    this.gone = true;
    clearTimeout(this.idleTimer);
    this.doc.off('update', this.onDocUpdate);
    this.awareness.off('update', this.onAwarenessUpdate);
    this.awareness.destroy();
    this.doc.destroy();
    this.context.onGone(this);
  }
}
