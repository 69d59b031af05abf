import * as path from 'node:path';
import * as vscode from 'vscode';
import { SESSION_SCHEME } from '../../collab/vscode/guestFileSystem';
import { trustPathOf } from '../../trust/vscode/trustPath';
import { normalizePath } from '../editFormat';

/**
 * Paths as the assistant sees them (the trust gate shows files workspace-relative, prefixed with the
 * folder's name in a multi-root workspace) and the files they stand for.
 */
export function displayPathOf(uri: vscode.Uri): string {
  const folders = vscode.workspace.workspaceFolders ?? [];
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  if (!folder)
    return uri.scheme === 'file' || uri.scheme === SESSION_SCHEME ? trustPathOf(uri) : uri.toString(true);
  const relative = path.posix.relative(folder.uri.path, uri.path);
  return folders.length > 1 ? `${folder.name}/${relative}` : relative;
}

/**
 * The file an answer's path names; undefined when there is no workspace to resolve it in. A shared
 * session's file outside the workspace folders is named by its `tandem://room/…` address.
 */
export function uriForPath(answerPath: string): vscode.Uri | undefined {
  if (answerPath.toLowerCase().startsWith(`${SESSION_SCHEME}:`)) return sessionUri(answerPath);
  const folders = vscode.workspace.workspaceFolders ?? [];
  const normalized = normalizePath(answerPath);
  if (path.isAbsolute(answerPath) || /^[A-Za-z]:[\\/]/.test(answerPath)) return vscode.Uri.file(answerPath);
  if (folders.length === 0) return undefined;
  if (folders.length > 1) {
    const [first, ...rest] = normalized.split('/');
    const folder = folders.find((candidate) => candidate.name === first);
    if (folder && rest.length) return vscode.Uri.joinPath(folder.uri, ...rest);
  }
  return vscode.Uri.joinPath(folders[0].uri, ...normalized.split('/'));
}

export function isInsideWorkspace(uri: vscode.Uri): boolean {
  return vscode.workspace.getWorkspaceFolder(uri) !== undefined;
}

/**
 * A shared session's file from its address as the model was shown it (`tandem://room/src/a.ts`,
 * written as is: no percent-encoding, `#` is part of the name). Undefined for an address that climbs
 * (`..`) or names no room.
 */
function sessionUri(address: string): vscode.Uri | undefined {
  const match = /^[^:]+:\/\/?([^/]+)(\/.*)$/.exec(address);
  if (!match) return undefined;
  const segments = match[2].split('/').slice(1);
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) return undefined;
  return vscode.Uri.from({ scheme: SESSION_SCHEME, authority: match[1], path: match[2] });
}
