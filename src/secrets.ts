import * as vscode from 'vscode';
import { isOpenAiServer, keyOriginOf } from './model/apiKeyPolicy';

/** Before keys were kept per server, one key was stored under this name for whatever server was set. */
const LEGACY_KEY = 'tandem.model.apiKey';
const KEY_PREFIX = 'tandem.model.apiKey@';

/**
 * Model servers' API keys: kept in VS Code's SecretStorage (never in settings), one per server
 * origin, so a key entered for one server never goes to another one a setting points at later.
 */
export class ApiKeyStore {
  private migrated: Promise<void> | undefined;

  /**
   * `currentBaseUrl`: the server requests go to now (the default for `set`, `clear` and `prompt`).
   * `ownBaseUrl`: the user's own setting, not a workspace's; a key stored before keys were per server
   * is given to its origin.
   */
  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly currentBaseUrl: () => string = () => '',
    private readonly ownBaseUrl: () => string = currentBaseUrl,
  ) {}

  /**
   * The key to send to the model server at `baseUrl`: the key stored for its origin, else
   * `OPENAI_API_KEY` from the environment when the server is OpenAI's own, else undefined (local
   * servers need none). The environment's key is OpenAI's: never handed to another server.
   */
  async get(baseUrl: string): Promise<string | undefined> {
    await this.migrateLegacyKey();
    const origin = keyOriginOf(baseUrl);
    const stored = origin ? await this.secrets.get(KEY_PREFIX + origin) : undefined;
    if (stored) return stored;
    if (!isOpenAiServer(baseUrl)) return undefined;
    const fromEnv = process.env.OPENAI_API_KEY;
    return fromEnv && fromEnv.trim() ? fromEnv.trim() : undefined;
  }

  async set(key: string, baseUrl = this.currentBaseUrl()): Promise<void> {
    await this.secrets.store(KEY_PREFIX + this.originOrThrow(baseUrl), key);
  }

  async clear(baseUrl = this.currentBaseUrl()): Promise<void> {
    const origin = keyOriginOf(baseUrl);
    if (origin) await this.secrets.delete(KEY_PREFIX + origin);
    await this.secrets.delete(LEGACY_KEY);
  }

  get onDidChange(): vscode.Event<void> {
    return (listener, thisArgs, disposables) =>
      this.secrets.onDidChange(
        (event) => (event.key === LEGACY_KEY || event.key.startsWith(KEY_PREFIX)) && listener.call(thisArgs),
        null,
        disposables,
      );
  }

  /** Asks for the key of the server at `baseUrl` and stores it. Returns true when a key was stored. */
  async prompt(baseUrl = this.currentBaseUrl()): Promise<boolean> {
    const origin = keyOriginOf(baseUrl);
    if (!origin) {
      void vscode.window.showErrorMessage(
        `Tandem: tandem.model.baseUrl "${baseUrl}" is not an http(s) URL, so no key can be stored for it. Fix the setting first.`,
      );
      return false;
    }
    const value = await vscode.window.showInputBox({
      title: `Tandem: Set API Key for ${origin}`,
      prompt: `API key for ${origin} only (stored in VS Code Secret Storage, never in settings, never sent to another server)`,
      password: true,
      ignoreFocusOut: true,
      placeHolder: 'sk-…  (leave empty and press Escape to cancel)',
      validateInput: (text) => (text.trim() === '' ? 'Enter a key, or press Escape to cancel' : undefined),
    });
    if (value === undefined) return false;
    await this.set(value.trim(), baseUrl);
    return true;
  }

  private originOrThrow(baseUrl: string): string {
    const origin = keyOriginOf(baseUrl);
    if (!origin) throw new Error(`"${baseUrl}" is not an http(s) URL: an API key belongs to a server's URL`);
    return origin;
  }

  /** A key stored under the old single name belongs to the user's own server: move it there once. */
  private migrateLegacyKey(): Promise<void> {
    this.migrated ??= (async () => {
      const legacy = await this.secrets.get(LEGACY_KEY);
      if (!legacy) return;
      const origin = keyOriginOf(this.ownBaseUrl());
      if (origin && !(await this.secrets.get(KEY_PREFIX + origin)))
        await this.secrets.store(KEY_PREFIX + origin, legacy);
      await this.secrets.delete(LEGACY_KEY);
    })().catch(() => {
      this.migrated = undefined;
    });
    return this.migrated;
  }
}
