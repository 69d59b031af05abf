// The compaction worker (dist/compactor.js): folds a room's stored snapshot and the log after it
// into one snapshot, on a thread of its own, so encoding a document of megabytes never holds the
// server's event loop (and every keystroke waiting on it). It sees only stored bytes: the snapshot
// it returns holds exactly what it was given, garbage-collected as a loaded document is.
import { parentPort } from 'node:worker_threads';
import * as Y from 'yjs';
import type { FoldReply, FoldRequest } from './compactor';

function fold(updates: readonly Uint8Array[]): Uint8Array {
  const doc = new Y.Doc();
  try {
    Y.transact(doc, () => {
      for (const update of updates) Y.applyUpdate(doc, update);
    });
    // Structs waiting for others that never came are left out (Yjs would add them to the encoding),
    // as the room leaves them out of what it serves and stores.
    doc.store.pendingStructs = null;
    doc.store.pendingDs = null;
    return Y.encodeStateAsUpdate(doc);
  } finally {
    doc.destroy();
  }
}

if (!parentPort) throw new Error('dist/compactor.js is a worker thread of the Tandem server, not a program');
const port = parentPort;
port.on('message', (request: FoldRequest) => {
  let reply: FoldReply;
  try {
    const state = fold(request.updates);
    reply = { id: request.id, state };
    port.postMessage(reply, [state.buffer as ArrayBuffer]);
  } catch (error) {
    reply = { id: request.id, error: String((error as Error).message ?? error) };
    port.postMessage(reply);
  }
});
