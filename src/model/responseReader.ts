// Reads an OpenAI-compatible answer (SSE stream or JSON body) into candidates. Knows the wire format of
// /v1/completions and /v1/chat/completions chunks; knows nothing about requests or retries.

import { SseParser } from './sse';
import type { FinishReason, ModelChoice } from './types';

export type AnswerEndpoint = 'completions' | 'chat/completions';

/** What went wrong in a body, for the caller to turn into a ModelError. */
export class AnswerFormatError extends Error {
  constructor(
    readonly kind: 'malformed' | 'broken-stream' | 'server-error',
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

interface Usage {
  prompt_tokens?: number;
  completion_tokens?: number;
}

interface WireChoice {
  index?: number;
  text?: string | null;
  delta?: { content?: string | null } | null;
  message?: { content?: string | null } | null;
  finish_reason?: FinishReason | null;
}

interface WireBody {
  choices?: WireChoice[];
  usage?: Usage | null;
  error?: { message?: string; code?: number | string } | string;
}

export interface AnswerSink {
  /** A candidate's next text (never empty). */
  delta(index: number, text: string): void;
}

/** Accumulates candidates from chunks or a whole body. */
export class AnswerAccumulator {
  readonly choices: ModelChoice[] = [];
  usage: Usage | undefined;
  /** Non-empty deltas received: each is (about) one token on the servers that stream per token. */
  deltas = 0;

  constructor(
    private readonly endpoint: AnswerEndpoint,
    private readonly sink: AnswerSink,
  ) {}

  /** Applies one parsed JSON object (a stream chunk, or the whole non-streamed body). */
  apply(body: WireBody, streamed: boolean): void {
    if (body.error !== undefined) {
      const error = body.error;
      const message = typeof error === 'string' ? error : (error.message ?? JSON.stringify(error));
      const code = typeof error === 'object' && typeof error.code === 'number' ? error.code : undefined;
      throw new AnswerFormatError('server-error', message, code);
    }
    if (body.usage) this.usage = body.usage;
    if (body.choices === undefined) {
      if (body.usage) return;
      throw new AnswerFormatError('malformed', 'a chunk without "choices"');
    }
    if (!Array.isArray(body.choices)) throw new AnswerFormatError('malformed', '"choices" is not a list');
    for (const wire of body.choices) {
      const index = typeof wire.index === 'number' ? wire.index : 0;
      let choice = this.choices[index];
      if (!choice) choice = this.choices[index] = { index, text: '', finishReason: null };
      const text = this.textOf(wire, streamed);
      if (text) {
        choice.text += text;
        this.deltas++;
        this.sink.delta(index, text);
      }
      if (wire.finish_reason) choice.finishReason = wire.finish_reason;
    }
  }

  private textOf(wire: WireChoice, streamed: boolean): string {
    const value =
      this.endpoint === 'completions' ? wire.text : streamed ? wire.delta?.content : wire.message?.content;
    if (value === undefined || value === null) return '';
    if (typeof value !== 'string') throw new AnswerFormatError('malformed', 'text that is not a string');
    return value;
  }

  /** Candidates in index order (a server may skip none, but be safe about holes). */
  list(): ModelChoice[] {
    return this.choices.filter((choice) => choice !== undefined);
  }

  /** Every candidate that appeared has a finish reason. */
  allFinished(): boolean {
    const list = this.list();
    return list.length > 0 && list.every((choice) => choice.finishReason !== null);
  }
}

/**
 * Reads an SSE body to its end. Resolves when `[DONE]` arrives (the rest of the body is drained in the
 * background so the connection can be reused) or when the body ends with every candidate finished.
 * Throws AnswerFormatError for a malformed chunk or a stream that ended early; rethrows read errors
 * (a dropped connection, an abort) for the caller to classify.
 */
export async function readEventStream(
  body: ReadableStream<Uint8Array>,
  answer: AnswerAccumulator,
  signal: AbortSignal,
): Promise<void> {
  const reader = body.getReader();
  const parser = new SseParser();
  let released = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (signal.aborted) return;
      if (done) break;
      for (const event of parser.push(value)) {
        if (event.data === '[DONE]') {
          drain(reader);
          released = true;
          return;
        }
        let chunk: WireBody;
        try {
          chunk = JSON.parse(event.data) as WireBody;
        } catch {
          throw new AnswerFormatError('malformed', `a chunk that is not JSON: ${clip(event.data)}`);
        }
        if (!chunk || typeof chunk !== 'object')
          throw new AnswerFormatError('malformed', `a chunk that is not an object`);
        answer.apply(chunk, true);
      }
    }
    const clean = parser.end();
    // Some servers end without [DONE]; the answer is whole only if every candidate said why it stopped.
    if (!clean || !answer.allFinished())
      throw new AnswerFormatError('broken-stream', 'the stream ended before the answer was complete');
  } finally {
    if (!released) reader.releaseLock();
  }
}

function drain(reader: ReadableStreamDefaultReader<Uint8Array>): void {
  const next = (): void => {
    reader.read().then(
      ({ done }) => (done ? reader.releaseLock() : next()),
      () => undefined,
    );
  };
  next();
}

/** Parses a non-streamed JSON body. */
export function readJsonBody(text: string, answer: AnswerAccumulator): void {
  let body: WireBody;
  try {
    body = JSON.parse(text) as WireBody;
  } catch {
    throw new AnswerFormatError('malformed', `a body that is not JSON: ${clip(text)}`);
  }
  if (!body || typeof body !== 'object')
    throw new AnswerFormatError('malformed', 'a body that is not an object');
  answer.apply(body, false);
  if (answer.list().length === 0) throw new AnswerFormatError('malformed', 'an answer without candidates');
}

function clip(text: string): string {
  return text.length > 80 ? `${JSON.stringify(text.slice(0, 80))}…` : JSON.stringify(text);
}
