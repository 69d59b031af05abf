// "Save a Copy": writes every shared file's current text (as this participant has it) into a local
// folder, with the host file's line ends, for a guest whose host has left.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { encodeSharedText } from '../hostFiles';
import { normaliseSharedPath } from '../sessionDocument';
import type { CollabSession } from '../session';

export async function saveSharedCopy(
  session: CollabSession,
  log: vscode.LogOutputChannel,
  target?: vscode.Uri,
): Promise<number> {
  const folder =
    target ??
    (
      await vscode.window.showOpenDialog({
        canSelectFiles: false,
        canSelectFolders: true,
        canSelectMany: false,
        openLabel: 'Save Copy Here',
        title: 'Tandem: save a copy of the shared files you opened',
      })
    )?.[0];
  if (!folder) return 0;
  let written = 0;
  for (const [key, text] of session.document.texts.entries()) {
    const relative = normaliseSharedPath(key);
    if (!relative) continue;
    const info = session.document.fileInfo(key) ?? { eol: '\n' as const, bom: false };
    const file = path.join(folder.fsPath, ...relative.split('/'));
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, encodeSharedText(text.toString(), info.eol, info.bom));
    written++;
  }
  log.info(`[collab] saved a copy of ${written} shared file(s) to ${folder.fsPath}`);
  if (!target)
    void vscode.window
      .showInformationMessage(
        `Tandem: saved ${written} shared file${written === 1 ? '' : 's'} to ${folder.fsPath}.`,
        'Open Folder',
      )
      .then(
        (choice) =>
          choice && vscode.commands.executeCommand('vscode.openFolder', folder, { forceNewWindow: true }),
      );
  return written;
}
