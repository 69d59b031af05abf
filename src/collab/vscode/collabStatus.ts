/**
 * The session's own status bar item (beside Tandem's main one): connected / reconnecting / offline,
 * how many are in the session, "unsynced" while your edits are not yet confirmed by the server, and
 * "in sync" only while the last digest comparison with the server matched (verified sync).
 */
import * as vscode from 'vscode';
import type { ConnectionState } from '../connection';

export interface CollabStatusReport {
  state: ConnectionState | 'ended';
  participants: number;
  unsynced: boolean;
  /** The last digest comparison with the server matched (see SessionConnection.verification). */
  verified: boolean;
  role: 'host' | 'rw' | 'ro';
  following?: string;
  detail?: string;
}

export class CollabStatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(
    'tandem.collab.status',
    vscode.StatusBarAlignment.Left,
    10,
  );

  constructor() {
    this.item.name = 'Tandem Session';
    this.item.command = 'tandem.collab.sessionMenu';
  }

  get text(): string {
    return this.item.text;
  }

  update(report: CollabStatusReport): void {
    const { state } = report;
    const icon =
      state === 'connected'
        ? '$(live-share)'
        : state === 'connecting' || state === 'reconnecting'
          ? '$(sync~spin)'
          : '$(debug-disconnect)';
    const word =
      state === 'connected'
        ? `${report.participants} in session`
        : state === 'expired'
          ? 'link expired'
          : state === 'refused'
            ? 'refused'
            : state === 'closed'
              ? 'left'
              : state;
    const parts = [`${icon} ${word}`];
    if (report.unsynced) parts.push('$(cloud-upload) unsynced');
    else if (state === 'connected' && report.verified) parts.push('$(check) in sync');
    if (report.following) parts.push(`$(eye) ${report.following}`);
    this.item.text = parts.join('  ');
    const role = report.role === 'host' ? 'hosting' : report.role === 'ro' ? 'read-only guest' : 'guest';
    const lines = [
      `**Tandem session** (${role}): ${describeState(state)}`,
      `${report.participants} participant${report.participants === 1 ? '' : 's'}`,
      report.unsynced
        ? 'Some of your edits are not yet confirmed by the server; they are kept and sent when it is reachable.'
        : 'All your edits are confirmed by the server.',
      report.verified
        ? 'In sync: your copy matched the server at the last check.'
        : 'Not verified yet: your copy is compared with the server after connecting and every 10 seconds.',
    ];
    if (report.following) lines.push(`Following ${report.following} (move or type to stop).`);
    if (report.detail) lines.push(report.detail);
    this.item.tooltip = new vscode.MarkdownString(lines.join('\n\n'));
    this.item.backgroundColor =
      state === 'expired' || state === 'refused'
        ? new vscode.ThemeColor('statusBarItem.errorBackground')
        : state !== 'connected' || report.unsynced
          ? new vscode.ThemeColor('statusBarItem.warningBackground')
          : undefined;
    this.item.accessibilityInformation = {
      label: `Tandem session ${describeState(state)}, ${report.participants} participants${report.unsynced ? ', unsynced edits' : ''}`,
    };
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}

function describeState(state: CollabStatusReport['state']): string {
  switch (state) {
    case 'connected':
      return 'connected';
    case 'connecting':
      return 'connecting…';
    case 'reconnecting':
      return 'connection lost, reconnecting…';
    case 'offline':
      return 'offline';
    case 'expired':
      return 'the invite link expired or is not valid';
    case 'refused':
      return 'the server refused the session';
    case 'ended':
      return 'the host ended the session';
    case 'closed':
      return 'left';
  }
}
