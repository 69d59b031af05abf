// Turns what the SDK or fetch threw (or what the server said) into a ModelError a user can act on.

import type { APIError } from 'openai';
import {
  ModelError,
  openModelSettingsAction,
  selectModelAction,
  setApiKeyAction,
  showRequestLogAction,
  type ModelErrorKind,
} from './errors';
import { openaiSdk } from './openaiSdk';
import { isOpenAiServer } from './apiKeyPolicy';

export interface FailureContext {
  /** Base URL of the server. */
  url: string;
  model?: string;
  endpoint: string;
  /** Whether an API key was sent. */
  keySent: boolean;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
}

/** Error codes found anywhere along an error's `cause` chain (and inside AggregateErrors). */
export function errorCodes(error: unknown, seen = new Set<unknown>()): string[] {
  if (!error || typeof error !== 'object' || seen.has(error)) return [];
  seen.add(error);
  const codes: string[] = [];
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') codes.push(code);
  const nested = (error as { errors?: unknown }).errors;
  if (Array.isArray(nested)) for (const inner of nested) codes.push(...errorCodes(inner, seen));
  codes.push(...errorCodes((error as { cause?: unknown }).cause, seen));
  return codes;
}

/** The server's own message from an OpenAI-style error body (`{"error": {"message": ...}}`). */
export function serverMessageOf(error: unknown): string | undefined {
  if (!(error instanceof openaiSdk().APIError)) return undefined;
  const body = error.error as { message?: unknown; error?: unknown } | string | undefined;
  if (typeof body === 'string') return body;
  if (body && typeof body.message === 'string') return body.message;
  if (body && typeof body.error === 'string') return body.error;
  return undefined;
}

/** Milliseconds a 429/503 asks to wait: `retry-after-ms`, else `Retry-After` in seconds or as a date. */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '' && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = headers.get('retry-after');
  if (value === null || value.trim() === '') return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Math.max(0, Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function unreachable(context: FailureContext, error: unknown): ModelError {
  const codes = errorCodes(error);
  const where = `the model server at ${context.url}`;
  let reason: string;
  let kind: ModelErrorKind = 'unreachable';
  if (codes.includes('ECONNREFUSED')) {
    const pull = context.model ? ` and \`ollama pull ${context.model}\`` : '';
    reason =
      `Cannot reach ${where}: connection refused. Start a local server — Ollama: \`ollama serve\`${pull}; ` +
      'llama.cpp: `llama-server -m <model.gguf> --port 8080` (base URL http://127.0.0.1:8080/v1) — ' +
      'or change tandem.model.baseUrl.';
  } else if (codes.includes('ENOTFOUND') || codes.includes('EAI_AGAIN')) {
    reason = `Cannot reach ${where}: the host name does not resolve. Check tandem.model.baseUrl.`;
  } else if (codes.includes('UND_ERR_CONNECT_TIMEOUT') || codes.includes('ETIMEDOUT')) {
    kind = 'connect-timeout';
    reason = `Connecting to ${where} timed out. Check that the server is running and tandem.model.baseUrl is right.`;
  } else if (codes.includes('EHOSTUNREACH') || codes.includes('ENETUNREACH')) {
    reason = `Cannot reach ${where}: no route to the host. Check the network and tandem.model.baseUrl.`;
  } else if (codes.includes('ECONNRESET') || codes.includes('UND_ERR_SOCKET')) {
    reason = `The connection to ${where} was closed before it answered. Check the server's own log.`;
  } else if (/bad port/i.test(describeCause(error))) {
    reason = `Cannot connect to ${where}: fetch refuses that port (it is reserved for other protocols). Run the server on another port and update tandem.model.baseUrl.`;
  } else {
    const detail =
      error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : '';
    reason = `Cannot reach ${where}${detail ? ` (${detail})` : ''}. Check that it is running and tandem.model.baseUrl.`;
  }
  return new ModelError({
    kind,
    message: reason,
    url: context.url,
    model: context.model,
    actions: [openModelSettingsAction, showRequestLogAction],
    cause: error,
  });
}

function describeCause(error: unknown): string {
  const messages: string[] = [];
  for (
    let current = error, depth = 0;
    current instanceof Error && depth < 5;
    current = current.cause, depth++
  )
    messages.push(current.message);
  return messages.join(': ');
}

/** A cancellation, a timeout, or a failure before any answer arrived. */
export function mapRequestFailure(
  error: unknown,
  context: FailureContext,
  why: { cancelled: boolean; timedOut: boolean },
): ModelError {
  if (error instanceof ModelError) return error;
  const { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } = openaiSdk();
  if (why.timedOut) return requestTimeout(context, error);
  if (why.cancelled || error instanceof APIUserAbortError)
    return new ModelError({
      kind: 'cancelled',
      message: 'Request cancelled',
      url: context.url,
      model: context.model,
    });
  if (error instanceof APIConnectionTimeoutError)
    return new ModelError({
      kind: 'connect-timeout',
      message:
        `The model server at ${context.url} did not start answering within ${context.connectTimeoutMs} ms. ` +
        'A model loading for the first time can take longer: raise tandem.model.connectTimeoutMs, or check the server.',
      url: context.url,
      model: context.model,
      actions: [openModelSettingsAction, showRequestLogAction],
      cause: error,
    });
  if (error instanceof APIConnectionError) return unreachable(context, error.cause ?? error);
  if (error instanceof APIError && error.status !== undefined) return mapStatus(error, context);
  if (error instanceof APIError)
    return new ModelError({
      kind: 'server',
      message: `The model server at ${context.url} reported an error: ${serverMessageOf(error) ?? error.message}`,
      url: context.url,
      model: context.model,
      serverMessage: serverMessageOf(error),
      actions: [showRequestLogAction],
      cause: error,
    });
  return unreachable(context, error);
}

export function requestTimeout(context: FailureContext, cause?: unknown): ModelError {
  return new ModelError({
    kind: 'request-timeout',
    message:
      `The model server at ${context.url} did not finish within ${context.requestTimeoutMs} ms; ` +
      'the partial answer was discarded. Raise tandem.model.requestTimeoutMs or ask for less output.',
    url: context.url,
    model: context.model,
    actions: [openModelSettingsAction, showRequestLogAction],
    cause,
  });
}

/** An HTTP error status. 404 for a model is finished by the client, which can list the models. */
export function mapStatus(error: APIError, context: FailureContext): ModelError {
  const status = error.status ?? 0;
  const said = serverMessageOf(error);
  const saidPart = said ? `: ${said}` : '';
  const base = { url: context.url, model: context.model, status, serverMessage: said, cause: error };
  if (status === 401 || status === 403) {
    const message =
      status === 403
        ? `The model server at ${context.url} refused access (403)${saidPart}. The API key may lack permission for model "${context.model}"; set another with "Tandem: Set API Key".`
        : context.keySent
          ? `The model server at ${context.url} rejected the API key (401)${saidPart}. Set a valid key with "Tandem: Set API Key".`
          : isOpenAiServer(context.url)
            ? `The model server at ${context.url} needs an API key (401) and none is set. Run "Tandem: Set API Key" or set OPENAI_API_KEY.`
            : `The model server at ${context.url} needs an API key (401) and none is set. Run "Tandem: Set API Key" (OPENAI_API_KEY is sent only to api.openai.com).`;
    return new ModelError({
      ...base,
      kind: 'auth',
      message,
      actions: [setApiKeyAction, openModelSettingsAction],
    });
  }
  if (status === 429) {
    const wait = retryAfterMs(error.headers);
    const when = wait === undefined ? '' : ` It asks to wait ${Math.ceil(wait / 1000)} s.`;
    return new ModelError({
      ...base,
      kind: 'rate-limited',
      message: `The model server at ${context.url} is rate limiting requests (429)${saidPart}.${when} Try again shortly.`,
      retryAfterMs: wait,
      actions: [showRequestLogAction],
    });
  }
  if (status === 404)
    return new ModelError({
      ...base,
      kind: 'endpoint-not-found',
      message: `The model server at ${context.url} has no /${context.endpoint} endpoint (404)${saidPart}. Check that tandem.model.baseUrl ends in /v1.`,
      actions: [openModelSettingsAction, showRequestLogAction],
    });
  if (status >= 500)
    return new ModelError({
      ...base,
      kind: 'server',
      message: `The model server at ${context.url} failed with ${status}${saidPart}. Check the server's own log; Tandem will try again on the next request.`,
      retryAfterMs: retryAfterMs(error.headers),
      actions: [showRequestLogAction],
    });
  return new ModelError({
    ...base,
    kind: 'bad-request',
    message: `The model server at ${context.url} rejected the request (${status})${saidPart}.`,
    actions: [openModelSettingsAction, showRequestLogAction],
  });
}

/** Whether a 404's body says the model is what was not found. */
export function mentionsModel(error: ModelError): boolean {
  return /model/i.test(error.serverMessage ?? '');
}

export function modelNotFound(error: ModelError, model: string, available: readonly string[]): ModelError {
  const offered = available.length
    ? ` The server offers: ${available.slice(0, 12).join(', ')}${available.length > 12 ? ', …' : ''}.`
    : ' The server lists no models.';
  return new ModelError({
    kind: 'model-not-found',
    message: `Model "${model}" is not available on ${error.url}.${offered} Pick one with "Tandem: Select Model", or pull it (Ollama: \`ollama pull ${model}\`).`,
    url: error.url,
    model,
    status: 404,
    serverMessage: error.serverMessage,
    availableModels: available,
    actions: [selectModelAction, openModelSettingsAction],
    cause: error,
  });
}

export function brokenStream(context: FailureContext, detail: string, cause?: unknown): ModelError {
  return new ModelError({
    kind: 'broken-stream',
    message: `The answer from the model server at ${context.url} broke off mid-way (${detail}); the partial answer was discarded.`,
    url: context.url,
    model: context.model,
    actions: [showRequestLogAction],
    cause,
  });
}

export function malformed(context: FailureContext, detail: string, cause?: unknown): ModelError {
  return new ModelError({
    kind: 'malformed',
    message: `The model server at ${context.url} sent an answer that is not in the OpenAI format (${detail}); it was discarded.`,
    url: context.url,
    model: context.model,
    actions: [showRequestLogAction],
    cause,
  });
}
