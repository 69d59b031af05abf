// The durable store of the standalone server: one SQLite file (better-sqlite3) in the data
// directory. better-sqlite3 is a native module, so it is required lazily here and only when a data
// directory is given: the extension bundle never loads it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import {
  type FoldableRoom,
  type FoldMark,
  nextGeneration,
  type RoomStore,
  type StoredRoom,
  type StoredRoomInfo,
  type StoredUpdate,
} from './storage';

export const DATABASE_FILE = 'tandem-rooms.sqlite';

/**
 * How hard a commit is pushed to disk. 'normal' (WAL + synchronous=NORMAL): a commit survives the
 * server process being killed (the OS holds it); an OS crash or power loss may take the last commits,
 * which the clients still hold and re-send. 'full': every commit is fsynced too (slower commits).
 */
export type Durability = 'normal' | 'full';

export class SqliteRoomStore implements RoomStore {
  readonly durable = true;
  private readonly db: BetterSqlite3.Database;
  private readonly statements: {
    room: BetterSqlite3.Statement<[string], { snapshot: Buffer }>;
    log: BetterSqlite3.Statement<[string], { seq: number; data: Buffer }>;
    lastSeq: BetterSqlite3.Statement<[string], { seq: number | null }>;
    create: BetterSqlite3.Statement<[string, Buffer, number, number]>;
    append: BetterSqlite3.Statement<[string, number, Buffer]>;
    setSnapshot: BetterSqlite3.Statement<[Buffer, number, string]>;
    clearLog: BetterSqlite3.Statement<[string]>;
    clearLogUpTo: BetterSqlite3.Statement<[string, number]>;
    touch: BetterSqlite3.Statement<[number, string]>;
    deleteRoom: BetterSqlite3.Statement<[string]>;
    forgetUse: BetterSqlite3.Statement<[string]>;
    list: BetterSqlite3.Statement<
      [],
      { name: string; snapshot_bytes: number; log_bytes: number | null; updates: number; used_at: number }
    >;
  };
  private readonly deleteTransaction: (room: string) => boolean;
  private readonly compactTransaction: (room: string, state: Buffer) => void;
  private readonly compactUpToTransaction: (room: string, state: Buffer, upTo: number) => void;
  /** Each room's snapshot generation (see FoldMark), from the first time this store reads it. */
  private readonly generations = new Map<string, number>();
  private readonly appendTransaction: (updates: readonly StoredUpdate[]) => void;
  /** The next log sequence number of each room this store has touched. */
  private readonly nextSeq = new Map<string, number>();

  constructor(
    readonly dataDir: string,
    durability: Durability = 'normal',
  ) {
    fs.mkdirSync(dataDir, { recursive: true });
    const file = path.join(dataDir, DATABASE_FILE);
    let Database: typeof BetterSqlite3;
    try {
      Database = require('better-sqlite3');
    } catch (error) {
      throw new Error(
        `--data needs the better-sqlite3 module, which failed to load (${(error as Error).message}); run npm install next to dist/server.js`,
      );
    }
    this.db = new Database(file, { timeout: 200 });
    try {
      // WAL keeps each commit to an append; see Durability for the sync level. The exclusive lock
      // stops a second server from serving the same rooms from the same file.
      this.db.pragma('locking_mode = EXCLUSIVE');
      this.db.pragma('journal_mode = WAL');
      this.db.pragma(durability === 'full' ? 'synchronous = FULL' : 'synchronous = NORMAL');
      this.db.pragma('foreign_keys = ON');
      this.db.exec(`
        CREATE TABLE IF NOT EXISTS rooms (
          name TEXT PRIMARY KEY,
          snapshot BLOB NOT NULL,
          created_at INTEGER NOT NULL,
          compacted_at INTEGER NOT NULL
        );
        -- Keyed by (room, seq) without a rowid: one B-tree to write per update, not two.
        CREATE TABLE IF NOT EXISTS updates (
          room TEXT NOT NULL REFERENCES rooms (name),
          seq INTEGER NOT NULL,
          data BLOB NOT NULL,
          PRIMARY KEY (room, seq)
        ) WITHOUT ROWID;
        -- When each room was last used, apart from its snapshot: SQLite rewrites a whole row to change
        -- one column, so a use time beside a snapshot of megabytes made every commit copy it.
        CREATE TABLE IF NOT EXISTS room_use (
          name TEXT PRIMARY KEY REFERENCES rooms (name),
          used_at INTEGER NOT NULL
        ) WITHOUT ROWID;
      `);
      // Stores made before idle deletion existed lack the column that tells when a room was used.
      const columns = this.db.pragma('table_info(rooms)') as { name: string }[];
      if (!columns.some((column) => column.name === 'used_at')) {
        this.db.exec('ALTER TABLE rooms ADD COLUMN used_at INTEGER NOT NULL DEFAULT 0');
        this.db.exec('UPDATE rooms SET used_at = MAX(created_at, compacted_at)');
      }
      // Writing takes the exclusive lock now rather than on the first update.
      this.db.exec('BEGIN IMMEDIATE; COMMIT;');
    } catch (error) {
      this.db.close();
      if ((error as { code?: string }).code === 'SQLITE_BUSY')
        throw new Error(
          `the data directory ${dataDir} is in use by another Tandem server; stop it or use another --data directory`,
        );
      throw error;
    }
    this.statements = {
      room: this.db.prepare('SELECT snapshot FROM rooms WHERE name = ?'),
      log: this.db.prepare('SELECT seq, data FROM updates WHERE room = ? ORDER BY seq'),
      lastSeq: this.db.prepare('SELECT MAX(seq) AS seq FROM updates WHERE room = ?'),
      create: this.db.prepare(
        'INSERT INTO rooms (name, snapshot, created_at, compacted_at, used_at) VALUES (?, ?, ?, 0, ?)',
      ),
      append: this.db.prepare('INSERT INTO updates (room, seq, data) VALUES (?, ?, ?)'),
      setSnapshot: this.db.prepare('UPDATE rooms SET snapshot = ?, compacted_at = ? WHERE name = ?'),
      clearLog: this.db.prepare('DELETE FROM updates WHERE room = ?'),
      clearLogUpTo: this.db.prepare('DELETE FROM updates WHERE room = ? AND seq <= ?'),
      touch: this.db.prepare(
        'INSERT INTO room_use (used_at, name) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET used_at = excluded.used_at',
      ),
      deleteRoom: this.db.prepare('DELETE FROM rooms WHERE name = ?'),
      forgetUse: this.db.prepare('DELETE FROM room_use WHERE name = ?'),
      // rooms.used_at: the creation time, or the last use recorded before room_use existed.
      list: this.db.prepare(`
        SELECT r.name, length(r.snapshot) AS snapshot_bytes,
          MAX(r.used_at, COALESCE((SELECT u.used_at FROM room_use u WHERE u.name = r.name), 0)) AS used_at,
          (SELECT SUM(length(u.data)) FROM updates u WHERE u.room = r.name) AS log_bytes,
          (SELECT COUNT(*) FROM updates u WHERE u.room = r.name) AS updates
        FROM rooms r ORDER BY r.name`),
    };
    this.appendTransaction = this.db.transaction((updates: readonly StoredUpdate[]) => {
      const rooms = new Set<string>();
      for (const { room, update } of updates) {
        const seq = this.nextSeq.get(room) ?? (this.statements.lastSeq.get(room)?.seq ?? -1) + 1;
        this.statements.append.run(room, seq, toBuffer(update));
        this.nextSeq.set(room, seq + 1);
        rooms.add(room);
      }
      const now = Date.now();
      for (const room of rooms) this.statements.touch.run(now, room);
    });
    this.compactTransaction = this.db.transaction((room: string, state: Buffer) => {
      const now = Date.now();
      const changed = this.statements.setSnapshot.run(state, now, room).changes;
      if (changed !== 1) throw new Error(`room "${room}" was never created`);
      this.statements.clearLog.run(room);
      this.statements.touch.run(now, room);
    });
    this.compactUpToTransaction = this.db.transaction((room: string, state: Buffer, upTo: number) => {
      const now = Date.now();
      const changed = this.statements.setSnapshot.run(state, now, room).changes;
      if (changed !== 1) throw new Error(`room "${room}" was never created`);
      this.statements.clearLogUpTo.run(room, upTo);
      this.statements.touch.run(now, room);
    });
    this.deleteTransaction = this.db.transaction((room: string) => {
      this.statements.clearLog.run(room);
      this.statements.forgetUse.run(room);
      return this.statements.deleteRoom.run(room).changes === 1;
    });
  }

  load(room: string): StoredRoom | undefined {
    const row = this.statements.room.get(room);
    if (!row) return undefined;
    const rows = this.statements.log.all(room);
    const log = rows.map((entry) => toBytes(entry.data));
    this.nextSeq.set(room, rows.length > 0 ? rows[rows.length - 1].seq + 1 : 0);
    return {
      updates: [toBytes(row.snapshot), ...log],
      logCount: log.length,
      logBytes: log.reduce((sum, update) => sum + update.byteLength, 0),
    };
  }

  create(room: string, initialState: Uint8Array): void {
    const now = Date.now();
    this.statements.create.run(room, toBuffer(initialState), now, now);
  }

  append(updates: readonly StoredUpdate[]): void {
    // A failed transaction leaves nextSeq ahead of the table: harmless, sequence numbers only order.
    this.appendTransaction(updates);
  }

  compact(room: string, state: Uint8Array): void {
    this.compactTransaction(room, toBuffer(state));
    this.generations.set(room, nextGeneration());
  }

  foldable(room: string): FoldableRoom | undefined {
    const loaded = this.load(room);
    if (!loaded) return undefined;
    let generation = this.generations.get(room);
    if (generation === undefined) this.generations.set(room, (generation = nextGeneration()));
    // `load` left the next sequence number just past the last logged update (0 with none logged).
    return { ...loaded, mark: { generation, upTo: this.nextSeq.get(room)! - 1 } };
  }

  compactUpTo(room: string, state: Uint8Array, mark: FoldMark): boolean {
    if (this.generations.get(room) !== mark.generation) return false;
    this.compactUpToTransaction(room, toBuffer(state), mark.upTo);
    this.generations.set(room, nextGeneration());
    return true;
  }

  delete(room: string): boolean {
    this.nextSeq.delete(room);
    this.generations.delete(room);
    return this.deleteTransaction(room);
  }

  list(): StoredRoomInfo[] {
    return this.statements.list.all().map((row) => ({
      name: row.name,
      bytes: row.snapshot_bytes + (row.log_bytes ?? 0),
      updates: row.updates,
      usedAt: row.used_at,
    }));
  }

  touch(room: string): void {
    this.statements.touch.run(Date.now(), room);
  }

  close(): void {
    if (!this.db.open) return;
    // Fold the WAL into the main file so the directory is one self-contained file at rest.
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.close();
  }
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function toBytes(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}
