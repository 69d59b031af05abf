// Worker thread of the load phase: a share of the stock y-websocket clients, each typing into its
// room's Y.Text at a set rate. Each keystroke also stamps its send time under a key of its own in a
// Y.Map, so a receiver counts and times every keystroke even when the server merges several into one
// message. Threads of one process share the wall clock.
import { createHash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { seededRandom } from '../support/seededRandom';

export interface LoadClientSpec {
  readonly id: number;
  readonly room: string;
  readonly token: string | undefined;
}

export interface LoadWorkerData {
  readonly url: string;
  readonly clients: readonly LoadClientSpec[];
}

export type ToLoadWorker =
  | {
      readonly type: 'type';
      readonly startAt: number;
      readonly durationMs: number;
      /** Mean gap between one client's keystrokes (each gap is 50-150% of it). */
      readonly meanGapMs: number;
    }
  /** After typing: how many keystrokes each client sent, so receivers know what to wait for. */
  | {
      readonly type: 'collect';
      readonly sentById: Readonly<Record<number, string>>;
      readonly timeoutMs: number;
    }
  | { readonly type: 'stop' };

export type FromLoadWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'typed'; readonly sentById: Readonly<Record<number, string>> }
  | {
      readonly type: 'collected';
      readonly complete: boolean;
      readonly received: number;
      readonly expected: number;
      readonly latencies: Float64Array;
      readonly disconnects: number;
      /** A hash of each client's text, by room: equal hashes in a room mean it converged. */
      readonly texts: Record<string, string[]>;
    }
  | { readonly type: 'stopped' };

const now = () => performance.timeOrigin + performance.now();
const letters = 'etaoinshrdlu cmfwypvbgkqjxz\n';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

class Typist {
  readonly doc = new Y.Doc();
  readonly text = this.doc.getText('text');
  readonly stamps = this.doc.getMap<number>('stamps');
  readonly provider: WebsocketProvider;
  readonly random: () => number;
  latencies: number[] = [];
  /** Keystrokes received per sender id. */
  readonly receivedFrom = new Map<string, number>();
  received = 0;
  sent = 0;
  disconnects = 0;
  private connected = false;

  constructor(
    readonly spec: LoadClientSpec,
    url: string,
  ) {
    this.random = seededRandom(spec.id + 1);
    this.provider = new WebsocketProvider(url, spec.room, this.doc, {
      WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
      params: spec.token ? { token: spec.token } : {},
      disableBc: true,
    });
    this.provider.on('status', ({ status }: { status: string }) => {
      if (status === 'connected') this.connected = true;
      else if (status === 'disconnected' && this.connected) {
        this.connected = false;
        this.disconnects++;
      }
    });
    this.stamps.observe((event) => {
      if (event.transaction.local) return;
      const at = now();
      for (const key of event.keysChanged) {
        const sentAt = this.stamps.get(key);
        if (sentAt === undefined) continue;
        this.latencies.push(at - sentAt);
        this.received++;
      }
    });
  }

  synced(): Promise<void> {
    return new Promise((resolve) => {
      if (this.provider.synced) resolve();
      else this.provider.once('sync', () => resolve());
    });
  }

  keystroke(): void {
    const char = letters[Math.floor(this.random() * letters.length)];
    const position = Math.floor(this.random() * (this.text.length + 1));
    this.doc.transact(() => {
      this.text.insert(position, char);
      this.stamps.set(`${this.spec.id}.${this.sent}`, now());
    });
    this.sent++;
  }
}

async function main(): Promise<void> {
  const data = workerData as LoadWorkerData;
  const port = parentPort;
  if (!port) throw new Error('loadWorker runs as a worker thread');
  process.setMaxListeners(data.clients.length + 10);
  const typists = data.clients.map((spec) => new Typist(spec, data.url));
  await Promise.all(typists.map((typist) => typist.synced()));
  port.postMessage({ type: 'ready' } satisfies FromLoadWorker);

  port.on('message', async (message: ToLoadWorker) => {
    if (message.type === 'stop') {
      for (const typist of typists) {
        typist.provider.destroy();
        typist.doc.destroy();
      }
      port.postMessage({ type: 'stopped' } satisfies FromLoadWorker);
      port.close();
      return;
    }
    if (message.type === 'type') {
      for (const typist of typists) {
        typist.latencies = [];
        typist.received = 0;
        typist.sent = 0;
        typist.disconnects = 0;
      }
      const endAt = message.startAt + message.durationMs;
      // The room's stamps start empty for each round: keys are per round (id.seq with seq from 0).
      await Promise.all(
        typists.map(async (typist) => {
          let next = message.startAt + typist.random() * message.meanGapMs;
          while (next < endAt) {
            await sleep(next - now());
            typist.keystroke();
            next += message.meanGapMs * (0.5 + typist.random());
          }
        }),
      );
      const sentById: Record<number, string> = {};
      for (const typist of typists) sentById[typist.spec.id] = `${typist.spec.room}\n${typist.sent}`;
      port.postMessage({ type: 'typed', sentById } satisfies FromLoadWorker);
      return;
    }
    // collect: wait until every typist has every keystroke its room's other typists sent.
    const expected = new Map<Typist, number>();
    for (const typist of typists) {
      let total = 0;
      for (const [id, value] of Object.entries(message.sentById)) {
        const [room, count] = value.split('\n');
        if (room === typist.spec.room && Number(id) !== typist.spec.id) total += Number(count);
      }
      expected.set(typist, total);
    }
    const deadline = now() + message.timeoutMs;
    const behind = () => typists.some((typist) => typist.received < (expected.get(typist) ?? 0));
    while (behind() && now() < deadline) await sleep(10);
    const texts: Record<string, string[]> = {};
    for (const typist of typists)
      (texts[typist.spec.room] ??= []).push(createHash('sha1').update(typist.text.toString()).digest('hex'));
    const latencies = Float64Array.from(typists.flatMap((typist) => typist.latencies));
    port.postMessage(
      {
        type: 'collected',
        complete: !behind(),
        received: typists.reduce((sum, typist) => sum + typist.received, 0),
        expected: [...expected.values()].reduce((sum, count) => sum + count, 0),
        latencies,
        disconnects: typists.reduce((sum, typist) => sum + typist.disconnects, 0),
        texts,
      } satisfies FromLoadWorker,
      [latencies.buffer],
    );
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
