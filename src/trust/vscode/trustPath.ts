import * as vscode from 'vscode';
import { SESSION_SCHEME } from '../../collab/vscode/guestFileSystem';

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
