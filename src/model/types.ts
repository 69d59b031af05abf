// The model layer's public data types. Everything here is plain data: no vscode, no HTTP.

/** Which OpenAI-compatible endpoint a request went to. */
export type ModelEndpoint = 'completions' | 'chat/completions' | 'models';

/** Returns the API key to send, or undefined when the server needs none (local servers). */
/** The key for the server at `baseUrl` (the request's own), or undefined. Never a key of another server. */
export type ApiKeyProvider = (baseUrl: string) => string | undefined | Promise<string | undefined>;

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
  /** Images sent with the text (user messages; vision models only): `image_url` content parts. */
  images?: readonly ChatImage[];
}

/** An image as sent to a model: base64 data of a PNG, JPEG, GIF or WebP file. */
export interface ChatImage {
  /** File name or a label ("pasted image 1"), for the request log and the panel. */
  name: string;
  mimeType: 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp';
  /** Base64 of the file's bytes. */
  data: string;
}

/** Fields shared by completion and chat requests. */
interface GenerationParams {
  model: string;
  /** Upper bound on generated tokens (`max_tokens`). */
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  /** Stop sequences; output ends before the first one. */
  stop?: readonly string[];
  /** Number of candidates (`n`); deltas and results carry the candidate's index. */
  n?: number;
  /** Streamed (SSE) unless false. */
  stream?: boolean;
  /**
   * Extra body fields for servers with their own options (e.g. llama.cpp `cache_prompt`, Ollama
   * `keep_alive`). Merged into the JSON body as given.
   */
  extraBody?: Readonly<Record<string, unknown>>;
}

/** `/v1/completions`: a plain prompt, or a FIM prompt built by a template, or OpenAI-style `suffix`. */
export interface CompletionRequest extends GenerationParams {
  prompt: string;
  /** Sent as the OpenAI `suffix` field (servers that fill in the middle themselves, e.g. Ollama). */
  suffix?: string;
}

/** `/v1/chat/completions`. */
export interface ChatRequest extends GenerationParams {
  messages: readonly ChatMessage[];
}

/** A piece of generated text as it arrives. */
export interface ModelDelta {
  /** Candidate index (0 unless `n` > 1). */
  index: number;
  text: string;
}

export type FinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls' | 'function_call' | string;

export interface ModelChoice {
  index: number;
  text: string;
  finishReason: FinishReason | null;
}

export interface TokenCounts {
  input: number;
  output: number;
  /** 'usage' when the server reported them, 'counted' when Tandem estimated them. */
  source: 'usage' | 'counted';
}

/** A finished request: every candidate's full text, only ever produced for a complete answer. */
export interface ModelResult {
  /** Text of candidate 0. */
  text: string;
  choices: ModelChoice[];
  tokens: TokenCounts;
  /** The request's log record (times, outcome). */
  record: Readonly<RequestRecord>;
}

export interface ModelInfo {
  id: string;
  ownedBy?: string;
  created?: number;
  /** The list entry states image input (Ollama `capabilities`, `input_modalities`, LM Studio `vlm`). */
  vision?: boolean;
}

/** Per-call options. */
export interface CallOptions {
  /** Aborting it aborts the HTTP request at once; the stream is never read further. */
  signal?: AbortSignal;
  /** Which feature asked (shown in the request log), e.g. 'completion', 'panel'. */
  feature?: string;
  /** What the trust gate wants kept with the record; can also be set later with `RequestLog.attach`. */
  attachment?: TrustAttachment;
}

/** A source range sent to the model, zero-based lines, end exclusive. */
export interface SentSource {
  path: string;
  range?: { startLine: number; endLine: number };
}

export interface Redaction {
  /** The stable placeholder that replaced the secret in the prompt, e.g. `<secret-1>`. */
  placeholder: string;
  /** What was detected, e.g. 'aws-access-key', 'password-assignment'. */
  kind: string;
  source?: SentSource;
}

/** What the trust gate attaches to a request record: why the prompt looks the way it does. */
export interface TrustAttachment {
  sources?: readonly SentSource[];
  redactions?: readonly Redaction[];
  /** Files that would have been sent but were excluded by ignore rules. */
  excluded?: readonly string[];
  /** Free-form notes, e.g. 'untrusted text fenced'. */
  notes?: readonly string[];
}

export type RequestOutcome = 'pending' | 'streaming' | 'ok' | 'cancelled' | 'error';

/**
 * One request as the log keeps it. Times are milliseconds on the `performance.now()` clock;
 * `startedAtEpochMs` anchors them to wall time.
 */
export interface RequestRecord {
  id: number;
  endpoint: ModelEndpoint;
  baseUrl: string;
  model: string;
  feature?: string;
  stream: boolean;
  startedAtEpochMs: number;
  queuedAt: number;
  /** The (last) attempt's request left for the server. */
  sentAt?: number;
  /** Response headers arrived. */
  headersAt?: number;
  firstTokenAt?: number;
  doneAt?: number;
  /** HTTP attempts made (more than 1 after a 429 retry). */
  attempts: number;
  status?: number;
  tokens?: TokenCounts;
  outcome: RequestOutcome;
  error?: { kind: string; message: string };
  /** Exactly what was sent: the prompt (and suffix) or the messages. Dropped for old records over budget. */
  sent?: { prompt?: string; suffix?: string; messages?: readonly ChatMessage[] };
  /** Candidate 0's text as received (also bounded by the log's budget). */
  received?: string;
  /** True when `sent`/`received` were dropped to keep the log within its memory budget. */
  contentDropped?: boolean;
  attachment?: TrustAttachment;
}
