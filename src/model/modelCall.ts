// One request in flight: its deltas (async-iterable, buffered until read), its final result, and its
// abort. Iterating is optional; `result` settles either way.

import { ModelError } from './errors';
import type { ModelDelta, ModelResult, RequestRecord } from './types';

type Waiter = { resolve: (step: IteratorResult<ModelDelta>) => void; reject: (error: unknown) => void };

export class ModelCall implements AsyncIterable<ModelDelta> {
  /** Settles with the complete answer, or rejects with a ModelError (kind 'cancelled' when aborted). */
  readonly result: Promise<ModelResult>;
  private readonly queue: ModelDelta[] = [];
  private waiter: Waiter | undefined;
  private ended = false;
  private failure: unknown;
  private iterating = false;
  private settleResult!: { resolve: (result: ModelResult) => void; reject: (error: unknown) => void };

  constructor(
    /** The request's log record; its times and outcome fill in as the request runs. */
    readonly record: Readonly<RequestRecord>,
    private readonly controller: AbortController,
  ) {
    this.result = new Promise<ModelResult>((resolve, reject) => {
      this.settleResult = { resolve, reject };
    });
    // A caller that only iterates still sees the error there; this keeps Node from calling it unhandled.
    this.result.catch(() => undefined);
  }

  /** Cancels the request: the HTTP request is aborted at once and its stream is not read further. */
  abort(): void {
    this.controller.abort();
  }

  /** The request's own signal (aborted by `abort()`, the caller's signal, or a timeout). */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  [Symbol.asyncIterator](): AsyncIterator<ModelDelta> {
    if (this.iterating) throw new Error('A ModelCall can be iterated only once');
    this.iterating = true;
    return {
      next: () => {
        const delta = this.queue.shift();
        if (delta) return Promise.resolve({ value: delta, done: false });
        if (this.failure !== undefined) return Promise.reject(this.failure);
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
      },
      // Leaving a for-await loop early means the caller wants no more: free the server.
      return: () => {
        if (!this.ended && this.failure === undefined) this.abort();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  /** @internal Delivers a piece of text to the reader. */
  pushDelta(delta: ModelDelta): void {
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter.resolve({ value: delta, done: false });
    } else this.queue.push(delta);
  }

  /** @internal The answer is complete. */
  succeed(result: ModelResult): void {
    this.ended = true;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.resolve({ value: undefined, done: true });
    this.settleResult.resolve(result);
  }

  /** @internal The request failed or was cancelled: undelivered deltas are dropped with it. */
  fail(error: ModelError): void {
    this.failure = error;
    this.queue.length = 0;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(error);
    this.settleResult.reject(error);
  }
}
