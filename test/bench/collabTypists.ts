// Worker thread of the collab bench: a share of the stock y-websocket clients, each typing into its
// room's Y.Text. Every keystroke also stamps its send time into a Y.Map under a key of its own, so
// receivers can count and time every delivery (sender's send to a peer's apply). Threads of one process share the wall clock.
import { parentPort, workerData } from 'node:worker_threads';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { insertHumanText } from '../../src/authorship/sharedAuthorship';
import { seededRandom } from '../support/seededRandom';

export interface TypistSpec {
  readonly id: number;
  readonly room: string;
  readonly token: string | undefined;
}

export interface TypistsData {
  readonly url: string;
  readonly typists: readonly TypistSpec[];
  readonly clientsPerRoom: number;
  /** Typist `id` is in room `id % rooms`. */
  readonly rooms: number;
  /**
   * Type into this file of a Tandem session (its Y.Text in the `texts` map, as people's text, the
   * way Tandem's binding inserts it) instead of the root text `text`. The file must exist by then.
   */
  readonly sessionFile?: string;
}

export type ToTypists =
  | { readonly type: 'human'; readonly startAt: number; readonly durationMs: number }
  /** After typing: how many keystrokes each typist sent, so receivers know what to wait for. */
  | {
      readonly type: 'collect';
      readonly sentById: Readonly<Record<number, number>>;
      readonly timeoutMs: number;
    }
  | {
      readonly type: 'burst';
      readonly startAt: number;
      readonly keystrokes: number;
      readonly timeoutMs: number;
    }
  | { readonly type: 'stop' };

export type FromTypists =
  | { readonly type: 'ready' }
  | { readonly type: 'typed'; readonly sentById: Readonly<Record<number, number>> }
  | {
      readonly type: 'human-done';
      readonly complete: boolean;
      readonly received: number;
      readonly latencies: Float64Array;
      /** When each delivery in `latencies` was sent (epoch ms), in the same order. */
      readonly sentAts: Float64Array;
      readonly firstSend: number;
      readonly lastReceive: number;
      readonly texts: Record<string, string[]>;
    }
  | {
      readonly type: 'burst-done';
      readonly received: number;
      readonly lastReceive: number;
      readonly complete: boolean;
      readonly texts: Record<string, string[]>;
    };

const now = () => performance.timeOrigin + performance.now();
const letters = 'etaoinshrdlu cmfwypvbgkqjxz\n';

class Typist {
  readonly doc = new Y.Doc();
  get text(): Y.Text {
    if (!this.sessionFile) return this.doc.getText('text');
    const text = this.doc.getMap('texts').get(this.sessionFile);
    if (!(text instanceof Y.Text)) throw new Error(`${this.sessionFile} is not shared in the session`);
    return text;
  }
  readonly stamps = this.doc.getMap<number>('stamps');
  readonly provider: WebsocketProvider;
  readonly random: () => number;
  latencies: number[] = [];
  sentAts: number[] = [];
  sent = 0;
  /** Keystrokes stamped so far, over every phase: each one's stamp key. */
  stamped = 0;
  received = 0;
  firstSend = 0;
  lastReceive = 0;

  constructor(
    readonly spec: TypistSpec,
    url: string,
    private readonly sessionFile?: string,
  ) {
    this.random = seededRandom(spec.id + 1);
    this.provider = new WebsocketProvider(url, spec.room, this.doc, {
      WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
      params: spec.token ? { token: spec.token } : {},
      disableBc: true,
    });
    this.stamps.observe((event) => {
      if (event.transaction.local) return;
      const at = now();
      for (const key of event.keysChanged) {
        const sentAt = this.stamps.get(key);
        if (sentAt === undefined) continue;
        this.latencies.push(at - sentAt);
        this.sentAts.push(sentAt);
        this.received++;
        this.lastReceive = at;
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
      // In a session file, people's text never carries the assistant's mark: inserted as Tandem's
      // binding inserts it once the file has held assistant text.
      if (this.sessionFile) insertHumanText(this.text, position, char);
      else this.text.insert(position, char);
      // A key per keystroke: a server that merges updates (Tandem relays each turn's as one) still
      // delivers every keystroke's stamp, so each is counted and timed.
      this.stamps.set(`${this.spec.id}:${this.stamped++}`, now());
    });
    this.sent++;
  }

  destroy(): void {
    this.provider.destroy();
    this.doc.destroy();
  }
}

function textsByRoom(typists: readonly Typist[]): Record<string, string[]> {
  const texts: Record<string, string[]> = {};
  for (const typist of typists) (texts[typist.spec.room] ??= []).push(typist.text.toString());
  return texts;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

async function main(): Promise<void> {
  const data = workerData as TypistsData;
  const port = parentPort;
  if (!port) throw new Error('collabTypists runs as a worker thread');
  // Each provider adds a process 'exit' listener.
  process.setMaxListeners(data.typists.length + 10);
  const typists = data.typists.map((spec) => new Typist(spec, data.url, data.sessionFile));
  await Promise.all(typists.map((typist) => typist.synced()));
  port.postMessage({ type: 'ready' } satisfies FromTypists);

  port.on('message', async (message: ToTypists) => {
    if (message.type === 'stop') {
      for (const typist of typists) typist.destroy();
      port.close();
      return;
    }
    if (message.type === 'collect') {
      // Wait until every typist has received every keystroke its room's other typists sent.
      const expected = new Map<Typist, number>();
      for (const typist of typists) {
        let total = 0;
        for (const [id, count] of Object.entries(message.sentById))
          if (Number(id) % data.rooms === typist.spec.id % data.rooms && Number(id) !== typist.spec.id)
            total += count;
        expected.set(typist, total);
      }
      const deadline = now() + message.timeoutMs;
      const behind = () => typists.some((typist) => typist.received < (expected.get(typist) ?? 0));
      while (behind() && now() < deadline) await sleep(5);
      const latencies = Float64Array.from(typists.flatMap((typist) => typist.latencies));
      const sentAts = Float64Array.from(typists.flatMap((typist) => typist.sentAts));
      port.postMessage(
        {
          type: 'human-done',
          complete: !behind(),
          received: typists.reduce((sum, typist) => sum + typist.received, 0),
          latencies,
          sentAts,
          firstSend: Math.min(...typists.map((typist) => typist.firstSend)),
          lastReceive: Math.max(...typists.map((typist) => typist.lastReceive)),
          texts: textsByRoom(typists),
        } satisfies FromTypists,
        [latencies.buffer, sentAts.buffer],
      );
      return;
    }
    for (const typist of typists) {
      typist.latencies = [];
      typist.sentAts = [];
      typist.sent = 0;
      typist.received = 0;
      typist.lastReceive = 0;
    }
    if (message.type === 'human') {
      const endAt = message.startAt + message.durationMs;
      // Human pace: 80-300 ms between keystrokes (about 5 characters a second), each typist on its own clock.
      await Promise.all(
        typists.map(async (typist) => {
          let next = message.startAt + typist.random() * 300;
          typist.firstSend = next;
          while (next < endAt) {
            await sleep(next - now());
            typist.keystroke();
            next += 80 + typist.random() * 220;
          }
        }),
      );
      const sentById: Record<number, number> = {};
      for (const typist of typists) sentById[typist.spec.id] = typist.sent;
      port.postMessage({ type: 'typed', sentById } satisfies FromTypists);
    } else {
      await sleep(message.startAt - now());
      // A burst: every typist fires its keystrokes back to back (each its own update message).
      for (const typist of typists) for (let i = 0; i < message.keystrokes; i++) typist.keystroke();
      const expected = message.keystrokes * (data.clientsPerRoom - 1);
      const deadline = now() + message.timeoutMs;
      while (typists.some((typist) => typist.received < expected) && now() < deadline) await sleep(5);
      port.postMessage({
        type: 'burst-done',
        received: typists.reduce((sum, typist) => sum + typist.received, 0),
        lastReceive: Math.max(...typists.map((typist) => typist.lastReceive)),
        complete: typists.every((typist) => typist.received >= expected),
        texts: textsByRoom(typists),
      } satisfies FromTypists);
    }
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
