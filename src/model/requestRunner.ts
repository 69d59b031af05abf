// Runs one model request for ModelClient: sends it through the SDK (retrying a 429 as the server asks),
// reads the answer as it streams, and settles the ModelCall with the whole answer or a ModelError.

import type OpenAI from 'openai';
import { isModelError, type ModelError } from './errors';
import {
  brokenStream,
  malformed,
  mapRequestFailure,
  mentionsModel,
  modelNotFound,
  requestTimeout,
  retryAfterMs,
  type FailureContext,
} from './errorMapping';
import type { FillFilter } from './fillFilter';
import type { ModelCall } from './modelCall';
import { openaiSdk } from './openaiSdk';
import { messagesText, type RequestLog } from './requestLog';
import {
  AnswerAccumulator,
  AnswerFormatError,
  readEventStream,
  readJsonBody,
  type AnswerEndpoint,
} from './responseReader';
import type { ApiKeyProvider, ModelInfo, RequestRecord, TokenCounts } from './types';

export interface ModelClientSettings {
  /** Base URL ending in /v1, e.g. http://127.0.0.1:11434/v1. */
  baseUrl: string;
  /** Longest wait for the server to accept the request and send response headers (streamed requests). */
  connectTimeoutMs: number;
  /** Longest time for a whole request, stream included. */
  requestTimeoutMs: number;
}

export type RequestBody = Record<string, unknown>;

/** Rewrites each candidate's text as it streams (fills: drop stop tokens and chat wrappers). */
export interface DeltaTransform {
  filters: Map<number, FillFilter>;
  make(): FillFilter;
}

/** What a request needs from its client. */
export interface RunnerEnvironment {
  log: RequestLog;
  apiKey: ApiKeyProvider;
  maxRetries: number;
  maxRetryWaitMs: number;
  sdkFor(settings: ModelClientSettings): OpenAI;
  listModels(options: { timeoutMs: number }): Promise<ModelInfo[]>;
}

export function failureContext(
  settings: ModelClientSettings,
  model: string,
  endpoint: string,
  keySent: boolean,
): FailureContext {
  return {
    url: settings.baseUrl,
    model,
    endpoint,
    keySent,
    connectTimeoutMs: settings.connectTimeoutMs,
    requestTimeoutMs: settings.requestTimeoutMs,
  };
}

export class RequestRunner {
  constructor(private readonly env: RunnerEnvironment) {}

  async run(
    call: ModelCall,
    record: RequestRecord,
    controller: AbortController,
    endpoint: AnswerEndpoint,
    body: RequestBody,
    settings: ModelClientSettings,
    callerSignal: AbortSignal | undefined,
    transform: DeltaTransform | undefined,
  ): Promise<void> {
    const unlink = link(callerSignal, controller);
    const context = failureContext(settings, record.model, endpoint, false);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, settings.requestTimeoutMs);
    const signal = controller.signal;
    const answer = new AnswerAccumulator(endpoint, {
      delta: (index, text) => {
        if (record.firstTokenAt === undefined) {
          record.firstTokenAt = performance.now();
          record.outcome = 'streaming';
          this.env.log.changed(record);
        }
        if (!transform) return call.pushDelta({ index, text });
        let filter = transform.filters.get(index);
        if (!filter) transform.filters.set(index, (filter = transform.make()));
        const clean = filter.push(text);
        if (clean) call.pushDelta({ index, text: clean });
      },
    });
    try {
      const response = await this.send(record, endpoint, body, settings, context, signal);
      // A server that cannot stream may answer a streamed request with one JSON body: take it whole.
      const json = /^application\/json/i.test(response.headers.get('content-type') ?? '');
      if (record.stream && !json) {
        if (!response.body) throw brokenStream(context, 'an empty body');
        await readEventStream(response.body, answer, signal);
      } else readJsonBody(await response.text(), answer);
      if (signal.aborted) throw new Error('aborted');
      const choices = answer.list().map((choice) => {
        if (!transform) return { ...choice };
        const filter = transform.filters.get(choice.index) ?? transform.make();
        const tail = filter.flush();
        if (tail) call.pushDelta({ index: choice.index, text: tail });
        return { ...choice, text: filter.text };
      });
      record.tokens = tokenCounts(answer, record);
      record.outcome = 'ok';
      this.env.log.finish(record, choices[0]?.text ?? '');
      call.succeed({ text: choices[0]?.text ?? '', choices, tokens: record.tokens, record });
    } catch (error) {
      const cancelled = callerSignal?.aborted === true || (signal.aborted && !timedOut);
      let mapped: ModelError;
      if (error instanceof AnswerFormatError && !signal.aborted) {
        mapped =
          error.kind === 'malformed'
            ? malformed(context, error.message)
            : error.kind === 'broken-stream'
              ? brokenStream(context, error.message)
              : mapRequestFailure(
                  new (openaiSdk().APIError)(
                    error.status,
                    { message: error.message },
                    error.message,
                    undefined,
                  ),
                  context,
                  {
                    cancelled: false,
                    timedOut: false,
                  },
                );
      } else if (timedOut && !cancelled) mapped = requestTimeout(context, error);
      else if (record.headersAt !== undefined && !signal.aborted && !isModelError(error))
        mapped = brokenStream(
          context,
          error instanceof Error ? describeReadError(error) : String(error),
          error,
        );
      else mapped = mapRequestFailure(error, context, { cancelled, timedOut });
      if (mapped.kind === 'endpoint-not-found' && mentionsModel(mapped))
        mapped = await this.explainMissingModel(mapped, record.model);
      else if (mapped.kind === 'endpoint-not-found')
        mapped = await this.checkModelListed(mapped, record.model);
      // Whatever went wrong, stop the transfer so the server stops generating.
      controller.abort();
      record.outcome = mapped.kind === 'cancelled' ? 'cancelled' : 'error';
      record.error = { kind: mapped.kind, message: mapped.message };
      this.env.log.finish(record, answer.list()[0]?.text);
      call.fail(mapped);
    } finally {
      clearTimeout(timer);
      unlink();
    }
  }

  /** Sends the request, retrying a 429 (or 503 with Retry-After) as the server asks, at most maxRetries times. */
  private async send(
    record: RequestRecord,
    endpoint: AnswerEndpoint,
    body: RequestBody,
    settings: ModelClientSettings,
    context: FailureContext,
    signal: AbortSignal,
  ): Promise<Response> {
    const key = await this.env.apiKey(settings.baseUrl);
    context.keySent = Boolean(key);
    const sdk = this.env.sdkFor(settings);
    // Streamed answers send headers once generation starts; a plain answer only when it is done.
    const timeout = Math.max(
      1,
      Math.round(record.stream ? settings.connectTimeoutMs : settings.requestTimeoutMs),
    );
    const requestOptions = { signal, timeout, headers: authHeader(key) };
    for (;;) {
      if (signal.aborted) throw new Error('aborted');
      record.attempts++;
      record.sentAt = performance.now();
      this.env.log.changed(record);
      try {
        const pending =
          endpoint === 'completions'
            ? sdk.completions.create(body as unknown as OpenAI.CompletionCreateParams, requestOptions)
            : sdk.chat.completions.create(
                body as unknown as OpenAI.ChatCompletionCreateParams,
                requestOptions,
              );
        const response = await pending.asResponse();
        record.headersAt = performance.now();
        record.status = response.status;
        return response;
      } catch (error) {
        if (!(error instanceof openaiSdk().APIError) || error.status === undefined) throw error;
        record.status = error.status;
        const wait = retryAfterMs(error.headers);
        const retryable = error.status === 429 || (error.status === 503 && wait !== undefined);
        if (!retryable || record.attempts > this.env.maxRetries) throw error;
        const delay = wait ?? 500 * 2 ** (record.attempts - 1);
        if (delay > this.env.maxRetryWaitMs) throw error;
        await sleep(delay, signal);
      }
    }
  }

  /** A 404 that names the model: say which models the server has instead. */
  private async explainMissingModel(error: ModelError, model: string): Promise<ModelError> {
    try {
      const models = await this.env.listModels({ timeoutMs: 3000 });
      return modelNotFound(
        error,
        model,
        models.map((entry) => entry.id),
      );
    } catch {
      return modelNotFound(error, model, []);
    }
  }

  /** A 404 that does not say why: if the model is not listed, it is the model; else the URL. */
  private async checkModelListed(error: ModelError, model: string): Promise<ModelError> {
    try {
      const models = (await this.env.listModels({ timeoutMs: 3000 })).map((entry) => entry.id);
      return models.includes(model) ? error : modelNotFound(error, model, models);
    } catch {
      return error;
    }
  }
}

export function authHeader(key: string | undefined): Record<string, string | null> {
  return { Authorization: key ? `Bearer ${key}` : null };
}

/** Aborts `controller` when `signal` aborts; returns the unlinking function. */
export function link(signal: AbortSignal | undefined, controller: AbortController): () => void {
  if (!signal) return () => undefined;
  if (signal.aborted) {
    controller.abort();
    return () => undefined;
  }
  const abort = () => controller.abort();
  signal.addEventListener('abort', abort, { once: true });
  return () => signal.removeEventListener('abort', abort);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      if (signal.aborted) reject(new Error('aborted'));
      else resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

function describeReadError(error: Error): string {
  const cause = error.cause instanceof Error ? error.cause.message : undefined;
  return cause ? `${error.message}: ${cause}` : error.message;
}

/** Token counts: the server's `usage` when given, else counted (deltas out, ~4 characters per token in). */
function tokenCounts(answer: AnswerAccumulator, record: RequestRecord): TokenCounts {
  const usage = answer.usage;
  if (usage && typeof usage.prompt_tokens === 'number' && typeof usage.completion_tokens === 'number')
    return { input: usage.prompt_tokens, output: usage.completion_tokens, source: 'usage' };
  const sent = record.sent;
  const chars = sent
    ? (sent.prompt?.length ?? 0) +
      (sent.suffix?.length ?? 0) +
      (sent.messages ? messagesText(sent.messages).length : 0)
    : 0;
  return { input: Math.ceil(chars / 4), output: answer.deltas, source: 'counted' };
}
