// Helpers shared by the collab bench's parts: stock y-websocket clients and bounded waits.
import type { Worker } from 'node:worker_threads';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import type * as Y from 'yjs';

/** Rejects when `promise` takes longer than `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`collab bench: ${what} took longer than ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The worker's next message, or its error; leaves no listener behind either way. */
export function nextMessage<T>(worker: Worker): Promise<T> {
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

/** A stock y-websocket client (no BroadcastChannel: every bench client must go through the server). */
export function connect(url: string, room: string, doc: Y.Doc, token?: string): WebsocketProvider {
  return new WebsocketProvider(url, room, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    params: token ? { token } : {},
    disableBc: true,
  });
}
