import * as path from 'node:path';
import * as vscode from 'vscode';
import { SESSION_SCHEME } from '../../collab/vscode/guestFileSystem';
import { trustPathOf } from '../../trust/vscode/trustPath';
import { checkNamedPath } from '../namedPath';

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
 * The file a path named by a model or a context request stands for, resolved the same way for an
 * answer's edit, "redo these" and an @file: inside a workspace folder, or a shared session's file
 * named by its `tandem://room/…` address. Anything else is refused with the reason.
 */
export function resolveNamedPath(named: string): { uri: vscode.Uri } | { reason: string } {
  if (named.toLowerCase().startsWith(`${SESSION_SCHEME}:`)) {
    const uri = sessionUri(named);
    return uri
      ? { uri }
      : { reason: `${named} is not a file of a shared session (a room and a path without ".." are needed)` };
  }
  const folders = vscode.workspace.workspaceFolders ?? [];
  const verdict = checkNamedPath(
    named,
    folders.map((folder) => ({ name: folder.name, path: folder.uri.path })),
  );
  if (verdict.kind === 'refused') return { reason: verdict.reason };
  return { uri: vscode.Uri.joinPath(folders[verdict.folder].uri, ...verdict.segments) };
}

/** The file a named path stands for, or undefined when it is refused (see resolveNamedPath). */
export function uriForPath(answerPath: string): vscode.Uri | undefined {
  const resolved = resolveNamedPath(answerPath);
  return 'uri' in resolved ? resolved.uri : undefined;
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
