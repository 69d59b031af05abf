// Each limit of the real server (in process, so limits can be tiny), with stock y-websocket clients
// or raw sockets where a stock client cannot misbehave on purpose.
import * as assert from 'node:assert/strict';
import WebSocket from 'ws';
import type { CollabLimits } from '../../../src/server/limits';
import type { LogRecord } from '../../../src/server/log';
import { encodeAwareness, writeAwarenessEntries } from '../../../src/server/protocol';
import { type CollabServer, startCollabServer } from '../../../src/server/server';
import { signToken } from '../../../src/server/token';
import {
  closeEvent,
  connectClient,
  metric,
  rawSocket,
  type TestClient,
  testSecret,
  waitFor,
} from './harness';

describe('server: limits', () => {
  let server: CollabServer | undefined;
  let logs: LogRecord[] = [];
  const clients: TestClient[] = [];
  const sockets: WebSocket[] = [];

  async function start(limits: Partial<CollabLimits>, extra: Parameters<typeof startCollabServer>[0] = {}) {
    logs = [];
    server = await startCollabServer({
      secret: testSecret,
      limits,
      logger: (record) => logs.push(record),
      ...extra,
    });
    return server;
  }
  const token = (room: string, role: 'rw' | 'ro' = 'rw', ttlMs?: number) =>
    (server as CollabServer).createToken({ room, role, name: 'tester', ttlMs });
  const client = (room: string) => {
    const created = connectClient((server as CollabServer).url, room, token(room));
    clients.push(created);
    return created;
  };
  const raw = async (room: string, tokenValue = token(room)) => {
    const socket = await rawSocket((server as CollabServer).url, room, tokenValue);
    sockets.push(socket);
    return socket;
  };
  const metrics = () => (server as CollabServer).metrics.render();

  afterEach(async () => {
    for (const created of clients.splice(0)) created.destroy();
    for (const socket of sockets.splice(0)) socket.terminate();
    await server?.close();
    server = undefined;
  });

  it('delays (never drops) messages past the per-connection message rate', async () => {
    await start({ messagesPerSecond: 40, messageBurst: 5 });
    const writer = client('rate');
    const reader = client('rate');
    await Promise.all([writer.synced, reader.synced]);
    for (let i = 0; i < 30; i++) writer.text.insert(writer.text.length, 'x');
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(reader.text.length < 30, `throttled: only ${reader.text.length} of 30 arrived after 100 ms`);
    await waitFor(() => reader.text.length === 30, 'every message to arrive', 3000);
    assert.ok(metric(metrics(), 'tandem_throttled_total', '{limit="messages"}') > 0);
  });

  it('delays (never drops) bytes past the per-connection byte rate', async () => {
    await start({ bytesPerSecond: 64 * 1024, byteBurst: 32 * 1024 });
    const writer = client('bytes');
    const reader = client('bytes');
    await Promise.all([writer.synced, reader.synced]);
    for (let i = 0; i < 3; i++) writer.text.insert(writer.text.length, String(i).repeat(32 * 1024));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(reader.text.length < 3 * 32 * 1024, 'the third block waits for the byte budget');
    await waitFor(() => reader.text.length === 3 * 32 * 1024, 'every block to arrive', 3000);
    assert.ok(metric(metrics(), 'tandem_throttled_total', '{limit="bytes"}') > 0);
  });

  it('coalesces awareness past its rate: peers get fewer updates but always the newest state', async () => {
    await start({ awarenessPerSecond: 5 });
    const typist = client('presence');
    const observer = client('presence');
    await Promise.all([typist.synced, observer.synced]);
    let seen = 0;
    observer.provider.awareness.on('update', ({ updated, added }: { updated: number[]; added: number[] }) => {
      if ([...updated, ...added].includes(typist.doc.clientID)) seen++;
    });
    for (let i = 1; i <= 50; i++) typist.provider.awareness.setLocalStateField('cursor', i);
    await waitFor(
      () => observer.provider.awareness.getStates().get(typist.doc.clientID)?.cursor === 50,
      'the newest cursor to arrive',
    );
    assert.ok(seen <= 10, `50 cursor moves reached the peer as ${seen} updates`);
    assert.ok(metric(metrics(), 'tandem_throttled_total', '{limit="awareness"}') > 0);
  });

  it('closes a connection that queues more than maxPendingBytes while its room loads (1008)', async () => {
    let release: () => void = () => undefined;
    await start(
      { maxPendingBytes: 50_000 },
      { seedRoom: () => new Promise<void>((resolve) => (release = resolve)) },
    );
    const socket = await raw('slow-seed');
    const closed = closeEvent(socket);
    for (let i = 0; i < 3; i++) socket.send(new Uint8Array(20_000));
    const { code, messages } = await closed;
    assert.equal(code, 1008);
    assert.equal(messages, 0);
    release();
  });

  it('closes a reader that falls too far behind with 1013 (it reconnects and resyncs)', async () => {
    await start({ maxBufferedBytes: 256 * 1024 });
    const writer = client('firehose');
    await writer.synced;
    const reader = await raw('firehose');
    const closed = closeEvent(reader);
    // Stop reading: what the server sends piles up in its buffer.
    (reader as unknown as { _socket: { pause(): void } })._socket.pause();
    for (let i = 0; i < 40; i++) writer.text.insert(0, 'y'.repeat(256 * 1024));
    await waitFor(
      () => logs.some((record) => record.msg === 'slow reader closed'),
      'the server to give up on the reader',
      5000,
    );
    (reader as unknown as { _socket: { resume(): void } })._socket.resume();
    assert.equal((await closed).code, 1013);
  });

  it('caps the rooms one client address may open (1013), not connections to one room', async () => {
    await start({ maxRoomsPerAddress: 2 });
    const a = client('addr-a');
    const a2 = client('addr-a');
    const b = client('addr-b');
    await Promise.all([a.synced, a2.synced, b.synced]);
    const third = await raw('addr-c');
    assert.equal((await closeEvent(third)).code, 1013);
    b.destroy();
    await waitFor(() => (server as CollabServer).connectionCount() === 2, 'the second room to close');
    const again = client('addr-c');
    await again.synced;
  });

  it('caps rooms loaded, connections per room and connections overall (1013)', async () => {
    await start({ maxRooms: 2, maxConnectionsPerRoom: 2, maxConnections: 4 });
    const [a, a2, b] = [client('cap-a'), client('cap-a'), client('cap-b')];
    await Promise.all([a.synced, a2.synced, b.synced]);
    const roomFull = await closeEvent(await raw('cap-a'));
    assert.equal(roomFull.code, 1013);
    assert.match(roomFull.reason, /room is full/);
    const b2 = client('cap-b');
    await b2.synced;
    const serverFull = await closeEvent(await raw('cap-b'));
    assert.equal(serverFull.code, 1013);
    assert.match(serverFull.reason, /connection limit/);
    b.destroy();
    b2.destroy();
    await waitFor(() => (server as CollabServer).connectionCount() === 2, 'slots to free up');
    // Room cap-b has no connections but is still loaded (until it idles out): a third room waits.
    const tooManyRooms = await closeEvent(await raw('cap-c'));
    assert.equal(tooManyRooms.code, 1013);
    assert.match(tooManyRooms.reason, /room limit/);
  });

  it('closes a malformed message with 1007 and a text frame with 1003', async () => {
    await start({});
    const garbled = await raw('garbled');
    const garbledClose = closeEvent(garbled);
    garbled.send(new Uint8Array([0, 2, 200, 200, 200]));
    assert.equal((await garbledClose).code, 1007);
    const text = await raw('garbled');
    const textClose = closeEvent(text);
    text.send('hello');
    assert.equal((await textClose).code, 1003);
  });

  it('drops a connection that stops answering pings', async () => {
    await start({ heartbeatMs: 100 });
    const silent = new WebSocket(`${(server as CollabServer).url}/quiet?token=${token('quiet')}`, {
      autoPong: false,
    });
    sockets.push(silent);
    const closed = closeEvent(silent);
    assert.equal((await closed).code, 1006, 'terminated without a close frame');
    await waitFor(() => (server as CollabServer).connectionCount() === 0, 'the server to forget it');
  });

  it('runs embedded with a random secret of its own: its tokens work, no other secret does', async () => {
    server = await startCollabServer({});
    assert.match(server.url, /^ws:\/\/127\.0\.0\.1:\d+$/, 'loopback and a free port by default');
    const own = connectClient(server.url, 'embedded', server.createToken({ room: 'embedded', role: 'rw' }));
    clients.push(own);
    await own.synced;
    const forged = signToken(testSecret, {
      room: 'embedded',
      role: 'rw',
      name: '',
      exp: Date.now() + 60_000,
    });
    assert.equal((await closeEvent(await raw('embedded', forged))).code, 4401);
  });

  it('closes a connection with 4401 when its token expires', async () => {
    await start({});
    const socket = await raw('expiring', token('expiring', 'rw', 300));
    const closed = await closeEvent(socket);
    assert.equal(closed.code, 4401);
    assert.match(closed.reason, /expired/);
  });

  it("lets no one move another client's cursor", async () => {
    await start({});
    const owner = client('cursors');
    const observer = client('cursors');
    await Promise.all([owner.synced, observer.synced]);
    owner.provider.awareness.setLocalStateField('cursor', 'genuine');
    await waitFor(
      () => observer.provider.awareness.getStates().get(owner.doc.clientID)?.cursor === 'genuine',
      'the genuine cursor',
    );
    const intruder = await raw('cursors');
    const spoof = (clientId: number, cursor: string) =>
      encodeAwareness(writeAwarenessEntries([{ clientId, clock: 1000, state: JSON.stringify({ cursor }) }]));
    intruder.send(spoof(owner.doc.clientID, 'spoofed'));
    intruder.send(spoof(424242, 'intruder-own'));
    await waitFor(
      () => observer.provider.awareness.getStates().get(424242)?.cursor === 'intruder-own',
      'the intruder own state',
    );
    assert.equal(observer.provider.awareness.getStates().get(owner.doc.clientID)?.cursor, 'genuine');
  });
});
