// The trust gate inside VS Code: one gate per window, created on first use, whose exclusion rules
// follow the workspace folders, `.tandemignore` files and `tandem.trust.excludeGlobs`, and whose
// request-log mode follows `tandem.trust.requestLog`.

import * as vscode from 'vscode';
import { trustPathOf, workspaceFolderNames } from '../../workspace/vscode/fileAddress';
import type { ModelService } from '../../model/vscode';
import type { Settings } from '../../settings';
import { ExclusionRules, IGNORE_FILE_NAME } from '../exclusion/exclusionRules';
import { readIgnoreFileFromDisk } from '../exclusion/readIgnoreFile';
import { TrustGate } from '../gate';
import type { ProposedFileChange, ProtectedChange } from '../protectedPaths';
import { SecretVault } from '../secrets/secretVault';
import type { RequestLogMode } from '../types';
import { confirmProtectedChanges } from './confirmProtected';

declare module '../../settings' {
  interface SettingsSchema {
    'trust.excludeGlobs': string[];
    'trust.requestLog': RequestLogMode;
  }
}

export interface TrustServiceDeps {
  readonly settings: Settings;
  readonly model: ModelService;
  readonly log: vscode.LogOutputChannel;
}

export class TrustService implements vscode.Disposable {
  private gateInstance: TrustGate | undefined;
  /** Shared sessions joined as a guest, with their hosts' globs: kept here so a new gate gets them. */
  private readonly sessionGlobs = new Map<string, readonly string[]>();
  private disposed = false;
  private mode: RequestLogMode | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly reportedNegations = new Set<string>();
  /** Shows a notice about ignored `!` lines (an information message by default). */
  notifyIgnored: (message: string) => void = (message) => void vscode.window.showInformationMessage(message);

  constructor(private readonly deps: TrustServiceDeps) {}

  /** The window's gate, created on first use. Every model request goes through it. */
  get gate(): TrustGate {
    if (!this.gateInstance) {
      const rules = this.createRules();
      this.gateInstance = new TrustGate({
        model: this.deps.model.client,
        rules,
        vault: new SecretVault(),
        requestLogMode: () => this.logMode(),
        folderNames: workspaceFolderNames,
      });
      for (const [root, globs] of this.sessionGlobs) this.gateInstance.setSessionGlobs(root, globs);
      this.watchRequestLogMode();
      this.deps.log.info(`Trust gate ready; ${rules.workspaceRoots.length} workspace folder(s)`);
    }
    return this.gateInstance;
  }

  /**
   * A shared session this window joined as a guest (`tandem://room`), with the globs its host keeps
   * from models; `undefined` once it is left.
   */
  setSessionGlobs(root: string, globs: readonly string[] | undefined): void {
    // Leaving at shutdown comes after this service is disposed: nothing to do then.
    if (this.disposed) return;
    if (globs === undefined) this.sessionGlobs.delete(root);
    else this.sessionGlobs.set(root, globs);
    this.gateInstance?.setSessionGlobs(root, globs);
    this.deps.log.info(
      globs === undefined
        ? `Trust rules: left ${root}`
        : `Trust rules: joined ${root}${globs.length ? `; its host keeps ${globs.join(', ')} from models` : ''}`,
    );
  }

  /** Whether a file may never be sent to a model. */
  isExcluded(path: string): boolean {
    return this.gate.isExcluded(path);
  }

  /** The proposed changes that need confirmation (empty when none do). */
  protectedChanges(changes: readonly ProposedFileChange[]): ProtectedChange[] {
    return this.gate.protectedChanges(changes);
  }

  /**
   * Checks a proposal's changes and, if any touches a protected path, asks the user in a modal
   * dialog. Resolves true when the proposal may be applied.
   */
  async confirmProposal(changes: readonly ProposedFileChange[]): Promise<boolean> {
    const found = this.protectedChanges(changes);
    if (found.length === 0) return true;
    const confirmed = await confirmProtectedChanges(found);
    this.deps.log.info(
      `Protected change(s) ${confirmed ? 'confirmed' : 'declined'}: ${found.map((change) => change.path).join(', ')}`,
    );
    return confirmed;
  }

  private createRules(): ExclusionRules {
    const rules = new ExclusionRules({
      roots: this.folderPaths(),
      userGlobs: this.deps.settings.get('trust.excludeGlobs'),
      readIgnoreFile: (file) =>
        readIgnoreFileFromDisk(file, (error) =>
          this.deps.log.warn(`Could not read ${file}: ${String(error)}`),
        ),
      onIgnoredNegations: (file, patterns) => this.reportIgnoredNegations(file, patterns),
    });
    const watcher = vscode.workspace.createFileSystemWatcher(`**/${IGNORE_FILE_NAME}`);
    const changed = (uri: vscode.Uri) => {
      rules.invalidateIgnoreFile(uri.fsPath);
      this.deps.log.info(`Exclusion rules reloaded: ${uri.fsPath} changed`);
    };
    this.disposables.push(
      watcher,
      watcher.onDidCreate(changed),
      watcher.onDidChange(changed),
      watcher.onDidDelete(changed),
      vscode.workspace.onDidChangeWorkspaceFolders(() => rules.setRoots(this.folderPaths())),
      this.deps.settings.watch(['trust.excludeGlobs'], () =>
        rules.setUserGlobs(this.deps.settings.get('trust.excludeGlobs')),
      ),
    );
    return rules;
  }

  /** Says once per file and lines that a `.tandemignore`'s `!` cannot re-include a protected file. */
  private reportIgnoredNegations(file: string, patterns: readonly string[]): void {
    const key = `${file}\n${patterns.join('\n')}`;
    if (this.reportedNegations.has(key)) return;
    this.reportedNegations.add(key);
    const list = patterns.map((pattern) => `"${pattern}"`).join(', ');
    this.deps.log.warn(`${file}: ${list} ignored (cannot re-include built-in or user exclusions)`);
    this.notifyIgnored(
      `Tandem ignored ${list} in ${file}: a .tandemignore can keep more files from models, never re-include one that Tandem's built-in patterns or your own settings exclude.`,
    );
  }

  /** Every workspace folder, a shared session's included (as `tandem://room/`). */
  private folderPaths(): string[] {
    return (vscode.workspace.workspaceFolders ?? []).map((folder) => trustPathOf(folder.uri));
  }

  private logMode(): RequestLogMode {
    return this.deps.settings.get('trust.requestLog') === 'off' ? 'off' : 'memory';
  }

  /**
   * "off" keeps no prompt or answer text in the request log, for any request. Switching either way
   * clears the log, so no text from before "off" survives it and the log's memory budget restarts.
   */
  private watchRequestLogMode(): void {
    const log = this.deps.model.requestLog;
    this.disposables.push(
      this.deps.settings.watch(['trust.requestLog'], () => {
        const mode = this.logMode();
        if (this.mode !== undefined && this.mode !== mode) log.clear();
        this.mode = mode;
      }),
    );
    const stripped = log.onDidChange((record) => {
      if (this.mode !== 'off' || record.contentDropped) return;
      record.sent = undefined;
      record.received = undefined;
      record.contentDropped = true;
    });
    this.disposables.push({ dispose: () => stripped.dispose() });
  }

  dispose(): void {
    this.disposed = true;
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
    this.gateInstance = undefined;
  }
}

/** Creates the (lazy) trust service; dispose it to undo everything. */
export function registerTrust(deps: TrustServiceDeps): TrustService {
  return new TrustService(deps);
}
