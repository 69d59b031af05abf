// Worker thread of the collab bench: hosts the embedded (memory-only) server in its own V8 isolate,
// so its heap can be measured apart from the clients' heap.
import { parentPort } from 'node:worker_threads';
import * as v8 from 'node:v8';
import { startCollabServer } from '../../src/server/server';

export type ToRoomHost = { readonly type: 'measure' } | { readonly type: 'stop' };
export type FromRoomHost =
  | { readonly type: 'started'; readonly url: string }
  | { readonly type: 'measured'; readonly heapBytes: number; readonly rooms: number };

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('collabRoomHost runs as a worker thread');
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('collabRoomHost needs node --expose-gc');
  const secret = process.env.TANDEM_BENCH_SECRET ?? '';
  const server = await startCollabServer({
    secret,
    limits: { idleUnloadMs: 2000, maxRoomsPerAddress: 10_000 },
  });
  port.postMessage({ type: 'started', url: server.url } satisfies FromRoomHost);
  port.on('message', async (message: ToRoomHost) => {
    if (message.type === 'stop') {
      await server.close();
      port.close();
      return;
    }
    for (let i = 0; i < 4; i++) gc();
    port.postMessage({
      type: 'measured',
      heapBytes: v8.getHeapStatistics().used_heap_size,
      rooms: server.loadedRooms().length,
    } satisfies FromRoomHost);
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
