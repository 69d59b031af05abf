// The only code that talks HTTP to a model: OpenAI-compatible /v1/completions, /v1/chat/completions and
// /v1/models through the `openai` SDK (one SDK client reused while the base URL stays the same), with
// Tandem's own SSE reading so that an abort stops reading at once and a cut stream is never taken
// for a complete answer.

import { statesVision } from './discovery';
import type OpenAI from 'openai';
import { isModelError, ModelError } from './errors';
import { malformed, mapRequestFailure } from './errorMapping';
import { FillFilter } from './fillFilter';
import { ModelCall } from './modelCall';
import { openaiSdk } from './openaiSdk';
import {
  buildFimPrompt,
  resolvePromptFormat,
  type FimInput,
  type PromptFormatSetting,
} from './promptFormats';
import { RequestLog } from './requestLog';
import {
  authHeader,
  failureContext,
  link,
  RequestRunner,
  type DeltaTransform,
  type ModelClientSettings,
  type RequestBody,
} from './requestRunner';
import type { AnswerEndpoint } from './responseReader';
import type {
  ApiKeyProvider,
  CallOptions,
  ChatRequest,
  CompletionRequest,
  ModelInfo,
  RequestRecord,
} from './types';

export type { ModelClientSettings } from './requestRunner';

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

type Body = RequestBody;
type Transform = DeltaTransform;

export class ModelClient {
  readonly log: RequestLog;
  private settings: ModelClientSettings;
  private sdk: OpenAI | undefined;
  private readonly apiKey: ApiKeyProvider;
  private readonly maxRetries: number;
  private readonly maxRetryWaitMs: number;
  private readonly runner: RequestRunner;
  /** Requests in flight, so that dispose() can stop them all. */
  private readonly inFlight = new Set<AbortController>();

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
    this.runner = new RequestRunner({
      log: this.log,
      apiKey: this.apiKey,
      maxRetries: this.maxRetries,
      maxRetryWaitMs: this.maxRetryWaitMs,
      sdkFor: (settings) => this.sdkFor(settings),
      listModels: (options) => this.listModels(options),
    });
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

  /** Aborts every request in flight (their calls fail as cancelled). The client stays usable. */
  abortAll(): void {
    for (const controller of this.inFlight) controller.abort();
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
    // Text-only messages stay plain strings (every server takes them); with images, OpenAI content parts.
    const wire = request.messages.map((message) => ({
      role: message.role,
      content: message.images?.length
        ? [
            { type: 'text', text: message.content },
            ...message.images.map((image) => ({
              type: 'image_url',
              image_url: { url: `data:${image.mimeType};base64,${image.data}` },
            })),
          ]
        : message.content,
    }));
    const messages = request.messages.map((message) => ({ ...message }));
    return this.start(
      'chat/completions',
      request,
      { model: request.model, messages: wire },
      { messages },
      options,
    );
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
    const context = failureContext(settings, '', 'models', false);
    const timeoutMs = options.timeoutMs ?? settings.connectTimeoutMs;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    try {
      const key = await this.apiKey(settings.baseUrl);
      context.keySent = Boolean(key);
      record.attempts = 1;
      record.sentAt = performance.now();
      const response = await this.sdkFor(settings)
        .models.list({ signal: controller.signal, timeout: timeoutMs, headers: authHeader(key) })
        .asResponse();
      record.headersAt = performance.now();
      record.status = response.status;
      const text = await response.text();
      let parsed: {
        data?: ({ id?: unknown; owned_by?: unknown; created?: unknown } & Record<string, unknown>)[];
      };
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
          vision: statesVision(entry),
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

  private sdkFor(settings: ModelClientSettings): OpenAI {
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
    this.inFlight.add(controller);
    void this.runner
      .run(call, record, controller, endpoint, body, settings, options.signal, transform)
      // run() settles the call itself; this only guards against a bug there leaving it unsettled.
      .catch((error: unknown) =>
        call.fail(
          new ModelError({
            kind: 'server',
            message: `Model client failure: ${String(error)}`,
            url: settings.baseUrl,
          }),
        ),
      )
      .finally(() => this.inFlight.delete(controller));
    return call;
  }
}
