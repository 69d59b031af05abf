/**
 * The guest side of the shared folder: what a FileSystemProvider needs, answered from the session
 * document. A guest needs no copy of the files: listings come from the host's published tree, a
 * file's text from its shared Y.Text (asking the host to share it first), and every change to the
 * folder is a request the host carries out on its disk.
 */
import type * as Y from 'yjs';
import { toLf } from './eol';
import { decodeSharedText, encodeSharedText, FileOperationError } from './hostFiles';
import {
  type EntryType,
  type FileOperation,
  type FileRequest,
  normaliseSharedPath,
  type SessionDocument,
  splitPath,
  type TreeEntry,
} from './sessionDocument';

export interface GuestFileStat {
  type: EntryType;
  size: number;
  mtime: number;
  readOnly: boolean;
}

export type GuestFileChange = { type: 'created' | 'changed' | 'deleted'; path: string };

export interface GuestFilesOptions {
  session: SessionDocument;
  /** This participant may not change anything. */
  readOnly: boolean;
  /** Display name, recorded on requests for the host's log. */
  name: string;
  /** Asks the host to share a file's text (through presence, which read-only guests may send too). */
  want(relative: string): void;
  /** The host no longer needs to share it for us. */
  unwant(relative: string): void;
  /** False once the session is over or the host is gone: requests fail at once. */
  hostReachable(): boolean;
  requestTimeoutMs?: number;
}

export class GuestFiles {
  /** Stat values frozen while a file's text is shared: the text changes live, never "on disk". */
  private readonly frozen = new Map<string, { size: number; mtime: number }>();
  private readonly listeners = new Set<(changes: GuestFileChange[]) => void>();
  private readonly onTree: (event: Y.YMapEvent<TreeEntry>) => void;
  private nextRequest = 0;
  /** True while an editor here shows the file bound to its shared text (set by the editor side). */
  openInEditor: (relative: string) => boolean = () => false;

  constructor(private readonly options: GuestFilesOptions) {
    this.onTree = (event) => {
      const changes: GuestFileChange[] = [];
      for (const [key, change] of event.changes.keys) {
        if (change.action === 'add') changes.push({ type: 'created', path: key });
        else if (change.action === 'delete') {
          this.frozen.delete(key);
          changes.push({ type: 'deleted', path: key });
        } else if (!options.session.texts.has(key)) changes.push({ type: 'changed', path: key });
      }
      if (changes.length > 0) for (const listener of this.listeners) listener(changes);
    };
    options.session.tree.observe(this.onTree);
  }

  onDidChange(listener: (changes: GuestFileChange[]) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  dispose(): void {
    this.options.session.tree.unobserve(this.onTree);
    this.listeners.clear();
  }

  stat(raw: string): GuestFileStat {
    const relative = this.path(raw, true);
    const readOnly = this.options.readOnly;
    if (relative === '') return { type: 'dir', size: 0, mtime: this.startedAt(), readOnly };
    const entry = this.options.session.tree.get(relative);
    if (!entry) throw new FileOperationError('FileNotFound', `${relative} is not in the shared folder`);
    if (entry.type === 'dir') return { type: 'dir', size: 0, mtime: entry.mtime, readOnly };
    if (this.options.session.texts.has(relative)) {
      let frozen = this.frozen.get(relative);
      if (!frozen) {
        frozen = { size: entry.size, mtime: entry.mtime };
        this.frozen.set(relative, frozen);
      }
      return { type: 'file', ...frozen, readOnly };
    }
    this.frozen.delete(relative);
    return { type: 'file', size: entry.size, mtime: entry.mtime, readOnly };
  }

  readDirectory(raw: string): [string, EntryType][] {
    const relative = this.path(raw, true);
    if (relative !== '') {
      const entry = this.options.session.tree.get(relative);
      if (!entry) throw new FileOperationError('FileNotFound', `${relative} is not in the shared folder`);
      if (entry.type !== 'dir') throw new FileOperationError('FileNotFound', `${relative} is not a folder`);
    }
    return this.options.session.children(relative).map(([name, entry]) => [name, entry.type]);
  }

  /** The file's current shared text as bytes, with the host file's line ends and BOM. */
  async readFile(raw: string): Promise<Uint8Array> {
    const relative = this.path(raw);
    const { session } = this.options;
    const entry = session.tree.get(relative);
    if (!entry) throw new FileOperationError('FileNotFound', `${relative} is not in the shared folder`);
    if (entry.type === 'dir') throw new FileOperationError('FileIsADirectory', `${relative} is a folder`);
    this.throwIfUnshared(relative);
    if (!session.texts.has(relative)) await this.waitForText(relative);
    const text = session.text(relative)!;
    const info = session.fileInfo(relative) ?? { eol: '\n', bom: false };
    return encodeSharedText(text.toString(), info.eol, info.bom);
  }

  async writeFile(
    raw: string,
    content: Uint8Array,
    flags: { create: boolean; overwrite: boolean },
  ): Promise<void> {
    const relative = this.path(raw);
    this.throwIfReadOnly(relative);
    const { session } = this.options;
    const text = session.text(relative);
    const entry = session.tree.get(relative);
    if (entry?.type === 'dir') throw new FileOperationError('FileIsADirectory', `${relative} is a folder`);
    if (text && entry) {
      const decoded = decodeSharedText(content);
      // The usual save: the editor shows the shared text (or is still catching up with it, and the
      // shared text already has every edit made in it), so the host writes the shared text. Only a
      // write from elsewhere (another file saved over this one, a tool) replaces the shared text.
      const same = !('unshared' in decoded) && toLf(decoded.text) === text.toString();
      if (same || this.openInEditor(relative)) {
        await this.request({ op: 'save', path: relative });
        return;
      }
    }
    await this.request({
      op: 'write',
      path: relative,
      content,
      create: flags.create,
      overwrite: flags.overwrite,
    });
  }

  async createDirectory(raw: string): Promise<void> {
    const relative = this.path(raw);
    this.throwIfReadOnly(relative);
    await this.request({ op: 'mkdir', path: relative });
  }

  async delete(raw: string, recursive: boolean): Promise<void> {
    const relative = this.path(raw);
    this.throwIfReadOnly(relative);
    await this.request({ op: 'delete', path: relative, recursive });
  }

  async rename(raw: string, rawTarget: string, overwrite: boolean): Promise<void> {
    const relative = this.path(raw);
    const target = this.path(rawTarget);
    this.throwIfReadOnly(relative);
    await this.request({ op: 'rename', path: relative, target, overwrite });
  }

  /** The session's start time: the root folder's mtime. */
  private startedAt(): number {
    return this.options.session.readMeta()?.startedAt ?? 0;
  }

  private path(raw: string, allowRoot = false): string {
    const trimmed = raw.replace(/^\/+/, '').replace(/\/+$/, '');
    if (trimmed === '') {
      if (allowRoot) return '';
      throw new FileOperationError('NoPermissions', 'the shared folder itself cannot be changed');
    }
    const relative = normaliseSharedPath(trimmed);
    if (!relative)
      throw new FileOperationError('FileNotFound', `"${raw}" is not a path in the shared folder`);
    return relative;
  }

  private throwIfReadOnly(relative: string): void {
    if (this.options.readOnly)
      throw new FileOperationError('NoPermissions', `you joined read-only: ${relative} cannot be changed`);
    if (!this.options.hostReachable())
      throw new FileOperationError(
        'Unavailable',
        `the session host is not connected; ${relative} was not changed`,
      );
  }

  private throwIfUnshared(relative: string): void {
    const unshared = this.options.session.tree.get(relative)?.unshared;
    if (unshared === 'too-large')
      throw new FileOperationError('NoPermissions', `${relative} is larger than the 5 MB a session shares`);
    if (unshared === 'binary')
      throw new FileOperationError(
        'NoPermissions',
        `${relative} is not a UTF-8 text file; sessions share text files only`,
      );
  }

  /** Asks the host to share the file and waits for its text (or for the host to say it cannot). */
  private waitForText(relative: string): Promise<void> {
    const { session } = this.options;
    if (!this.options.hostReachable())
      return Promise.reject(
        new FileOperationError('Unavailable', `the session host is not connected; cannot open ${relative}`),
      );
    return new Promise((resolve, reject) => {
      const timeoutMs = this.options.requestTimeoutMs ?? 15_000;
      const check = () => {
        if (session.texts.has(relative)) return finish();
        const entry = session.tree.get(relative);
        if (!entry)
          return finish(new FileOperationError('FileNotFound', `${relative} was removed by the host`));
        if (entry.unshared) {
          try {
            this.throwIfUnshared(relative);
          } catch (error) {
            finish(error as Error);
          }
        }
      };
      const timer = setTimeout(
        () =>
          finish(
            new FileOperationError(
              'Unavailable',
              `the host did not share ${relative} within ${timeoutMs / 1000} s`,
            ),
          ),
        timeoutMs,
      );
      const finish = (error?: Error) => {
        clearTimeout(timer);
        session.texts.unobserve(check);
        session.tree.unobserve(check);
        this.options.unwant(relative);
        if (error) reject(error);
        else resolve();
      };
      session.texts.observe(check);
      session.tree.observe(check);
      this.options.want(relative);
    });
  }

  private request(operation: FileOperation): Promise<void> {
    const { session } = this.options;
    const id = `${session.doc.clientID}-${Date.now().toString(36)}-${this.nextRequest++}`;
    const request = { ...operation, id, by: this.options.name, at: Date.now() } as FileRequest;
    return new Promise((resolve, reject) => {
      const timeoutMs = this.options.requestTimeoutMs ?? 15_000;
      const onResponse = () => {
        const response = session.responses.get(id);
        if (!response) return;
        finish();
        session.doc.transact(() => session.responses.delete(id), 'tandem-guest');
        if (response.ok) resolve();
        else reject(new FileOperationError(response.code, response.message));
      };
      const timer = setTimeout(() => {
        finish();
        session.doc.transact(() => session.requests.delete(id), 'tandem-guest');
        reject(
          new FileOperationError(
            'Unavailable',
            `the host did not answer within ${timeoutMs / 1000} s; ${describe(operation)} did not happen`,
          ),
        );
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        session.responses.unobserve(onResponse);
      };
      session.responses.observe(onResponse);
      session.doc.transact(() => session.requests.set(id, request), 'tandem-guest');
    });
  }
}

function describe(operation: FileOperation): string {
  const { name } = splitPath(operation.path);
  switch (operation.op) {
    case 'save':
      return `saving ${name}`;
    case 'write':
      return `writing ${name}`;
    case 'mkdir':
      return `creating folder ${name}`;
    case 'delete':
      return `deleting ${name}`;
    case 'rename':
      return `renaming ${name}`;
  }
}
