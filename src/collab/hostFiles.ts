/**
 * The host side of the shared folder: the host's disk is the source of truth. It seeds a file's
 * shared text when someone opens it, carries changes made on disk outside the editor into the
 * shared text, and carries out guests' file operations (save, write, create folder, delete, rename),
 * refusing any path outside the shared folder or excluded from sharing.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type * as Y from 'yjs';
import { type Eol, detectEol, fromLf, minimalReplacement, toLf } from './eol';
import { type ApproveGuestChange, GuestBoundary, type GuestChangeApproval } from './guestBoundary';
import type { HostTree } from './hostTree';
import type { ParticipantRole } from './presence';
import {
  DISK_ORIGIN,
  type FileErrorCode,
  type FileRequest,
  type FileResponse,
  MAX_SHARED_FILE_BYTES,
  normaliseSharedPath,
  type SessionDocument,
} from './sessionDocument';

export interface OpenDocumentAccess {
  /** The host editor's text and line end for a path, when the host has it open (it may be unsaved). */
  text(relative: string): { text: string; eol: Eol } | undefined;
  /** Saves the host editor's document of a path once it shows the shared text; false if not open. */
  save(relative: string): Promise<boolean>;
}

export interface HostFilesOptions {
  session: SessionDocument;
  tree: HostTree;
  editors: OpenDocumentAccess;
  log?: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;
  /**
   * Asked before a guest's change to a protected path (VS Code, Git or Tandem configuration) is
   * carried out; without it such changes are refused.
   */
  approve?: ApproveGuestChange;
  /**
   * The role the collaboration server stamped (from the token) on the presence of the Yjs client
   * `clientId`: undefined when that client has no presence here. Only `rw` and `host` requests are
   * carried out; a read-only guest's client may refuse locally, but the host never relies on it.
   */
  requesterRole(clientId: number): ParticipantRole | undefined;
  /** How long to wait for the presence of a request's writer to arrive (default 3000 ms). */
  presenceWaitMs?: number;
}

export type SeedOutcome = 'seeded' | 'exists' | 'unshareable' | 'missing' | 'excluded';

const UTF8_BOM = [0xef, 0xbb, 0xbf];
const HOST_ORIGIN = 'tandem-host';

export class FileOperationError extends Error {
  constructor(
    readonly code: FileErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** A file's bytes as shared text, or why they cannot be. */
export function decodeSharedText(
  bytes: Uint8Array,
): { text: string; eol: Eol; bom: boolean } | { unshared: 'too-large' | 'binary' } {
  if (bytes.byteLength > MAX_SHARED_FILE_BYTES) return { unshared: 'too-large' };
  const bom = bytes.length >= 3 && UTF8_BOM.every((byte, index) => bytes[index] === byte);
  const body = bom ? bytes.subarray(3) : bytes;
  if (body.subarray(0, 8192).includes(0)) return { unshared: 'binary' };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return { unshared: 'binary' };
  }
  return { text, eol: detectEol(text), bom };
}

/** The bytes a shared text is written to disk as. */
export function encodeSharedText(lfText: string, eol: Eol, bom: boolean): Uint8Array {
  const body = Buffer.from(fromLf(lfText, eol), 'utf8');
  return bom ? Buffer.concat([Buffer.from(UTF8_BOM), body]) : body;
}

export class HostFiles {
  /** LF text of each seeded file as last read from or written to disk. */
  private readonly diskTexts = new Map<string, string>();
  private readonly seeding = new Map<string, Promise<SeedOutcome>>();
  private queue: Promise<void> = Promise.resolve();
  private readonly onRequests: (event: Y.YMapEvent<FileRequest>) => void;
  private disposed = false;
  private readonly boundary: GuestBoundary;

  constructor(private readonly options: HostFilesOptions) {
    this.boundary = new GuestBoundary(options.tree.absolute('.'));
    this.onRequests = (event) => {
      for (const [id, change] of event.changes.keys) if (change.action === 'add') this.enqueue(id);
    };
    options.session.requests.observe(this.onRequests);
    // Requests written while the host was away are answered now.
    for (const id of options.session.requests.keys()) this.enqueue(id);
  }

  dispose(): void {
    this.disposed = true;
    this.options.session.requests.unobserve(this.onRequests);
  }

  /** Shares a file's text (once: the check and the write are one transaction). */
  ensureSeeded(relative: string): Promise<SeedOutcome> {
    const normalised = normaliseSharedPath(relative);
    if (!normalised || !this.options.tree.isShared(normalised)) return Promise.resolve('excluded');
    if (this.options.session.texts.has(normalised)) return Promise.resolve('exists');
    let pending = this.seeding.get(normalised);
    if (!pending) {
      pending = this.seed(normalised).finally(() => this.seeding.delete(normalised));
      this.seeding.set(normalised, pending);
    }
    return pending;
  }

  /** The host's editor saved a shared file: remember what is on disk now. */
  noteSaved(relative: string, lfText: string): void {
    if (this.options.session.texts.has(relative)) this.diskTexts.set(relative, lfText);
  }

  /**
   * A shared file changed on disk outside the host's editor (a git checkout, another tool). If the
   * shared text has no unsaved edits, it follows the disk; otherwise the shared text is kept and the
   * next save writes it.
   */
  async diskChanged(relative: string): Promise<void> {
    const text = this.options.session.text(relative);
    if (!text || this.options.editors.text(relative)) return;
    let bytes: Uint8Array;
    try {
      bytes = await fs.readFile(this.options.tree.absolute(relative));
    } catch {
      this.diskTexts.delete(relative);
      this.options.session.unseed(relative);
      return;
    }
    const decoded = decodeSharedText(bytes);
    if ('unshared' in decoded) return;
    const disk = toLf(decoded.text);
    const known = this.diskTexts.get(relative);
    const shared = text.toString();
    if (disk === shared) {
      this.diskTexts.set(relative, disk);
      return;
    }
    if (known !== undefined && known !== shared) {
      this.options.log?.(
        'warn',
        `${relative} changed on disk while the session has unsaved edits to it; keeping the session's text (saving writes it)`,
      );
      return;
    }
    replaceText(text, disk, DISK_ORIGIN);
    this.diskTexts.set(relative, disk);
  }

  private async seed(relative: string): Promise<SeedOutcome> {
    const entry = this.options.session.tree.get(relative);
    if (entry?.type === 'dir') return 'unshareable';
    if (!(await this.options.tree.staysInside(relative))) return 'excluded';
    let bytes: Uint8Array;
    try {
      bytes = await fs.readFile(this.options.tree.absolute(relative));
    } catch {
      return 'missing';
    }
    const decoded = decodeSharedText(bytes);
    if ('unshared' in decoded) {
      this.options.tree.markUnshared(relative, decoded.unshared);
      return 'unshareable';
    }
    const open = this.options.editors.text(relative);
    const lf = toLf(open ? open.text : decoded.text);
    const { seeded } = this.options.session.seed(relative, lf, {
      eol: open?.eol ?? decoded.eol,
      bom: decoded.bom,
    });
    if (seeded) {
      this.diskTexts.set(relative, toLf(decoded.text));
      this.options.log?.('info', `shared ${relative} (${bytes.byteLength} bytes)`);
    }
    return seeded ? 'seeded' : 'exists';
  }

  private enqueue(id: string): void {
    this.queue = this.queue.then(() => this.answer(id));
  }

  private async answer(id: string): Promise<void> {
    if (this.disposed) return;
    const { session } = this.options;
    const request = session.requests.get(id);
    if (!request) return;
    let response: FileResponse;
    try {
      await this.checkRequester(id, request);
      await this.perform(request);
      this.options.log?.('info', `${request.op} ${request.path} for ${request.by}`);
      response = { ok: true };
    } catch (error) {
      response =
        error instanceof FileOperationError
          ? { ok: false, code: error.code, message: error.message }
          : { ok: false, ...fsErrorResponse(error) };
      this.options.log?.(
        'info',
        `refused ${request.op} ${request.path} for ${request.by}: ${response.message}`,
      );
    }
    session.doc.transact(() => {
      session.responses.set(id, response);
      session.requests.delete(id);
    }, HOST_ORIGIN);
  }

  /**
   * Only a participant whose token may edit changes the host's disk. Who wrote a request is the Yjs
   * client id of its entry (the server ties each client id to one connection and stamps that
   * connection's presence with its token's role); the name in the request is only a label.
   */
  private async checkRequester(id: string, request: FileRequest): Promise<void> {
    const writer = this.options.session.requests._map.get(id)?.id.client;
    let role = writer === undefined ? undefined : this.options.requesterRole(writer);
    // A presence update can trail the request a little (the server may coalesce presence).
    const deadline = Date.now() + (this.options.presenceWaitMs ?? 3000);
    while (role === undefined && writer !== undefined && !this.disposed && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      role = this.options.requesterRole(writer);
    }
    if (role === 'rw' || role === 'host') return;
    throw new FileOperationError(
      'NoPermissions',
      role === 'ro'
        ? `${String(request.by ?? 'a guest')} joined read-only: ${describeRequest(request)} is not allowed`
        : `the host does not know who asked for ${describeRequest(request)}, so it was not done`,
    );
  }

  private sharedPath(raw: unknown): string {
    const relative = normaliseSharedPath(raw);
    if (!relative)
      throw new FileOperationError(
        'NoPermissions',
        `"${String(raw)}" is not a path inside the shared folder`,
      );
    if (!this.options.tree.isShared(relative))
      throw new FileOperationError('NoPermissions', `${relative} is excluded from sharing by the host`);
    return relative;
  }

  /** A path no symbolic link leads out of the shared folder. */
  private async insidePath(raw: unknown): Promise<string> {
    const relative = this.sharedPath(raw);
    if (!(await this.options.tree.staysInside(relative)))
      throw new FileOperationError('NoPermissions', `${relative} leads outside the shared folder`);
    return relative;
  }

  private async perform(request: FileRequest): Promise<void> {
    const { session, tree } = this.options;
    const relative = await this.insidePath(request.path);
    const absolute = tree.absolute(relative);
    await this.checkBoundary(request, relative);
    switch (request.op) {
      case 'save': {
        const text = session.text(relative);
        const info = session.fileInfo(relative);
        if (!text || !info)
          throw new FileOperationError('FileNotFound', `${relative} is not open in the session`);
        const content = text.toString();
        if (!(await this.options.editors.save(relative)))
          await fs.writeFile(absolute, encodeSharedText(content, info.eol, info.bom));
        this.diskTexts.set(relative, content);
        break;
      }
      case 'write': {
        const exists = await pathExists(absolute);
        if (exists && !request.overwrite)
          throw new FileOperationError('FileExists', `${relative} already exists`);
        if (!exists && !request.create)
          throw new FileOperationError('FileNotFound', `${relative} does not exist`);
        const bytes = request.content instanceof Uint8Array ? request.content : new Uint8Array();
        if (bytes.byteLength > MAX_SHARED_FILE_BYTES)
          throw new FileOperationError(
            'NoPermissions',
            `${relative} is larger than the 5 MB a session shares`,
          );
        await fs.writeFile(absolute, bytes);
        const text = session.text(relative);
        const decoded = decodeSharedText(bytes);
        if (text && !('unshared' in decoded)) {
          const lf = toLf(decoded.text);
          replaceText(text, lf, DISK_ORIGIN);
          this.diskTexts.set(relative, lf);
        }
        break;
      }
      case 'mkdir':
        await fs.mkdir(absolute);
        break;
      case 'delete':
        await this.deleteVisible(relative, request.recursive);
        this.forgetTexts(relative, (key) => session.unseed(key));
        break;
      case 'rename': {
        const target = await this.insidePath(request.target);
        const targetAbsolute = tree.absolute(target);
        if (!request.overwrite && (await pathExists(targetAbsolute)))
          throw new FileOperationError('FileExists', `${target} already exists`);
        // Moving a folder moves everything in it: not when some of it is hidden from the guest.
        const hidden = (await this.below(relative)).find(
          (entry) => !tree.isShared(entry.relative, entry.dir),
        );
        if (hidden)
          throw new FileOperationError(
            'NoPermissions',
            `${relative} holds files that are not shared with you; only the host can move it`,
          );
        await fs.rename(absolute, targetAbsolute);
        this.forgetTexts(relative, (key) => {
          const moved = target + key.slice(relative.length);
          session.moveText(key, moved);
          const disk = this.diskTexts.get(key);
          if (disk !== undefined) this.diskTexts.set(moved, disk);
        });
        await tree.refresh(target);
        break;
      }
    }
    await tree.refresh(relative);
  }

  /**
   * A guest's change to a protected path (or to a folder holding one) is carried out only once the
   * host approves it, seeing the change; otherwise it is refused and a refused save puts the shared
   * text back to what the host's disk holds.
   */
  private async checkBoundary(request: FileRequest, relative: string): Promise<void> {
    const { session, tree } = this.options;
    let before: string | undefined;
    let after: string | undefined;
    const paths = [relative];
    if (request.op === 'rename') paths.push((await this.insidePath(request.target)) as string);
    if (request.op === 'delete' || request.op === 'rename')
      for (const entry of await this.below(relative)) paths.push(entry.relative);
    if (request.op === 'save' || request.op === 'write') {
      before = await readTextFile(tree.absolute(relative));
      if (request.op === 'save') {
        const info = session.fileInfo(relative);
        const text = session.text(relative);
        after = text && info ? fromLf(text.toString(), info.eol) : undefined;
      } else {
        const decoded = decodeSharedText(
          request.content instanceof Uint8Array ? request.content : new Uint8Array(),
        );
        after = 'unshared' in decoded ? undefined : decoded.text;
      }
    }
    const reasons = [
      ...new Set(
        paths.flatMap((path) =>
          this.boundary.reasons(
            path,
            path === relative ? before : undefined,
            path === relative ? after : undefined,
          ),
        ),
      ),
    ];
    if (reasons.length === 0) return;
    const change: GuestChangeApproval = {
      by: String(request.by ?? 'a guest'),
      op: request.op,
      path: relative,
      target: request.op === 'rename' ? paths[1] : undefined,
      reasons,
      before,
      after,
    };
    const approved = this.options.approve ? await this.options.approve(change).catch(() => false) : false;
    this.options.log?.(
      'info',
      `${approved ? 'approved' : 'declined'}: ${request.op} ${relative} by ${change.by}`,
    );
    if (approved) return;
    if (request.op === 'save' || request.op === 'write') {
      // The shared text goes back to the disk's, so nobody keeps editing a change that was refused.
      const text = session.text(relative);
      if (text && before !== undefined) replaceText(text, toLf(before), DISK_ORIGIN);
    }
    throw new FileOperationError(
      'NoPermissions',
      `the host did not allow this change to ${relative} (${reasons.join('; ')})`,
    );
  }

  /** Every entry below a folder on disk (files and folders, shared or not); empty for a file. */
  private async below(relative: string): Promise<{ relative: string; dir: boolean }[]> {
    const absolute = this.options.tree.absolute(relative);
    const found: { relative: string; dir: boolean }[] = [];
    const walk = async (dir: string, prefix: string): Promise<void> => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const entry of entries) {
        const child = `${prefix}/${entry.name}`;
        const isDir = entry.isDirectory() && !entry.isSymbolicLink();
        found.push({ relative: child, dir: isDir });
        if (isDir) await walk(path.join(dir, entry.name), child);
      }
    };
    const stat = await fs.lstat(absolute).catch(() => undefined);
    if (stat?.isDirectory()) await walk(absolute, relative);
    return found;
  }

  /**
   * Deletes what the guest can see: a file, or a folder's shared files and the folders left empty.
   * Files hidden from the guest (excluded from sharing) and the folders holding them stay on disk.
   */
  private async deleteVisible(relative: string, recursive: boolean): Promise<void> {
    const { tree } = this.options;
    const absolute = tree.absolute(relative);
    const stat = await fs.lstat(absolute);
    if (!stat.isDirectory()) {
      await fs.rm(absolute, { force: false });
      return;
    }
    const entries = await this.below(relative);
    if (entries.length > 0 && !recursive)
      throw new FileOperationError('NoPermissions', `${relative} is not empty`);
    // Deepest first, so a folder is looked at after everything in it.
    const ordered = [...entries].sort((a, b) => b.relative.split('/').length - a.relative.split('/').length);
    for (const entry of ordered) {
      const target = tree.absolute(entry.relative);
      if (entry.dir) {
        await fs.rmdir(target).catch(() => undefined);
      } else if (tree.isShared(entry.relative)) {
        await fs.rm(target, { force: true });
      }
    }
    await fs.rmdir(absolute).catch(() => undefined);
  }

  /** Runs `each` for a path's shared text and those of every file below it. */
  private forgetTexts(relative: string, each: (key: string) => void): void {
    for (const key of [...this.options.session.texts.keys()])
      if (key === relative || key.startsWith(`${relative}/`)) {
        each(key);
        this.diskTexts.delete(key);
      }
  }
}

/** Replaces a Y.Text's content by `next` with the smallest edit, under `origin`. */
export function replaceText(text: Y.Text, next: string, origin: unknown): void {
  const current = text.toString();
  if (current === next) return;
  const [change] = minimalReplacement(current, next).replacements();
  if (!change) return;
  text.doc!.transact(() => {
    if (change.to > change.from) text.delete(change.from, change.to - change.from);
    if (change.insert) text.insert(change.from, change.insert);
  }, origin);
}

function describeRequest(request: FileRequest): string {
  const what = request.op === 'mkdir' ? 'creating a folder at' : `${String(request.op)} of`;
  return `${what} ${String(request.path)}`;
}

/** A file's text (UTF-8, without a BOM), or undefined when it is absent or not text. */
async function readTextFile(absolute: string): Promise<string | undefined> {
  try {
    const decoded = decodeSharedText(await fs.readFile(absolute));
    return 'unshared' in decoded ? undefined : decoded.text;
  } catch {
    return undefined;
  }
}

async function pathExists(absolute: string): Promise<boolean> {
  try {
    await fs.lstat(absolute);
    return true;
  } catch {
    return false;
  }
}

function fsErrorResponse(error: unknown): { code: FileErrorCode; message: string } {
  const code = (error as NodeJS.ErrnoException)?.code;
  // Node's messages quote absolute paths; guests see only the file names.
  const message =
    error instanceof Error
      ? error.message.replace(/'([^']*)'/g, (_quoted, inner: string) => `'${path.basename(inner)}'`)
      : String(error);
  switch (code) {
    case 'ENOENT':
      return { code: 'FileNotFound', message };
    case 'EEXIST':
      return { code: 'FileExists', message };
    case 'EISDIR':
      return { code: 'FileIsADirectory', message };
    case 'EACCES':
    case 'EPERM':
      return { code: 'NoPermissions', message };
    default:
      return { code: 'Unavailable', message };
  }
}
