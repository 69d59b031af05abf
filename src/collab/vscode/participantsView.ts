/**
 * The Participants view: who is in the session, which file they are in, active or idle, with
 * Follow on each. Icons are small SVG dots in each participant's colour (theme icons cannot take an
 * arbitrary colour), written once per colour to the extension's storage.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Participant } from '../presence';

export class ParticipantItem extends vscode.TreeItem {
  constructor(
    readonly participant: Participant,
    iconPath: vscode.Uri,
    following: boolean,
  ) {
    super(
      participant.self ? `${participant.label} (you)` : participant.label,
      vscode.TreeItemCollapsibleState.None,
    );
    const assistant = participant.kind === 'assistant';
    const role = assistant
      ? ''
      : participant.role === 'host'
        ? 'host'
        : participant.role === 'ro'
          ? 'read-only'
          : '';
    const where = participant.file ? participant.file.split('/').pop() : 'no shared file open';
    const activity = assistant ? 'working' : participant.idle ? 'idle' : 'active';
    this.description = [role, where, activity, following ? 'following' : ''].filter(Boolean).join(' · ');
    this.tooltip = new vscode.MarkdownString(
      `**${escape(participant.label)}**${role && !assistant ? ` (${role})` : ''}\n\n` +
        `${participant.file ? `In \`${escape(participant.file)}\`` : 'No shared file open'} · ${activity}`,
    );
    this.iconPath = iconPath;
    // An assistant can be followed, not removed (removing is for the person who asked).
    this.contextValue = participant.self ? 'self' : assistant ? 'assistant' : 'participant';
    this.id = `participant-${participant.key}`;
    if (!participant.self)
      this.command = {
        command: 'tandem.collab.follow',
        title: 'Follow',
        arguments: [assistant ? participant.key : participant.clientId],
      };
  }
}

export class ParticipantsView implements vscode.TreeDataProvider<ParticipantItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private participants: Participant[] = [];
  private following: string | undefined;

  constructor(private readonly iconDir: vscode.Uri) {}

  /** `following`: the key of the participant followed. */
  update(participants: Participant[], following?: string): void {
    this.participants = participants;
    this.following = following;
    this.changed.fire();
  }

  getTreeItem(item: ParticipantItem): vscode.TreeItem {
    return item;
  }

  getChildren(): ParticipantItem[] {
    return this.participants.map(
      (participant) =>
        new ParticipantItem(
          participant,
          this.dot(participant.color, participant.idle),
          participant.key === this.following,
        ),
    );
  }

  dispose(): void {
    this.changed.dispose();
  }

  private dot(color: string, idle: boolean): vscode.Uri {
    const name = `${color.slice(1)}${idle ? '-idle' : ''}.svg`;
    const file = path.join(this.iconDir.fsPath, name);
    if (!fs.existsSync(file)) {
      fs.mkdirSync(this.iconDir.fsPath, { recursive: true });
      const fill = idle ? 'none' : color;
      fs.writeFileSync(
        file,
        `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16"><circle cx="8" cy="8" r="5" fill="${fill}" stroke="${color}" stroke-width="2"/></svg>`,
      );
    }
    return vscode.Uri.file(file);
  }
}

function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!<>|]/g, '\\$&');
}
