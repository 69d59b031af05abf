// Rooms and stores: seeding exactly once, compaction, and what happens when storage fails.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import { Compactor, findCompactorScript } from '../../../src/server/compactor';
import { resolveLimits } from '../../../src/server/limits';
import { ServerMetrics } from '../../../src/server/metrics';
import { Room, type RoomMember } from '../../../src/server/room';
import { type CollabServer, startCollabServer } from '../../../src/server/server';
import { SqliteRoomStore } from '../../../src/server/sqliteStore';
import { MemoryRoomStore, type RoomStore } from '../../../src/server/storage';
import { UpdateBatch } from '../../../src/server/updateBatch';
import { connectClient, metric, type TestClient, testSecret, waitFor } from './harness';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-rooms-'));
}

function textOf(updates: Uint8Array[]): string {
  const doc = new Y.Doc();
  for (const update of updates) Y.applyUpdate(doc, update);
  return doc.getText('text').toString();
}

function updateInserting(doc: Y.Doc, text: string): Uint8Array {
  let captured: Uint8Array | undefined;
  const listener = (update: Uint8Array) => (captured = update);
  doc.on('update', listener);
  doc.getText('text').insert(doc.getText('text').length, text);
  doc.off('update', listener);
  return captured as Uint8Array;
}

for (const [kind, makeStore] of [
  ['memory', () => new MemoryRoomStore()],
  ['sqlite', () => new SqliteRoomStore(tempDir())],
] as [string, () => RoomStore][]) {
  describe(`server: ${kind} room store`, () => {
    let store: RoomStore;
    beforeEach(() => (store = makeStore()));
    afterEach(() => store.close());

    it('creates a room once, appends in order and compacts to the same document', () => {
      const source = new Y.Doc();
      assert.equal(store.load('r'), undefined);
      store.create('r', Y.encodeStateAsUpdate(source));
      assert.throws(() => store.create('r', new Uint8Array([0, 0])), 'a room is created (seeded) once');
      store.append([{ room: 'r', update: updateInserting(source, 'one ') }]);
      store.append(['two ', 'three'].map((word) => ({ room: 'r', update: updateInserting(source, word) })));
      assert.throws(() => store.append([{ room: 'never-created', update: new Uint8Array([0, 0]) }]));
      const loaded = store.load('r') as NonNullable<ReturnType<RoomStore['load']>>;
      assert.equal(loaded.logCount, 3);
      assert.equal(textOf(loaded.updates), 'one two three');
      store.compact('r', Y.encodeStateAsUpdate(source));
      const compacted = store.load('r') as NonNullable<ReturnType<RoomStore['load']>>;
      assert.equal(compacted.logCount, 0);
      assert.equal(compacted.updates.length, 1);
      assert.equal(textOf(compacted.updates), 'one two three');
    });

    it('folds what it gave to fold and keeps what was logged since; a fold overtaken by a compaction changes nothing', () => {
      const source = new Y.Doc();
      store.create('r', Y.encodeStateAsUpdate(source));
      store.append(['one ', 'two '].map((word) => ({ room: 'r', update: updateInserting(source, word) })));
      const foldable = store.foldable('r');
      assert.ok(foldable);
      assert.equal(foldable.logCount, 2);
      assert.equal(textOf(foldable.updates), 'one two ');
      // Logged while the fold is away (on the worker).
      store.append([{ room: 'r', update: updateInserting(source, 'three') }]);
      const folded = new Y.Doc();
      for (const update of foldable.updates) Y.applyUpdate(folded, update);
      assert.equal(store.compactUpTo('r', Y.encodeStateAsUpdate(folded), foldable.mark), true);
      const after = store.load('r');
      assert.equal(after?.logCount, 1, 'the update logged since the fold stays in the log');
      assert.equal(textOf(after?.updates ?? []), 'one two three');
      // The same fold again: its mark is stale now (the snapshot it would replace changed).
      assert.equal(store.compactUpTo('r', Y.encodeStateAsUpdate(folded), foldable.mark), false);
      assert.equal(textOf(store.load('r')?.updates ?? []), 'one two three');
      // A compaction meanwhile (a room over its size limit compacts at once) overtakes a fold.
      const second = store.foldable('r')!;
      store.append([{ room: 'r', update: updateInserting(source, ' four') }]);
      store.compact('r', Y.encodeStateAsUpdate(source));
      assert.equal(store.compactUpTo('r', new Uint8Array([0, 0]), second.mark), false);
      assert.equal(textOf(store.load('r')?.updates ?? []), 'one two three four');
      // A room removed (and made again) meanwhile: the fold of the old one changes nothing.
      const third = store.foldable('r')!;
      store.delete('r');
      store.create('r', Y.encodeStateAsUpdate(new Y.Doc()));
      assert.equal(store.compactUpTo('r', Y.encodeStateAsUpdate(source), third.mark), false);
      assert.equal(textOf(store.load('r')?.updates ?? []), '');
      assert.equal(store.foldable('never-created'), undefined);
    });
  });
}

describe('server: compaction worker', () => {
  let compactor: Compactor;
  beforeEach(() => {
    const script = findCompactorScript();
    assert.ok(script, 'dist/compactor.js is built');
    compactor = new Compactor(script);
  });
  afterEach(() => compactor.close());

  it('folds a snapshot and a log into the state a document loaded from them encodes, on its own thread', async () => {
    const source = new Y.Doc();
    const updates = [Y.encodeStateAsUpdate(source)];
    for (let i = 0; i < 200; i++) updates.push(updateInserting(source, `word${i} `));
    source.getText('text').delete(0, 50);
    updates.push(Y.encodeStateAsUpdate(source, Y.encodeStateVector(source)));
    const state = await compactor.fold(updates);
    const loaded = new Y.Doc();
    for (const update of updates) Y.applyUpdate(loaded, update);
    assert.deepEqual(state, Y.encodeStateAsUpdate(loaded));
    assert.equal(textOf([state]), source.getText('text').toString());
    // The caller's bytes are its own still (copies went to the worker).
    assert.equal(textOf(updates), source.getText('text').toString());
  });

  it('folds updates that are views of one buffer (as a Redis reply holds them) and leaves that buffer whole', async () => {
    const source = new Y.Doc();
    // Large enough (over 4 KB in all) that the reply has a buffer of its own, not Node's pool.
    const words = ['one ', 'two ', 'three'].map((word) => word.repeat(1_000));
    const parts = words.map((word) => updateInserting(source, word));
    const reply = Buffer.concat(parts);
    let at = 0;
    const views = parts.map((part) => {
      const view = reply.subarray(at, at + part.byteLength);
      at += part.byteLength;
      return view;
    });
    assert.equal(textOf([await compactor.fold(views)]), words.join(''));
    assert.equal(reply.byteLength, at, 'the reply is not detached');
    assert.equal(textOf(views), words.join(''));
  });

  it("finds the worker beside the bundle, or in a Tandem checkout's dist/ for a test bundle, never in another dist/", () => {
    const root = tempDir();
    const bundleDir = path.join(root, 'app', 'out', 'test');
    fs.mkdirSync(path.join(root, 'dist'), { recursive: true });
    fs.mkdirSync(bundleDir, { recursive: true });
    fs.writeFileSync(path.join(root, 'dist', 'compactor.js'), '');
    // Some project's dist/ above a server that lost its worker: not Tandem's, not run.
    assert.equal(findCompactorScript(bundleDir), undefined);
    fs.writeFileSync(path.join(root, 'esbuild.js'), '');
    assert.equal(findCompactorScript(bundleDir), path.join(root, 'dist', 'compactor.js'));
    fs.writeFileSync(path.join(bundleDir, 'compactor.js'), '');
    assert.equal(findCompactorScript(bundleDir), path.join(bundleDir, 'compactor.js'));
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('ends a worker that does not answer, fails its fold, and folds the next on a new worker', async () => {
    const dir = tempDir();
    const silent = path.join(dir, 'silent.js');
    // The first worker started from this script never answers; later ones fold as the real one does.
    const marker = path.join(dir, 'started-once');
    fs.writeFileSync(
      silent,
      `const fs = require('fs');
      if (!fs.existsSync(${JSON.stringify(marker)})) {
        fs.writeFileSync(${JSON.stringify(marker)}, '');
        require('worker_threads').parentPort.on('message', () => undefined);
      } else require(${JSON.stringify(findCompactorScript())});`,
    );
    const hanging = new Compactor(silent, 300);
    try {
      const source = new Y.Doc();
      await assert.rejects(hanging.fold([updateInserting(source, 'lost')]), /did not answer within 300 ms/);
      const again = new Y.Doc();
      assert.equal(textOf([await hanging.fold([updateInserting(again, 'folded')])]), 'folded');
    } finally {
      await hanging.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a malformed log with an error, and folds the next one', async () => {
    await assert.rejects(compactor.fold([new Uint8Array([200, 1, 2, 3])]));
    const source = new Y.Doc();
    assert.equal(textOf([await compactor.fold([updateInserting(source, 'fine')])]), 'fine');
  });

  it('fails the folds of a worker that dies, and starts a new one for the next', async () => {
    const source = new Y.Doc();
    const big = updateInserting(source, 'x'.repeat(1_000_000));
    const lost = compactor.fold([big]);
    await (compactor as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    await assert.rejects(lost, /exited/);
    assert.equal(textOf([await compactor.fold([big, updateInserting(source, '!')])]).length, 1_000_001);
  });

  it("a worker that crashed fails only its own folds: its exit, coming after, leaves the next worker's alone", async () => {
    // Each compactor's first worker throws on its first message (its 'error' comes, then its 'exit'
    // a moment later); the next is the real worker, answering a little later. Its exit and the next
    // fold race, so the test runs a few rounds.
    const dir = tempDir();
    const script = path.join(dir, 'worker.js');
    fs.writeFileSync(
      script,
      [
        "const fs = require('node:fs');",
        "const { parentPort } = require('node:worker_threads');",
        `const flag = require('node:path').join(${JSON.stringify(dir)}, String(process.env.TANDEM_ROUND));`,
        'if (!fs.existsSync(flag)) {',
        "  fs.writeFileSync(flag, '');",
        "  parentPort.on('message', () => { throw new Error('crashed'); });",
        `} else setTimeout(() => require(${JSON.stringify(findCompactorScript())}), 100);`,
      ].join('\n'),
    );
    let spurious = 0;
    for (let round = 0; round < 5; round++) {
      process.env.TANDEM_ROUND = String(round);
      const crashing = new Compactor(script);
      try {
        await crashing.fold([updateInserting(new Y.Doc(), 'lost')]).then(
          () => assert.fail('the crashing worker answered'),
          (error: Error) => assert.match(error.message, /crashed/),
        );
        // At once, as a busy room's next turn would.
        const kept = await crashing.fold([updateInserting(new Y.Doc(), 'kept')]).catch(() => undefined);
        if (kept === undefined) spurious++;
        else assert.equal(textOf([kept]), 'kept');
      } finally {
        await crashing.close();
      }
    }
    delete process.env.TANDEM_ROUND;
    assert.equal(spurious, 0, "folds of the next worker failed by the crashed one's exit");
  });
});

describe('server: sqlite store durability', () => {
  it('reads back what another process instance wrote, without a clean close', () => {
    const dir = tempDir();
    const source = new Y.Doc();
    const first = new SqliteRoomStore(dir);
    first.create('r', Y.encodeStateAsUpdate(source));
    first.append([{ room: 'r', update: updateInserting(source, 'survives') }]);
    // Drop the handle without close(): the WAL is not checkpointed, as after a crash.
    (first as unknown as { db: { close(): void } }).db.close();
    const second = new SqliteRoomStore(dir);
    assert.equal(textOf(second.load('r')?.updates ?? []), 'survives');
    second.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('server: sqlite store use times', () => {
  it('records each use without rewriting the room row that holds the snapshot', async () => {
    const dir = tempDir();
    const source = new Y.Doc();
    const store = new SqliteRoomStore(dir);
    store.create('r', Y.encodeStateAsUpdate(source));
    store.compact('r', Y.encodeStateAsUpdate(source));
    const db = (store as unknown as { db: import('better-sqlite3').Database }).db;
    db.exec(`CREATE TEMP TABLE row_writes (n INTEGER);
      CREATE TEMP TRIGGER count_row_writes AFTER UPDATE ON main.rooms BEGIN INSERT INTO row_writes VALUES (1); END;`);
    const before = store.list()[0].usedAt;
    await new Promise((resolve) => setTimeout(resolve, 5));
    for (const word of ['one ', 'two ']) store.append([{ room: 'r', update: updateInserting(source, word) }]);
    store.touch('r');
    assert.equal((db.prepare('SELECT COUNT(*) AS n FROM row_writes').get() as { n: number }).n, 0);
    assert.ok(store.list()[0].usedAt > before, 'the use time still moves on');
    assert.equal(store.delete('r'), true, 'a room with a use time deletes');
    assert.deepEqual(store.list(), []);
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the use time a store recorded before use times had their own table', () => {
    const dir = tempDir();
    const old = new SqliteRoomStore(dir);
    old.create('r', Y.encodeStateAsUpdate(new Y.Doc()));
    const db = (old as unknown as { db: import('better-sqlite3').Database }).db;
    db.exec("DROP TABLE room_use; UPDATE rooms SET used_at = 12345 WHERE name = 'r'");
    old.close();
    const reopened = new SqliteRoomStore(dir);
    assert.equal(reopened.list()[0].usedAt, 12345);
    reopened.touch('r');
    assert.ok(reopened.list()[0].usedAt > 12345);
    reopened.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('server: seeding and compaction', () => {
  let server: CollabServer | undefined;
  const clients: TestClient[] = [];
  const client = (room: string) => {
    const s = server as CollabServer;
    const created = connectClient(s.url, room, s.createToken({ room, role: 'rw' }));
    clients.push(created);
    return created;
  };
  afterEach(async () => {
    for (const created of clients.splice(0)) created.destroy();
    await server?.close();
    server = undefined;
  });

  it('seeds a room exactly once: concurrent joins, idle unload and restart', async () => {
    const dataDir = tempDir();
    let seeds = 0;
    const seedRoom = async (_room: string, doc: Y.Doc) => {
      seeds++;
      await new Promise((resolve) => setTimeout(resolve, 50)); // a slow seed: clients arrive meanwhile
      doc.getText('text').insert(0, 'seed text');
    };
    server = await startCollabServer({ secret: testSecret, dataDir, seedRoom, limits: { idleUnloadMs: 50 } });
    const joiners = Array.from({ length: 5 }, () => client('seeded'));
    await Promise.all(joiners.map((joiner) => joiner.synced));
    for (const joiner of joiners) assert.equal(joiner.text.toString(), 'seed text');
    joiners[0].text.insert(9, '!');
    await waitFor(() => joiners[4].text.toString() === 'seed text!', 'the edit to spread');
    for (const joiner of clients.splice(0)) joiner.destroy();
    await waitFor(() => (server as CollabServer).loadedRooms().length === 0, 'the room to unload');
    const back = client('seeded');
    await back.synced;
    assert.equal(back.text.toString(), 'seed text!');
    await server.close();
    server = await startCollabServer({ secret: testSecret, dataDir, seedRoom });
    const afterRestart = client('seeded');
    await afterRestart.synced;
    assert.equal(afterRestart.text.toString(), 'seed text!');
    assert.equal(seeds, 1);
  });

  it('closes joiners with 1011 when seeding fails, and seeds on the next try', async () => {
    let attempts = 0;
    server = await startCollabServer({
      secret: testSecret,
      seedRoom: (_room, doc) => {
        if (++attempts === 1) throw new Error('source file unreadable');
        doc.getText('text').insert(0, 'second try');
      },
    });
    const first = client('flaky');
    assert.equal((await first.closed).code, 1011);
    // The stock client reconnects by itself (1011 is not a 44xx code) and then syncs the seed.
    await first.synced;
    assert.equal(first.text.toString(), 'second try');
    assert.equal(attempts, 2);
  });

  it('shuts down without waiting for a seed that never finishes, and stores nothing for it', async () => {
    const dataDir = tempDir();
    server = await startCollabServer({
      secret: testSecret,
      dataDir,
      seedRoom: () => new Promise(() => undefined),
    });
    const joiner = client('stuck');
    await waitFor(() => server?.loadedRooms().includes('stuck'), 'the room to start loading');
    await server.close();
    assert.equal((await joiner.closed).code, 1001);
    const store = new SqliteRoomStore(dataDir);
    assert.equal(store.load('stuck'), undefined, 'an unfinished seed is never stored');
    store.close();
  });

  it('folds a log past its limit once the room is quiet, or at once at four times the limit', async () => {
    const dataDir = tempDir();
    server = await startCollabServer({ secret: testSecret, dataDir, limits: { compactAfterUpdates: 10 } });
    const writer = client('quiet');
    await writer.synced;
    const figure = (name: string) => metric(server?.metrics.render() ?? '', name);
    const stored = figure('tandem_updates_stored_total');
    // Past the limit but under four times it: stored (and relayed) now, folded only when quiet.
    for (let i = 0; i < 15; i++) writer.text.insert(writer.text.length, `${i},`);
    await waitFor(() => figure('tandem_updates_stored_total') === stored + 15, 'the burst to be stored');
    assert.equal(figure('tandem_compactions_total'), 0, 'not folded while updates may still come');
    await waitFor(() => figure('tandem_compactions_total') === 1, 'the fold once the room is quiet');
    // A burst of four times the limit and more is folded at once, quiet or not.
    for (let i = 0; i < 45; i++) writer.text.insert(writer.text.length, `b${i},`);
    await waitFor(() => figure('tandem_compactions_total') === 2, 'the fold of a busy room');
    writer.destroy();
    await server.close();
  });

  for (const onWorker of [true, false])
    it(`folds the update log into a snapshot as it grows, without losing an update (${onWorker ? 'on the compaction worker' : 'on the event loop'})`, async () => {
      const dataDir = tempDir();
      const records: { msg: string; foldMs?: number }[] = [];
      server = await startCollabServer({
        secret: testSecret,
        dataDir,
        limits: { compactAfterUpdates: 10 },
        compactorScript: onWorker ? undefined : false,
        logger: (record) => records.push(record as { msg: string; foldMs?: number }),
      });
      const writer = client('compact');
      await writer.synced;
      const compactions = () => metric(server?.metrics.render() ?? '', 'tandem_compactions_total');
      for (let batch = 1; batch <= 3; batch++) {
        // A burst is compacted once, after the burst: the relay never waits for a snapshot.
        for (let i = 0; i < 12; i++) writer.text.insert(writer.text.length, `${batch}.${i},`);
        await waitFor(() => compactions() === batch, `compaction ${batch}`);
      }
      writer.text.insert(0, 'tail ');
      const expected = writer.text.toString();
      await waitFor(
        () => metric(server?.metrics.render() ?? '', 'tandem_updates_stored_total') === 37,
        'the last update to be stored',
      );
      writer.destroy();
      await server.close();
      const store = new SqliteRoomStore(dataDir);
      const stored = store.load('compact');
      store.close();
      assert.equal(stored?.logCount, 0, 'shutdown folded the rest of the log');
      assert.equal(textOf(stored?.updates ?? []), expected);
      const folds = records.filter((record) => record.msg === 'room compacted');
      assert.equal(folds.length, 4, 'three folds while the room was open, one at shutdown');
      // The worker's folds say how long the worker took apart from the event loop's share; the
      // shutdown's is on the event loop (nothing waits on it any more).
      assert.deepEqual(
        folds.map((record) => typeof record.foldMs === 'number'),
        [onWorker, onWorker, onWorker, false],
      );
    });
});

describe('server: relay first, group commit', () => {
  function roomWith(store: RoomStore, commitWindowMs: number) {
    let gone = false;
    const limits = resolveLimits();
    const metrics = new ServerMetrics({ connections: () => 0, roomsLoaded: () => 0 });
    const batch = new UpdateBatch(store, metrics, commitWindowMs);
    const room = new Room('fragile', {
      store,
      batch,
      limits,
      metrics,
      log: () => undefined,
      onGone: () => (gone = true),
    });
    return { room, batch, metrics, gone: () => gone };
  }
  /** Rooms of one memory store that fold on a real compaction worker past 3 updates. */
  function roomsOnWorker() {
    const store = new MemoryRoomStore();
    const compactor = new Compactor(findCompactorScript()!);
    const metrics = new ServerMetrics({ connections: () => 0, roomsLoaded: () => 0 });
    const batch = new UpdateBatch(store, metrics, 0);
    const context = {
      store,
      batch,
      limits: resolveLimits({ compactAfterUpdates: 3 }),
      metrics,
      log: () => undefined,
      compactor: () => compactor,
      onGone: () => undefined,
    };
    const open = (name: string) => new Room(name, context);
    const folded = (count: number, what: string) =>
      waitFor(() => metric(metrics.render(), 'tandem_compactions_total') === count, what);
    return { store, compactor, batch, open, folded };
  }
  const turn = () => new Promise((resolve) => setImmediate(resolve));

  // Each message is a y-websocket update message: skip its two type bytes and the length.
  const payload = (message: Uint8Array) => {
    const decoder = decoding.createDecoder(message);
    decoding.readVarUint(decoder);
    decoding.readVarUint(decoder);
    return decoding.readVarUint8Array(decoder);
  };
  const textIn = (message: Uint8Array) => {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, payload(message));
    return doc.getText('text').toString();
  };

  it('a room unloaded while its fold is on the worker loads again at once; the fold then keeps what the new room logged', async () => {
    const { store, compactor, batch, open: openRoom, folded } = roomsOnWorker();
    const open = () => openRoom('reloaded');
    const member: RoomMember = { relay: () => undefined, close: () => undefined };
    const source = new Y.Doc();
    const first = open();
    let second: Room | undefined;
    try {
      await first.ready;
      for (const word of ['one ', 'two ', 'three ', 'four '])
        first.applyUpdate(updateInserting(source, word), member);
      batch.flush();
      // Idle: the fold goes to the worker and the room leaves memory at once.
      (first as unknown as { unloadIfIdle(): void }).unloadIfIdle();
      assert.equal(first.loaded, false);
      second = open();
      await second.ready;
      assert.equal(second.doc.getText('text').toString(), 'one two three four ');
      second.applyUpdate(updateInserting(source, 'five'), member);
      batch.flush();
      await folded(1, 'the fold to be stored');
      const stored = store.load('reloaded');
      assert.equal(stored?.logCount, 1, 'what the new room logged stays in the log');
      assert.equal(textOf(stored?.updates ?? []), 'one two three four five');
    } finally {
      second?.unload();
      await compactor.close();
    }
  });

  it('folds one room at a time: a room reads its stored state only once the worker is free', async () => {
    const { store, compactor, batch, open, folded } = roomsOnWorker();
    const reads: number[] = [];
    const foldable = store.foldable.bind(store);
    store.foldable = (room: string) => {
      // How many folds wait for the worker when a room reads its state.
      reads.push(compactor.pending);
      return foldable(room);
    };
    const rooms = ['a', 'b', 'c'].map(open);
    try {
      const member: RoomMember = { relay: () => undefined, close: () => undefined };
      const sources = rooms.map(() => new Y.Doc());
      for (const [i, room] of rooms.entries()) {
        await room.ready;
        room.join(member);
        for (const word of ['one ', 'two ', 'three ', 'four '])
          room.applyUpdate(updateInserting(sources[i], `${room.name}${word}`), member);
      }
      batch.flush();
      for (const room of rooms) (room as unknown as { compactSoon(): void }).compactSoon();
      await folded(3, 'every room folded');
      assert.deepEqual(reads, [0, 0, 0], 'each room read its state with no other fold waiting');
      for (const room of rooms) {
        const stored = store.load(room.name);
        assert.equal(stored?.logCount, 0);
        assert.equal(
          textOf(stored?.updates ?? []),
          ['one ', 'two ', 'three ', 'four '].map((w) => room.name + w).join(''),
        );
      }
    } finally {
      for (const room of rooms) room.unload();
      await compactor.close();
    }
  });

  it('keeps the updates a room takes while its fold is on the worker, and counts only what was folded', async () => {
    const { store, compactor, batch, open, folded } = roomsOnWorker();
    const room = open('folding');
    try {
      await room.ready;
      const member: RoomMember = { relay: () => undefined, close: () => undefined };
      room.join(member);
      const source = new Y.Doc();
      for (const word of ['one ', 'two ', 'three ', 'four '])
        room.applyUpdate(updateInserting(source, word), member);
      // The fold goes to the worker; meanwhile the room takes more.
      (room as unknown as { compactSoon(): void }).compactSoon();
      room.applyUpdate(updateInserting(source, 'five'), member);
      batch.flush();
      await folded(1, 'the fold to be stored');
      const stored = store.load('folding');
      assert.equal(stored?.logCount, 1, 'the update taken during the fold stays in the log');
      assert.equal(textOf(stored?.updates ?? []), 'one two three four five');
      const counts = room as unknown as { logCount: number };
      assert.equal(counts.logCount, 1, 'the room counts the one update its snapshot lacks');
    } finally {
      room.unload();
      await compactor.close();
    }
  });

  it('relays at the end of the turn as one merged message, then stores in one commit', async () => {
    const store = new MemoryRoomStore();
    const { room, metrics } = roomWith(store, 30);
    await room.ready;
    const toPeer: Uint8Array[] = [];
    const toA: Uint8Array[] = [];
    const a: RoomMember = { relay: (message) => toA.push(message), close: () => undefined };
    const b: RoomMember = { relay: () => undefined, close: () => undefined };
    const peer: RoomMember = { relay: (message) => toPeer.push(message), close: () => undefined };
    for (const member of [a, b, peer]) room.join(member);
    const docA = new Y.Doc();
    const docB = new Y.Doc();
    room.applyUpdate(updateInserting(docA, 'one '), a);
    room.applyUpdate(updateInserting(docB, 'two '), b);
    room.applyUpdate(updateInserting(docA, 'three '), a);
    assert.equal(toPeer.length, 0, 'nothing leaves before the turn ends');
    await turn();
    assert.equal(toPeer.length, 1, 'three updates went out as one message');
    assert.equal(textIn(toPeer[0]).length, 'one two three '.length);
    assert.equal(toA.length, 1, 'with two senders, each sender gets the same merge');
    assert.equal(textIn(toA[0]).length, 'one two three '.length);
    assert.equal(metric(metrics.render(), 'tandem_updates_merged_total'), 2);
    assert.equal(store.load('fragile')?.logCount, 0, 'relayed before stored');
    await waitFor(() => store.load('fragile')?.logCount === 3, 'the group commit');
    assert.equal(metric(metrics.render(), 'tandem_storage_write_seconds_count'), 1, 'one commit');
    for (const member of [a, b, peer]) room.leave(member);
  });

  it("relays a turn's keystrokes before a large burst that arrived with them", async () => {
    const { room } = roomWith(new MemoryRoomStore(), 1);
    await room.ready;
    const toPeer: Uint8Array[] = [];
    const toWriter: Uint8Array[] = [];
    const writer: RoomMember = { relay: (message) => toWriter.push(message), close: () => undefined };
    const typist: RoomMember = { relay: () => undefined, close: () => undefined };
    const peer: RoomMember = { relay: (message) => toPeer.push(message), close: () => undefined };
    for (const member of [writer, typist, peer]) room.join(member);
    const writerDoc = new Y.Doc();
    const typistDoc = new Y.Doc();
    room.applyUpdate(updateInserting(writerDoc, 'assistant line;\n'.repeat(2000)), writer);
    room.applyUpdate(updateInserting(typistDoc, 'k'), typist);
    await turn();
    assert.equal(toPeer.length, 2);
    assert.equal(textIn(toPeer[0]), 'k', 'the keystroke goes first, on its own');
    assert.equal(textIn(toPeer[1]).length, 'assistant line;\n'.length * 2000);
    assert.equal(toWriter.length, 1, 'the writer gets the keystroke, not its own burst back');
    assert.equal(textIn(toWriter[0]), 'k');
    for (const member of [writer, typist, peer]) room.leave(member);
  });

  it('does not send a lone sender its own updates back', async () => {
    const { room } = roomWith(new MemoryRoomStore(), 1);
    await room.ready;
    const toA: Uint8Array[] = [];
    const toPeer: Uint8Array[] = [];
    const a: RoomMember = { relay: (message) => toA.push(message), close: () => undefined };
    const peer: RoomMember = { relay: (message) => toPeer.push(message), close: () => undefined };
    room.join(a);
    room.join(peer);
    const docA = new Y.Doc();
    room.applyUpdate(updateInserting(docA, 'x'), a);
    room.applyUpdate(updateInserting(docA, 'y'), a);
    await turn();
    assert.equal(toA.length, 0);
    assert.equal(toPeer.length, 1);
    assert.equal(textIn(toPeer[0]), 'xy');
    room.leave(a);
    room.leave(peer);
  });

  it('closes the room with 1011 when a commit fails, so its clients reconnect and re-send', async () => {
    const store = new MemoryRoomStore();
    let failWrites = false;
    const failing: RoomStore = Object.assign(Object.create(store) as RoomStore, {
      append: (updates: Parameters<RoomStore['append']>[0]) => {
        if (failWrites) throw new Error('disk full');
        store.append(updates);
      },
    });
    const { room, batch, gone } = roomWith(failing, 1);
    await room.ready;
    const closes: number[] = [];
    const sender: RoomMember = { relay: () => undefined, close: (code) => closes.push(code) };
    const peer: RoomMember = { relay: () => undefined, close: (code) => closes.push(code) };
    room.join(sender);
    room.join(peer);
    const source = new Y.Doc();
    room.applyUpdate(updateInserting(source, 'stored'), sender);
    batch.flush();
    assert.equal(store.load('fragile')?.logCount, 1);
    failWrites = true;
    room.applyUpdate(updateInserting(source, ' unstored'), sender);
    batch.flush();
    assert.deepEqual(closes, [1011, 1011]);
    assert.equal(gone(), true);
    assert.equal(textOf(store.load('fragile')?.updates ?? []), 'stored');
    room.leave(sender);
    room.leave(peer);
  });

  it('never keeps, relays or stores the part of an update Yjs cannot integrate', async () => {
    const store = new MemoryRoomStore();
    const { room, batch } = roomWith(store, 1);
    await room.ready;
    const relayed: Uint8Array[] = [];
    const sender: RoomMember = { relay: () => undefined, close: () => undefined };
    const peer: RoomMember = { relay: (message) => relayed.push(message), close: () => undefined };
    room.join(sender);
    room.join(peer);
    const source = new Y.Doc();
    updateInserting(source, 'never sent ');
    // Depends on the first insert, which the room never gets.
    const dangling = updateInserting(source, 'dangling');
    assert.equal(room.applyUpdate(dangling, sender), 'unintegrable');
    batch.flush();
    assert.equal(relayed.length, 0);
    assert.equal(room.doc.store.pendingStructs, null);
    assert.equal(textOf([room.missingUpdates(new Uint8Array([0]))]), '');
    room.compact();
    assert.equal(textOf(store.load('fragile')?.updates ?? []), '');
    room.leave(sender);
    room.leave(peer);
  });

  it('drops what a malformed update left pending before it threw, so no snapshot stores it', async () => {
    const store = new MemoryRoomStore();
    const { room } = roomWith(store, 1);
    await room.ready;
    const writer: RoomMember = { relay: () => undefined, close: () => undefined };
    room.join(writer);
    const source = new Y.Doc();
    room.applyUpdate(updateInserting(source, 'kept'), writer);
    updateInserting(source, ' never sent');
    // Its structs depend on the insert the room never got (so they go pending); without its last
    // byte (the delete set), reading fails after they were put aside.
    const dangling = updateInserting(source, ' dangling');
    assert.throws(() => room.applyUpdate(dangling.slice(0, -1), writer));
    assert.equal(room.doc.store.pendingStructs, null);
    room.compact();
    const loaded = new Y.Doc();
    for (const update of store.load('fragile')?.updates ?? []) Y.applyUpdate(loaded, update);
    assert.equal(loaded.store.pendingStructs, null, 'the stored room loads without pending structs');
    assert.equal(loaded.getText('text').toString(), 'kept');
    room.leave(writer);
  });
});
