// `tandem.trust.excludeGlobs` from a workspace or folder can add exclusions, never remove one: a
// `!pattern` there (a cloned repository's `"!.env"`) is dropped, and the user is told so once.
import * as vscode from 'vscode';
import type { Settings } from '../../settings';
import { mergeExcludeGlobs, type SettingLevels } from '../workspaceRedirects';

export class WorkspaceExclusions implements vscode.Disposable {
  /** Dropped patterns already reported in this window. */
  private readonly reported = new Set<string>();
  /** Shows the notice (an information message by default). */
  notify: (message: string) => void = (message) => void vscode.window.showInformationMessage(message);
  private readonly registration: vscode.Disposable;

  constructor(
    private readonly settings: Settings,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.registration = settings.guard('trust.excludeGlobs', () => this.read());
  }

  /** The user's globs, then every workspace and folder glob that excludes; `!` ones are reported. */
  read(): string[] {
    const globs: string[] = [];
    const ignored: string[] = [];
    const scopes: (vscode.WorkspaceFolder | undefined)[] = [
      undefined,
      ...(vscode.workspace.workspaceFolders ?? []),
    ];
    for (const scope of scopes) {
      const levels: SettingLevels<string[]> = this.settings.inspect('trust.excludeGlobs', scope) ?? {};
      const merged = mergeExcludeGlobs({
        defaultValue: levels.defaultValue,
        globalValue: levels.globalValue,
        workspaceValue: levels.workspaceValue,
        // Asked without a folder, the folder level is not read.
        workspaceFolderValue: scope ? levels.workspaceFolderValue : undefined,
      });
      for (const glob of merged.globs) if (!globs.includes(glob)) globs.push(glob);
      ignored.push(...merged.ignored);
    }
    const fresh = [...new Set(ignored)].filter((glob) => !this.reported.has(glob));
    if (fresh.length) {
      for (const glob of fresh) this.reported.add(glob);
      const list = fresh.map((glob) => `"${glob}"`).join(', ');
      this.log.warn(
        `Ignored ${list} in the workspace's tandem.trust.excludeGlobs: it may add exclusions only`,
      );
      this.notify(
        `Tandem ignored ${list} in this workspace's tandem.trust.excludeGlobs: a workspace can add files to keep from models, never re-include one. To re-include a file, put the pattern in your user settings.`,
      );
    }
    return globs;
  }

  dispose(): void {
    this.registration.dispose();
  }
}
