// Worker thread of the collab bench: hosts one server in its own V8 isolate, so its heap can be
// measured apart from the clients' heap. Tandem's embedded (memory-only) server by default; the
// reference @y/websocket-server (its own http + ws setup, as its src/server.js does) when
// TANDEM_BENCH_SERVER=reference.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parentPort } from 'node:worker_threads';
import * as v8 from 'node:v8';
import { WebSocketServer } from 'ws';
import { startCollabServer } from '../../src/server/server';

export type ToRoomHost = { readonly type: 'measure' } | { readonly type: 'stop' };
export type FromRoomHost =
  | { readonly type: 'started'; readonly url: string }
  | {
      readonly type: 'measured';
      readonly heapBytes: number;
      /** Rooms held in memory. */
      readonly rooms: number;
      /** Client connections still open. */
      readonly connections: number;
    };

interface HostedServer {
  readonly url: string;
  rooms(): number;
  connections(): number;
  close(): Promise<void>;
}

async function tandem(): Promise<HostedServer> {
  const server = await startCollabServer({
    secret: process.env.TANDEM_BENCH_SECRET ?? '',
    limits: { idleUnloadMs: 2000, maxRoomsPerAddress: 10_000 },
  });
  return {
    url: server.url,
    rooms: () => server.loadedRooms().length,
    // A loaded room is one with clients or within its idle delay; unloaded means no client.
    connections: () => server.loadedRooms().length,
    close: () => server.close(),
  };
}

interface ReferenceUtils {
  setupWSConnection(conn: unknown, request: http.IncomingMessage): void;
  docs: Map<string, { conns: Map<unknown, unknown>; destroy(): void }>;
}

async function reference(): Promise<HostedServer> {
  const load = new Function('p', 'return import(p)') as (specifier: string) => Promise<ReferenceUtils>;
  const utils = await load('@y/websocket-server/utils');
  const wss = new WebSocketServer({ noServer: true });
  wss.on('connection', (conn, request) => utils.setupWSConnection(conn, request));
  const server = http.createServer((_request, response) => response.end('okay'));
  server.on('upgrade', (request, socket, head) =>
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request)),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    rooms: () => utils.docs.size,
    connections: () => [...utils.docs.values()].reduce((sum, doc) => sum + doc.conns.size, 0),
    close: () =>
      new Promise((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        // Without persistence the reference keeps every room (and its awareness timer): end them here.
        for (const doc of utils.docs.values()) doc.destroy();
        utils.docs.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('collabRoomHost runs as a worker thread');
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('collabRoomHost needs node --expose-gc');
  const server = process.env.TANDEM_BENCH_SERVER === 'reference' ? await reference() : await tandem();
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
      rooms: server.rooms(),
      connections: server.connections(),
    } satisfies FromRoomHost);
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
