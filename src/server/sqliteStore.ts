// The durable store of the standalone server: one SQLite file (better-sqlite3) in the data
// directory. better-sqlite3 is a native module, so it is required lazily here and only when a data
// directory is given: the extension bundle never loads it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import type { RoomStore, StoredRoom } from './storage';

export const DATABASE_FILE = 'tandem-rooms.sqlite';

export class SqliteRoomStore implements RoomStore {
  readonly durable = true;
  private readonly db: BetterSqlite3.Database;
  private readonly statements: {
    room: BetterSqlite3.Statement<[string], { snapshot: Buffer }>;
    log: BetterSqlite3.Statement<[string], { data: Buffer }>;
    create: BetterSqlite3.Statement<[string, Buffer, number]>;
    append: BetterSqlite3.Statement<[string, Buffer]>;
    setSnapshot: BetterSqlite3.Statement<[Buffer, number, string]>;
    clearLog: BetterSqlite3.Statement<[string]>;
  };
  private readonly compactTransaction: (room: string, state: Buffer) => void;

  constructor(readonly dataDir: string) {
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
      // WAL keeps each commit to an append; NORMAL sync means a committed update survives the process
      // being killed (the OS holds it), which is what "persisted before relay" promises. The
      // exclusive lock stops a second server from serving the same rooms from the same file.
      this.db.pragma('locking_mode = EXCLUSIVE');
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.exec(`
        CREATE TABLE IF NOT EXISTS rooms (
          name TEXT PRIMARY KEY,
          snapshot BLOB NOT NULL,
          created_at INTEGER NOT NULL,
          compacted_at INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS updates (
          seq INTEGER PRIMARY KEY,
          room TEXT NOT NULL,
          data BLOB NOT NULL
        );
        CREATE INDEX IF NOT EXISTS updates_by_room ON updates (room, seq);
      `);
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
      log: this.db.prepare('SELECT data FROM updates WHERE room = ? ORDER BY seq'),
      create: this.db.prepare(
        'INSERT INTO rooms (name, snapshot, created_at, compacted_at) VALUES (?, ?, ?, 0)',
      ),
      append: this.db.prepare('INSERT INTO updates (room, data) VALUES (?, ?)'),
      setSnapshot: this.db.prepare('UPDATE rooms SET snapshot = ?, compacted_at = ? WHERE name = ?'),
      clearLog: this.db.prepare('DELETE FROM updates WHERE room = ?'),
    };
    this.compactTransaction = this.db.transaction((room: string, state: Buffer) => {
      const changed = this.statements.setSnapshot.run(state, Date.now(), room).changes;
      if (changed !== 1) throw new Error(`room "${room}" was never created`);
      this.statements.clearLog.run(room);
    });
  }

  load(room: string): StoredRoom | undefined {
    const row = this.statements.room.get(room);
    if (!row) return undefined;
    const log = this.statements.log.all(room).map((entry) => toBytes(entry.data));
    return {
      updates: [toBytes(row.snapshot), ...log],
      logCount: log.length,
      logBytes: log.reduce((sum, update) => sum + update.byteLength, 0),
    };
  }

  create(room: string, initialState: Uint8Array): void {
    this.statements.create.run(room, toBuffer(initialState), Date.now());
  }

  append(room: string, update: Uint8Array): void {
    this.statements.append.run(room, toBuffer(update));
  }

  compact(room: string, state: Uint8Array): void {
    this.compactTransaction(room, toBuffer(state));
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
