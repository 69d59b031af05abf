// Typed failures of the model layer. Each carries a message a user can act on and the actions that fix
// it (VS Code command ids: the adapter turns them into buttons; logic stays vscode-free).

export type ModelErrorKind =
  | 'auth' // 401/403: the key is missing or wrong
  | 'model-not-found' // 404 naming a model
  | 'endpoint-not-found' // 404 without a model: the base URL is probably wrong
  | 'rate-limited' // 429 after the retries
  | 'server' // 5xx
  | 'bad-request' // other 4xx
  | 'unreachable' // connection refused, host not found, reset before an answer
  | 'connect-timeout' // no response headers within tandem.model.connectTimeoutMs
  | 'request-timeout' // the whole request over tandem.model.requestTimeoutMs
  | 'broken-stream' // the stream ended or was cut before the answer was complete
  | 'malformed' // a chunk or body that is not what the OpenAI wire format says
  | 'cancelled'; // the caller aborted: not a failure to show

export interface ModelErrorAction {
  title: string;
  command: string;
  args?: readonly unknown[];
}

export const setApiKeyAction: ModelErrorAction = { title: 'Set API Key', command: 'tandem.setApiKey' };
export const openModelSettingsAction: ModelErrorAction = {
  title: 'Open Settings',
  command: 'workbench.action.openSettings',
  args: ['tandem.model'],
};
export const selectModelAction: ModelErrorAction = { title: 'Select Model', command: 'tandem.selectModel' };
export const showRequestLogAction: ModelErrorAction = {
  title: 'Show Request Log',
  command: 'tandem.showRequestLog',
};

export interface ModelErrorDetails {
  kind: ModelErrorKind;
  /** Short, user-facing: names what failed and what to do. */
  message: string;
  url: string;
  model?: string;
  status?: number;
  actions?: readonly ModelErrorAction[];
  /** For 404 model: what the server offers (empty when it could not be listed). */
  availableModels?: readonly string[];
  /** For 429: how long the server asked to wait. */
  retryAfterMs?: number;
  /** The server's own words, for the log. */
  serverMessage?: string;
  cause?: unknown;
}

export class ModelError extends Error {
  readonly kind: ModelErrorKind;
  readonly url: string;
  readonly model?: string;
  readonly status?: number;
  readonly actions: readonly ModelErrorAction[];
  readonly availableModels?: readonly string[];
  readonly retryAfterMs?: number;
  readonly serverMessage?: string;

  constructor(details: ModelErrorDetails) {
    super(details.message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'ModelError';
    this.kind = details.kind;
    this.url = details.url;
    this.model = details.model;
    this.status = details.status;
    this.actions = details.actions ?? [];
    this.availableModels = details.availableModels;
    this.retryAfterMs = details.retryAfterMs;
    this.serverMessage = details.serverMessage;
  }

  /** True for the caller's own cancellation, which is never reported to the user. */
  get isCancellation(): boolean {
    return this.kind === 'cancelled';
  }
}

export function isModelError(error: unknown): error is ModelError {
  return error instanceof ModelError;
}

/** True when `error` is a cancellation the caller asked for (ignore it, show nothing). */
export function isCancellation(error: unknown): boolean {
  return error instanceof ModelError && error.kind === 'cancelled';
}
