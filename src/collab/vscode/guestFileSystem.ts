/**
 * The `tandem:` file system: a guest's view of the host's shared folder, `tandem://<room>/<path>`.
 * Registered at activation (cheap) so a window reopened with a session folder finds its provider;
 * every call goes to the live session for that room, joining it again if the window was reloaded.
 */
import * as vscode from 'vscode';
import { SESSION_SCHEME } from '../../workspace/fileAddress';
import { FileOperationError } from '../hostFiles';
import type { GuestFiles } from '../guestFiles';

export interface GuestSessionLookup {
  /** The guest files of the live session for `room`, rejoining it if it can; throws if it cannot. */
  guestFiles(room: string): Promise<GuestFiles>;
}

export class GuestFileSystem implements vscode.FileSystemProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.changed.event;
  private readonly subscriptions = new Map<string, { dispose(): void }>();

  constructor(private readonly sessions: GuestSessionLookup) {}

  /** Forwards a session's folder changes to VS Code (explorer, open editors). */
  attach(room: string, files: GuestFiles): vscode.Disposable {
    this.subscriptions.get(room)?.dispose();
    const subscription = files.onDidChange((changes) =>
      this.changed.fire(
        changes.map((change) => ({
          uri: vscode.Uri.from({ scheme: SESSION_SCHEME, authority: room, path: `/${change.path}` }),
          type:
            change.type === 'created'
              ? vscode.FileChangeType.Created
              : change.type === 'deleted'
                ? vscode.FileChangeType.Deleted
                : vscode.FileChangeType.Changed,
        })),
      ),
    );
    this.subscriptions.set(room, subscription);
    return new vscode.Disposable(() => {
      subscription.dispose();
      if (this.subscriptions.get(room) === subscription) this.subscriptions.delete(room);
    });
  }

  /** Tells VS Code a file changed (a read-only guest's editor reloads it). */
  fireChanged(uri: vscode.Uri): void {
    this.changed.fire([{ uri, type: vscode.FileChangeType.Changed }]);
  }

  watch(): vscode.Disposable {
    // Changes come from the session document as they happen; nothing to start per watch.
    return new vscode.Disposable(() => undefined);
  }

  async stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    const files = await this.files(uri);
    return this.call(uri, () => {
      const stat = files.stat(uri.path);
      return {
        type: stat.type === 'dir' ? vscode.FileType.Directory : vscode.FileType.File,
        size: stat.size,
        mtime: stat.mtime,
        ctime: stat.mtime,
        permissions: stat.readOnly ? vscode.FilePermission.Readonly : undefined,
      };
    });
  }

  async readDirectory(uri: vscode.Uri): Promise<[string, vscode.FileType][]> {
    const files = await this.files(uri);
    return this.call(uri, () =>
      files
        .readDirectory(uri.path)
        .map(([name, type]) => [name, type === 'dir' ? vscode.FileType.Directory : vscode.FileType.File]),
    );
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    const files = await this.files(uri);
    return this.call(uri, () => files.readFile(uri.path));
  }

  async writeFile(
    uri: vscode.Uri,
    content: Uint8Array,
    options: { create: boolean; overwrite: boolean },
  ): Promise<void> {
    const files = await this.files(uri);
    await this.call(uri, () => files.writeFile(uri.path, content, options));
  }

  async createDirectory(uri: vscode.Uri): Promise<void> {
    const files = await this.files(uri);
    await this.call(uri, () => files.createDirectory(uri.path));
  }

  async delete(uri: vscode.Uri, options: { recursive: boolean }): Promise<void> {
    const files = await this.files(uri);
    await this.call(uri, () => files.delete(uri.path, options.recursive));
  }

  async rename(oldUri: vscode.Uri, newUri: vscode.Uri, options: { overwrite: boolean }): Promise<void> {
    if (oldUri.authority !== newUri.authority)
      throw vscode.FileSystemError.NoPermissions('Files cannot be moved between Tandem sessions.');
    const files = await this.files(oldUri);
    await this.call(oldUri, () => files.rename(oldUri.path, newUri.path, options.overwrite));
  }

  dispose(): void {
    for (const subscription of this.subscriptions.values()) subscription.dispose();
    this.subscriptions.clear();
    this.changed.dispose();
  }

  private async files(uri: vscode.Uri): Promise<GuestFiles> {
    try {
      return await this.sessions.guestFiles(uri.authority);
    } catch (error) {
      throw vscode.FileSystemError.Unavailable(error instanceof Error ? error.message : String(error));
    }
  }

  /** Runs a file operation and turns its errors into the FileSystemErrors VS Code understands. */
  private async call<T>(uri: vscode.Uri, operation: () => T | Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (!(error instanceof FileOperationError)) throw error;
      const message = `${error.message}`;
      switch (error.code) {
        case 'FileNotFound':
          throw vscode.FileSystemError.FileNotFound(uri);
        case 'FileExists':
          throw vscode.FileSystemError.FileExists(message);
        case 'FileIsADirectory':
          throw vscode.FileSystemError.FileIsADirectory(uri);
        case 'NoPermissions':
          throw vscode.FileSystemError.NoPermissions(message);
        default:
          throw vscode.FileSystemError.Unavailable(message);
      }
    }
  }
}
