// The real `node dist/server.js` process, driven by stock y-websocket clients.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { signToken, verifyToken } from '../../../src/server/token';
import {
  closeEvent,
  connectClient,
  httpGet,
  metric,
  rawSocket,
  runServerCommand,
  type ServerProcess,
  startServerProcess,
  type TestClient,
  testSecret,
  waitFor,
} from './harness';

const token = (room: string, role: 'rw' | 'ro' = 'rw', ttlMs = 60_000) =>
  signToken(testSecret, { room, role, name: `${role}-user`, exp: Date.now() + ttlMs });

describe('server process: command line', function () {
  // Each test spawns real server processes: generous on a loaded machine, a few seconds normally.
  this.timeout(20_000);
  it('refuses to start without TANDEM_SECRET and says how to fix it', async () => {
    const result = await runServerCommand(['--port', '0'], {});
    assert.equal(result.code, 2);
    assert.match(result.stderr, /TANDEM_SECRET is not set/);
    assert.match(result.stderr, /--no-auth/);
  });

  it('refuses a short secret', async () => {
    const result = await runServerCommand(['--port', '0'], { TANDEM_SECRET: 'short' });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /too short/);
  });

  it('refuses an unknown option with the usage', async () => {
    const result = await runServerCommand(['--prot', '1'], { TANDEM_SECRET: testSecret });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown option --prot/);
    assert.match(result.stderr, /Usage:/);
  });

  it('prints a token on its last line that the server secret verifies', async () => {
    const before = Date.now();
    const result = await runServerCommand(
      ['token', '--room', 'team/notes', '--role', 'ro', '--ttl', '2h', '--name', 'Grace'],
      {
        TANDEM_SECRET: testSecret,
      },
    );
    assert.equal(result.code, 0, result.stderr);
    const lines = (result.stderr + result.stdout).trim().split('\n');
    const check = verifyToken(testSecret, lines.at(-1));
    assert.ok(check.ok, `last line is a valid token: ${lines.at(-1)}`);
    assert.equal(check.claims.room, 'team/notes');
    assert.equal(check.claims.role, 'ro');
    assert.equal(check.claims.name, 'Grace');
    assert.ok(Math.abs(check.claims.exp - (before + 7_200_000)) < 5000, 'expires in two hours');
    assert.equal(verifyToken('another-secret-0123456789', lines.at(-1)).ok, false);
  });

  it('explains a token command with a missing role', async () => {
    const result = await runServerCommand(['token', '--room', 'r', '--ttl', '1h'], {
      TANDEM_SECRET: testSecret,
    });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--role host, --role rw or --role ro/);
  });

  it('runs without auth only when told, and says so loudly', async () => {
    const server = await startServerProcess(['--no-auth'], {});
    const client = connectClient(server.url, 'open-room');
    try {
      await client.synced;
      assert.match(server.stderr(), /AUTH DISABLED/);
      assert.ok(
        server.logs().some((record) => record.level === 'warn' && /auth disabled/.test(String(record.msg))),
      );
    } finally {
      client.destroy();
      await server.stop();
    }
  });
});

describe('server process: y-websocket clients', function () {
  // Each test spawns real server processes: generous on a loaded machine, a few seconds normally.
  this.timeout(20_000);
  let server: ServerProcess;
  const clients: TestClient[] = [];
  const client = (room: string, tokenValue?: string) => {
    const created = connectClient(server.url, room, tokenValue);
    clients.push(created);
    return created;
  };

  before(async () => {
    server = await startServerProcess(['--max-message-bytes', '65536']);
  });
  afterEach(() => {
    for (const created of clients.splice(0)) created.destroy();
  });
  after(async () => {
    await server?.stop();
  });

  it('converges three clients editing the same text concurrently', async () => {
    const [a, b, c] = ['a', 'b', 'c'].map(() => client('converge', token('converge')));
    await Promise.all([a.synced, b.synced, c.synced]);
    for (let i = 0; i < 20; i++) {
      a.text.insert(0, `a${i};`);
      b.text.insert(b.text.length, `b${i};`);
      c.text.insert(Math.floor(c.text.length / 2), `c${i};`);
    }
    b.text.delete(0, 2);
    await waitFor(
      () =>
        a.text.toString() === b.text.toString() &&
        b.text.toString() === c.text.toString() &&
        a.text.length > 0,
      'all three texts to be equal',
    );
    // Three clients typed 20 marks each ("a0;".."a19;" and the like), then two characters went.
    const typed = 3 * Array.from({ length: 20 }, (_, i) => `a${i};`.length).reduce((x, y) => x + y);
    assert.equal(a.text.length, typed - 2, 'every insert arrived and the delete applied once');
    for (const mark of ['a19;', 'a0;', 'b19;', 'b1;', 'c19;'])
      assert.ok(a.text.toString().includes(mark), mark);
  });

  it('drops edits from a read-only client: peers never see them, awareness still flows', async () => {
    const writer = client('ro-room', token('ro-room', 'rw'));
    const reader = client('ro-room', token('ro-room', 'ro'));
    const observer = client('ro-room', token('ro-room', 'rw'));
    await Promise.all([writer.synced, reader.synced, observer.synced]);
    writer.text.insert(0, 'from writer');
    await waitFor(() => reader.text.toString() === 'from writer', 'the reader to receive the writer edit');

    const droppedBefore =
      metric(
        (await httpGet(server.port, '/metrics')).body,
        'tandem_updates_dropped_total',
        '{reason="read_only"}',
      ) || 0;
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => warnings.push(args.join(' '));
    try {
      reader.text.insert(0, 'FORBIDDEN ');
      reader.provider.awareness.setLocalStateField('user', { name: 'reader' });
      // The stock client reports the server's auth message (permission denied) as a warning.
      await waitFor(
        () => warnings.some((line) => /Permission denied[\s\S]*read-only/.test(line)),
        'the read-only notice',
      );
    } finally {
      console.warn = warn;
    }
    await waitForAsync(async () => {
      const text = (await httpGet(server.port, '/metrics')).body;
      return metric(text, 'tandem_updates_dropped_total', '{reason="read_only"}') > droppedBefore;
    }, 'the server to drop the read-only edit');
    // Anything the writer sends now is processed after the dropped edit; once it arrives, the
    // dropped edit would have too.
    writer.text.insert(writer.text.length, ' and more');
    await waitFor(
      () => observer.text.toString().endsWith(' and more'),
      'the observer to receive the later edit',
    );
    assert.equal(observer.text.toString(), 'from writer and more');
    assert.equal(writer.text.toString(), 'from writer and more');
    await waitFor(
      () =>
        // Stamped by the server with what the reader's token says, not what the reader claims.
        [...observer.provider.awareness.getStates().values()].some(
          (state) => state.user?.name === 'ro-user' && state.role === 'ro',
        ),
      'the reader awareness to reach the observer',
    );
    // A fresh client loads what the server holds: still no read-only edit.
    const late = client('ro-room', token('ro-room', 'ro'));
    await late.synced;
    assert.equal(late.text.toString(), 'from writer and more');
  });

  const refusals: [string, (room: string) => string | undefined, number, RegExp][] = [
    ['a missing token', () => undefined, 4401, /token is required/],
    ['a forged token', (room) => token(room).slice(0, -3) + 'abc', 4401, /signature/],
    [
      'a token signed with another secret',
      (room) =>
        signToken('other-secret-0123456789', { room, role: 'rw', name: '', exp: Date.now() + 60_000 }),
      4401,
      /signature/,
    ],
    [
      'an expired token',
      (room) => signToken(testSecret, { room, role: 'rw', name: '', exp: Date.now() - 1 }),
      4401,
      /expired/,
    ],
    ['a token for another room', () => token('some-other-room'), 4403, /another room/],
  ];
  for (const [what, makeToken, code, reason] of refusals) {
    it(`closes ${what} with ${code} before any document data`, async () => {
      const room = `guarded-${code}-${what.length}`;
      const writer = client(room, token(room));
      await writer.synced;
      writer.text.insert(0, 'secret content');
      const socket = await rawSocket(server.url, room, makeToken(room));
      const closed = await closeEvent(socket);
      assert.equal(closed.code, code);
      assert.match(closed.reason, reason);
      assert.equal(closed.messages, 0, 'no message (no sync step, no awareness) before the close');

      // A stock provider stops reconnecting on a 44xx close code.
      const refused = client(room, makeToken(room));
      assert.equal((await refused.closed).code, code);
      await new Promise((resolve) => setTimeout(resolve, 150));
      assert.equal(refused.provider.shouldConnect, false);
      assert.equal(refused.text.toString(), '');
    });
  }

  it('closes a connection that sends a message past --max-message-bytes with 1009', async () => {
    const socket = await rawSocket(server.url, 'big', token('big'));
    const closed = closeEvent(socket);
    socket.send(new Uint8Array(65_537));
    assert.equal((await closed).code, 1009);
  });

  it('answers /healthz and /metrics', async () => {
    const health = await httpGet(server.port, '/healthz');
    assert.equal(health.status, 200);
    assert.equal(JSON.parse(health.body).status, 'ok');
    const metrics = await httpGet(server.port, '/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.type, /^text\/plain; version=0\.0\.4/);
    for (const name of [
      'tandem_connections',
      'tandem_rooms_loaded',
      'tandem_updates_in_total',
      'tandem_updates_out_total',
      'tandem_bytes_in_total',
      'tandem_bytes_out_total',
      'tandem_storage_write_seconds_count',
    ])
      assert.ok(Number.isFinite(metric(metrics.body, name)), `${name} is exposed`);
    assert.ok(metric(metrics.body, 'tandem_connections_refused_total', '{reason="missing_token"}') >= 1);
    assert.ok(metric(metrics.body, 'tandem_connections_refused_total', '{reason="wrong_room"}') >= 1);
    assert.ok(metric(metrics.body, 'tandem_updates_in_total') > 0);
    assert.equal((await httpGet(server.port, '/nope')).status, 404);
  });
});

async function waitForAsync(check: () => Promise<boolean>, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('server process: storage and lifecycle', function () {
  // Each test spawns real server processes: generous on a loaded machine, a few seconds normally.
  this.timeout(20_000);
  let dataDir: string;
  const clients: TestClient[] = [];
  const servers: ServerProcess[] = [];
  const start = async (args: string[]) => {
    const server = await startServerProcess(args);
    servers.push(server);
    return server;
  };
  const client = (url: string, room: string, tokenValue?: string) => {
    const created = connectClient(url, room, tokenValue);
    clients.push(created);
    return created;
  };

  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-server-data-'));
  });
  afterEach(async () => {
    for (const created of clients.splice(0)) created.destroy();
    for (const server of servers.splice(0)) await server.stop('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('stores relayed updates within the commit window: they survive kill -9 with every client gone', async () => {
    const first = await start(['--data', dataDir]);
    const writer = client(first.url, 'durable', token('durable'));
    const peer = client(first.url, 'durable', token('durable'));
    await Promise.all([writer.synced, peer.synced]);
    for (let i = 0; i < 50; i++) writer.text.insert(writer.text.length, `line ${i}\n`);
    await waitFor(() => peer.text.toString().includes('line 49'), 'the peer to receive every line');
    const received = peer.text.toString();
    writer.destroy();
    peer.destroy();
    // The default window is 5 ms: well past it, the commit has happened.
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(await first.stop('SIGKILL'), 'SIGKILL');

    const second = await start(['--data', dataDir]);
    const reader = client(second.url, 'durable', token('durable', 'ro'));
    await reader.synced;
    assert.equal(reader.text.toString(), received);
  });

  it('loses nothing a client holds when killed between relay and commit: the clients re-send it', async () => {
    // A commit window longer than the test: every edit below is relayed and never stored.
    const first = await start(['--data', dataDir, '--commit-window', '600000']);
    const writer = client(first.url, 'relayed', token('relayed'));
    const peer = client(first.url, 'relayed', token('relayed'));
    await Promise.all([writer.synced, peer.synced]);
    for (let i = 0; i < 50; i++) writer.text.insert(writer.text.length, `line ${i}\n`);
    await waitFor(() => peer.text.toString().includes('line 49'), 'the peer to receive every line');
    const received = peer.text.toString();
    // The author goes away for good: only the peer holds the edits now.
    writer.destroy();
    assert.equal(await first.stop('SIGKILL'), 'SIGKILL');

    // Same port, so the peer's provider reconnects by itself and answers the server's state vector.
    const second = await start(['--data', dataDir, '--port', String(first.port)]);
    const reader = client(second.url, 'relayed', token('relayed', 'ro'));
    await reader.synced;
    await waitFor(
      () => reader.text.toString() === received,
      'the peer to re-send what the server lost',
      10_000,
    );
    const third = await (async () => {
      peer.destroy();
      reader.destroy();
      await second.stop('SIGTERM');
      return start(['--data', dataDir]);
    })();
    const after = client(third.url, 'relayed', token('relayed', 'ro'));
    await after.synced;
    assert.equal(after.text.toString(), received, 're-sent edits were stored');
  });

  it('never stores edits from a read-only client', async () => {
    const first = await start(['--data', dataDir]);
    const writer = client(first.url, 'ro-store', token('ro-store'));
    await writer.synced;
    writer.text.insert(0, 'kept');
    const reader = client(first.url, 'ro-store', token('ro-store', 'ro'));
    await reader.synced;
    await waitFor(() => reader.text.toString() === 'kept', 'the reader to sync');
    const warn = console.warn;
    console.warn = () => undefined; // the stock client's permission-denied warning
    reader.text.insert(0, 'dropped ');
    await waitForAsync(
      async () =>
        metric(
          (await httpGet(first.port, '/metrics')).body,
          'tandem_updates_dropped_total',
          '{reason="read_only"}',
        ) >= 1,
      'the read-only edit to be dropped',
    ).finally(() => (console.warn = warn));
    // Relay first: the reader may hold 'kept' up to one commit window before the store does, and a
    // kill inside that window loses it here, where no client stays to re-send it. Kill after the
    // commit (the read-only edit never reaches the batch, so this count is the writer's edit).
    await waitForAsync(
      async () => metric((await httpGet(first.port, '/metrics')).body, 'tandem_updates_stored_total') >= 1,
      "the writer's edit to be stored",
    );
    writer.destroy();
    reader.destroy();
    await first.stop('SIGKILL');
    const second = await start(['--data', dataDir]);
    const check = client(second.url, 'ro-store', token('ro-store'));
    await check.synced;
    assert.equal(check.text.toString(), 'kept');
  });

  it('shuts down on SIGTERM: clients get 1001, storage is flushed, exit code 0', async () => {
    const server = await start(['--data', dataDir]);
    const writer = client(server.url, 'graceful', token('graceful'));
    await writer.synced;
    writer.text.insert(0, 'before shutdown');
    await waitForAsync(
      async () => metric((await httpGet(server.port, '/metrics')).body, 'tandem_updates_in_total') >= 1,
      'the edit to reach the server',
    );
    const exit = server.stop('SIGTERM');
    assert.equal((await writer.closed).code, 1001);
    assert.equal(await exit, 0);
    assert.ok(server.logs().some((record) => record.msg === 'stopped'));
    writer.destroy();

    const again = await start(['--data', dataDir]);
    const reader = client(again.url, 'graceful', token('graceful'));
    await reader.synced;
    assert.equal(reader.text.toString(), 'before shutdown');
  });

  it('unloads a room whose clients left, and loads it again on the next connection', async () => {
    const server = await start(['--idle-unload', '300ms']);
    const writer = client(server.url, 'idle', token('idle'));
    await writer.synced;
    writer.text.insert(0, 'remember me');
    await waitForAsync(
      async () => metric((await httpGet(server.port, '/metrics')).body, 'tandem_updates_in_total') >= 1,
      'the edit to reach the server',
    );
    assert.equal(metric((await httpGet(server.port, '/metrics')).body, 'tandem_rooms_loaded'), 1);
    writer.destroy();
    await waitForAsync(async () => {
      const text = (await httpGet(server.port, '/metrics')).body;
      return metric(text, 'tandem_rooms_loaded') === 0 && metric(text, 'tandem_rooms_unloaded_total') === 1;
    }, 'the idle room to be unloaded');
    const reader = client(server.url, 'idle', token('idle'));
    await reader.synced;
    assert.equal(reader.text.toString(), 'remember me');
    assert.equal(metric((await httpGet(server.port, '/metrics')).body, 'tandem_rooms_loaded'), 1);
  });

  it('refuses to serve a data directory another server holds', async () => {
    await start(['--data', dataDir]);
    const second = await runServerCommand(['--port', '0', '--data', dataDir], { TANDEM_SECRET: testSecret });
    assert.equal(second.code, 2);
    assert.match(second.stderr, /in use by another Tandem server/);
  });

  it('lists and deletes stored rooms with `rooms ls` / `rooms rm`, only while no server holds them', async () => {
    const first = await start(['--data', dataDir]);
    for (const room of ['keep', 'drop']) {
      const writer = client(first.url, room, token(room));
      await writer.synced;
      writer.text.insert(0, `text of ${room}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    const busy = await runServerCommand(['rooms', 'rm', 'drop', '--data', dataDir], {});
    assert.equal(busy.code, 2);
    assert.match(busy.stderr, /in use by another Tandem server/);
    for (const created of clients.splice(0)) created.destroy();
    await first.stop('SIGTERM');
    const listed = await runServerCommand(['rooms', 'ls', '--data', dataDir], {});
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(
      listed.stdout
        .trim()
        .split('\n')
        .map((line) => line.split('\t')[0]),
      ['drop', 'keep'],
    );
    const removed = await runServerCommand(['rooms', 'rm', 'drop', '--data', dataDir], {});
    assert.equal(removed.code, 0, removed.stderr);
    const missing = await runServerCommand(['rooms', 'rm', 'drop', '--data', dataDir], {});
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no room "drop"/);
    const second = await start(['--data', dataDir]);
    const kept = client(second.url, 'keep', token('keep'));
    const recreated = client(second.url, 'drop', token('drop'));
    await Promise.all([kept.synced, recreated.synced]);
    assert.equal(kept.text.toString(), 'text of keep');
    assert.equal(recreated.text.toString(), '', 'a deleted room starts empty');
  });
});
