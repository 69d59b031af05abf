/**
 * Files addressed the one way Tandem does, for VS Code's `Uri`s: the path the trust gate checks, the
 * path a model is shown, the file a model's path stands for, and which documents a capability serves.
 * The string arithmetic lives in ../fileAddress.ts and ../namedPath.ts.
 */
import * as os from 'node:os';
import * as vscode from 'vscode';
import {
  displayPathIn,
  isServedScheme,
  isWorkspaceScheme,
  parseSessionAddress,
  SESSION_SCHEME,
} from '../fileAddress';
import { checkNamedPath } from '../namedPath';

export { SESSION_SCHEME } from '../fileAddress';

/**
 * The path the trust gate checks and shows for a document: the name of an untitled editor, a shared
 * session's file as a guest sees it by its whole address (`tandem://room/src/a.ts`, which the
 * exclusion rules judge relative to `tandem://room`, and which a model's answer can name), and the
 * file-system path for everything else (local and remote files, and views of them such as `git:`).
 */
export function trustPathOf(uri: vscode.Uri): string {
  if (uri.scheme === 'untitled') return uri.path;
  if (uri.scheme === SESSION_SCHEME) return `${SESSION_SCHEME}://${uri.authority}${uri.path}`;
  return uri.fsPath;
}

/** The window's workspace folders as the gate names them: trust path of the root to the folder's name. */
export function workspaceFolderNames(): Map<string, string> {
  return new Map(
    (vscode.workspace.workspaceFolders ?? []).map((folder) => [trustPathOf(folder.uri), folder.name]),
  );
}

/**
 * The path a model is shown for a file (the same as the trust gate shows): workspace-relative,
 * prefixed with the folder's name in a multi-root workspace, `~/…` in the home folder, a session's
 * file outside the folders by its `tandem://room/…` address.
 */
export function displayPathOf(uri: vscode.Uri): string {
  if (uri.scheme !== 'file' && !isWorkspaceScheme(uri.scheme)) return uri.toString(true);
  if (uri.scheme === 'untitled') return uri.path;
  return displayPathIn(trustPathOf(uri), workspaceFolderNames(), os.homedir());
}

/**
 * The file a path named by a model or a context request stands for, resolved the same way for an
 * answer's edit, "redo these" and an @file: inside a workspace folder, a shared session's file named
 * by its `tandem://room/…` address, or a file the request showed the model under that name (`shown`:
 * name to trust path, see `shownNames`). Anything else is refused with the reason.
 */
export function resolveNamedPath(
  named: string,
  shown?: ReadonlyMap<string, string>,
): { uri: vscode.Uri } | { reason: string } {
  if (named.toLowerCase().startsWith(`${SESSION_SCHEME}:`)) {
    const address = parseSessionAddress(named);
    return address
      ? { uri: vscode.Uri.from({ scheme: SESSION_SCHEME, authority: address.room, path: address.path }) }
      : { reason: `${named} is not a file of a shared session (a room and a path without ".." are needed)` };
  }
  const folders = vscode.workspace.workspaceFolders ?? [];
  const verdict = checkNamedPath(
    named,
    folders.map((folder) => ({ name: folder.name, path: folder.uri.path })),
    shown,
  );
  if (verdict.kind === 'refused') return { reason: verdict.reason };
  if (verdict.kind === 'shown') {
    const uri = uriOfTrustPath(verdict.path);
    return uri ? { uri } : { reason: `${named} cannot be written (it is not a file on disk)` };
  }
  return { uri: vscode.Uri.joinPath(folders[verdict.folder].uri, ...verdict.segments) };
}

/** The file a named path stands for, or undefined when it is refused (see resolveNamedPath). */
export function uriForPath(named: string, shown?: ReadonlyMap<string, string>): vscode.Uri | undefined {
  const resolved = resolveNamedPath(named, shown);
  return 'uri' in resolved ? resolved.uri : undefined;
}

/**
 * The names a request showed the model for the files it sent (the gate's display path to the trust
 * path), so that an answer naming one of them resolves to it even outside the workspace folders.
 */
export function shownNames(
  trustPaths: Iterable<string>,
  displayPath: (trustPath: string) => string,
): Map<string, string> {
  const names = new Map<string, string>();
  for (const path of trustPaths) if (uriOfTrustPath(path)) names.set(displayPath(path), path);
  return names;
}

/** The file a trust path stands for: a session's address or an absolute file-system path. */
export function uriOfTrustPath(path: string): vscode.Uri | undefined {
  const address = parseSessionAddress(path);
  if (address)
    return vscode.Uri.from({ scheme: SESSION_SCHEME, authority: address.room, path: address.path });
  if (path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path)) return vscode.Uri.file(path);
  return undefined;
}

export function isInsideWorkspace(uri: vscode.Uri): boolean {
  return vscode.workspace.getWorkspaceFolder(uri) !== undefined;
}

/** A document the panel offers as context (files on disk, untitled editors, a session's files). */
export function isWorkspaceDocument(document: vscode.TextDocument): boolean {
  return isWorkspaceScheme(document.uri.scheme);
}

/** A document inline and next-edit suggestions serve. */
export function isServedDocument(document: vscode.TextDocument): boolean {
  return isServedScheme(document.uri.scheme);
}
