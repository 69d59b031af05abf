// The host's prompt for a guest's change to a protected path: a modal dialog with the reasons and
// the diff. Nothing is written unless the host clicks Allow.
import * as vscode from 'vscode';
import { describeGuestChange, type GuestChangeApproval } from '../guestBoundary';

export const ALLOW_CHANGE = 'Allow';

export async function approveGuestChange(
  change: GuestChangeApproval,
  log: vscode.LogOutputChannel,
): Promise<boolean> {
  const { message, detail } = describeGuestChange(change);
  log.warn(`[collab] ${message}\n${detail}`);
  const answer = await vscode.window.showWarningMessage(
    `Tandem: ${message}`,
    { modal: true, detail },
    ALLOW_CHANGE,
  );
  return answer === ALLOW_CHANGE;
}
