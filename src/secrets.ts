import * as vscode from 'vscode';
import { isOpenAiServer } from './model/apiKeyPolicy';

const API_KEY = 'tandem.model.apiKey';

/** The model server's API key: kept in VS Code's SecretStorage, never in settings. */
export class ApiKeyStore {
  constructor(private readonly secrets: vscode.SecretStorage) {}

  /**
   * The key to send to the model server at `baseUrl`: the stored key, else `OPENAI_API_KEY` from the
   * environment when the server is OpenAI's own, else undefined (local servers need none). The
   * environment's key is OpenAI's: it is never handed to another provider's server or a local one.
   */
  async get(baseUrl: string): Promise<string | undefined> {
    const stored = await this.secrets.get(API_KEY);
    if (stored) return stored;
    if (!isOpenAiServer(baseUrl)) return undefined;
    const fromEnv = process.env.OPENAI_API_KEY;
    return fromEnv && fromEnv.trim() ? fromEnv.trim() : undefined;
  }

  async set(key: string): Promise<void> {
    await this.secrets.store(API_KEY, key);
  }

  async clear(): Promise<void> {
    await this.secrets.delete(API_KEY);
  }

  get onDidChange(): vscode.Event<void> {
    return (listener, thisArgs, disposables) =>
      this.secrets.onDidChange(
        (event) => event.key === API_KEY && listener.call(thisArgs),
        null,
        disposables,
      );
  }

  /** Asks for a key and stores it. Returns true when a key was stored. */
  async prompt(): Promise<boolean> {
    const value = await vscode.window.showInputBox({
      title: 'Tandem: Set API Key',
      prompt: 'API key for the model server (stored in VS Code Secret Storage, never in settings)',
      password: true,
      ignoreFocusOut: true,
      placeHolder: 'sk-…  (leave empty and press Escape to cancel)',
      validateInput: (text) => (text.trim() === '' ? 'Enter a key, or press Escape to cancel' : undefined),
    });
    if (value === undefined) return false;
    await this.set(value.trim());
    return true;
  }
}
