/**
 * Which folders a `.code-workspace` file lists, and which of them a window failed to show.
 *
 * Why this exists: joining a session from a window with one folder (or none) makes VS Code create an
 * untitled workspace and reload into it. In the web workbench the reloaded window first shows the
 * workspace's cached folder list (empty for a workspace it has never shown) and fills in the real one
 * when the remote file system is ready; on a fast browser that late update can be lost, leaving an
 * empty workspace whose file on disk does list the folders. Tandem reads the file and puts them back.
 */
import { parse, type ParseError } from 'jsonc-parser';

export interface ListedFolder {
  /** The folder as the workspace file names it: a URI, or a path (absolute or relative to the file). */
  uri?: string;
  path?: string;
  name?: string;
}

/** The folders of a workspace file's text; none when it cannot be read as a workspace. */
export function listedFolders(text: string): ListedFolder[] {
  const errors: ParseError[] = [];
  const parsed = parse(text, errors, { allowTrailingComma: true }) as { folders?: unknown } | undefined;
  if (!parsed || typeof parsed !== 'object' || !Array.isArray(parsed.folders)) return [];
  const folders: ListedFolder[] = [];
  for (const entry of parsed.folders as unknown[]) {
    if (!entry || typeof entry !== 'object') continue;
    const { uri, path, name } = entry as Record<string, unknown>;
    const folder: ListedFolder = {};
    if (typeof uri === 'string' && uri) folder.uri = uri;
    else if (typeof path === 'string' && path) folder.path = path;
    else continue;
    if (typeof name === 'string' && name) folder.name = name;
    folders.push(folder);
  }
  return folders;
}

/**
 * A key that is the same for one folder however it is spelled: the extension host of a remote window
 * sees its own disk as `file:` where the workspace file says `vscode-remote://<authority>`.
 */
export function folderKey(uri: { scheme: string; authority: string; path: string }): string {
  const trimmed = uri.path.replace(/\/+$/, '') || '/';
  if (uri.scheme === 'file' || uri.scheme === 'vscode-remote') return `disk:${trimmed}`;
  return `${uri.scheme}://${uri.authority.toLowerCase()}${trimmed}`;
}

/** The listed folders whose key is not among the shown ones, in the file's order. */
export function missingFolders<T extends { key: string }>(
  listed: readonly T[],
  shownKeys: Iterable<string>,
): T[] {
  const shown = new Set(shownKeys);
  return listed.filter((folder) => !shown.has(folder.key));
}
