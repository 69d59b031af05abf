// Settings a repository must not be able to redirect on its own: where code, keys and session
// traffic go. A value from workspace or folder settings is used only after the user allows that
// exact value once ("This workspace wants to send code to …"); until then the user's own setting is.
import * as vscode from 'vscode';
import type { SettingKey, Settings, SettingsSchema } from '../../settings';
import { decideRedirect } from '../workspaceRedirects';

/** The guarded settings, and what a workspace value of each would do, for the prompt. */
const GUARDED = {
  'model.baseUrl': (value: string) => `send your code (and prompts) to the model server ${value}`,
  'collab.serverUrl': (value: string) => `run shared sessions on the server ${value}`,
  'collab.listenHost': (value: string) => `let shared sessions listen on ${value}`,
} as const;

type GuardedKey = keyof typeof GUARDED & SettingKey;

const STORE_KEY = 'tandem.trust.confirmedWorkspaceSettings';
export const ALLOW = 'Allow';
export const USE_MINE = 'Use my own setting';

/** How the user is asked; a test host answers it the way a person would click. */
export type RedirectPrompt = (message: string, ...actions: string[]) => Thenable<string | undefined>;

export class WorkspaceRedirects implements vscode.Disposable {
  /** Asks the user (a warning notification with two buttons by default). */
  prompt: RedirectPrompt = (message, ...actions) => vscode.window.showWarningMessage(message, ...actions);
  /** Values already asked about in this window (answered or still open): asked once per window. */
  private readonly asked = new Set<string>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly settings: Settings,
    private readonly memory: vscode.Memento,
    private readonly log: vscode.LogOutputChannel,
  ) {
    for (const key of Object.keys(GUARDED) as GuardedKey[])
      this.disposables.push(settings.guard(key, () => this.read(key)));
  }

  /** The value of a guarded setting to use now (asking about an unconfirmed workspace value). */
  read<K extends GuardedKey>(key: K): SettingsSchema[K] {
    const levels = this.settings.inspect(key) ?? {};
    const verdict = decideRedirect<string>(
      levels as never,
      (value) => this.isConfirmed(key, value),
      (a, b) => a.trim() === b.trim(),
    );
    if (!verdict) throw new Error(`Setting tandem.${key} is not declared in package.json`);
    if (verdict.unconfirmed !== undefined) this.ask(key, verdict.unconfirmed);
    return verdict.value as SettingsSchema[K];
  }

  /** Whether the user allowed this workspace's `value` for `key`. */
  isConfirmed(key: GuardedKey, value: string): boolean {
    return this.confirmed()[workspaceId()]?.includes(entry(key, value)) ?? false;
  }

  /** Forgets every confirmation given for this workspace (the next read asks again). */
  async forgetConfirmations(): Promise<void> {
    const all = { ...this.confirmed() };
    delete all[workspaceId()];
    await this.memory.update(STORE_KEY, all);
    this.asked.clear();
    for (const key of Object.keys(GUARDED) as GuardedKey[]) this.settings.notifyChanged(key);
  }

  private ask(key: GuardedKey, value: string): void {
    const id = entry(key, value);
    if (this.asked.has(id)) return;
    this.asked.add(id);
    this.log.warn(`This workspace sets tandem.${key} to ${value}: not used until you allow it`);
    const message = `Tandem: this workspace wants to ${GUARDED[key](value.trim())} (tandem.${key} in its settings). Your own setting is used until you allow it.`;
    void Promise.resolve(this.prompt(message, ALLOW, USE_MINE)).then(async (choice) => {
      if (choice !== ALLOW) {
        this.log.info(`Kept your own tandem.${key}; the workspace's ${value} is not used`);
        return;
      }
      const all = { ...this.confirmed() };
      const id = workspaceId();
      all[id] = [...new Set([...(all[id] ?? []), entry(key, value)])];
      await this.memory.update(STORE_KEY, all);
      this.log.info(`Allowed this workspace's tandem.${key}: ${value}`);
      this.settings.notifyChanged(key);
    });
  }

  private confirmed(): Record<string, string[]> {
    return this.memory.get<Record<string, string[]>>(STORE_KEY) ?? {};
  }

  dispose(): void {
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }
}

function entry(key: string, value: string): string {
  return `${key}=${value.trim()}`;
}

/** The workspace a confirmation belongs to: its .code-workspace file, else its folders. */
function workspaceId(): string {
  const file = vscode.workspace.workspaceFile;
  if (file && file.scheme !== 'untitled') return file.toString();
  return (vscode.workspace.workspaceFolders ?? []).map((folder) => folder.uri.toString()).join('\n');
}
