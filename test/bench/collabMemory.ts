// The collab bench's memory figures: heap per room, loaded and idle, of Tandem's embedded server and
// of the reference server, each measured alone in its own worker isolate with the same clients.
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { signToken } from '../../src/server/token';
import { testSecret } from '../unit/server/harness';
import { connect, nextMessage, within } from './collabClients';
import type { FromRoomHost, ToRoomHost } from './collabRoomHost';
import { round } from './results';

const IDLE_ROOMS = 400;

/**
 * Heap a server spends per room: while loaded with one client connected, and once idle (every client
 * gone; Tandem's server unloads the room into its stored snapshot, the reference keeps its Y.Doc). The
 * server runs in its own worker isolate, so the clients' heap does not count.
 */
export async function roomMemoryKb(
  server: 'tandem' | 'reference' = 'tandem',
): Promise<{ idle: number; loaded: number }> {
  const host = new Worker(path.join(__dirname, 'collabRoomHost.js'), {
    env: { ...process.env, TANDEM_BENCH_SECRET: testSecret, TANDEM_BENCH_SERVER: server },
  });
  const tokens = server === 'tandem';
  const reply = () => nextMessage<FromRoomHost>(host);
  const started = (await reply()) as Extract<FromRoomHost, { type: 'started' }>;
  const measure = async () => {
    const answer = reply();
    host.postMessage({ type: 'measure' } satisfies ToRoomHost);
    return (await answer) as Extract<FromRoomHost, { type: 'measured' }>;
  };
  /** Opens `count` rooms, one client each typing 100 keystrokes; returns the clients, still connected. */
  const openRooms = async (prefix: string, count: number) => {
    // Each y-websocket provider adds a process 'exit' listener, and all of these stay connected.
    process.setMaxListeners(Math.max(process.getMaxListeners(), count + 100));
    const clients: { doc: Y.Doc; provider: WebsocketProvider }[] = [];
    for (let batch = 0; batch < count; batch += 50) {
      const created = Array.from({ length: Math.min(50, count - batch) }, (_, i) => {
        const room = `${prefix}-${batch + i}`;
        const doc = new Y.Doc();
        const token = tokens
          ? signToken(testSecret, { room, role: 'rw', name: 'bench', exp: Date.now() + 600_000 })
          : undefined;
        return { doc, provider: connect(started.url, room, doc, token) };
      });
      await within(
        Promise.all(created.map(({ provider }) => new Promise((resolve) => provider.once('sync', resolve)))),
        30_000,
        'syncing the idle-room clients',
      );
      // A short session in each room: 100 keystrokes at scattered places.
      for (const { doc } of created)
        for (let k = 0; k < 100; k++)
          doc.getText('text').insert((k * 7) % (doc.getText('text').length + 1), 'x');
      clients.push(...created);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    return clients;
  };
  const leaveAndUnload = async (clients: { doc: Y.Doc; provider: WebsocketProvider }[]) => {
    for (const { doc, provider } of clients) {
      provider.destroy();
      doc.destroy();
    }
    let idle = await measure();
    for (let waited = 0; idle.connections > 0 && waited < 20_000; waited += 250) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      idle = await measure();
    }
    if (idle.connections > 0) throw new Error(`${server}: ${idle.connections} connections never closed`);
    return idle;
  };
  // A warm-up round first, so code compiled on first use does not count as room memory.
  await leaveAndUnload(await openRooms('warmup', 50));
  const baseline = await measure();
  const clients = await openRooms('idle', IDLE_ROOMS);
  // On a busy machine a client may be between reconnects (y-websocket drops a socket that heard
  // nothing for 30 s): wait until every room is loaded again.
  let loaded = await measure();
  for (let waited = 0; loaded.rooms < IDLE_ROOMS && waited < 30_000; waited += 250) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    loaded = await measure();
  }
  await leaveAndUnload(clients);
  // Past Tandem's idle delay (2 s) for both, so an unloaded room and a kept one are compared as they stay.
  await new Promise((resolve) => setTimeout(resolve, 2500));
  const settled = await measure();
  host.postMessage({ type: 'stop' } satisfies ToRoomHost);
  await new Promise((resolve) => host.once('exit', resolve));
  if (loaded.rooms < IDLE_ROOMS)
    throw new Error(`${server}: expected ${IDLE_ROOMS} loaded rooms, saw ${loaded.rooms}`);
  const perRoomKb = (bytes: number) => round((bytes - baseline.heapBytes) / IDLE_ROOMS / 1024, 2);
  return { loaded: perRoomKb(loaded.heapBytes), idle: perRoomKb(settled.heapBytes) };
}
