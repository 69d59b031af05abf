// The model layer inside VS Code: builds the ModelClient on first use from Tandem's settings and the
// API key store, keeps it in step with setting changes, reports latency and failures, and owns the
// "Show Request Log" and "Select Model" commands.

import * as vscode from 'vscode';
import type { ApiKeyStore } from '../../secrets';
import type { Settings } from '../../settings';
import type { StatusReport, TandemStatusBar } from '../../statusBar';
import { ModelClient } from '../client';
import { isCancellation, isModelError } from '../errors';
import { resolvePromptFormat, type PromptFormat, type PromptFormatSetting } from '../promptFormats';
import { latencyOf, RequestLog } from '../requestLog';
import { describeRecord } from '../requestLogFormat';
import type { RequestRecord } from '../types';
import { NotificationPolicy } from '../notificationPolicy';
import { RequestLogDocument } from './requestLogDocument';
import { discover, selectModel } from './selectModel';
import { matchesModelName, type DiscoveredServer } from '../discovery';

declare module '../../settings' {
  interface SettingsSchema {
    'model.visionModels': string[];
    'model.promptFormat': PromptFormatSetting;
    'model.connectTimeoutMs': number;
    'model.requestTimeoutMs': number;
  }
}

export interface ModelServiceDeps {
  settings: Settings;
  apiKey: ApiKeyStore;
  status: TandemStatusBar;
  log: vscode.LogOutputChannel;
}

const clientSettings = ['model.baseUrl', 'model.connectTimeoutMs', 'model.requestTimeoutMs'] as const;

export class ModelService implements vscode.Disposable {
  /** Recent requests; exists before the client so "Show Request Log" works at any time. */
  readonly requestLog = new RequestLog({ capacity: 100 });
  /** When true (default), each finished request shows its latency in the status bar. */
  reportToStatusBar = true;
  private clientInstance: ModelClient | undefined;
  /** Keys by the base URL they were read for: a request only ever gets the key of its own server. */
  private readonly cachedKeys = new Map<string, Promise<string | undefined>>();
  private readonly notifications = new NotificationPolicy();
  /** The messages of the failure notifications shown, newest last (the last 20). */
  readonly shownNotifications: string[] = [];
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly deps: ModelServiceDeps) {
    const document = new RequestLogDocument(this.requestLog);
    this.disposables.push(
      document,
      vscode.commands.registerCommand('tandem.showRequestLog', () => document.show()),
      vscode.commands.registerCommand('tandem.selectModel', (target?: 'completion' | 'chat') =>
        selectModel(this, deps.settings, target),
      ),
      deps.apiKey.onDidChange(() => this.cachedKeys.clear()),
      deps.settings.onDidChange((keys) => {
        if (this.clientInstance && clientSettings.some((key) => keys.has(key))) {
          this.clientInstance.configure(this.readClientSettings());
          deps.log.info(`Model server settings changed: now ${this.clientInstance.baseUrl}`);
        }
      }),
    );
    const finished = this.requestLog.onDidFinish((record) => this.onFinished(record));
    this.disposables.push({ dispose: () => finished.dispose() });
  }

  /** The client, created on first use (activation stays cheap). */
  get client(): ModelClient {
    if (!this.clientInstance) {
      this.clientInstance = new ModelClient({
        ...this.readClientSettings(),
        apiKey: (baseUrl) => this.keyFor(baseUrl),
        log: this.requestLog,
      });
      this.deps.log.info(`Model client ready for ${this.clientInstance.baseUrl}`);
    }
    return this.clientInstance;
  }

  /**
   * Why `model` cannot take images, or undefined when it can: it is named (or globbed) in
   * `tandem.model.visionModels`, or the server's model list says it accepts images.
   */
  async imageRefusal(model: string): Promise<string | undefined> {
    if (matchesModelName(this.deps.settings.get('model.visionModels'), model)) return undefined;
    let listed: boolean | undefined;
    try {
      const models = await this.client.listModels({ timeoutMs: 5000 });
      listed = models.find((entry) => entry.id === model)?.vision;
    } catch (error) {
      this.deps.log.warn(`Listing models to check image input failed: ${String(error)}`);
    }
    if (listed) return undefined;
    return (
      `${model} does not take images: ${listed === false ? "the server's model list does not say it accepts images" : 'the server does not list it'}, ` +
      'and it is not in tandem.model.visionModels. Nothing was sent. Choose a vision model (Tandem: Select Model... marks them), ' +
      'add this one to tandem.model.visionModels if it does accept images, or remove the images.'
    );
  }

  /** Probes the local ports of `tandem.model.discoveryPorts` and the configured server, all at once. */
  discover(signal?: AbortSignal): Promise<DiscoveredServer[]> {
    return discover(this, this.deps.settings, signal);
  }

  get completionModel(): string {
    return this.deps.settings.get('model.completionModel');
  }

  get chatModel(): string {
    return this.deps.settings.get('model.chatModel');
  }

  /** The prompt format for a model: the setting, or detected from the name when it is 'auto'. */
  promptFormatFor(model = this.completionModel): PromptFormat {
    return resolvePromptFormat(this.deps.settings.get('model.promptFormat'), model);
  }

  /** A status bar report for a finished request (for features that set the status themselves). */
  latencyReport(record: Readonly<RequestRecord>): StatusReport {
    const latency = latencyOf(record);
    const total = Math.round(latency.totalMs ?? 0);
    const parts = [
      `**Last model request** (${record.endpoint}, ${record.model})`,
      '',
      `first token ${latency.firstTokenMs === undefined ? '—' : `${Math.round(latency.firstTokenMs)} ms`} · total ${total} ms`,
    ];
    if (record.tokens) parts.push(`${record.tokens.input} tokens in, ${record.tokens.output} out`);
    parts.push('', 'Click for the request log.');
    return { text: `${total} ms`, tooltip: parts.join('\n\n') };
  }

  /**
   * Logs a failure and, for one a user can act on, shows it with its action buttons when the
   * NotificationPolicy says so (`background`: a request the user did not ask for, such as ghost text).
   * Cancellations are ignored.
   */
  async notifyError(
    error: unknown,
    what = 'Model request',
    options: { background?: boolean } = {},
  ): Promise<void> {
    if (isCancellation(error)) return;
    const message = error instanceof Error ? error.message : String(error);
    this.deps.log.error(`${what} failed: ${message}`);
    const shown = this.notifications.shouldShow({
      kind: isModelError(error) ? error.kind : 'other',
      url: isModelError(error) ? error.url : undefined,
      background: options.background,
    });
    if (!shown) return;
    const actions = isModelError(error) ? error.actions : [];
    this.shownNotifications.push(message);
    if (this.shownNotifications.length > 20) this.shownNotifications.shift();
    const choice = await vscode.window.showErrorMessage(
      `Tandem: ${message}`,
      ...actions.map((action) => action.title),
    );
    const action = actions.find((candidate) => candidate.title === choice);
    if (action) await vscode.commands.executeCommand(action.command, ...(action.args ?? []));
  }

  dispose(): void {
    // Leave nothing running: requests in flight are aborted (the server stops generating).
    this.clientInstance?.abortAll();
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }

  /** The key of the server at `baseUrl` (or OPENAI_API_KEY, for OpenAI's); a failed read is not cached. */
  private keyFor(baseUrl: string): Promise<string | undefined> {
    const cached = this.cachedKeys.get(baseUrl);
    if (cached) return cached;
    const read = this.deps.apiKey.get(baseUrl).catch((error: unknown) => {
      this.cachedKeys.delete(baseUrl);
      this.deps.log.error(`Reading the API key failed: ${String(error)}`);
      return undefined;
    });
    this.cachedKeys.set(baseUrl, read);
    return read;
  }

  private readClientSettings() {
    const { settings } = this.deps;
    return {
      baseUrl: settings.get('model.baseUrl').trim().replace(/\/+$/, ''),
      connectTimeoutMs: settings.get('model.connectTimeoutMs'),
      requestTimeoutMs: settings.get('model.requestTimeoutMs'),
    };
  }

  private onFinished(record: RequestRecord): void {
    const line = describeRecord(record);
    if (record.outcome === 'error') this.deps.log.warn(`${line}: ${record.error?.message ?? ''}`);
    else this.deps.log.debug(line);
    if (record.outcome === 'ok') this.notifications.succeeded();
    if (!this.reportToStatusBar || record.endpoint === 'models') return;
    if (record.outcome === 'ok') {
      this.deps.status.set({ ...this.latencyReport(record), click: 'tandem.showRequestLog' });
    } else if (record.outcome === 'error') {
      this.deps.status.set({
        text: 'model error',
        severity: 'error',
        tooltip: `${record.error?.message ?? 'The model request failed.'}\n\nClick for the request log.`,
        click: 'tandem.showRequestLog',
      });
    }
  }
}
