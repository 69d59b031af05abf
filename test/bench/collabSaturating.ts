// Worker thread of the collab bench's saturating mode: raw y-websocket protocol clients, so the
// server, not the clients, is the bottleneck. A sender sends pre-encoded Yjs updates (one keystroke
// each, appended after its own previous one, so no update waits on another client's) as fast as its
// window allows; no client applies what it receives: each only keeps the message and its arrival time,
// decoded after the phase (which client's keystrokes, which clocks) to count deliveries and to time
// every keystroke from its send to each peer's receipt. One receive-only watcher per room and worker
// reads the update headers as they come, so a sender never has more than `window` keystrokes
// on the way (a closed loop: unpaced, but the queues in front of the server stay bounded).
import { parentPort, workerData } from 'node:worker_threads';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import * as Y from 'yjs';

export interface RawClientSpec {
  readonly room: string;
  /** The Yjs client id its updates carry. */
  readonly clientId: number;
  readonly token: string | undefined;
  readonly watcher: boolean;
}

export interface SaturatingData {
  readonly url: string;
  readonly clients: readonly RawClientSpec[];
  /** Keystrokes a sender may have sent and its room's watcher not yet seen. */
  readonly window: number;
  /** Pre-encoded keystrokes per sender. */
  readonly supply: number;
}

export type ToSaturating =
  | { readonly type: 'run'; readonly startAt: number; readonly endAt: number }
  /** Waits until this worker's watchers have seen every keystroke sent (all workers' counts). */
  | {
      readonly type: 'collect';
      /** Keystrokes each sender (of every worker) sent, by Yjs client id, with its room. */
      readonly sent: readonly { readonly clientId: number; readonly room: string; readonly count: number }[];
      readonly timeoutMs: number;
    }
  | { readonly type: 'stop' };

export type FromSaturating =
  | { readonly type: 'ready' }
  | {
      readonly type: 'sent';
      readonly sentByClient: Record<number, number>;
      /** Send time of each keystroke (index = Yjs clock), per sender of this worker. */
      readonly sentAt: Record<number, Float64Array>;
      /** A sender ran out of pre-encoded keystrokes (the supply was too small to saturate). */
      readonly exhausted: boolean;
    }
  | {
      readonly type: 'collected';
      readonly complete: boolean;
      /** Connections the server closed during the phase (a server that drops clients has not carried the load). */
      readonly closed: number;
      /** Keystrokes a peer received again (counted once in the deliveries). */
      readonly duplicates: number;
      /** Deliveries: for record i, keystrokes clock from[i]..to[i]-1 of client[i] reached a peer at at[i]. */
      readonly client: Float64Array;
      readonly from: Float64Array;
      readonly to: Float64Array;
      readonly at: Float64Array;
    };

const now = () => performance.timeOrigin + performance.now();
const letters = 'etaoinshrdlu cmfwypvbgkqjxz\n';
const messageSync = 0;
const syncStep2 = 1;
const syncUpdate = 2;

/**
 * The y-websocket update message of keystroke `clock` of client `clientId`: a one-character string
 * appended after its own keystroke `clock - 1` (the first one at the start of the root text `text`).
 * Yjs's update format v1; `checkEncoding` compares it with what Yjs itself encodes.
 */
export function keystrokeMessage(clientId: number, clock: number, char: string): Uint8Array {
  const update = encoding.createEncoder();
  encoding.writeVarUint(update, 1); // one client
  encoding.writeVarUint(update, 1); // one struct
  encoding.writeVarUint(update, clientId);
  encoding.writeVarUint(update, clock);
  if (clock === 0) {
    encoding.writeUint8(update, 4); // an item with string content, no origins: its parent follows
    encoding.writeVarUint(update, 1); // the parent is a root type, by name
    encoding.writeVarString(update, 'text');
  } else {
    encoding.writeUint8(update, 0x84); // string content, left origin follows
    encoding.writeVarUint(update, clientId);
    encoding.writeVarUint(update, clock - 1);
  }
  encoding.writeVarString(update, char);
  encoding.writeVarUint(update, 0); // empty delete set
  const message = encoding.createEncoder();
  encoding.writeVarUint(message, messageSync);
  encoding.writeVarUint(message, syncUpdate);
  encoding.writeVarUint8Array(message, encoding.toUint8Array(update));
  return encoding.toUint8Array(message);
}

/** Throws unless the hand-encoded keystrokes are byte for byte what Yjs encodes for the same edits. */
export function checkEncoding(): void {
  const doc = new Y.Doc();
  doc.clientID = 123_456;
  const text = doc.getText('text');
  const fromYjs: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => fromYjs.push(update));
  for (let clock = 0; clock < 300; clock++) {
    const char = letters[clock % letters.length];
    text.insert(text.length, char);
    const decoder = decoding.createDecoder(keystrokeMessage(doc.clientID, clock, char));
    decoding.readVarUint(decoder);
    decoding.readVarUint(decoder);
    const ours = decoding.readVarUint8Array(decoder);
    const theirs = fromYjs[clock];
    if (ours.byteLength !== theirs.byteLength || ours.some((byte, i) => byte !== theirs[i]))
      throw new Error(`keystroke ${clock} is not encoded as Yjs encodes it`);
  }
  doc.destroy();
}

/** The document update a y-websocket message carries (sync step 2 or update), else undefined. */
function updateOf(message: Uint8Array): Uint8Array | undefined {
  const decoder = decoding.createDecoder(message);
  if (decoding.readVarUint(decoder) !== messageSync) return undefined;
  const kind = decoding.readVarUint(decoder);
  if (kind !== syncUpdate && kind !== syncStep2) return undefined;
  return decoding.readVarUint8Array(decoder);
}

class RawClient {
  readonly socket: WebSocket;
  /** Messages received since the run started, with their arrival times. */
  messages: Uint8Array[] = [];
  times: number[] = [];
  recording = false;
  readonly opened: Promise<void>;
  sent = 0;
  closedCode: number | undefined;
  sentAt: Float64Array = new Float64Array(0);
  /** The pre-encoded keystroke messages back to back; message i is bytes offsets[i]..offsets[i+1]. */
  private supply = new Uint8Array(0);
  private offsets = new Uint32Array(1);

  constructor(
    readonly spec: RawClientSpec,
    url: string,
    private readonly onUpdate: (client: RawClient, update: Uint8Array) => void,
  ) {
    const query = spec.token ? `?token=${encodeURIComponent(spec.token)}` : '';
    this.socket = new WebSocket(`${url}/${spec.room}${query}`, { perMessageDeflate: false });
    this.socket.binaryType = 'nodebuffer';
    // Ready once the server has said something (its sync step 1): the room is loaded.
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('message', () => resolve());
      this.socket.once('error', reject);
      this.socket.once('close', (code) => reject(new Error(`closed with ${code} before the run`)));
    });
    this.socket.on('close', (code) => (this.closedCode = code));
    this.socket.on('error', (error) => console.error(`saturating client ${spec.clientId}: ${error.message}`));
    this.socket.on('message', (data: Buffer) => {
      if (!this.recording) return;
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      this.messages.push(bytes);
      this.times.push(now());
      if (spec.watcher) {
        const update = updateOf(bytes);
        if (update) this.onUpdate(this, update);
      }
    });
  }

  prepare(count: number): void {
    const messages = Array.from({ length: count }, (_, clock) =>
      keystrokeMessage(this.spec.clientId, clock, letters[(clock * 7 + this.spec.clientId) % letters.length]),
    );
    this.offsets = new Uint32Array(count + 1);
    for (let i = 0; i < count; i++) this.offsets[i + 1] = this.offsets[i] + messages[i].byteLength;
    this.supply = new Uint8Array(this.offsets[count]);
    messages.forEach((message, i) => this.supply.set(message, this.offsets[i]));
    this.sentAt = new Float64Array(count);
  }

  /** Sends the next keystroke; false when the supply is used up. */
  sendNext(): boolean {
    if (this.sent >= this.offsets.length - 1) return false;
    this.sentAt[this.sent] = now();
    this.socket.send(this.supply.subarray(this.offsets[this.sent], this.offsets[this.sent + 1]), {
      binary: true,
    });
    this.sent++;
    return true;
  }
}

async function main(): Promise<void> {
  const data = workerData as SaturatingData;
  const port = parentPort;
  if (!port) throw new Error('collabSaturating runs as a worker thread');
  checkEncoding();
  /** Per sender client id: the clock its room's watcher in this worker has seen up to. */
  const seen = new Map<number, number>();
  const sendersByRoom = new Map<string, RawClient[]>();
  let endAt = 0;
  let exhausted = false;
  const pump = (sender: RawClient) => {
    while (now() < endAt && sender.sent - (seen.get(sender.spec.clientId) ?? 0) < data.window)
      if (!sender.sendNext()) {
        exhausted = true;
        return;
      }
  };
  const onUpdate = (watcher: RawClient, update: Uint8Array) => {
    const meta = Y.parseUpdateMeta(update);
    for (const [client, to] of meta.to) if (to > (seen.get(client) ?? 0)) seen.set(client, to);
    for (const sender of sendersByRoom.get(watcher.spec.room) ?? []) pump(sender);
  };
  const clients = data.clients.map((spec) => new RawClient(spec, data.url, onUpdate));
  for (const client of clients)
    if (!client.spec.watcher) {
      client.prepare(data.supply);
      const list = sendersByRoom.get(client.spec.room) ?? [];
      list.push(client);
      sendersByRoom.set(client.spec.room, list);
    }
  await Promise.all(clients.map((client) => client.opened));
  port.postMessage({ type: 'ready' } satisfies FromSaturating);

  port.on('message', async (message: ToSaturating) => {
    if (message.type === 'stop') {
      for (const client of clients) client.socket.terminate();
      port.close();
      return;
    }
    if (message.type === 'run') {
      await sleep(message.startAt - now());
      for (const client of clients) client.recording = true;
      endAt = message.endAt;
      for (const senders of sendersByRoom.values()) for (const sender of senders) pump(sender);
      await sleep(endAt - now());
      const sentByClient: Record<number, number> = {};
      const sentAt: Record<number, Float64Array> = {};
      for (const senders of sendersByRoom.values())
        for (const sender of senders) {
          sentByClient[sender.spec.clientId] = sender.sent;
          sentAt[sender.spec.clientId] = sender.sentAt.slice(0, sender.sent);
        }
      port.postMessage({ type: 'sent', sentByClient, sentAt, exhausted } satisfies FromSaturating);
      return;
    }
    // collect: the watchers see every keystroke of their room; then every peer has had its chance.
    const watchedRooms = new Set(
      clients.filter((client) => client.spec.watcher).map((client) => client.spec.room),
    );
    const expected = message.sent.filter((sender) => watchedRooms.has(sender.room));
    const senderIds = new Set(message.sent.map((sender) => sender.clientId));
    const deadline = now() + message.timeoutMs;
    const behind = () => expected.some((sender) => (seen.get(sender.clientId) ?? 0) < sender.count);
    while (behind() && now() < deadline) await sleep(5);
    await sleep(100);
    for (const client of clients) client.recording = false;
    const records = { client: [] as number[], from: [] as number[], to: [] as number[], at: [] as number[] };
    let duplicates = 0;
    for (const receiver of clients) {
      // A sender's keystrokes reach a peer in order: a range it already had is counted once.
      const highest = new Map<number, number>();
      receiver.messages.forEach((bytes, i) => {
        const update = updateOf(bytes);
        if (!update) return;
        const meta = Y.parseUpdateMeta(update);
        for (const [id, first] of meta.from) {
          // A server that sends a client its own keystrokes (the reference does) delivers them to no peer.
          if (id === receiver.spec.clientId || !senderIds.has(id)) continue;
          const end = meta.to.get(id) ?? first;
          const start = Math.max(first, highest.get(id) ?? 0);
          duplicates += Math.min(end, start) - first;
          if (end <= start) continue;
          highest.set(id, end);
          records.client.push(id);
          records.from.push(start);
          records.to.push(end);
          records.at.push(receiver.times[i]);
        }
      });
    }
    const clientIds = Float64Array.from(records.client);
    const from = Float64Array.from(records.from);
    const to = Float64Array.from(records.to);
    const at = Float64Array.from(records.at);
    port.postMessage(
      {
        type: 'collected',
        complete: !behind(),
        closed: clients.filter((c) => c.closedCode !== undefined).length,
        duplicates,
        client: clientIds,
        from,
        to,
        at,
      } satisfies FromSaturating,
      [clientIds.buffer, from.buffer, to.buffer, at.buffer],
    );
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

if (parentPort)
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
