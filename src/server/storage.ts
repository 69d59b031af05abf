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

/** Where a room's stored log ended when it was read to be folded (see `RoomStore.foldable`). */
export interface FoldMark {
  /** Changes whenever the room's snapshot is replaced or the room removed or created. */
  readonly generation: number;
  /** Log entries up to here (SQLite: a sequence number; memory: a count) are in the fold. */
  readonly upTo: number;
}

/** A room's stored state, to be folded into one snapshot away from the event loop. */
export interface FoldableRoom extends StoredRoom {
  readonly mark: FoldMark;
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
  /** The room's snapshot and log as stored now, with a mark for `compactUpTo`; undefined if no room. */
  foldable(room: string): FoldableRoom | undefined;
  /**
   * Replaces the snapshot with `state`, the fold of what `foldable` gave with `mark`, and drops the
   * log up to the mark: what was logged since stays. Returns false, changing nothing, when the
   * snapshot was replaced (or the room removed) since the mark was taken.
   */
  compactUpTo(room: string, state: Uint8Array, mark: FoldMark): boolean;
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

let generations = 0;
/** A fresh generation for a room whose snapshot changed (unique in the process). */
export function nextGeneration(): number {
  return ++generations;
}

/** Rooms kept in this process only: they survive unloading, not a restart. */
export class MemoryRoomStore implements RoomStore {
  readonly durable = false;
  private readonly rooms = new Map<
    string,
    { snapshot: Uint8Array; log: Uint8Array[]; logBytes: number; usedAt: number; generation: number }
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
    this.rooms.set(room, {
      snapshot: initialState,
      log: [],
      logBytes: 0,
      usedAt: Date.now(),
      generation: nextGeneration(),
    });
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
    stored.generation = nextGeneration();
  }

  foldable(room: string): FoldableRoom | undefined {
    const stored = this.rooms.get(room);
    const loaded = this.load(room);
    if (!stored || !loaded) return undefined;
    return { ...loaded, mark: { generation: stored.generation, upTo: loaded.logCount } };
  }

  compactUpTo(room: string, state: Uint8Array, mark: FoldMark): boolean {
    const stored = this.rooms.get(room);
    if (!stored || stored.generation !== mark.generation) return false;
    stored.snapshot = state;
    stored.log = stored.log.slice(mark.upTo);
    stored.logBytes = stored.log.reduce((sum, update) => sum + update.byteLength, 0);
    stored.generation = nextGeneration();
    return true;
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
