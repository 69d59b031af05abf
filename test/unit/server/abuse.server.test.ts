// The limits added against abuse and for operators: document size, awareness size and ids, sync
// requests, --trust-proxy, the metrics token and idle room deletion. Each test performs the abuse
// against the real server and fails without the limit.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import WebSocket from 'ws';
import * as Y from 'yjs';
import type { CollabLimits } from '../../../src/server/limits';
import {
  encodeAwareness,
  encodeUpdate,
  messageSync,
  syncStep1,
  writeAwarenessEntries,
} from '../../../src/server/protocol';
import { type CollabServer, type CollabServerOptions, startCollabServer } from '../../../src/server/server';
import { SqliteRoomStore } from '../../../src/server/sqliteStore';
import * as encoding from 'lib0/encoding';
import { closeEvent, connectClient, httpGet, metric, type TestClient, testSecret, waitFor } from './harness';

describe('server: abuse limits', () => {
  let server: CollabServer | undefined;
  const clients: TestClient[] = [];
  const sockets: WebSocket[] = [];
  const dirs: string[] = [];

  async function start(limits: Partial<CollabLimits>, extra: CollabServerOptions = {}) {
    server = await startCollabServer({ secret: testSecret, limits, ...extra });
    return server;
  }
  const token = (room: string) => (server as CollabServer).createToken({ room, role: 'rw', name: 'tester' });
  const client = (room: string) => {
    const created = connectClient((server as CollabServer).url, room, token(room));
    clients.push(created);
    return created;
  };
  const raw = (room: string, headers: Record<string, string> = {}) => {
    const socket = new WebSocket(`${(server as CollabServer).url}/${room}?token=${token(room)}`, { headers });
    sockets.push(socket);
    return new Promise<WebSocket>((resolve, reject) => {
      socket.once('open', () => resolve(socket));
      socket.once('error', reject);
    });
  };
  const metrics = () => (server as CollabServer).metrics.render();
  const tempDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-abuse-'));
    dirs.push(dir);
    return dir;
  };

  afterEach(async () => {
    for (const created of clients.splice(0)) created.destroy();
    for (const socket of sockets.splice(0)) socket.terminate();
    await server?.close();
    server = undefined;
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses an update past maxDocumentBytes with 4413 and keeps the room intact', async () => {
    await start({ maxDocumentBytes: 20_000 });
    const writer = client('bounded');
    const peer = client('bounded');
    await Promise.all([writer.synced, peer.synced]);
    writer.text.insert(0, 'kept '.repeat(1000));
    await waitFor(() => peer.text.length === 5000, 'the first edit to arrive');
    const attacker = await raw('bounded');
    const closed = closeEvent(attacker);
    const big = new Y.Doc();
    big.getText('text').insert(0, 'x'.repeat(30_000));
    attacker.send(encodeUpdate(Y.encodeStateAsUpdate(big)));
    const { code, reason } = await closed;
    assert.equal(code, 4413);
    assert.match(reason, /20000 bytes/);
    // The room still serves, with what it had, and accepts edits that fit.
    writer.text.insert(0, 'more ');
    await waitFor(() => peer.text.toString().startsWith('more kept'), 'a later edit to arrive');
    assert.ok(!peer.text.toString().includes('x'));
    const late = client('bounded');
    await late.synced;
    assert.equal(late.text.toString(), peer.text.toString());
    assert.equal(metric(metrics(), 'tandem_updates_dropped_total', '{reason="document_too_large"}'), 1);
  });

  it('closes an awareness message past maxAwarenessBytes with 1009, a read-only client included', async () => {
    await start({ maxAwarenessBytes: 1000 });
    const observer = client('presence');
    await observer.synced;
    const roToken = (server as CollabServer).createToken({ room: 'presence', role: 'ro' });
    const socket = new WebSocket(`${(server as CollabServer).url}/presence?token=${roToken}`);
    sockets.push(socket);
    await new Promise((resolve) => socket.once('open', resolve));
    const closed = closeEvent(socket);
    const state = JSON.stringify({ name: 'n'.repeat(2000) });
    socket.send(encodeAwareness(writeAwarenessEntries([{ clientId: 77, clock: 1, state }])));
    assert.equal((await closed).code, 1009);
    assert.equal(observer.provider.awareness.getStates().has(77), false);
    assert.equal(metric(metrics(), 'tandem_awareness_refused_total', '{reason="too_large"}'), 1);
  });

  it('closes a connection that publishes awareness for too many client ids with 1008', async () => {
    await start({ maxAwarenessClients: 3 });
    const observer = client('crowd');
    await observer.synced;
    const spammer = await raw('crowd');
    const closed = closeEvent(spammer);
    for (let id = 1; id <= 10; id++)
      spammer.send(
        encodeAwareness(writeAwarenessEntries([{ clientId: 1000 + id, clock: 1, state: '{"fake":true}' }])),
      );
    assert.equal((await closed).code, 1008);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const fakes = [...observer.provider.awareness.getStates().keys()].filter((id) => id > 1000);
    assert.ok(fakes.length <= 3, `at most 3 fake ids reached a peer, got ${fakes.length}`);
  });

  it('answers repeated sync requests from its cache and delays a flood of them', async () => {
    await start({ syncRequestsPerSecond: 20 });
    const writer = client('sv-flood');
    await writer.synced;
    writer.text.insert(0, 'content '.repeat(5000));
    await waitFor(() => (server as CollabServer).loadedRooms().includes('sv-flood'), 'the room');
    const flooder = await raw('sv-flood');
    let replies = 0;
    flooder.on('message', (data: Buffer) => {
      if (data[0] === messageSync && data[1] === 1) replies++;
    });
    // A state vector that lacks one client's first clock: every reply carries most of the document.
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, messageSync);
    encoding.writeVarUint(encoder, syncStep1);
    const sv = encoding.createEncoder();
    encoding.writeVarUint(sv, 1);
    encoding.writeVarUint(sv, writer.doc.clientID);
    encoding.writeVarUint(sv, 3);
    encoding.writeVarUint8Array(encoder, encoding.toUint8Array(sv));
    const request = encoding.toUint8Array(encoder);
    const started = Date.now();
    for (let i = 0; i < 200; i++) flooder.send(request);
    await waitFor(() => replies >= 60, '60 replies', 10_000);
    const elapsed = Date.now() - started;
    // A burst of 40, then 20 a second: the 60th reply comes no sooner than about a second in.
    assert.ok(elapsed >= 800, `60 sync replies took ${elapsed} ms`);
    assert.ok(metric(metrics(), 'tandem_throttled_total', '{limit="sync"}') > 0);
  });

  it('with --trust-proxy counts rooms per forwarded client address, not per proxy', async () => {
    const limits = { maxRoomsPerAddress: 1 };
    await start(limits, { trustProxy: true });
    const first = await raw('room-a', { 'x-forwarded-for': '203.0.113.9, 198.51.100.1' });
    const other = await raw('room-b', { 'x-forwarded-for': '198.51.100.2' });
    // The same forwarded client in a second room is over its cap.
    const again = await raw('room-c', { 'x-forwarded-for': '10.0.0.1, 198.51.100.1' });
    assert.equal((await closeEvent(again)).code, 1013);
    assert.equal(first.readyState, WebSocket.OPEN);
    assert.equal(other.readyState, WebSocket.OPEN);
    await server?.close();
    // Without it, the header is ignored: everyone behind the proxy is one address.
    await start(limits);
    await raw('room-a', { 'x-forwarded-for': '198.51.100.1' });
    const spoofed = await raw('room-b', { 'x-forwarded-for': '198.51.100.2' });
    assert.equal((await closeEvent(spoofed)).code, 1013);
  });

  it('serves /metrics only with the metrics token when one is set', async () => {
    const started = await start({}, { metricsToken: 'metrics-token-0123456789' });
    const bare = await httpGet(started.port, '/metrics');
    assert.equal(bare.status, 401);
    assert.doesNotMatch(bare.body, /tandem_/);
    const wrong = await fetch(`http://127.0.0.1:${started.port}/metrics`, {
      headers: { authorization: 'Bearer metrics-token-0123456788' },
    });
    assert.equal(wrong.status, 401);
    const right = await fetch(`http://127.0.0.1:${started.port}/metrics`, {
      headers: { authorization: 'Bearer metrics-token-0123456789' },
    });
    assert.equal(right.status, 200);
    assert.match(await right.text(), /tandem_connections /);
    assert.equal((await httpGet(started.port, '/healthz')).status, 200);
  });

  it('deletes stored rooms idle past deleteIdleAfterMs and keeps the others', async () => {
    const dataDir = tempDir();
    const store = new SqliteRoomStore(dataDir);
    store.create('stale', new Uint8Array([0, 0]));
    store.create('fresh', new Uint8Array([0, 0]));
    store.close();
    // Backdate "stale" by hand, as if it had not been used for two days.
    const Database = require('better-sqlite3');
    const db = new Database(path.join(dataDir, 'tandem-rooms.sqlite'));
    db.prepare('UPDATE rooms SET used_at = ? WHERE name = ?').run(Date.now() - 2 * 86_400_000, 'stale');
    db.close();
    await start({}, { dataDir, deleteIdleAfterMs: 86_400_000 });
    await server?.close();
    const after = new SqliteRoomStore(dataDir);
    assert.deepEqual(
      after.list().map((room) => room.name),
      ['fresh'],
    );
    after.close();
    assert.ok(fs.existsSync(dataDir));
  });
});
