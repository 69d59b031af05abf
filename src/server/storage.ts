// Where rooms live between loads. A store holds, per room, a snapshot plus a log of the updates
// appended since; `compact` folds the log into a new snapshot. Creating a room is the one moment it
// is seeded, so a room is seeded exactly once in the store's lifetime.

export interface StoredRoom {
  /** The snapshot first, then each logged update in order. */
  readonly updates: Uint8Array[];
  /** Updates logged since the snapshot, and their bytes. */
  readonly logCount: number;
  readonly logBytes: number;
}

export interface StoredUpdate {
  readonly room: string;
  readonly update: Uint8Array;
}

export interface RoomStore {
  /** Whether the store outlives the process. */
  readonly durable: boolean;
  /** The stored state of a room, or undefined when it was never created. */
  load(room: string): StoredRoom | undefined;
  /** Creates a room with its initial (seed) state; throws if it already exists. */
  create(room: string, initialState: Uint8Array): void;
  /** Appends updates to their rooms' logs, all or none; once it returns, they are stored. */
  append(updates: readonly StoredUpdate[]): void;
  /** Replaces the room's snapshot and log with one state that contains both. */
  compact(room: string, state: Uint8Array): void;
  /** Removes a room and everything stored for it; false when there was no such room. */
  delete(room: string): boolean;
  /** Every stored room, with its size and when it was last loaded or written (ms since the epoch). */
  list(): StoredRoomInfo[];
  /** Marks a room as used now (it was loaded), so idle deletion spares it. */
  touch(room: string): void;
  close(): void;
}

export interface StoredRoomInfo {
  readonly name: string;
  readonly bytes: number;
  readonly updates: number;
  readonly usedAt: number;
}

/** Rooms kept in this process only: they survive unloading, not a restart. */
export class MemoryRoomStore implements RoomStore {
  readonly durable = false;
  private readonly rooms = new Map<
    string,
    { snapshot: Uint8Array; log: Uint8Array[]; logBytes: number; usedAt: number }
  >();

  load(room: string): StoredRoom | undefined {
    const stored = this.rooms.get(room);
    if (!stored) return undefined;
    return {
      updates: [stored.snapshot, ...stored.log],
      logCount: stored.log.length,
      logBytes: stored.logBytes,
    };
  }

  create(room: string, initialState: Uint8Array): void {
    if (this.rooms.has(room)) throw new Error(`room "${room}" already exists`);
    this.rooms.set(room, { snapshot: initialState, log: [], logBytes: 0, usedAt: Date.now() });
  }

  append(updates: readonly StoredUpdate[]): void {
    for (const { room } of updates)
      if (!this.rooms.has(room)) throw new Error(`room "${room}" was never created`);
    for (const { room, update } of updates) {
      const stored = this.rooms.get(room) as { log: Uint8Array[]; logBytes: number; usedAt: number };
      stored.log.push(update);
      stored.logBytes += update.byteLength;
      stored.usedAt = Date.now();
    }
  }

  compact(room: string, state: Uint8Array): void {
    const stored = this.rooms.get(room);
    if (!stored) throw new Error(`room "${room}" was never created`);
    stored.snapshot = state;
    stored.log = [];
    stored.logBytes = 0;
    stored.usedAt = Date.now();
  }

  delete(room: string): boolean {
    return this.rooms.delete(room);
  }

  list(): StoredRoomInfo[] {
    return [...this.rooms].map(([name, stored]) => ({
      name,
      bytes: stored.snapshot.byteLength + stored.logBytes,
      updates: stored.log.length,
      usedAt: stored.usedAt,
    }));
  }

  touch(room: string): void {
    const stored = this.rooms.get(room);
    if (stored) stored.usedAt = Date.now();
  }

  close(): void {
    this.rooms.clear();
  }
}
