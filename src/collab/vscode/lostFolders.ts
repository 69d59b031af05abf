/**
 * After joining reloaded the window: puts back the folders its workspace file lists but the window
 * does not show (see workspaceFileFolders.ts for how the web workbench loses them), so the guest ends
 * up in the session with the shared folder in the Explorer instead of in an empty window.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { SESSION_SCHEME } from '../../workspace/vscode/fileAddress';
import type { RejoinRecords } from '../rejoinRecords';
import { folderKey, type ListedFolder, listedFolders, missingFolders } from '../workspaceFileFolders';

/** How long the workbench gets to show the folders itself before Tandem adds them. */
const LATE_FOLDERS_MS = 4000;

interface Folder {
  uri: vscode.Uri;
  name?: string;
  key: string;
}

export type LostFoldersOutcome =
  | { kind: 'nothing-lost' }
  /** `restartsExtensionHost`: the window's first folder changed, so VS Code restarts this extension host. */
  | { kind: 'restored'; folders: number; restartsExtensionHost: boolean }
  | { kind: 'failed'; room: string; why: string };

function toUri(folder: ListedFolder, workspaceFile: vscode.Uri): vscode.Uri {
  if (folder.uri) {
    const uri = vscode.Uri.parse(folder.uri);
    // In a remote window the extension host's own disk is `file:` (VS Code maps it on the way out).
    return uri.scheme === 'vscode-remote' && vscode.env.remoteName ? vscode.Uri.file(uri.path) : uri;
  }
  const given = folder.path!;
  if (/^([a-zA-Z]:)?[\\/]/.test(given))
    return workspaceFile.scheme === 'file'
      ? vscode.Uri.file(given)
      : workspaceFile.with({ path: given.replace(/\\/g, '/') });
  return vscode.Uri.joinPath(workspaceFile, '..', ...given.split(/[\\/]/));
}

const shownKeys = () => (vscode.workspace.workspaceFolders ?? []).map((folder) => folderKey(folder.uri));

/** Resolves when the window's folders change or after `ms`, whichever is first. */
function foldersChangeOrTimeout(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const listener = vscode.workspace.onDidChangeWorkspaceFolders(() => done());
    const timer = setTimeout(() => done(), ms);
    function done() {
      clearTimeout(timer);
      listener.dispose();
      resolve();
    }
  });
}

export async function restoreLostFolders(
  records: RejoinRecords,
  log: vscode.LogOutputChannel,
): Promise<LostFoldersOutcome> {
  const workspaceFile = vscode.workspace.workspaceFile;
  if (!workspaceFile || workspaceFile.scheme === 'untitled') return { kind: 'nothing-lost' };
  let text: string;
  try {
    text = new TextDecoder().decode(await vscode.workspace.fs.readFile(workspaceFile));
  } catch {
    return { kind: 'nothing-lost' };
  }
  const listed: Folder[] = listedFolders(text).map((folder) => {
    const uri = toUri(folder, workspaceFile);
    return { uri, name: folder.name, key: folderKey(uri) };
  });
  const sessionRoom = (folders: Folder[]) =>
    folders.find((folder) => folder.uri.scheme === SESSION_SCHEME && records.get(folder.uri.authority))?.uri
      .authority;
  const deadline = Date.now() + LATE_FOLDERS_MS;
  let missing = missingFolders(listed, shownKeys());
  while (sessionRoom(missing) && Date.now() < deadline) {
    await foldersChangeOrTimeout(deadline - Date.now());
    missing = missingFolders(listed, shownKeys());
  }
  const room = sessionRoom(missing);
  if (!room) return { kind: 'nothing-lost' };
  log.warn(
    `[collab] this window shows ${shownKeys().length} of the ${listed.length} folders its workspace file (${path.basename(workspaceFile.path)}) lists; adding back ${missing.map((folder) => folder.uri.toString()).join(', ')}`,
  );
  const shown = vscode.workspace.workspaceFolders?.length ?? 0;
  const added = vscode.workspace.updateWorkspaceFolders(
    shown,
    0,
    ...missing.map((folder) => (folder.name ? { uri: folder.uri, name: folder.name } : { uri: folder.uri })),
  );
  if (!added)
    return {
      kind: 'failed',
      room,
      why: 'the shared folder did not come back after the window reloaded, and VS Code refused to add it again.',
    };
  return { kind: 'restored', folders: missing.length, restartsExtensionHost: shown === 0 };
}
