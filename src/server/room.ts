// One shared document in memory: its Y.Doc and awareness, the connections in it, and what it relays:
// each turn's updates as one merged message (updateBatch.ts stores them in a group commit after).
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import { authorityOf } from './authority';
import type { Compactor } from './compactor';
import type { CollabLimits } from './limits';
import type { CollabLogger } from './log';
import type { ServerMetrics } from './metrics';
import {
  type AwarenessEntry,
  encodeAwareness,
  encodeUpdate,
  readAwarenessEntries,
  writeAwarenessEntries,
} from './protocol';
import { tokenId } from './revocations';
import { REMOTE_ORIGIN, type SharedRoom, type SharedRooms } from './sharedRooms';
import type { FoldableRoom, RoomStore } from './storage';
import { documentDigest } from './syncDigest';
import { type BatchedRoom, relayGroups, type UpdateBatch } from './updateBatch';

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
  /**
   * Folds a stored log into a snapshot on a worker thread (undefined: rooms fold on the event loop).
   * Called when a room needs it: the worker starts on the first fold.
   */
  readonly compactor?: () => Compactor | undefined;
  /** With several instances (--redis): the shared store, fan-out and presence; else the store above. */
  readonly shared?: SharedRooms;
  /** Called when the room leaves memory (idle unload or failure), so the server forgets it. */
  readonly onGone: (room: Room) => void;
}

/** Distinct sync replies a room keeps between two updates. */
const MAX_CACHED_REPLIES = 16;

/** A room past its compaction limit folds its log after this long without an update... */
export const COMPACT_QUIET_MS = 300;
/** ...or at once when its log reaches this many times the limit (a room that is never quiet). */
export const COMPACT_BUSY_FACTOR = 4;

/** Stands for another instance as the announcer of presence it relays here. */
const REMOTE_MEMBER: RoomMember = { relay: () => undefined, close: () => undefined };

export class Room implements BatchedRoom, SharedRoom {
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
  /** A fold on the compactor's worker is in progress (another waits until it is done). */
  private folding = false;
  /** Folds the log once the room has been quiet a moment (see relayTurn). */
  private quietCompaction: NodeJS.Timeout | undefined;
  /** The whole document encoded, kept until the next update: new clients and compaction share it. */
  private fullState: Uint8Array | undefined;
  /** The document's digest (syncDigest.ts), kept until the next update. */
  private digestCache: Uint8Array | undefined;
  /** Sync replies by the state vector they answer, kept until the next update (see missingUpdates). */
  private readonly replies = new Map<string, Uint8Array>();
  /**
   * Bytes the room's stored state takes: the last snapshot plus every update logged since. An upper
   * bound between compactions (a snapshot folds updates smaller); exact right after one.
   */
  private storedBytes = 0;
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
    const { store, metrics, shared } = this.context;
    let created: boolean;
    if (shared) {
      authorityOf(this.doc).acrossInstances = true;
      created = await this.loadShared(shared);
    } else created = await this.loadStored(store);
    this.doc.on('update', this.onDocUpdate);
    this.awareness.on('update', this.onAwarenessUpdate);
    this.isReady = true;
    metrics.roomsLoadedTotal.inc();
    this.context.log({ level: 'debug', msg: 'room loaded', room: this.name, created });
  }

  private async loadShared(shared: SharedRooms): Promise<boolean> {
    const opened = await shared.open(this, async () => {
      // Seeded apart: if another instance creates the room first, this seed is never used.
      const scratch = new Y.Doc();
      try {
        if (this.context.seedRoom) await this.context.seedRoom(this.name, scratch);
        return Y.encodeStateAsUpdate(scratch);
      } finally {
        scratch.destroy();
      }
    });
    if (this.gone) {
      shared.close(this);
      throw new Error(`room "${this.name}" closed while it was being loaded`);
    }
    this.logCount = opened.tail;
    this.logBytes = opened.bytes;
    this.storedBytes = opened.bytes;
    return opened.created;
  }

  private async loadStored(store: RoomStore): Promise<boolean> {
    const stored = store.load(this.name);
    if (stored) {
      Y.transact(this.doc, () => {
        for (const update of stored.updates) Y.applyUpdate(this.doc, update);
      });
      store.touch(this.name);
      this.logCount = stored.logCount;
      this.logBytes = stored.logBytes;
      this.storedBytes = stored.updates.reduce((sum, update) => sum + update.byteLength, 0);
    } else {
      if (this.context.seedRoom) await this.context.seedRoom(this.name, this.doc);
      if (this.gone) throw new Error(`room "${this.name}" closed while it was being seeded`);
      // Creating the room stores the seed: from now on this room is never seeded again.
      const seed = Y.encodeStateAsUpdate(this.doc);
      store.create(this.name, seed);
      this.storedBytes = seed.byteLength;
    }
    return !stored;
  }

  join(member: RoomMember): void {
    this.members.add(member);
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  leave(member: RoomMember): void {
    if (!this.members.delete(member)) return;
    if (this.members.size === 0 && this.context.shared) this.forgetRemotePresence();
    const owned = [...this.awarenessOwner].filter(([, owner]) => owner === member).map(([id]) => id);
    for (const id of owned) this.awarenessOwner.delete(id);
    if (this.isReady && !this.gone && owned.length > 0)
      awarenessProtocol.removeAwarenessStates(this.awareness, owned, null);
    if (this.members.size === 0 && !this.gone) {
      this.idleTimer = setTimeout(() => this.unloadIfIdle(), this.context.limits.idleUnloadMs);
      this.idleTimer.unref();
    }
  }

  /**
   * Applies a document update from a member; the update handler relays it and queues it for storage.
   * Says 'too-large' (and applies nothing) when it would take the stored document past
   * `maxDocumentBytes`, and 'unintegrable' when some of it depends on updates this room never got:
   * that part is dropped, never relayed or stored (the sender still holds it and re-sends it on its
   * next sync, when it may fit).
   */
  applyUpdate(update: Uint8Array, from: RoomMember): 'applied' | 'too-large' | 'unintegrable' {
    const { maxDocumentBytes } = this.context.limits;
    if (this.storedBytes + update.byteLength > maxDocumentBytes) {
      // storedBytes over-counts between compactions: measure exactly before refusing.
      this.compact();
      // A shared room's fold on the worker leaves the count at the traffic since the room loaded (it
      // cannot say what Redis held then): with nothing left to fold, measure the document itself.
      const { shared } = this.context;
      if (shared && this.logCount === 0 && this.storedBytes + update.byteLength > maxDocumentBytes)
        this.storedBytes = this.encodedState().byteLength;
      if (this.storedBytes + update.byteLength > maxDocumentBytes) return 'too-large';
    }
    try {
      Y.applyUpdate(this.doc, update, from);
    } catch (error) {
      // Applying threw half-way (a malformed update): what it left pending must go too.
      this.dropPending();
      throw error;
    }
    return this.dropPending() ? 'unintegrable' : 'applied';
  }

  /**
   * What Yjs could integrate was applied (and went out through the update event); the rest waits
   * for structs that may never come. Keeping it would put it into snapshots and sync replies.
   * Returns whether there was anything to drop.
   */
  private dropPending(): boolean {
    const store = this.doc.store;
    if (store.pendingStructs === null && store.pendingDs === null) return false;
    store.pendingStructs = null;
    store.pendingDs = null;
    this.fullState = undefined;
    this.digestCache = undefined;
    this.replies.clear();
    return true;
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

  /**
   * Updates another instance accepted (it checked them): applied in one transaction, so they go out
   * here as one update event and one relayed message; never published again.
   */
  applyRemote(updates: readonly Uint8Array[]): void {
    if (!this.isReady || this.gone) return;
    Y.transact(
      this.doc,
      () => {
        for (const update of updates) Y.applyUpdate(this.doc, update);
      },
      REMOTE_ORIGIN,
    );
  }

  /**
   * Presence another instance relays. Its client ids become that instance's here (no member here may
   * publish under them) and their tokens' (a reconnect with the token may take them back); an id a
   * member here announced stays this member's (a client that moved here from that instance).
   */
  applyRemoteAwareness(update: Uint8Array, owners: ReadonlyMap<number, string>): void {
    if (!this.isReady || this.gone) return;
    const entries = readAwarenessEntries(update).filter((entry) => {
      const owner = this.awarenessOwner.get(entry.clientId);
      return owner === undefined || owner === REMOTE_MEMBER;
    });
    if (entries.length === 0) return;
    const authority = authorityOf(this.doc);
    for (const entry of entries) {
      if (entry.state === 'null') {
        this.awarenessOwner.delete(entry.clientId);
        authority.forgetRemote(entry.clientId);
        continue;
      }
      this.awarenessOwner.set(entry.clientId, REMOTE_MEMBER);
      const token = owners.get(entry.clientId);
      if (token) authority.recordRemote(entry.clientId, token);
    }
    awarenessProtocol.applyAwarenessUpdate(this.awareness, writeAwarenessEntries(entries), REMOTE_ORIGIN);
  }

  /** Removes presence of another instance's clients (that instance went silent). */
  removeRemoteAwareness(clientIds: readonly number[]): void {
    if (!this.isReady || this.gone) return;
    const ids = clientIds.filter((id) => this.awarenessOwner.get(id) === REMOTE_MEMBER);
    const authority = authorityOf(this.doc);
    for (const id of ids) {
      this.awarenessOwner.delete(id);
      authority.forgetRemote(id);
    }
    if (ids.length > 0) awarenessProtocol.removeAwarenessStates(this.awareness, ids, REMOTE_ORIGIN);
  }

  /** This instance's members' awareness client ids, with their token ids ('' without auth). */
  localAwareness(): Map<number, string> {
    const local = new Map<number, string>();
    for (const [id, owner] of this.awarenessOwner) {
      if (owner === REMOTE_MEMBER || !this.awareness.getStates().has(id)) continue;
      const token = (owner as { identity?: { token?: string } }).identity?.token;
      local.set(id, token ? tokenId(token) : '');
    }
    return local;
  }

  /** No member here any more: other instances' presence is not kept for no one. */
  private forgetRemotePresence(): void {
    const ids = [...this.awarenessOwner].filter(([, owner]) => owner === REMOTE_MEMBER).map(([id]) => id);
    for (const id of ids) this.awarenessOwner.delete(id);
    if (this.isReady && !this.gone && ids.length > 0)
      awarenessProtocol.removeAwarenessStates(this.awareness, ids, REMOTE_ORIGIN);
  }

  /** The document's digest, for verified sync. */
  digest(): Uint8Array {
    this.digestCache ??= documentDigest(this.doc);
    return this.digestCache;
  }

  /** The whole document as one update (a full resync after a digest mismatch). */
  wholeState(): Uint8Array {
    return this.encodedState();
  }

  /** Whether `member` may publish awareness for `clientId` (no other member announced it first). */
  mayPublishAwareness(clientId: number, member: RoomMember): boolean {
    return (this.awarenessOwner.get(clientId) ?? member) === member;
  }

  /**
   * The updates a client with state vector `stateVector` lacks (everything, for a new client). Replies
   * are cached until the document changes, so a client that repeats its sync request costs a lookup,
   * not an encoding of the document (the connection's sync rate limit bounds the distinct ones).
   */
  missingUpdates(stateVector: Uint8Array): Uint8Array {
    // An empty state vector is the single varuint 0.
    if (stateVector.byteLength === 1 && stateVector[0] === 0) return this.encodedState();
    const key = Buffer.from(stateVector.buffer, stateVector.byteOffset, stateVector.byteLength).toString(
      'base64',
    );
    let reply = this.replies.get(key);
    if (!reply) {
      reply = Y.encodeStateAsUpdate(this.doc, stateVector);
      if (this.replies.size >= MAX_CACHED_REPLIES) this.replies.clear();
      this.replies.set(key, reply);
    }
    return reply;
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
    this.digestCache = undefined;
    this.replies.clear();
    this.logCount++;
    this.logBytes += update.byteLength;
    this.storedBytes += update.byteLength;
    // Relayed at the end of this turn of the event loop, stored in the next group commit.
    this.context.batch.add(this, update, origin);
  };

  /**
   * Sends this turn's updates to every member, merged into one message. When one member sent them
   * all, it is left out; when several did, every member gets the one merge (a copy's own updates
   * are no-ops to it), so the work stays one merge per turn however busy the room is.
   */
  relayTurn(updates: readonly Uint8Array[], origins: readonly unknown[]): void {
    if (this.gone) return;
    for (const group of relayGroups(updates, origins)) {
      const message = encodeUpdate(
        group.updates.length === 1 ? group.updates[0] : Y.mergeUpdates(group.updates),
      );
      const senders = new Set(group.origins);
      const skip = senders.size === 1 ? group.origins[0] : undefined;
      let relayed = 0;
      for (const member of this.members) {
        if (member === skip) continue;
        member.relay(message);
        relayed++;
      }
      this.context.metrics.updatesOut.add(relayed);
      this.context.metrics.updatesMerged.add(group.updates.length - 1);
    }
    const { compactAfterUpdates, compactAfterBytes } = this.context.limits;
    if (this.logCount < compactAfterUpdates && this.logBytes < compactAfterBytes) return;
    // Folding encodes the whole document (on the compactor's worker when there is one, else on the
    // event loop, holding every keystroke that arrives meanwhile: 50-170 ms for a room with a few
    // MB of proposals) and writes it: past the limit, it waits for a quiet moment, as after a burst
    // of assistant text; a room never quiet folds at COMPACT_BUSY_FACTOR times the limit anyway.
    if (
      this.logCount >= compactAfterUpdates * COMPACT_BUSY_FACTOR ||
      this.logBytes >= compactAfterBytes * COMPACT_BUSY_FACTOR
    ) {
      this.queueCompaction();
      return;
    }
    clearTimeout(this.quietCompaction);
    this.quietCompaction = setTimeout(() => this.queueCompaction(), COMPACT_QUIET_MS);
  }

  private readonly onAwarenessUpdate = (
    change: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    const changed = [...change.added, ...change.updated, ...change.removed];
    const message = encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed));
    for (const member of this.members) if (member !== origin) member.relay(message);
    const shared = this.context.shared;
    if (shared && origin !== REMOTE_ORIGIN) {
      // Only this instance's own clients' presence is published (never one relayed from elsewhere).
      const own = changed.filter((id) => this.awarenessOwner.get(id) !== REMOTE_MEMBER);
      if (own.length > 0) shared.publishAwareness(this, own);
    }
  };

  private queueCompaction(): void {
    clearTimeout(this.quietCompaction);
    this.quietCompaction = undefined;
    if (this.compactionQueued) return;
    this.compactionQueued = true;
    // After the current message, so relaying never waits for a snapshot to be encoded.
    setImmediate(() => {
      this.compactionQueued = false;
      if (!this.gone && this.isReady) this.compactSoon();
    });
  }

  /**
   * Folds the log into a snapshot, on the compactor's worker when there is one (the event loop only
   * reads the stored log and writes the snapshot), else here and now (`compact`).
   */
  private compactSoon(): void {
    const { shared } = this.context;
    const compactor = this.context.compactor?.();
    if (!compactor || (shared && !shared.compactFolding)) {
      this.compact();
      return;
    }
    if (this.folding) return;
    // The store must hold everything the fold should take in.
    this.context.batch.flush();
    if (this.logCount === 0) return;
    if (compactor.pending > 0) {
      // One fold at a time: this room reads its stored state once the worker is free, so rooms
      // folding together (many unloading at once) never hold all their states in memory at once.
      this.folding = true;
      void compactor.whenIdle().then(() => {
        this.folding = false;
        this.compactSoon();
      });
      return;
    }
    if (shared?.compactFolding) {
      // One instance at a time folds the shared stream (a lease in Redis), from what Redis holds.
      shared.compactFolding(this, (updates) => compactor.fold(updates));
      this.logCount = 0;
      this.logBytes = 0;
      return;
    }
    const { store, metrics, log } = this.context;
    const started = performance.now();
    let foldable: FoldableRoom | undefined;
    try {
      foldable = store.foldable(this.name);
    } catch (error) {
      metrics.storageErrors.inc();
      log({ level: 'error', msg: 'compaction failed', room: this.name, error: String(error) });
      return;
    }
    if (!foldable || foldable.logCount === 0) return;
    // Only the mark and the count stay with the fold: the bytes read go to the worker as copies.
    const { mark, logCount: rows } = foldable;
    // What the room counted up to now is in the store (flushed above), so in the fold.
    const folded = { count: this.logCount, bytes: this.logBytes };
    const readMs = performance.now() - started;
    this.folding = true;
    compactor
      .fold(foldable.updates)
      .then((state) => {
        const writeStarted = performance.now();
        // A snapshot stored meanwhile (a compaction here, the room removed) has this fold's log.
        if (!store.compactUpTo(this.name, state, mark)) return;
        metrics.compactions.inc();
        log({
          level: 'debug',
          msg: 'room compacted',
          room: this.name,
          updates: rows,
          // How long the event loop was held (reading the log, writing the snapshot); the worker's
          // encoding apart.
          ms: Math.round(readMs + performance.now() - writeStarted),
          readMs: Math.round(readMs),
          foldMs: Math.round(writeStarted - started - readMs),
        });
        if (this.gone) return;
        this.logCount = Math.max(0, this.logCount - folded.count);
        this.logBytes = Math.max(0, this.logBytes - folded.bytes);
        this.storedBytes = state.byteLength + this.logBytes;
      })
      .catch((error: Error) => {
        // The log is intact, so nothing is lost; the next trigger tries again.
        if (compactor.closed) return;
        metrics.storageErrors.inc();
        log({ level: 'error', msg: 'compaction failed', room: this.name, error: String(error) });
      })
      .finally(() => (this.folding = false));
  }

  /** Folds the update log into one snapshot of the current document. */
  compact(): void {
    // The log must hold everything before it is replaced: commit what is pending first.
    this.context.batch.flush();
    if (this.logCount === 0 || this.gone) return;
    const { shared } = this.context;
    if (shared) {
      // One instance at a time folds the shared stream (a lease in Redis); whoever does, it is done.
      // One encoding serves the snapshot, the exact stored size and the next new clients' sync.
      const state = this.encodedState();
      shared.compact(this, state);
      this.logCount = 0;
      this.logBytes = 0;
      this.storedBytes = state.byteLength;
      return;
    }
    const started = performance.now();
    const state = this.encodedState();
    try {
      this.context.store.compact(this.name, state);
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
    this.storedBytes = state.byteLength;
  }

  private unloadIfIdle(): void {
    if (this.members.size > 0 || this.gone || !this.isReady) return;
    // Folded on the worker if there is one: the store, not this room, is what the fold changes.
    this.compactSoon();
    this.dispose();
    this.context.metrics.roomsUnloaded.inc();
    this.context.log({ level: 'info', msg: 'idle room unloaded', room: this.name });
  }

  /**
   * Stores a snapshot (now, on the event loop: the server is closing) and leaves memory; a room still
   * loading is abandoned (its seed never stored). Members (if any) must have been closed by the caller.
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
    this.context.shared?.close(this);
    clearTimeout(this.idleTimer);
    clearTimeout(this.quietCompaction);
    this.doc.off('update', this.onDocUpdate);
    this.awareness.off('update', this.onAwarenessUpdate);
    this.awareness.destroy();
    this.doc.destroy();
    this.context.onGone(this);
  }
}
