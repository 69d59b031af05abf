/**
 * The host's view of its shared folder: which paths are shared (everything except excluded files:
 * the built-in sensitive patterns, `tandem.collab.exclude`, and `.tandemignore` files) and their
 * size and mtime, published into the session's `tree` map for guests to browse.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { ExclusionRules, IGNORE_FILE_NAME } from '../trust';
import { MAX_SHARED_FILE_BYTES, type SessionDocument, type TreeEntry } from './sessionDocument';

/** A name that stands for "anything inside this folder" when checking folder-only patterns. */
const FOLDER_PROBE = '\u0001tandem-folder-probe';

/** Folders are listed up to this many entries; past it the listing stops (and says so in the log). */
export const MAX_TREE_ENTRIES = 50_000;

export interface HostTreeOptions {
  /** Absolute path of the shared folder. */
  root: string;
  session: SessionDocument;
  /** Extra gitignore patterns (the `tandem.collab.exclude` setting). */
  excludeGlobs: readonly string[];
  log?: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;
}

export class HostTree {
  readonly rules: ExclusionRules;
  private readonly root: string;

  constructor(private readonly options: HostTreeOptions) {
    this.root = path.resolve(options.root);
    this.rules = new ExclusionRules({ roots: [this.root], userGlobs: options.excludeGlobs });
  }

  setExcludeGlobs(globs: readonly string[]): void {
    this.rules.setUserGlobs(globs);
  }

  /** Absolute path of a shared relative path. */
  absolute(relative: string): string {
    return path.join(this.root, ...relative.split('/'));
  }

  /** True when a relative path may be shared. */
  isShared(relative: string, isFolder = false): boolean {
    const absolute = this.absolute(relative);
    if (this.rules.isExcluded(absolute)) return false;
    // Folder-only patterns ("secrets/") match paths below a folder, not the folder's own path.
    return !isFolder || !this.rules.isExcluded(path.join(absolute, FOLDER_PROBE));
  }

  /**
   * True when a relative path stays inside the shared folder on disk: the path itself if it exists,
   * else its nearest existing parent, resolved through symbolic links.
   */
  async staysInside(relative: string): Promise<boolean> {
    let realRoot: string;
    try {
      realRoot = await fs.realpath(this.root);
    } catch {
      return false;
    }
    for (let candidate = this.absolute(relative); ; candidate = path.dirname(candidate)) {
      try {
        const real = await fs.realpath(candidate);
        return real === realRoot || real.startsWith(realRoot + path.sep);
      } catch {
        if (candidate === this.root || path.dirname(candidate) === candidate) return false;
      }
    }
  }

  /** Lists the whole folder and replaces the published tree with it. */
  async scan(): Promise<void> {
    const entries = new Map<string, TreeEntry>();
    await this.walk('', entries);
    const tree = this.options.session.tree;
    tree.doc!.transact(() => {
      for (const key of [...tree.keys()]) if (!entries.has(key)) tree.delete(key);
      for (const [key, entry] of entries) if (!sameEntry(tree.get(key), entry)) tree.set(key, entry);
    }, 'tandem-tree');
  }

  /** Re-reads one path after a change on disk (and, for a folder, what is below it). */
  async refresh(relative: string): Promise<void> {
    const tree = this.options.session.tree;
    if (path.posix.basename(relative) === IGNORE_FILE_NAME) {
      // The rules changed: list everything again.
      await this.loadIgnoreFile(relative);
      await this.scan();
      return;
    }
    let entry = this.isShared(relative) ? await this.statEntry(relative) : undefined;
    if (entry?.type === 'dir' && !this.isShared(relative, true)) entry = undefined;
    const below = new Map<string, TreeEntry>();
    if (entry?.type === 'dir') await this.walk(relative, below);
    tree.doc!.transact(() => {
      const prefix = `${relative}/`;
      for (const key of [...tree.keys()]) if (key.startsWith(prefix) && !below.has(key)) tree.delete(key);
      if (entry) {
        if (!sameEntry(tree.get(relative), entry)) tree.set(relative, entry);
      } else tree.delete(relative);
      for (const [key, value] of below) if (!sameEntry(tree.get(key), value)) tree.set(key, value);
      // A new file or folder in a folder that was not listed yet: list its parents too.
      for (
        let parent = path.posix.dirname(relative);
        entry && parent !== '.';
        parent = path.posix.dirname(parent)
      )
        if (!tree.has(parent)) tree.set(parent, { type: 'dir', size: 0, mtime: Date.now() });
    }, 'tandem-tree');
  }

  /** Marks a file as listed but not shared as text (too large or binary). */
  markUnshared(relative: string, reason: 'too-large' | 'binary'): void {
    const entry = this.options.session.tree.get(relative);
    if (entry && entry.unshared !== reason)
      this.options.session.tree.set(relative, { ...entry, unshared: reason });
  }

  private async walk(dir: string, into: Map<string, TreeEntry>): Promise<void> {
    let names: string[];
    try {
      names = await fs.readdir(this.absolute(dir || '.'));
    } catch {
      return;
    }
    // This folder's own ignore file applies to its entries: load it first.
    if (names.includes(IGNORE_FILE_NAME))
      await this.loadIgnoreFile(dir ? `${dir}/${IGNORE_FILE_NAME}` : IGNORE_FILE_NAME);
    for (const name of names.sort()) {
      if (into.size >= MAX_TREE_ENTRIES) {
        this.options.log?.(
          'warn',
          `shared folder has more than ${MAX_TREE_ENTRIES} entries; the rest is not listed`,
        );
        return;
      }
      const relative = dir ? `${dir}/${name}` : name;
      if (!this.isShared(relative)) continue;
      const entry = await this.statEntry(relative);
      if (!entry || (entry.type === 'dir' && !this.isShared(relative, true))) continue;
      into.set(relative, entry);
      if (entry.type === 'dir') await this.walk(relative, into);
    }
  }

  private async statEntry(relative: string): Promise<TreeEntry | undefined> {
    const absolute = this.absolute(relative);
    try {
      const link = await fs.lstat(absolute);
      if (link.isSymbolicLink()) {
        // Follow a link only while it stays inside the shared folder.
        const target = await fs.realpath(absolute);
        const realRoot = await fs.realpath(this.root);
        if (target !== realRoot && !target.startsWith(realRoot + path.sep)) return undefined;
      }
      const stat = await fs.stat(absolute);
      if (stat.isDirectory()) return { type: 'dir', size: 0, mtime: stat.mtimeMs };
      if (!stat.isFile()) return undefined;
      const entry: TreeEntry = { type: 'file', size: stat.size, mtime: stat.mtimeMs };
      if (stat.size > MAX_SHARED_FILE_BYTES) entry.unshared = 'too-large';
      const known = this.options.session.tree.get(relative);
      if (known?.unshared === 'binary' && known.mtime === stat.mtimeMs) entry.unshared = 'binary';
      return entry;
    } catch {
      return undefined;
    }
  }

  private async loadIgnoreFile(relative: string): Promise<void> {
    const absolute = this.absolute(relative);
    try {
      this.rules.setIgnoreFile(absolute, await fs.readFile(absolute, 'utf8'));
    } catch {
      this.rules.setIgnoreFile(absolute, undefined);
    }
  }
}

function sameEntry(a: TreeEntry | undefined, b: TreeEntry): boolean {
  return !!a && a.type === b.type && a.size === b.size && a.mtime === b.mtime && a.unshared === b.unshared;
}
