// Tokens the host revoked (a removed participant's): refused at admission from then on. With a data
// directory the list is a JSON file beside the rooms, so a revocation outlives a restart.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface RevokedToken {
  /** The token's signature part: unique per token, and not a usable token on its own. */
  readonly id: string;
  readonly room: string;
  readonly name: string;
  /** When it was revoked, ms since the epoch. */
  readonly at: number;
  /** The token's own expiry: after it, the entry is no longer needed. */
  readonly exp: number;
}

export const REVOCATIONS_FILE = 'revoked-tokens.json';

/** The id a revocation is kept under: the signature part of the token. */
export function tokenId(token: string): string {
  return token.slice(token.lastIndexOf('.') + 1);
}

export class Revocations {
  private readonly entries = new Map<string, RevokedToken>();
  private readonly file: string | undefined;

  /** `dataDir`: where the list is kept; in memory only when absent. */
  constructor(dataDir?: string) {
    this.file = dataDir ? path.join(dataDir, REVOCATIONS_FILE) : undefined;
    if (!this.file || !fs.existsSync(this.file)) return;
    // A damaged list must not silently re-admit anyone: refuse to start instead.
    const parsed = JSON.parse(fs.readFileSync(this.file, 'utf8')) as unknown;
    if (!Array.isArray(parsed)) throw new Error(`${this.file} is not a list of revoked tokens`);
    const now = Date.now();
    for (const entry of parsed as RevokedToken[])
      if (typeof entry?.id === 'string' && !(typeof entry.exp === 'number' && entry.exp <= now))
        this.entries.set(entry.id, entry);
  }

  has(token: string): boolean {
    return this.entries.has(tokenId(token));
  }

  /** Revokes a token; stored before it returns when there is a data directory. */
  add(token: string, details: Omit<RevokedToken, 'id' | 'at'>): RevokedToken {
    const id = tokenId(token);
    const entry = { id, at: Date.now(), ...details };
    this.record(entry);
    return entry;
  }

  /** Keeps a revocation made here or (with --redis) on another instance. */
  record(entry: RevokedToken): void {
    if (typeof entry?.id !== 'string' || entry.id.length === 0) return;
    this.entries.set(entry.id, entry);
    this.save();
  }

  private save(): void {
    if (!this.file) return;
    const now = Date.now();
    const live = [...this.entries.values()].filter((entry) => !(entry.exp <= now));
    const temporary = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, JSON.stringify(live, null, 1));
    fs.renameSync(temporary, this.file);
  }
}
