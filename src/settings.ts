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
  /** Settings whose value is decided by more than VS Code's precedence (see `guard`). */
  private readonly guards = new Map<SettingKey, () => unknown>();

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
    const guard = this.guards.get(key);
    if (guard) return guard() as SettingsSchema[K];
    const value = vscode.workspace
      .getConfiguration('tandem', scope ?? this.scope)
      .get<SettingsSchema[K]>(key);
    if (value === undefined) throw new Error(`Setting tandem.${key} is not declared in package.json`);
    return value;
  }

  /** The setting's value at each level (default, user, workspace, folder). */
  inspect<K extends SettingKey>(key: K, scope?: vscode.ConfigurationScope) {
    return vscode.workspace.getConfiguration('tandem', scope ?? this.scope).inspect<SettingsSchema[K]>(key);
  }

  /**
   * From now on `get(key)` returns what `read` decides (e.g. a workspace's value only once the user
   * confirmed it); `notifyChanged(key)` tells listeners when that decision changes.
   */
  guard<K extends SettingKey>(key: K, read: () => SettingsSchema[K]): vscode.Disposable {
    this.guards.set(key, read);
    return new vscode.Disposable(() => this.guards.delete(key));
  }

  /** Tells listeners that `key`'s value changed without a configuration change (a guard's decision). */
  notifyChanged(key: SettingKey): void {
    this.changed.fire(new Set([key]));
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
