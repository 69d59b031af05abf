/**
 * The invite links of sessions this user joined as a guest, so a window that comes back showing a
 * `tandem:` folder (after a reload, or after joining turned it into a workspace) can join again.
 *
 * Kept in a file on the extension host's disk, not in VS Code's global state: joining often reloads
 * the window at once, and in the web workbench global state reaches the browser's storage only when
 * it is flushed, which a reload can cut short. A file written before the reload is there after it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface RejoinRecord {
  link: string;
  joinedAt: number;
  /** The window's seat, drawn by the join that reloaded it (src/collab/seat), for the rejoins after. */
  seat?: string;
  /** The workspace the seat's window became (its first rejoin writes it): only rejoins there claim it. */
  workspace?: string;
}

/** Links expire anyway; older records are dropped when a new one is written. */
export const REJOIN_RECORD_TTL_MS = 7 * 86_400_000;

export class RejoinRecords {
  constructor(
    private readonly file: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Every record, or none when the file is missing or unreadable. */
  all(): Record<string, RejoinRecord> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(fs.readFileSync(this.file, 'utf8'));
    } catch {
      return {};
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    const records: Record<string, RejoinRecord> = {};
    for (const [room, value] of Object.entries(parsed as Record<string, unknown>)) {
      const record = value as Partial<RejoinRecord> | null;
      if (record && typeof record.link === 'string' && typeof record.joinedAt === 'number')
        records[room] = {
          link: record.link,
          joinedAt: record.joinedAt,
          ...(typeof record.seat === 'string' ? { seat: record.seat } : {}),
          ...(typeof record.workspace === 'string' ? { workspace: record.workspace } : {}),
        };
    }
    return records;
  }

  get(room: string): RejoinRecord | undefined {
    const record = this.all()[room];
    return record && this.now() - record.joinedAt < REJOIN_RECORD_TTL_MS ? record : undefined;
  }

  remember(room: string, link: string, window: { seat?: string; workspace?: string } = {}): void {
    const records = Object.fromEntries(
      Object.entries(this.all()).filter(([, record]) => this.now() - record.joinedAt < REJOIN_RECORD_TTL_MS),
    );
    records[room] = {
      link,
      joinedAt: this.now(),
      ...(window.seat !== undefined ? { seat: window.seat } : {}),
      ...(window.seat !== undefined && window.workspace !== undefined ? { workspace: window.workspace } : {}),
    };
    this.write(records);
  }

  forget(room: string): void {
    const records = this.all();
    if (!(room in records)) return;
    delete records[room];
    this.write(records);
  }

  /** Written whole to a temporary file and renamed over the old one: a reader never sees half. */
  private write(records: Record<string, RejoinRecord>): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const temporary = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, JSON.stringify(records), { mode: 0o600 });
    fs.renameSync(temporary, this.file);
  }
}
