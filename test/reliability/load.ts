// The load phase: stock y-websocket clients in worker threads typing at a human rate against one
// server, measured from a keystroke's send to its apply at every peer (raw wall clock).
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { signToken } from '../../src/server/token';
import type { FromLoadWorker, LoadClientSpec, LoadWorkerData, ToLoadWorker } from './loadWorker';
import { reliabilitySecret, type RunningServer } from './servers';

export interface LoadShape {
  readonly rooms: number;
  readonly clientsPerRoom: number;
  readonly seconds: number;
  /** Mean gap between one client's keystrokes. */
  readonly meanGapMs: number;
  readonly workers: number;
}

export interface LoadResult {
  readonly sent: number;
  readonly received: number;
  readonly expected: number;
  readonly latencies: number[];
  readonly disconnects: number;
  readonly complete: boolean;
  readonly converged: boolean;
  /** Server RSS (MB) sampled each second while typing. */
  readonly rss: number[];
}

const now = () => performance.timeOrigin + performance.now();

function nextMessage<T>(worker: Worker): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const failed = (error: Error) => {
      worker.off('message', answered);
      reject(error);
    };
    const answered = (message: T) => {
      worker.off('error', failed);
      resolve(message);
    };
    worker.once('message', answered);
    worker.once('error', failed);
  });
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Runs one round of typing against `server`; room names carry `label` so rounds never share rooms. */
export async function runLoad(server: RunningServer, shape: LoadShape, label: string): Promise<LoadResult> {
  const specs: LoadClientSpec[] = [];
  for (let id = 0; id < shape.rooms * shape.clientsPerRoom; id++) {
    const room = `${label}-room-${id % shape.rooms}`;
    const token =
      server.kind === 'tandem'
        ? signToken(reliabilitySecret, {
            room,
            role: 'rw',
            name: `typist ${id}`,
            exp: Date.now() + 3_600_000,
          })
        : undefined;
    specs.push({ id, room, token });
  }
  const workers = Array.from({ length: shape.workers }, (_, w) => {
    const data: LoadWorkerData = {
      url: server.url,
      clients: specs.filter((_, i) => i % shape.workers === w),
    };
    return new Worker(path.join(__dirname, 'loadWorker.js'), { workerData: data });
  });
  const all = <T extends FromLoadWorker>(message?: ToLoadWorker) =>
    Promise.all(
      workers.map((worker) => {
        const reply = nextMessage<T>(worker);
        if (message) worker.postMessage(message);
        return reply;
      }),
    );
  try {
    await within(all(), 120_000, `${label}: connecting and syncing ${specs.length} clients`);
    const rss: number[] = [];
    const sampler = setInterval(() => rss.push(server.rssMb()), 1000);
    const startAt = now() + 300;
    const typed = await all<Extract<FromLoadWorker, { type: 'typed' }>>({
      type: 'type',
      startAt,
      durationMs: shape.seconds * 1000,
      meanGapMs: shape.meanGapMs,
    });
    clearInterval(sampler);
    const sentById = Object.assign({}, ...typed.map((reply) => reply.sentById)) as Record<number, string>;
    const sent = Object.values(sentById).reduce((sum, value) => sum + Number(value.split('\n')[1]), 0);
    const collected = await all<Extract<FromLoadWorker, { type: 'collected' }>>({
      type: 'collect',
      sentById,
      timeoutMs: 20_000,
    });
    const texts: Record<string, Set<string>> = {};
    for (const reply of collected)
      for (const [room, hashes] of Object.entries(reply.texts))
        for (const hash of hashes) (texts[room] ??= new Set()).add(hash);
    return {
      sent,
      received: collected.reduce((sum, reply) => sum + reply.received, 0),
      expected: collected.reduce((sum, reply) => sum + reply.expected, 0),
      latencies: collected.flatMap((reply) => Array.from(reply.latencies)),
      disconnects: collected.reduce((sum, reply) => sum + reply.disconnects, 0),
      complete: collected.every((reply) => reply.complete),
      converged: Object.values(texts).every((set) => set.size === 1),
      rss,
    };
  } finally {
    await Promise.all(
      workers.map(async (worker) => {
        const exited = new Promise((resolve) => worker.once('exit', resolve));
        worker.postMessage({ type: 'stop' } satisfies ToLoadWorker);
        await within(exited, 3000, 'stopping a load worker').catch(() => worker.terminate());
      }),
    );
  }
}
