import * as vscode from 'vscode';

/** What Tandem is doing, as the status bar shows it. Later capabilities report through `set`. */
export interface StatusReport {
  /** Short text after the Tandem icon, e.g. "ready", "waiting", "312 ms". */
  text: string;
  /** Markdown tooltip lines. */
  tooltip?: string;
  /** Commands the tooltip may link to (`[title](command:id)`); other command links stay inert. */
  commands?: readonly string[];
  /** Drawn with the warning or error background. */
  severity?: 'normal' | 'warning' | 'error';
  /** Shows a spinning icon. */
  busy?: boolean;
  /** A codicon other than the default sparkle, e.g. "shield" (busy and error icons take precedence). */
  icon?: string;
  /** What a click runs from now on (a command id, or one with arguments); unchanged when absent. */
  click?: string | { title: string; command: string; args?: readonly unknown[] };
}

/** Tandem's main status bar item; a click opens the log unless a capability sets another command. */
export class TandemStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;

  constructor() {
    this.item = vscode.window.createStatusBarItem('tandem.status', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'Tandem';
    this.set({ text: 'ready', tooltip: 'Tandem is active. Click to show the log.' });
    this.item.command = 'tandem.showLog';
    this.item.show();
  }

  set(report: StatusReport): void {
    const icon = report.busy
      ? '$(loading~spin)'
      : report.severity === 'error'
        ? '$(error)'
        : `$(${report.icon ?? 'sparkle'})`;
    this.item.text = `${icon} Tandem: ${report.text}`;
    const tooltip = new vscode.MarkdownString(report.tooltip ?? `Tandem: ${report.text}`, true);
    if (report.commands?.length) tooltip.isTrusted = { enabledCommands: [...report.commands] };
    this.item.tooltip = tooltip;
    this.item.backgroundColor =
      report.severity === 'error'
        ? new vscode.ThemeColor('statusBarItem.errorBackground')
        : report.severity === 'warning'
          ? new vscode.ThemeColor('statusBarItem.warningBackground')
          : undefined;
    this.item.accessibilityInformation = { label: `Tandem: ${report.text}` };
    const click = report.click;
    if (click !== undefined)
      this.item.command =
        typeof click === 'string'
          ? click
          : { title: click.title, command: click.command, arguments: click.args && [...click.args] };
  }

  /** The command a click runs (its id). */
  get clickCommand(): string | undefined {
    const command = this.item.command;
    return typeof command === 'string' ? command : command?.command;
  }

  get text(): string {
    return this.item.text;
  }

  dispose(): void {
    this.item.dispose();
  }
}
