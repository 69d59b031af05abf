/**
 * The shape of a shared session's Y.Doc (one room, one document for the whole shared folder):
 *
 * - `meta`      who hosts, which folder, when it started, and `ended` once the host leaves.
 * - `tree`      path -> {type, size, mtime}: the host's folder minus excluded files. Host writes.
 * - `texts`     path -> Y.Text (LF only) for every file someone has opened. Host writes the entry.
 *               Its attributes `tandemReverted:<edit id>` say a revert took that accepted edit back
 *               (src/authorship/revertMarks.ts); writers write them with the revert.
 * - `files`     path -> {eol, bom, ...}: how to write the text back to disk. Host writes.
 * - `requests`  id -> file operation a guest asks of the host (save, write, mkdir, delete, rename).
 * - `responses` id -> the host's answer.
 * - `proposals` id -> an assistant's proposal someone published (src/proposals/shared): its hunks are
 *               anchored in `texts` with relative positions. Written once, by the person who asked.
 * - `decisions` key -> one accept, reject or undo by a writer, signed with their client id and name.
 * - `outcomes`  hunk id -> what became of the hunk. Host writes: the host's applier alone turns
 *               decisions into edits, which is what applies each hunk at most once.
 * - `authorship` edit id -> what one applied assistant edit replaced and where it starts
 *               (src/authorship/sharedAuthorship.ts); its characters in `texts` carry the `tandemAi`
 *               formatting attribute with the same id. Host writes: the host's applier writes accepted
 *               hunks, so a record always describes text the applier really wrote.
 *
 * The server (src/server/authority.ts) holds peers to these rules: host-only maps, and proposals and
 * decisions only under the writer's own client id and stamped name.
 * Only the host creates `texts` entries, and it does so in the same transaction that checks the
 * entry is absent, after it has synced with the server: that is what seeds each file exactly once
 * (two writers racing to set a map key would leave one Y.Text's content orphaned or duplicated).
 * Paths are relative, '/'-separated, without leading slash.
 */
import * as Y from 'yjs';
import type { Eol } from './eol';
import type { SharedEditRecord } from '../authorship/sharedAuthorship';

export const SESSION_SCHEMA_VERSION = 1;
/** Files above this size are listed but not shared as text. */
export const MAX_SHARED_FILE_BYTES = 5 * 1024 * 1024;
/** Origin of the host's seeding transactions: never undone by anyone's Undo. */
export const SEED_ORIGIN = 'tandem-seed';
/** Origin of the host's writes from disk into a Y.Text (a file changed outside the editor). */
export const DISK_ORIGIN = 'tandem-disk';

export type EntryType = 'file' | 'dir';

export interface TreeEntry {
  type: EntryType;
  size: number;
  mtime: number;
  /** Set for files over the size limit or not UTF-8 text: listed, never shared as text. */
  unshared?: 'too-large' | 'binary';
}

export interface SharedFileInfo {
  eol: Eol;
  /** The file on disk starts with a UTF-8 byte order mark (not part of the text). */
  bom: boolean;
}

export interface SessionMeta {
  version: number;
  hostName: string;
  folderName: string;
  startedAt: number;
  ended?: { at: number; reason: string };
}

export type FileOperation =
  | { op: 'save'; path: string }
  | { op: 'write'; path: string; content: Uint8Array; create: boolean; overwrite: boolean }
  | { op: 'mkdir'; path: string }
  | { op: 'delete'; path: string; recursive: boolean }
  | { op: 'rename'; path: string; target: string; overwrite: boolean };

export type FileRequest = FileOperation & { id: string; by: string; at: number };

export type FileErrorCode =
  'FileNotFound' | 'FileExists' | 'FileIsADirectory' | 'NoPermissions' | 'Unavailable';

export type FileResponse = { ok: true } | { ok: false; code: FileErrorCode; message: string };

export class SessionDocument {
  readonly meta: Y.Map<unknown>;
  readonly tree: Y.Map<TreeEntry>;
  readonly texts: Y.Map<Y.Text>;
  readonly files: Y.Map<SharedFileInfo>;
  readonly requests: Y.Map<FileRequest>;
  readonly responses: Y.Map<FileResponse>;
  /** Values are checked on read (src/proposals/shared/records.ts): any writer could have set them. */
  readonly proposals: Y.Map<unknown>;
  readonly decisions: Y.Map<unknown>;
  readonly outcomes: Y.Map<unknown>;
  /** Values are checked on read (sharedAuthorshipView skips malformed records). */
  readonly authorship: Y.Map<SharedEditRecord>;

  constructor(readonly doc: Y.Doc) {
    this.meta = doc.getMap('meta');
    this.tree = doc.getMap('tree');
    this.texts = doc.getMap('texts');
    this.files = doc.getMap('files');
    this.requests = doc.getMap('requests');
    this.responses = doc.getMap('responses');
    this.proposals = doc.getMap('proposals');
    this.decisions = doc.getMap('decisions');
    this.outcomes = doc.getMap('outcomes');
    this.authorship = doc.getMap('authorship');
  }

  /** The session's description, once the host has written it. */
  readMeta(): SessionMeta | undefined {
    const version = this.meta.get('version');
    if (typeof version !== 'number') return undefined;
    return {
      version,
      hostName: String(this.meta.get('hostName') ?? ''),
      folderName: String(this.meta.get('folderName') ?? ''),
      startedAt: Number(this.meta.get('startedAt') ?? 0),
      ended: this.meta.get('ended') as SessionMeta['ended'],
    };
  }

  /**
   * What the host keeps from models (its `tandem.trust.excludeGlobs`), which guests' gates honour
   * too; empty until the host publishes it.
   */
  modelExclude(): string[] {
    const value = this.meta.get('modelExclude');
    return Array.isArray(value) ? value.filter((glob): glob is string => typeof glob === 'string') : [];
  }

  /** Host only: publishes the globs it keeps from models (its `tandem.trust.excludeGlobs`). */
  writeModelExclude(globs: readonly string[]): void {
    this.doc.transact(() => this.meta.set('modelExclude', [...globs]), SEED_ORIGIN);
  }

  /** Host only: describes the session (idempotent: a restarted host keeps the first start time). */
  writeMeta(hostName: string, folderName: string): void {
    this.doc.transact(() => {
      if (this.meta.get('version') === undefined) {
        this.meta.set('version', SESSION_SCHEMA_VERSION);
        this.meta.set('startedAt', Date.now());
      }
      this.meta.set('hostName', hostName);
      this.meta.set('folderName', folderName);
      this.meta.delete('ended');
    }, SEED_ORIGIN);
  }

  /** Host only: tells everyone the session is over. */
  markEnded(reason: string): void {
    this.doc.transact(() => this.meta.set('ended', { at: Date.now(), reason }), SEED_ORIGIN);
  }

  text(path: string): Y.Text | undefined {
    return this.texts.get(path);
  }

  fileInfo(path: string): SharedFileInfo | undefined {
    return this.files.get(path);
  }

  /**
   * Host only, and only after syncing with the server: creates the file's Y.Text with `lfText`
   * unless it exists. The check and the write are one transaction. Returns the file's Y.Text.
   */
  seed(path: string, lfText: string, info: SharedFileInfo): { text: Y.Text; seeded: boolean } {
    let seeded = false;
    this.doc.transact(() => {
      if (this.texts.has(path)) return;
      const text = new Y.Text();
      this.texts.set(path, text);
      text.insert(0, lfText);
      this.files.set(path, info);
      seeded = true;
    }, SEED_ORIGIN);
    return { text: this.texts.get(path)!, seeded };
  }

  /** Host only: forgets a file's shared text (deleted on disk); the next open seeds it again. */
  unseed(path: string): void {
    this.doc.transact(() => {
      this.texts.delete(path);
      this.files.delete(path);
    }, SEED_ORIGIN);
  }

  /** Host only: moves a shared text with its file (a rename), keeping its content. */
  moveText(from: string, to: string): void {
    const text = this.texts.get(from);
    const info = this.files.get(from);
    if (!text || !info) return;
    const content = text.toString();
    this.doc.transact(() => {
      const moved = new Y.Text();
      this.texts.delete(from);
      this.files.delete(from);
      this.texts.set(to, moved);
      moved.insert(0, content);
      this.files.set(to, info);
    }, SEED_ORIGIN);
  }

  /** All paths in the tree under `dir` ('' for the root), one level deep. */
  children(dir: string): [string, TreeEntry][] {
    const prefix = dir === '' ? '' : `${dir}/`;
    const result: [string, TreeEntry][] = [];
    for (const [path, entry] of this.tree.entries()) {
      if (!path.startsWith(prefix)) continue;
      const rest = path.slice(prefix.length);
      if (rest.length > 0 && !rest.includes('/')) result.push([rest, entry]);
    }
    return result;
  }
}

/** Splits a path into its folder ('' at the root) and name. */
export function splitPath(path: string): { dir: string; name: string } {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? { dir: '', name: path } : { dir: path.slice(0, slash), name: path.slice(slash + 1) };
}

/**
 * A path a peer sent, made safe: relative, '/'-separated, no '.', '..' or empty segments, no NUL.
 * Returns undefined for anything that could leave the shared folder.
 */
export function normaliseSharedPath(path: unknown): string | undefined {
  if (typeof path !== 'string' || path.length === 0 || path.length > 4096 || path.includes('\0'))
    return undefined;
  const parts = path.replace(/\\/g, '/').split('/');
  if (parts[0] === '') parts.shift();
  if (parts.length === 0) return undefined;
  for (const part of parts)
    if (part === '' || part === '.' || part === '..' || /^[a-zA-Z]:$/.test(part)) return undefined;
  return parts.join('/');
}
