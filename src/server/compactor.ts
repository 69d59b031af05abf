// Folds rooms' stored logs into snapshots on a worker thread (compactorWorker.ts, built as
// dist/compactor.js beside dist/server.js and dist/extension.js). One worker per server, started on
// the first fold and left to idle (it does not keep the process alive). Without the worker script
// (a build that lacks it), rooms fold on the event loop as before: `findCompactorScript` says which.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

export const COMPACTOR_FILE = 'compactor.js';
/** A fold not answered in this long ends its worker (see Compactor). */
export const FOLD_TIMEOUT_MS = 120_000;

export interface FoldRequest {
  readonly id: number;
  readonly updates: readonly Uint8Array[];
}

export type FoldReply =
  | { readonly id: number; readonly state: Uint8Array; readonly error?: undefined }
  | { readonly id: number; readonly error: string };

/**
 * The worker script: beside this bundle (dist/server.js, dist/extension.js), or, for a test bundle
 * somewhere under out/, the dist/ of the Tandem checkout it is in (the folder with esbuild.js), never
 * some other dist/. Undefined when there is none.
 */
export function findCompactorScript(from = __dirname): string | undefined {
  const beside = path.join(from, COMPACTOR_FILE);
  if (fs.existsSync(beside)) return beside;
  for (let dir = from; ;) {
    const built = path.join(dir, 'dist', COMPACTOR_FILE);
    if (fs.existsSync(path.join(dir, 'esbuild.js')) && fs.existsSync(built)) return built;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export class Compactor {
  private worker: Worker | undefined;
  private nextId = 0;
  /** Folds sent and not answered, with the worker each went to. */
  private readonly waiting = new Map<
    number,
    {
      worker: Worker;
      timer?: NodeJS.Timeout;
      resolve(state: Uint8Array): void;
      reject(error: Error): void;
    }
  >();
  private isClosed = false;
  private idleWaiters: (() => void)[] = [];

  /**
   * `timeoutMs`: a fold not answered by then ends its worker (and the folds sent to it), so a worker
   * that hangs never holds a room's folds, or the process, for good. Folding a 64 MiB document takes
   * a few seconds.
   */
  constructor(
    private readonly script: string,
    private readonly timeoutMs = FOLD_TIMEOUT_MS,
  ) {}

  /** Folds `updates` (a snapshot, then the log after it) into one update, off the event loop. */
  fold(updates: readonly Uint8Array[]): Promise<Uint8Array> {
    if (this.isClosed) return Promise.reject(new Error('the compactor is closed'));
    const worker = this.started();
    const id = this.nextId++;
    return new Promise<Uint8Array>((resolve, reject) => {
      this.waiting.set(id, { worker, resolve, reject });
      // Copied once each into buffers of their own, which move to the worker: the store keeps its
      // bytes, and an update that is a view of a larger buffer does not drag all of it along.
      // (new Uint8Array(view) copies; a Node Buffer's slice() would be a view of the same memory.)
      const copies = updates.map((update) => new Uint8Array(update));
      worker.postMessage(
        { id, updates: copies } satisfies FoldRequest,
        copies.map((copy) => copy.buffer),
      );
      // Only a fold in progress keeps the process alive.
      worker.ref();
      const timer = setTimeout(() => {
        if (!this.waiting.has(id)) return;
        this.failAll(new Error(`the compaction worker did not answer within ${this.timeoutMs} ms`), worker);
        if (this.worker === worker) this.worker = undefined;
        void worker.terminate();
      }, this.timeoutMs);
      timer.unref();
      this.waiting.get(id)!.timer = timer;
    });
  }

  /** Folds waiting for the worker. */
  get pending(): number {
    return this.waiting.size;
  }

  /** Resolves once no fold waits for the worker (at once when none does, or once closed). */
  whenIdle(): Promise<void> {
    if (this.waiting.size === 0 || this.isClosed) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Whether `close` was called (folds then fail, and their failure is no news). */
  get closed(): boolean {
    return this.isClosed;
  }

  async close(): Promise<void> {
    this.isClosed = true;
    const worker = this.worker;
    this.worker = undefined;
    this.failAll(new Error('the compactor closed'));
    if (worker) await worker.terminate();
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.script);
    worker.unref();
    worker.on('message', (reply: FoldReply) => {
      const waiter = this.waiting.get(reply.id);
      if (!waiter) return;
      this.waiting.delete(reply.id);
      clearTimeout(waiter.timer);
      if (!this.sentTo(worker)) worker.unref();
      if (reply.error !== undefined) waiter.reject(new Error(reply.error));
      else waiter.resolve(reply.state);
      this.settled();
    });
    // A worker that dies takes its folds with it; the next fold starts a new one. Its 'exit' comes a
    // moment after its 'error': folds sent meanwhile to the next worker are not its to fail.
    const lost = (error: Error) => {
      if (this.worker === worker) this.worker = undefined;
      this.failAll(error, worker);
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`the compaction worker exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }

  /** Fails the folds sent to `worker` (every fold without one). */
  private failAll(error: Error, worker?: Worker): void {
    const waiters = [...this.waiting].filter(([, waiter]) => !worker || waiter.worker === worker);
    for (const [id, waiter] of waiters) {
      this.waiting.delete(id);
      clearTimeout(waiter.timer);
    }
    for (const [, waiter] of waiters) waiter.reject(error);
    this.settled();
  }

  /** Wakes `whenIdle`'s callers once nothing waits (their folds' own callbacks run first). */
  private settled(): void {
    if (this.waiting.size > 0 && !this.isClosed) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private sentTo(worker: Worker): boolean {
    for (const waiter of this.waiting.values()) if (waiter.worker === worker) return true;
    return false;
  }
}
