// Document updates applied during one turn of the event loop are stored in one transaction at the
// end of that turn, and only then relayed. One commit per turn instead of one per update keeps the
// cost of durability flat when many clients type at once, and nothing leaves before it is stored.
import type { ServerMetrics } from './metrics';
import type { RoomStore } from './storage';

export interface BatchedRoom {
  readonly name: string;
  /** Sends an update, now stored, to every member but its origin. */
  relayStored(update: Uint8Array, origin: unknown): void;
  /** Storing failed: the room must stop serving what it holds in memory. */
  fail(reason: string): void;
}

interface PendingUpdate {
  readonly room: BatchedRoom;
  readonly update: Uint8Array;
  readonly origin: unknown;
}

export class UpdateBatch {
  private pending: PendingUpdate[] = [];
  private scheduled: NodeJS.Immediate | undefined;

  constructor(
    private readonly store: RoomStore,
    private readonly metrics: ServerMetrics,
  ) {}

  add(room: BatchedRoom, update: Uint8Array, origin: unknown): void {
    this.pending.push({ room, update, origin });
    // setImmediate runs after every socket read of this turn: the batch is that turn's updates.
    this.scheduled ??= setImmediate(() => this.flush());
  }

  /**
   * Stores and relays what is pending now. Called at the end of the turn, and before anything reads
   * a document's state for a client (a sync reply) or a snapshot, so neither ever holds an update
   * that is not stored yet.
   */
  flush(): void {
    if (this.scheduled !== undefined) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    const started = performance.now();
    try {
      this.store.append(batch.map(({ room, update }) => ({ room: room.name, update })));
    } catch (error) {
      this.metrics.storageErrors.inc();
      for (const room of new Set(batch.map((entry) => entry.room)))
        room.fail(`storing updates failed: ${(error as Error).message}`);
      return;
    }
    this.metrics.storageWriteSeconds.observe((performance.now() - started) / 1000);
    this.metrics.storedUpdates.add(batch.length);
    for (const { room, update, origin } of batch) room.relayStored(update, origin);
  }

  dispose(): void {
    this.flush();
  }
}
