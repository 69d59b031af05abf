import * as vscode from 'vscode';

/**
 * The path the trust gate checks and shows for a document: the file-system path for files (local or
 * remote), the name of an untitled editor, and `scheme://authority/path` for files of a virtual file
 * system such as a shared session's `tandem://room/…`. The exclusion rules judge a virtual file
 * relative to its `scheme://authority` root, so `.env*`, `secrets/` and `tandem.trust.excludeGlobs`
 * apply to a teammate's shared files exactly as to local ones.
 */
export function trustPathOf(uri: vscode.Uri): string {
  switch (uri.scheme) {
    case 'file':
    case 'vscode-remote':
      return uri.fsPath;
    case 'untitled':
      return uri.path;
    default:
      return `${uri.scheme}://${uri.authority}${uri.path.startsWith('/') ? '' : '/'}${uri.path}`;
  }
}
