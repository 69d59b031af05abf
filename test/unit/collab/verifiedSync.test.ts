// Verified sync: the digest check finds a corrupted copy and the full resync repairs it; copies that
// agree are reported "in sync"; the server counts both in /metrics.
import * as assert from 'node:assert/strict';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { SessionConnection } from '../../../src/collab/connection';
import { type CollabServer, startCollabServer } from '../../../src/server';
import { documentDigest } from '../../../src/server/syncDigest';
import { runDesync } from '../../reliability/desync';

const SECRET = 'verified-sync-secret-0123456789';
const metric = (text: string, name: string) =>
  Number(
    text
      .split('\n')
      .find((line) => line.startsWith(`${name} `))
      ?.split(' ')[1] ?? NaN,
  );

describe('collab verified sync', function () {
  this.timeout(20_000);
  let server: CollabServer;
  beforeEach(async () => (server = await startCollabServer({ secret: SECRET })));
  afterEach(async () => server.close());

  it('gives equal digests to copies with the same edits however they arrived, and different ones otherwise', () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    a.getText('t').insert(0, 'hello world');
    const first = Y.encodeStateAsUpdate(a);
    a.getText('t').delete(0, 6);
    const second = Y.encodeStateAsUpdate(a, Y.encodeStateVector(b));
    Y.applyUpdate(b, second);
    Y.applyUpdate(b, first);
    assert.deepEqual(documentDigest(b), documentDigest(a));
    const c = new Y.Doc();
    Y.applyUpdate(c, first);
    assert.deepEqual(Y.encodeStateVector(c), Y.encodeStateVector(a), 'same state vector');
    assert.notDeepEqual(documentDigest(c), documentDigest(a), 'a missing delete changes the digest');
  });

  it('detects a copy that silently lost a delete, repairs it with a full resync, and counts both', async () => {
    const token = server.createToken({ room: 'corrupt', role: 'rw', name: 'x' });
    const run = await runDesync(server.url, 'corrupt', token);
    assert.equal(run.corrupted, true, 'the copy was corrupted before the check');
    assert.equal(run.detectedByClient, 1);
    assert.equal(run.repairedByClient, 1);
    assert.equal(run.repaired, true);
    const text = server.metrics.render();
    assert.equal(metric(text, 'tandem_desyncs_detected_total'), 1);
    assert.equal(metric(text, 'tandem_desyncs_repaired_total'), 1);
  });

  it('reports "in sync" after connecting when the copies agree, and not once disconnected', async () => {
    const doc = new Y.Doc();
    doc.getText('text').insert(0, 'offline edits');
    const connection = new SessionConnection({
      serverUrl: server.url,
      room: 'agree',
      token: server.createToken({ room: 'agree', role: 'rw', name: 'x' }),
      doc,
      WebSocketPolyfill: WebSocket,
    });
    try {
      const until = Date.now() + 5000;
      while (connection.verification !== 'in-sync' && Date.now() < until)
        await new Promise((resolve) => setTimeout(resolve, 10));
      assert.equal(connection.verification, 'in-sync');
      assert.equal(connection.desyncsDetected, 0);
      connection.disconnect();
      assert.equal(connection.verification, 'unknown');
    } finally {
      connection.dispose();
    }
  });
});
