import * as vscode from 'vscode';

/**
 * The `tandem.*` settings, keyed without the `tandem.` prefix. Each capability declares its own keys
 * by augmenting this interface next to the code that reads them:
 *
 *     declare module '../settings' { interface SettingsSchema { 'completion.enabled': boolean } }
 *
 * Defaults live in package.json `contributes.configuration` only; this type just names them.
 */
export interface SettingsSchema {
  'model.baseUrl': string;
  'model.completionModel': string;
  'model.chatModel': string;
}

export type SettingKey = keyof SettingsSchema;

/** Typed, change-aware access to Tandem's settings. Reads are cheap: VS Code caches configuration. */
export class Settings implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ReadonlySet<SettingKey>>();
  private readonly subscription: vscode.Disposable;
  /** Fires with the keys (among those asked about so far) whose effective value changed. */
  readonly onDidChange = this.changed.event;
  private readonly known = new Set<SettingKey>();

  constructor(private readonly scope?: vscode.ConfigurationScope) {
    this.subscription = vscode.workspace.onDidChangeConfiguration((event) => {
      if (!event.affectsConfiguration('tandem')) return;
      const keys = new Set<SettingKey>();
      for (const key of this.known) if (event.affectsConfiguration(`tandem.${key}`)) keys.add(key);
      this.changed.fire(keys);
    });
  }

  get<K extends SettingKey>(key: K, scope?: vscode.ConfigurationScope): SettingsSchema[K] {
    this.known.add(key);
    const value = vscode.workspace
      .getConfiguration('tandem', scope ?? this.scope)
      .get<SettingsSchema[K]>(key);
    if (value === undefined) throw new Error(`Setting tandem.${key} is not declared in package.json`);
    return value;
  }

  /** Writes a setting at user level (or workspace level when `target` says so). */
  async set<K extends SettingKey>(
    key: K,
    value: SettingsSchema[K] | undefined,
    target: vscode.ConfigurationTarget = vscode.ConfigurationTarget.Global,
  ): Promise<void> {
    await vscode.workspace.getConfiguration('tandem').update(key, value, target);
  }

  /** Runs `listener` now and whenever one of `keys` changes. */
  watch(keys: readonly SettingKey[], listener: () => void): vscode.Disposable {
    for (const key of keys) this.known.add(key);
    listener();
    return this.onDidChange((changed) => {
      if (keys.some((key) => changed.has(key))) listener();
    });
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
