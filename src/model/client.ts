// The only code that talks HTTP to a model: OpenAI-compatible /v1/completions, /v1/chat/completions and
// /v1/models through the `openai` SDK (one SDK client reused while the base URL stays the same), with
// Tandem's own SSE reading so that an abort stops reading at once and a cut stream is never taken
// for a complete answer.

import type OpenAI from 'openai';
import { isModelError, ModelError } from './errors';
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
import { FillFilter } from './fillFilter';
import { ModelCall } from './modelCall';
import { openaiSdk } from './openaiSdk';
import {
  buildFimPrompt,
  resolvePromptFormat,
  type FimInput,
  type PromptFormatSetting,
} from './promptFormats';
import { RequestLog, messagesText } from './requestLog';
import {
  AnswerAccumulator,
  AnswerFormatError,
  readEventStream,
  readJsonBody,
  type AnswerEndpoint,
} from './responseReader';
import type {
  ApiKeyProvider,
  CallOptions,
  ChatRequest,
  CompletionRequest,
  ModelInfo,
  RequestRecord,
  TokenCounts,
} from './types';

export interface ModelClientSettings {
  /** Base URL ending in /v1, e.g. http://127.0.0.1:11434/v1. */
  baseUrl: string;
  /** Longest wait for the server to accept the request and send response headers (streamed requests). */
  connectTimeoutMs: number;
  /** Longest time for a whole request, stream included. */
  requestTimeoutMs: number;
}

export interface ModelClientOptions extends Partial<ModelClientSettings> {
  baseUrl: string;
  /** Asked before each request; return undefined for servers that need no key. Keep it cheap (cache). */
  apiKey?: ApiKeyProvider;
  /** Where request records go; a new ring of 100 when not given. */
  log?: RequestLog;
  /** Retries after a 429 (or a 503 with Retry-After). At most 2 by default. */
  maxRetries?: number;
  /** A Retry-After longer than this is not waited for: the request fails and says when to retry. */
  maxRetryWaitMs?: number;
}

/** What `fill` needs besides the text around the cursor. */
export interface FillOptions extends CallOptions {
  model: string;
  /** 'auto' (default) detects the format from the model name. */
  format?: PromptFormatSetting;
  maxTokens?: number;
  temperature?: number;
  n?: number;
  stream?: boolean;
  extraBody?: Readonly<Record<string, unknown>>;
}

const defaults = {
  connectTimeoutMs: 15_000,
  requestTimeoutMs: 120_000,
  maxRetries: 2,
  maxRetryWaitMs: 30_000,
};

type Body = Record<string, unknown>;

interface Transform {
  filters: Map<number, FillFilter>;
  make(): FillFilter;
}

export class ModelClient {
  readonly log: RequestLog;
  private settings: ModelClientSettings;
  private sdk: OpenAI | undefined;
  private readonly apiKey: ApiKeyProvider;
  private readonly maxRetries: number;
  private readonly maxRetryWaitMs: number;

  constructor(options: ModelClientOptions) {
    this.settings = {
      baseUrl: options.baseUrl,
      connectTimeoutMs: options.connectTimeoutMs ?? defaults.connectTimeoutMs,
      requestTimeoutMs: options.requestTimeoutMs ?? defaults.requestTimeoutMs,
    };
    this.apiKey = options.apiKey ?? (() => undefined);
    this.log = options.log ?? new RequestLog();
    this.maxRetries = options.maxRetries ?? defaults.maxRetries;
    this.maxRetryWaitMs = options.maxRetryWaitMs ?? defaults.maxRetryWaitMs;
  }

  get baseUrl(): string {
    return this.settings.baseUrl;
  }

  get current(): Readonly<ModelClientSettings> {
    return this.settings;
  }

  /** Applies changed settings; requests already running keep the settings they started with. */
  configure(changes: Partial<ModelClientSettings>): void {
    const next = { ...this.settings, ...changes };
    if (next.baseUrl !== this.settings.baseUrl) this.sdk = undefined;
    this.settings = next;
  }

  /** `/v1/completions`: a plain or FIM prompt (or prompt + OpenAI `suffix`). */
  complete(request: CompletionRequest, options: CallOptions = {}): ModelCall {
    const body: Body = { model: request.model, prompt: request.prompt };
    if (request.suffix !== undefined) body.suffix = request.suffix;
    return this.start(
      'completions',
      request,
      body,
      { prompt: request.prompt, suffix: request.suffix },
      options,
    );
  }

  /** `/v1/chat/completions`. */
  chat(request: ChatRequest, options: CallOptions = {}): ModelCall {
    const messages = request.messages.map((message) => ({ role: message.role, content: message.content }));
    return this.start('chat/completions', request, { model: request.model, messages }, { messages }, options);
  }

  /**
   * Fills the hole between `input.prefix` and `input.suffix` with the prompt format of the model
   * family. Deltas and result hold only the fill: stop tokens and chat wrappers are removed.
   */
  fill(input: FimInput, options: FillOptions): ModelCall {
    const format = resolvePromptFormat(options.format ?? 'auto', options.model);
    const prompt = buildFimPrompt(format, input);
    const params = {
      model: options.model,
      maxTokens: options.maxTokens,
      temperature: options.temperature,
      n: options.n,
      stream: options.stream,
      stop: prompt.stop.length ? prompt.stop : undefined,
      extraBody: options.extraBody,
    };
    const transform: Transform = { filters: new Map(), make: () => new FillFilter(format) };
    if (prompt.kind === 'chat') {
      const body: Body = { model: options.model, messages: prompt.messages };
      return this.start('chat/completions', params, body, { messages: prompt.messages }, options, transform);
    }
    const body: Body = { model: options.model, prompt: prompt.prompt };
    if (prompt.suffix !== undefined) body.suffix = prompt.suffix;
    const sent = { prompt: prompt.prompt, suffix: prompt.suffix };
    return this.start('completions', params, body, sent, options, transform);
  }

  /** `/v1/models`: what the server offers. */
  async listModels(options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<ModelInfo[]> {
    const settings = this.settings;
    const controller = new AbortController();
    const unlink = link(options.signal, controller);
    const record = this.log.start({
      endpoint: 'models',
      baseUrl: settings.baseUrl,
      model: '',
      stream: false,
    });
    const context = this.context(settings, '', 'models', false);
    const timeoutMs = options.timeoutMs ?? settings.connectTimeoutMs;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    try {
      const key = await this.apiKey();
      context.keySent = Boolean(key);
      record.attempts = 1;
      record.sentAt = performance.now();
      const response = await this.client(settings)
        .models.list({ signal: controller.signal, timeout: timeoutMs, headers: authHeader(key) })
        .asResponse();
      record.headersAt = performance.now();
      record.status = response.status;
      const text = await response.text();
      let parsed: { data?: { id?: unknown; owned_by?: unknown; created?: unknown }[] };
      try {
        parsed = JSON.parse(text);
      } catch {
        throw malformed(context, 'a model list that is not JSON');
      }
      if (!Array.isArray(parsed?.data)) throw malformed(context, 'a model list without "data"');
      const models = parsed.data
        .filter((entry) => typeof entry?.id === 'string')
        .map((entry) => ({
          id: entry.id as string,
          ownedBy: typeof entry.owned_by === 'string' ? entry.owned_by : undefined,
          created: typeof entry.created === 'number' ? entry.created : undefined,
        }));
      record.outcome = 'ok';
      this.log.finish(record, models.map((model) => model.id).join('\n'));
      return models;
    } catch (error) {
      const mapped = isModelError(error)
        ? error
        : mapRequestFailure(
            error,
            { ...context, requestTimeoutMs: timeoutMs },
            {
              cancelled: options.signal?.aborted ?? false,
              timedOut,
            },
          );
      record.outcome = mapped.kind === 'cancelled' ? 'cancelled' : 'error';
      record.error = { kind: mapped.kind, message: mapped.message };
      this.log.finish(record);
      throw mapped;
    } finally {
      clearTimeout(timer);
      unlink();
    }
  }

  private client(settings: ModelClientSettings): OpenAI {
    if (!this.sdk || this.sdk.baseURL !== settings.baseUrl) {
      this.sdk = new (openaiSdk().OpenAI)({
        baseURL: settings.baseUrl,
        // The real key (or none) goes in per request; the SDK insists on having one at construction.
        apiKey: 'tandem-key-set-per-request',
        organization: null,
        project: null,
        maxRetries: 0,
        logLevel: 'off',
      });
    }
    return this.sdk;
  }

  private context(
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

  private start(
    endpoint: AnswerEndpoint,
    params: Omit<CompletionRequest, 'prompt'>,
    body: Body,
    sent: RequestRecord['sent'],
    options: CallOptions,
    transform?: Transform,
  ): ModelCall {
    const stream = params.stream !== false;
    if (params.maxTokens !== undefined) body.max_tokens = params.maxTokens;
    if (params.temperature !== undefined) body.temperature = params.temperature;
    if (params.topP !== undefined) body.top_p = params.topP;
    if (params.stop?.length) body.stop = [...params.stop];
    if (params.n !== undefined && params.n !== 1) body.n = params.n;
    if (params.extraBody) Object.assign(body, params.extraBody);
    body.stream = stream;
    // Ask for usage in the last chunk, so token counts come from the server when it can.
    if (stream) body.stream_options = { include_usage: true };
    const settings = this.settings;
    const record = this.log.start({
      endpoint,
      baseUrl: settings.baseUrl,
      model: params.model,
      stream,
      feature: options.feature,
      sent,
      attachment: options.attachment,
    });
    const controller = new AbortController();
    const call = new ModelCall(record, controller);
    void this.run(call, record, controller, endpoint, body, settings, options.signal, transform);
    return call;
  }

  private async run(
    call: ModelCall,
    record: RequestRecord,
    controller: AbortController,
    endpoint: AnswerEndpoint,
    body: Body,
    settings: ModelClientSettings,
    callerSignal: AbortSignal | undefined,
    transform: Transform | undefined,
  ): Promise<void> {
    const unlink = link(callerSignal, controller);
    const context = this.context(settings, record.model, endpoint, false);
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
          this.log.changed(record);
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
      if (record.stream) {
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
      this.log.finish(record, choices[0]?.text ?? '');
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
      this.log.finish(record, answer.list()[0]?.text);
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
    body: Body,
    settings: ModelClientSettings,
    context: FailureContext,
    signal: AbortSignal,
  ): Promise<Response> {
    const key = await this.apiKey();
    context.keySent = Boolean(key);
    const sdk = this.client(settings);
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
      this.log.changed(record);
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
        if (!retryable || record.attempts > this.maxRetries) throw error;
        const delay = wait ?? 500 * 2 ** (record.attempts - 1);
        if (delay > this.maxRetryWaitMs) throw error;
        await sleep(delay, signal);
      }
    }
  }

  /** A 404 that names the model: say which models the server has instead. */
  private async explainMissingModel(error: ModelError, model: string): Promise<ModelError> {
    try {
      const models = await this.listModels({ timeoutMs: 3000 });
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
      const models = (await this.listModels({ timeoutMs: 3000 })).map((entry) => entry.id);
      return models.includes(model) ? error : modelNotFound(error, model, models);
    } catch {
      return error;
    }
  }
}

function authHeader(key: string | undefined): Record<string, string | null> {
  return { Authorization: key ? `Bearer ${key}` : null };
}

/** Aborts `controller` when `signal` aborts; returns the unlinking function. */
function link(signal: AbortSignal | undefined, controller: AbortController): () => void {
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
