// Verified sync under a deliberately corrupted copy: one Tandem client silently loses a delete-only
// update (its state vector does not change, so y-websocket's sync never notices). The digest check
// must detect the difference and the full resync must repair it.
import WebSocket from 'ws';
import * as Y from 'yjs';
import { SessionConnection } from '../../src/collab/connection';

export interface DesyncRun {
  readonly detectedByClient: number;
  readonly repairedByClient: number;
  /** Whether the corrupted copy ended equal to the other client's (and the text right). */
  readonly repaired: boolean;
  /** Whether the corruption took (the copy differed before the check). */
  readonly corrupted: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (!check() && Date.now() < until) await sleep(10);
  return check();
}

/** Runs the scenario in `room` of the server at `url` with tokens from `token`. */
export async function runDesync(url: string, room: string, token: string): Promise<DesyncRun> {
  const make = () => {
    const doc = new Y.Doc();
    const connection = new SessionConnection({
      serverUrl: url,
      room,
      token,
      doc,
      WebSocketPolyfill: WebSocket,
      minBackoffMs: 20,
      maxBackoffMs: 200,
      // Periodic checks off the table: the test triggers the check itself.
      digestIntervalMs: 60_000,
    });
    return { doc, connection, text: doc.getText('text') };
  };
  const writer = make();
  const victim = make();
  try {
    await Promise.all([writer.connection.whenConnected(), victim.connection.whenConnected()]);
    writer.text.insert(0, 'keep this, delete THIS, keep that');
    if (!(await eventually(() => victim.text.toString() === writer.text.toString(), 5000)))
      throw new Error('the first edit never reached the victim');
    // Corrupt the victim: the next document update message it receives is dropped on the floor.
    const handlers = victim.connection.provider.messageHandlers;
    const original = handlers[0];
    let dropped = false;
    handlers[0] = (encoder, decoder, provider, emitSynced, messageType) => {
      const kind = decoder.arr[decoder.pos];
      if (!dropped && kind === 2) {
        dropped = true;
        return;
      }
      original(encoder, decoder, provider, emitSynced, messageType);
    };
    const start = writer.text.toString().indexOf('delete THIS, ');
    writer.text.delete(start, 'delete THIS, '.length);
    await eventually(() => dropped, 5000);
    handlers[0] = original;
    await sleep(100);
    const sameVector = Buffer.compare(Y.encodeStateVector(writer.doc), Y.encodeStateVector(victim.doc)) === 0;
    const corrupted = sameVector && victim.text.toString() !== writer.text.toString();
    victim.connection.checkSync();
    const repaired = await eventually(
      () => victim.connection.verification === 'in-sync' && victim.text.toString() === writer.text.toString(),
      10_000,
    );
    return {
      detectedByClient: victim.connection.desyncsDetected,
      repairedByClient: victim.connection.desyncsRepaired,
      repaired: repaired && victim.text.toString() === 'keep this, keep that',
      corrupted,
    };
  } finally {
    writer.connection.dispose();
    victim.connection.dispose();
  }
}
