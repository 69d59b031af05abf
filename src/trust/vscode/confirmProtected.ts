import * as vscode from 'vscode';
import type { ProtectedChange } from '../protectedPaths';

const APPLY = 'Apply Anyway';

/**
 * Asks, in a modal dialog, before a proposal writes where it could make something run, reach outside
 * the workspace, or widen what Tandem sends. Resolves true only when the user chose to apply.
 */
export async function confirmProtectedChanges(
  changes: readonly ProtectedChange[],
  displayPath: (path: string) => string = (path) => vscode.workspace.asRelativePath(path),
): Promise<boolean> {
  if (changes.length === 0) return true;
  const lines = changes.map(
    (change) => `• ${displayPath(change.path)}: ${change.reasons.map((reason) => reason.message).join('; ')}`,
  );
  const subject =
    changes.length === 1
      ? 'This AI proposal changes a protected file'
      : `This AI proposal changes ${changes.length} protected files`;
  const choice = await vscode.window.showWarningMessage(
    `${subject}. Review it before applying.`,
    {
      modal: true,
      detail: `${lines.join('\n')}\n\nTandem never runs commands; these files could make other tools run them.`,
    },
    APPLY,
  );
  return choice === APPLY;
}
