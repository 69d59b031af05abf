import * as assert from 'node:assert/strict';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { type ConnectionState, SessionConnection } from '../../../src/collab/connection';
import { type CollabServer, startCollabServer } from '../../../src/server';

const SECRET = 'connection-test-secret-0123456789';

async function eventually(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A WebSocket class that counts connection attempts. */
function countingSocket() {
  const counter = { attempts: 0 };
  class Counted extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols);
      counter.attempts++;
    }
  }
  return { counter, Counted };
}

describe('collab SessionConnection against the real server', function () {
  this.timeout(20_000);
  let server: CollabServer;
  const open: SessionConnection[] = [];

  beforeEach(async () => {
    server = await startCollabServer({ secret: SECRET });
  });

  afterEach(async () => {
    for (const connection of open.splice(0)) connection.dispose();
    await server.close();
  });

  function connect(
    room: string,
    token: string,
    extra: Partial<ConstructorParameters<typeof SessionConnection>[0]> = {},
  ) {
    const doc = new Y.Doc();
    const connection = new SessionConnection({
      serverUrl: server.url,
      room,
      token,
      doc,
      WebSocketPolyfill: WebSocket,
      minBackoffMs: 20,
      maxBackoffMs: 200,
      ...extra,
    });
    open.push(connection);
    return { doc, connection };
  }

  it('stops at "expired" on close code 4401 instead of looping', async () => {
    const { counter, Counted } = countingSocket();
    const expired = server.createToken({ room: 'r', role: 'rw', name: 'late', ttlMs: 1 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const states: ConnectionState[] = [];
    const { connection } = connect('r', expired, { WebSocketPolyfill: Counted });
    connection.onDidChangeState((state) => states.push(state));
    await eventually(() => connection.state === 'expired', 'the expired state');
    await assert.rejects(connection.whenConnected(1000), /link expired/);
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.equal(counter.attempts, 1, 'no reconnect attempts after 4401');
    assert.deepEqual(states, ['expired']);
    assert.equal(connection.closeInfo?.code, 4401);
  });

  it('stops at "refused" on 4403 (a token for another room)', async () => {
    const { connection } = connect('room-a', server.createToken({ room: 'room-b', role: 'rw' }));
    await eventually(() => connection.state === 'refused', 'the refused state');
    assert.match(connection.describeState(), /another room/);
  });

  it('reports unsynced until the server confirms, also for edits made offline', async () => {
    const token = server.createToken({ room: 'sync', role: 'rw' });
    const alice = connect('sync', token);
    const bob = connect('sync', token);
    await alice.connection.whenConnected();
    await bob.connection.whenConnected();
    alice.doc.getText('t').insert(0, 'online');
    assert.equal(alice.connection.unsynced, true);
    await alice.connection.whenConfirmed(3000);
    await eventually(() => bob.doc.getText('t').toString() === 'online', 'the edit at Bob');

    alice.connection.disconnect();
    assert.equal(alice.connection.state, 'offline');
    alice.doc.getText('t').insert(6, ' offline');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(alice.connection.unsynced, true, 'unsynced while offline');
    assert.equal(bob.doc.getText('t').toString(), 'online');
    alice.connection.connect();
    await alice.connection.whenConfirmed(3000);
    await eventually(
      () => bob.doc.getText('t').toString() === 'online offline',
      'the offline edit merged at Bob',
    );
  });

  it('reconnects by itself after the server goes away and comes back on the same port', async () => {
    const token = server.createToken({ room: 'restart', role: 'rw', ttlMs: 60_000 });
    const { doc, connection } = connect('restart', token);
    await connection.whenConnected();
    const port = server.port;
    const states: ConnectionState[] = [];
    connection.onDidChangeState((state) => states.push(state));
    await server.close();
    await eventually(() => connection.state === 'reconnecting', 'reconnecting');
    doc.getText('t').insert(0, 'typed while the server was down');
    server = await startCollabServer({ secret: SECRET, port });
    await connection.whenConnected(5000);
    await connection.whenConfirmed(3000);
    assert.deepEqual(states.slice(-1), ['connected']);
    const other = connect('restart', token);
    await other.connection.whenConnected();
    await eventually(
      () => other.doc.getText('t').toString() === 'typed while the server was down',
      'the edit on the new server',
    );
  });

  it('spreads reconnect delays with jitter', async () => {
    const token = server.createToken({ room: 'jitter', role: 'rw' });
    const port = server.port;
    const delays: number[] = [];
    for (const random of [() => 0, () => 0.999]) {
      const { connection } = connect('jitter', token, { random, minBackoffMs: 400, maxBackoffMs: 400 });
      await connection.whenConnected();
      await server.close();
      const lostAt = Date.now();
      await eventually(() => connection.state === 'reconnecting', 'reconnecting');
      server = await startCollabServer({ secret: SECRET, port });
      await connection.whenConnected(5000);
      delays.push(Date.now() - lostAt);
      connection.dispose();
    }
    // Equal jitter over a 400 ms ceiling: 200 ms with random 0, about 400 ms with random 1.
    assert.ok(delays[0] >= 150 && delays[0] < 380, `first delay ${delays[0]} ms`);
    assert.ok(delays[1] >= 380, `second delay ${delays[1]} ms`);
  });
});
