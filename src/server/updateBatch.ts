// Relay first, store in a group commit. The document updates a room applies during one turn of the
// event loop are relayed at the end of that turn as one merged message; they are stored in one
// transaction a few milliseconds later (the commit window), together with whatever else arrived.
//
// Why relaying before storing loses nothing: every y-websocket client keeps the updates it made or
// received, and on reconnecting answers the server's state vector with whatever the server lacks. So
// if the server dies between relay and commit, the updates it had relayed are still held by their
// author and by every peer that received them, and come back on the first reconnect. The reliability
// suite (test/reliability) proves it with kill -9 under load.
import type { ServerMetrics } from './metrics';
import { REMOTE_ORIGIN } from './sharedRooms';
import type { RoomStore } from './storage';

export interface BatchedRoom {
  readonly name: string;
  /** Sends the updates applied this turn (in order, with their origins) to the room's members. */
  relayTurn(updates: readonly Uint8Array[], origins: readonly unknown[]): void;
  /** Storing failed: the room must stop serving what it holds in memory. */
  fail(reason: string): void;
}

interface PendingUpdate {
  readonly room: BatchedRoom;
  readonly update: Uint8Array;
}

/**
 * Updates up to this size (keystrokes, small pastes) are relayed before bigger ones of the same
 * turn, merged into one message: a person's keystroke never waits behind a burst of assistant text
 * that happened to arrive in the same turn.
 */
export const SMALL_UPDATE_BYTES = 1024;

export interface RelayGroup {
  readonly updates: Uint8Array[];
  readonly origins: unknown[];
}

/**
 * How one turn's updates are relayed: first the small ones together (one merged message), then each
 * large one on its own, in the order they arrived. Yjs applies updates in any order (an update whose
 * dependencies have not arrived waits in the receiver's pending store), so this reordering is safe.
 */
export function relayGroups(
  updates: readonly Uint8Array[],
  origins: readonly unknown[],
  smallBytes = SMALL_UPDATE_BYTES,
): RelayGroup[] {
  const small: RelayGroup = { updates: [], origins: [] };
  const large: RelayGroup[] = [];
  updates.forEach((update, i) => {
    if (update.length <= smallBytes || updates.length === 1) {
      small.updates.push(update);
      small.origins.push(origins[i]);
    } else large.push({ updates: [update], origins: [origins[i]] });
  });
  return small.updates.length ? [small, ...large] : large;
}

/** Default commit window: long enough to group a busy turn's neighbours, short enough to be "at once". */
export const DEFAULT_COMMIT_WINDOW_MS = 5;

export class UpdateBatch {
  /** Updates to relay at the end of this turn, per room, with their origins. */
  private relayPending = new Map<BatchedRoom, { updates: Uint8Array[]; origins: unknown[] }>();
  private relayScheduled: NodeJS.Immediate | undefined;
  /** Updates relayed (or about to be) and not stored yet, in the order they were applied. */
  private storePending: PendingUpdate[] = [];
  private commitTimer: NodeJS.Timeout | undefined;

  constructor(
    /** Where accepted updates go: the room store, or the other instances' shared store. */
    private readonly store: Pick<RoomStore, 'append'> & { readonly countsStoredUpdates?: boolean },
    private readonly metrics: ServerMetrics,
    private readonly commitWindowMs = DEFAULT_COMMIT_WINDOW_MS,
  ) {}

  add(room: BatchedRoom, update: Uint8Array, origin: unknown): void {
    let turn = this.relayPending.get(room);
    if (!turn) {
      turn = { updates: [], origins: [] };
      this.relayPending.set(room, turn);
    }
    turn.updates.push(update);
    turn.origins.push(origin);
    // setImmediate runs after every socket read of this turn: the relay is that turn's updates.
    this.relayScheduled ??= setImmediate(() => this.relay());
    // Another instance's update is already stored (it came from there): relayed only.
    if (origin === REMOTE_ORIGIN) return;
    this.storePending.push({ room, update });
    // A window of 0 stores with the relay, in the same turn (for a store that only queues: Redis).
    if (this.commitWindowMs > 0) this.commitTimer ??= setTimeout(() => this.commit(), this.commitWindowMs);
  }

  /** Updates applied and not yet stored (what a crash now would leave to the clients to re-send). */
  get unstored(): number {
    return this.storePending.length;
  }

  /** Relays what this turn applied: one merged message per room. */
  relay(): void {
    if (this.relayScheduled !== undefined) clearImmediate(this.relayScheduled);
    this.relayScheduled = undefined;
    if (this.relayPending.size === 0) return;
    const turn = this.relayPending;
    this.relayPending = new Map();
    for (const [room, { updates, origins }] of turn) room.relayTurn(updates, origins);
    if (this.commitWindowMs === 0) this.commit();
  }

  /** Stores every pending update in one transaction. A failure fails the rooms it concerns. */
  commit(): void {
    if (this.commitTimer !== undefined) clearTimeout(this.commitTimer);
    this.commitTimer = undefined;
    if (this.storePending.length === 0) return;
    const batch = this.storePending;
    this.storePending = [];
    const started = performance.now();
    try {
      this.store.append(batch.map(({ room, update }) => ({ room: room.name, update })));
    } catch (error) {
      this.metrics.storageErrors.inc();
      // Their members reconnect to a fresh load of the room and re-send what the store lacks.
      for (const room of new Set(batch.map((entry) => entry.room)))
        room.fail(`storing updates failed: ${(error as Error).message}`);
      return;
    }
    this.metrics.storageWriteSeconds.observe((performance.now() - started) / 1000);
    // A store that only queues (Redis) counts what it stores when the write lands.
    if (!this.store.countsStoredUpdates) this.metrics.storedUpdates.add(batch.length);
  }

  /** Relays and stores everything pending now (before a snapshot, an unload or shutdown). */
  flush(): void {
    this.relay();
    this.commit();
  }

  dispose(): void {
    this.flush();
  }
}
