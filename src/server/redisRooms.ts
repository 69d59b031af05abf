// Scale-out over Redis (`--redis <url>`): every instance serving a room appends the updates it accepts
// to the room's Redis stream and reads the streams of the rooms it has clients for from the last id it
// has seen. A stream keeps entries until a snapshot holds them, so an instance cut off from Redis
// catches up on reconnecting, and what it accepted meanwhile waits in its outbox and goes then. The
// snapshot in Redis is the one durable copy of each room; presence goes over pub/sub, repeated every
// heartbeat (it is ephemeral: a lost message is repaired by the next one).
//
// A room no other instance serves (a load balancer routing by room keeps most rooms so) holds only
// this instance's own entries: its stream is read once a heartbeat, not waited on, so this instance
// is not woken by its own writes. Once the presence beats show another instance serving the room,
// the blocking reader takes its stream in (at once on the newcomer's first beat; within a heartbeat
// if that beat was lost). Either way nothing is skipped: every read starts at the last id applied.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Redis } from 'ioredis';
import * as Y from 'yjs';
import type { CollabLogger } from './log';
import { Counter, Gauge, Histogram, type ServerMetrics } from './metrics';
import { RedisOutbox, RETRY_MS } from './redisOutbox';
import { RedisPresence } from './redisPresence';
import {
  CLUSTER_KEY,
  COMPACT_ROOM,
  CONTROL_KEY,
  HOLD_HOME,
  CONTROL_NO_SNAPSHOT,
  compareStreamIds,
  LOAD_ROOM,
  READ_CHECKED,
  RELEASE_LEASE,
  REVOKED_KEY,
  type RoomKeys,
  roomKeys,
} from './redisKeys';
import type { RevokedToken } from './revocations';
import type {
  OpenedRoom,
  RoomHome,
  SharedRoom,
  SharedRooms,
  SharedRoomsContext,
  SharedRoomsFactory,
} from './sharedRooms';
import type { StoredUpdate } from './storage';
import { sleep, within } from './wait';

/** How long a reader blocks waiting for entries before it looks at its list of rooms again. */
const BLOCK_MS = 1000;
/**
 * While rooms this instance shares are busy, the reader cycles instead of waiting on each entry: once
 * every this many ms, one pipeline writes what this instance accepted meanwhile and reads what the
 * others wrote (one round trip and one wake-up for both, however many updates they carry). An update
 * then crosses instances within two cycles; a cycle that writes and reads nothing new returns the
 * reader to waiting (XREAD BLOCK), and the outbox to writing at once.
 */
export const DEFAULT_CYCLE_MS = 15;
/** Stream entries read at most per call. */
const READ_COUNT = 1000;
/** A compaction lease outlives a stalled compactor by at most this. */
const LEASE_MS = 10_000;
/** Entries a snapshot holds stay this long in the stream for readers a little behind. */
const RETENTION_MS = 60_000;
/**
 * A room's home (the instance it lives on) lapses this long after that instance last renewed it
 * (every heartbeat): a killed instance's rooms live nowhere again within this.
 */
export const HOME_TTL_MS = 3_000;

/** Whether a TCP connection can be made to `port` (1-65535). */
export function validPort(port: number): boolean {
  return Number.isInteger(port) && port > 0 && port < 65_536;
}

type StreamEntry = [Buffer, Buffer[]];
type StreamReply = [Buffer, StreamEntry[]][] | null;
/** READ_CHECKED's reply: per stream, {0, entries} or {1} (overtaken by a trim). */
type CheckedReply = ([0, StreamEntry[]] | [1])[];

interface Followed {
  readonly room: SharedRoom;
  readonly keys: RoomKeys;
  /** The last stream id applied (or skipped as this instance's own). */
  lastId: string;
}

function fieldsOf(raw: Buffer[]): Map<string, Buffer> {
  const fields = new Map<string, Buffer>();
  for (let i = 0; i + 1 < raw.length; i += 2) fields.set(raw[i].toString(), raw[i + 1]);
  return fields;
}

/** One field of a stream entry, without decoding the others. */
function fieldOf(raw: Buffer[], name: string): Buffer | undefined {
  for (let i = 0; i + 1 < raw.length; i += 2)
    if (raw[i].length === name.length && raw[i].toString() === name) return raw[i + 1];
  return undefined;
}

/** A room as Redis holds it: its snapshot, the id the snapshot reaches, and the stream after it. */
interface LoadedRoom {
  readonly state: Uint8Array;
  readonly upto: string;
  readonly entries: StreamEntry[];
}

/** A loaded room's snapshot, then its entries' updates in order, and the stream id they reach. */
function storedUpdates(loaded: LoadedRoom): { updates: Uint8Array[]; reaches: string } {
  const updates = [loaded.state];
  for (const [, raw] of loaded.entries) {
    const update = fieldOf(raw, 'u');
    if (update) updates.push(update);
  }
  return { updates, reaches: loaded.entries.at(-1)?.[0].toString() ?? loaded.upto };
}

/**
 * The longest a stopping instance waits on Redis for each of giving up its homes, quitting its
 * connections and its reader ending: a Redis that is connected but not answering (stopped, or its
 * replies dropped) must not keep the instance from stopping.
 */
const STOP_STEP_MS = 1000;

export interface RedisRoomsOptions {
  /** How long entries a snapshot holds stay in the stream (default a minute). */
  readonly retentionMs?: number;
  /** The cycle of busy shared rooms, in ms (DEFAULT_CYCLE_MS; `--redis-cycle`). */
  readonly cycleMs?: number;
}

/** `--redis <url>`: the factory the server calls at start. */
export function redisRooms(url: string, options: RedisRoomsOptions = {}): SharedRoomsFactory {
  return async (context) => {
    const rooms = new RedisRooms(
      url,
      context,
      options.retentionMs ?? RETENTION_MS,
      options.cycleMs ?? DEFAULT_CYCLE_MS,
    );
    await rooms.start();
    return rooms;
  };
}

export class RedisRooms implements SharedRooms {
  readonly instanceId = randomBytes(8).toString('hex');
  /** The instance id as stream entries carry it, to recognise this instance's own entries. */
  private readonly ownId = Buffer.from(this.instanceId);
  readonly kind = 'redis';
  /** The outbox counts an update stored when Redis has it (append only queues it). */
  readonly countsStoredUpdates = true;
  /** Commands, writes and snapshots. Fails fast while disconnected: the outbox retries. */
  private readonly commands: Redis;
  /** Blocking XREAD of every followed stream. */
  private readonly reader: Redis;
  private readonly presence: RedisPresence;
  private readonly followed = new Map<string, Followed>();
  private readonly outbox: RedisOutbox;
  private readonly compacting = new Map<string, Promise<void>>();
  private controlId = '0-0';
  private readerClientId: number | undefined;
  /** Set when the reader lost Redis: followed rooms check whether a snapshot overtook them. */
  private catchUpNeeded = false;
  private stopped = false;
  private readLoop: Promise<void> | undefined;
  /** Set by wakeReader: the reader must look at its rooms again before it waits. */
  private wakeRequested = false;
  /** Whether the reader cycles (rooms it shares are busy) rather than waits: see DEFAULT_CYCLE_MS. */
  private cycling = false;
  private lastCycleAt = 0;
  /** The heartbeat's read of the rooms only this instance serves, while it runs. */
  private quietRead: Promise<void> | undefined;
  /** The heartbeat's check for snapshots that overtook this instance's reading, while it runs. */
  private checking: Promise<void> | undefined;
  /** "<instance id> <host:port>" once advertise() gave the address: rooms loaded here live here. */
  private homeValue: string | undefined;
  /** Signs the client addresses of connections handed to another instance (CLUSTER_KEY). */
  private clusterKey: Buffer | undefined;
  /** The key this instance signed with before it took another from Redis: still accepted. */
  private previousClusterKey: Buffer | undefined;
  private lastLagSeconds = 0;
  private streamEntries = { total: 0, max: 0 };
  private readonly metrics: ServerMetrics;
  private readonly log: CollabLogger;
  private readonly reconnects = new Counter(
    'tandem_redis_reconnects_total',
    'Times a connection to Redis was re-established, by connection (commands, reader).',
  );
  private readonly cycles = new Counter(
    'tandem_redis_cycles_total',
    'Round trips that wrote what this instance accepted and read busy shared rooms together (see --redis-cycle).',
  );
  private readonly delivery = new Histogram(
    'tandem_redis_delivery_seconds',
    "Time from another instance's write of an update to Redis until this instance applied it.",
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
  );

  constructor(
    private readonly url: string,
    private readonly context: SharedRoomsContext,
    private readonly retentionMs = RETENTION_MS,
    private readonly cycleMs = DEFAULT_CYCLE_MS,
  ) {
    this.metrics = context.metrics;
    this.log = context.log;
    const options = {
      lazyConnect: true,
      // Reconnect quickly and forever: an instance without Redis keeps serving its own clients.
      retryStrategy: (times: number) => Math.min(50 * times, 1000),
      maxRetriesPerRequest: 1,
      connectionName: `tandem-${this.instanceId}`,
    };
    this.commands = new Redis(url, {
      ...options,
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
    });
    this.reader = new Redis(url, { ...options, maxRetriesPerRequest: null });
    this.presence = new RedisPresence(url, this.instanceId, this.commands, options, this.log);
    for (const [name, connection] of [
      ['commands', this.commands],
      ['reader', this.reader],
    ] as const) {
      connection.on('error', (error: Error) =>
        this.log({ level: 'warn', msg: 'redis error', connection: name, error: error.message }),
      );
      // The first 'ready' is the connection at start; every later one is a reconnection.
      let connectedBefore = false;
      connection.on('ready', () => {
        if (connectedBefore) this.reconnects.inc({ connection: name });
        connectedBefore = true;
      });
    }
    this.outbox = new RedisOutbox(this.commands, this.instanceId, this.metrics, this.log);
    this.commands.on('ready', () => this.outbox.reconnected());
    this.reader.on('close', () => {
      this.readerClientId = undefined;
      this.catchUpNeeded = true;
      // The reader waits for its connection now, not for its next cycle: what this instance accepts
      // goes to Redis at once meanwhile (the commands connection may well be up).
      this.setCycling(false);
    });
    this.metrics.addFamily(
      this.reconnects,
      this.cycles,
      this.delivery,
      new Gauge('tandem_redis_connected', 'Whether this instance reaches Redis now (1) or not (0).', () =>
        this.commands.status === 'ready' ? 1 : 0,
      ),
      new Gauge(
        'tandem_redis_outbox_updates',
        'Updates and revocations this instance accepted that wait to be written to Redis.',
        () => this.outbox.length,
      ),
      new Gauge(
        'tandem_redis_lag_seconds',
        "Age of the last stream entry from another instance when this instance applied it (Redis' clock).",
        () => this.lastLagSeconds,
      ),
      new Gauge(
        'tandem_redis_stream_entries',
        'Entries in the Redis streams of the rooms this instance has loaded (updated every second).',
        () => this.streamEntries.total,
      ),
      new Gauge(
        'tandem_redis_stream_entries_max',
        'Entries in the longest Redis stream of a room loaded here (updated every second).',
        () => this.streamEntries.max,
      ),
      new Gauge('tandem_redis_rooms_followed', 'Room streams this instance reads.', () => this.followed.size),
      new Gauge(
        'tandem_redis_rooms_shared',
        'Rooms loaded here that another instance serves now: their streams are waited on; the others are read once a heartbeat.',
        () => [...this.followed.values()].filter((entry) => this.presence.othersServe(entry.keys)).length,
      ),
    );
  }

  async start(): Promise<void> {
    try {
      await Promise.all([this.commands.connect(), this.reader.connect(), this.presence.connect()]);
    } catch (error) {
      await this.disconnectAll();
      // The URL may carry a password: it is not repeated in the message.
      throw new Error(
        `cannot reach Redis at ${this.url.replace(/\/\/[^@/]*@/, '//***@')}: ${(error as Error).message}`,
      );
    }
    // The first instance makes the key; every other reads that one.
    await this.commands.set(CLUSTER_KEY, randomBytes(32).toString('hex'), 'NX');
    const clusterKey = await this.commands.get(CLUSTER_KEY);
    if (!clusterKey) throw new Error(`Redis did not keep ${CLUSTER_KEY}`);
    this.clusterKey = Buffer.from(clusterKey, 'hex');
    this.presence.start(
      (entries) => this.measureStreams(entries),
      this.followedRooms(),
      () => {
        this.readQuietStreams();
        this.checkOvertaken();
        this.holdHomes();
        this.keepClusterKey();
      },
      () => this.wakeReader(),
    );
    this.readLoop = this.runReader();
    this.log({ level: 'info', msg: 'redis connected', instance: this.instanceId });
  }

  private followedRooms(): () => Iterable<{ room: SharedRoom; keys: RoomKeys }> {
    return () => this.followed.values();
  }

  private measureStreams(entries: number[]): void {
    this.streamEntries = { total: entries.reduce((a, b) => a + b, 0), max: Math.max(0, ...entries) };
  }

  async revocations(): Promise<RevokedToken[]> {
    const [hash, last] = (await this.commands
      .multi()
      .hgetall(REVOKED_KEY)
      .xrevrange(CONTROL_KEY, '+', '-', 'COUNT', 1)
      .exec()
      .then((replies) =>
        (replies ?? []).map(([error, value]) => {
          if (error) throw error;
          return value;
        }),
      )) as [Record<string, string>, [string, string[]][]];
    this.controlId = last[0]?.[0] ?? '0-0';
    const now = Date.now();
    const live: RevokedToken[] = [];
    const expired: string[] = [];
    for (const [id, text] of Object.entries(hash)) {
      const entry = JSON.parse(text) as RevokedToken;
      if (entry.exp <= now) expired.push(id);
      else live.push(entry);
    }
    if (expired.length > 0) await this.commands.hdel(REVOKED_KEY, ...expired);
    return live;
  }

  revoke(entry: RevokedToken): void {
    this.outbox.addRevocation(entry);
  }

  async open(room: SharedRoom, seed: () => Promise<Uint8Array>): Promise<OpenedRoom> {
    const keys = roomKeys(room.name);
    let loaded = await this.loadRoom(keys);
    let created = false;
    if (!loaded) {
      // Seeded into its own document: if another instance creates the room first, ours is discarded.
      const state = await seed();
      created = (await this.commands.hsetnx(keys.snapshot, 'state', Buffer.from(state))) === 1;
      loaded = created ? { state, upto: '0-0', entries: [] } : await this.loadRoom(keys);
      if (!loaded) throw new Error(`room "${room.name}" vanished from Redis while it was created`);
    }
    const { updates, reaches } = storedUpdates(loaded);
    Y.transact(room.doc, () => {
      for (const update of updates) Y.applyUpdate(room.doc, update);
    });
    const bytes = updates.reduce((sum, update) => sum + update.byteLength, 0);
    this.followed.set(room.name, { room, keys, lastId: reaches });
    this.holdHomes([keys]);
    this.presence.follow(room, keys);
    this.wakeReader();
    return { created, bytes, tail: loaded.entries.length };
  }

  private async loadRoom(keys: RoomKeys): Promise<LoadedRoom | undefined> {
    const reply = (await this.commands.callBuffer('EVAL', LOAD_ROOM, 2, keys.snapshot, keys.updates)) as
      [] | [Buffer, Buffer, StreamEntry[]];
    if (reply.length === 0) return undefined;
    return { state: reply[0], upto: reply[1].toString(), entries: reply[2] };
  }

  close(room: SharedRoom): void {
    const followed = this.followed.get(room.name);
    if (followed?.room !== room) return;
    this.followed.delete(room.name);
    this.presence.unfollow(room, followed.keys);
    this.releaseHomes([followed.keys]);
  }

  advertise(address: string): void {
    this.homeValue = `${this.instanceId} ${address}`;
    this.holdHomes();
  }

  async homeOf(room: string, claim = true): Promise<RoomHome | undefined> {
    const homeValue = this.homeValue;
    if (!homeValue || this.followed.has(room) || this.commands.status !== 'ready') return undefined;
    // A room that lives nowhere comes to live here (clients of a new room reaching several instances
    // at once end up on one of them), unless this instance cannot take it.
    const key = roomKeys(room).home;
    const holder = (await (
      claim ? this.commands.call('EVAL', HOLD_HOME, 1, key, homeValue, HOME_TTL_MS) : this.commands.get(key)
    ).catch(() => null)) as string | null;
    const match = holder ? /^(\S+) (.+):(\d{1,5})$/.exec(holder) : null;
    if (!match || match[1] === this.instanceId || !validPort(Number(match[3]))) return undefined;
    // This instance's own address under another id: a process that was here before this one (killed
    // and restarted on the same address). The room is served here, and lives here from now on.
    // (Unless this instance cannot take the room: then it is only never handed to itself.)
    if (`${match[2]}:${match[3]}` === homeValue.slice(homeValue.indexOf(' ') + 1)) {
      // (Not once this instance started leaving its homes, while Redis answered.)
      if (claim && this.homeValue === homeValue)
        await this.commands.set(key, homeValue, 'PX', HOME_TTL_MS).catch(() => undefined);
      return undefined;
    }
    return { instance: match[1], host: match[2].replace(/^\[(.*)\]$/, '$1'), port: Number(match[3]) };
  }

  forwardedFor(address: string, url: string): string {
    return `${address};${this.signForward(address, url)}`;
  }

  forwardedAddress(header: string, url: string): string | undefined {
    const split = header.lastIndexOf(';');
    if (split <= 0) return undefined;
    const address = header.slice(0, split);
    const given = Buffer.from(header.slice(split + 1), 'hex');
    const signedWith = (key: Buffer | undefined) => {
      if (!key) return false;
      const expected = Buffer.from(this.signForward(address, url, key), 'hex');
      return given.length === expected.length && timingSafeEqual(given, expected);
    };
    return signedWith(this.clusterKey) || signedWith(this.previousClusterKey) ? address : undefined;
  }

  private signForward(address: string, url: string, key = this.clusterKey): string {
    if (!key) throw new Error('not connected to Redis yet');
    return createHmac('sha256', key).update(`${address}\n${url}`).digest('hex');
  }

  /**
   * Every heartbeat: puts the key back if Redis lost it (restarted without its data, flushed), so an
   * instance started since signs with the key of those running; takes the one Redis holds if another
   * instance's landed first.
   */
  private keepClusterKey(): void {
    const current = this.clusterKey?.toString('hex');
    if (!current || this.commands.status !== 'ready') return;
    this.commands
      .set(CLUSTER_KEY, current, 'NX')
      .then(() => this.commands.get(CLUSTER_KEY))
      .then((held) => {
        if (!held || held === this.clusterKey?.toString('hex')) return;
        this.previousClusterKey = this.clusterKey;
        this.clusterKey = Buffer.from(held, 'hex');
        this.log({ level: 'warn', msg: 'cluster key replaced in Redis: signing with the new one' });
      })
      .catch(() => undefined);
  }

  /** The keys of every room loaded here. */
  private followedKeys(): RoomKeys[] {
    return [...this.followed.values()].map((entry) => entry.keys);
  }

  /**
   * Announces (or keeps announcing) that these rooms (by default every room loaded here) live on this
   * instance, where nobody else's do.
   */
  private holdHomes(keys: readonly RoomKeys[] = this.followedKeys()): void {
    if (!this.homeValue || keys.length === 0 || this.commands.status !== 'ready') return;
    const pipeline = this.commands.pipeline();
    for (const each of keys) pipeline.call('EVAL', HOLD_HOME, 1, each.home, this.homeValue, HOME_TTL_MS);
    pipeline.exec().catch(() => undefined);
  }

  /** These rooms no longer live here (unloaded, or this instance stops). */
  private releaseHomes(keys: readonly RoomKeys[], homeValue = this.homeValue): Promise<unknown> {
    if (!homeValue || keys.length === 0 || this.commands.status !== 'ready') return Promise.resolve();
    const pipeline = this.commands.pipeline();
    for (const each of keys) pipeline.call('EVAL', RELEASE_LEASE, 1, each.home, homeValue);
    return pipeline.exec().catch(() => undefined);
  }

  append(updates: readonly StoredUpdate[]): void {
    for (const { room, update } of updates) this.outbox.addUpdate(room, update);
  }

  compact(room: SharedRoom, encoded: Uint8Array): void {
    // The state and the id it reaches are taken together (the caller encoded the document in this
    // same turn): the state holds every entry up to lastId.
    const upto = this.followed.get(room.name)?.lastId ?? '0-0';
    const state = Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength);
    this.compactUnderLease(room, async () => ({ state, upto }));
  }

  compactFolding(room: SharedRoom, fold: (updates: Uint8Array[]) => Promise<Uint8Array>): void {
    this.compactUnderLease(room, async (keys) => {
      // The stored snapshot and the stream after it, folded on the worker: the snapshot holds every
      // entry up to the last one read here, whichever instance wrote it.
      const loaded = await this.loadRoom(keys);
      if (!loaded || loaded.entries.length === 0) return undefined;
      const { updates, reaches } = storedUpdates(loaded);
      const folded = await fold(updates);
      return { state: Buffer.from(folded.buffer, folded.byteOffset, folded.byteLength), upto: reaches };
    });
  }

  /**
   * Takes the room's compaction lease (no other instance folds it meanwhile) and stores the snapshot
   * `snapshot` makes, trimming the stream of what it holds; without the lease, or with nothing to
   * fold, nothing is done (and a lease taken is let go: held, it would keep every instance from
   * folding the room's next updates for LEASE_MS).
   */
  private compactUnderLease(
    room: SharedRoom,
    snapshot: (keys: RoomKeys) => Promise<{ state: Buffer; upto: string } | undefined>,
  ): void {
    const followed = this.followed.get(room.name);
    if (!followed || followed.room !== room || this.compacting.has(room.name)) return;
    const { keys } = followed;
    const run = (async () => {
      const lease = await this.commands.set(keys.lease, this.instanceId, 'PX', LEASE_MS, 'NX');
      if (lease !== 'OK') return;
      let made: { state: Buffer; upto: string } | undefined;
      try {
        made = await snapshot(keys);
      } finally {
        if (!made)
          await this.commands
            .call('EVAL', RELEASE_LEASE, 1, keys.lease, this.instanceId)
            .catch(() => undefined);
      }
      if (!made) return;
      // EVAL through call(), as LOAD_ROOM is: a Redis Lua script, nothing evaluated in this process.
      const outcome = await this.commands.call(
        'EVAL',
        COMPACT_ROOM,
        3,
        keys.snapshot,
        keys.updates,
        keys.lease,
        this.instanceId,
        made.state,
        made.upto,
        this.retentionMs,
      );
      if (outcome === 1) this.metrics.compactions.inc();
      else if (outcome === -1)
        this.log({
          level: 'warn',
          msg: 'compaction dropped: its lease lapsed while it folded',
          room: room.name,
        });
    })()
      .catch((error: Error) => {
        // The stream still holds everything; the next trigger tries again.
        this.metrics.storageErrors.inc();
        this.log({ level: 'warn', msg: 'compaction failed', room: room.name, error: error.message });
      })
      .finally(() => this.compacting.delete(room.name));
    this.compacting.set(room.name, run);
  }

  publishAwareness(room: SharedRoom, clientIds: readonly number[]): void {
    const followed = this.followed.get(room.name);
    if (followed?.room === room) this.presence.publish(room, followed.keys, clientIds);
  }

  /** Interrupts the reader's blocking XREAD so it picks up a room it was not reading. */
  private wakeReader(): void {
    this.wakeRequested = true;
    if (this.readerClientId === undefined || this.commands.status !== 'ready') return;
    this.commands.client('UNBLOCK', this.readerClientId).catch(() => undefined);
  }

  private async runReader(): Promise<void> {
    while (!this.stopped) {
      try {
        this.readerClientId ??= (await this.reader.client('ID')) as number;
        if (this.catchUpNeeded) await this.catchUp();
        this.wakeRequested = false;
        // Rooms only this instance serves are read once a heartbeat (readQuietStreams), not here.
        const streams = [...this.followed.values()].filter((entry) => this.presence.othersServe(entry.keys));
        if (this.cycling) {
          const wait = this.lastCycleAt + this.cycleMs - performance.now();
          if (wait > 0) await sleep(wait);
          this.lastCycleAt = performance.now();
          if (!(await this.cycle(streams)) && !this.catchUpNeeded) this.setCycling(false);
          continue;
        }
        // What is there already comes through the checked read (no trim can slip past it); only
        // when nothing is does the reader wait, for entries newer than that read.
        const read = await this.readChecked(this.reader, streams, true);
        if (this.catchUpNeeded) continue;
        if (read.entries > 0) {
          this.setCycling(true);
          continue;
        }
        // Woken while it read (a room taken in, say): the set of rooms is made anew, not waited on.
        if (this.wakeRequested) continue;
        const keys = [CONTROL_KEY, ...streams.map((entry) => entry.keys.updates)];
        const ids = [this.controlId, ...streams.map((entry) => entry.lastId)];
        const reply = (await this.reader.callBuffer(
          'XREAD',
          'COUNT',
          READ_COUNT,
          'BLOCK',
          BLOCK_MS,
          'STREAMS',
          ...keys,
          ...ids,
        )) as StreamReply;
        if (reply) {
          this.deliver(reply, streams);
          this.setCycling(true);
        }
      } catch (error) {
        if (this.stopped) break;
        this.catchUpNeeded = true;
        this.setCycling(false);
        this.log({ level: 'debug', msg: 'redis read failed', error: String(error) });
        await sleep(RETRY_MS);
      }
    }
  }

  private setCycling(cycling: boolean): void {
    if (cycling === this.cycling) return;
    this.cycling = cycling;
    if (cycling) this.lastCycleAt = performance.now();
    this.outbox.pace(cycling);
  }

  /**
   * One cycle: what the outbox holds and the checked read of the shared rooms (and the control
   * stream) in one pipeline. True when it wrote something or brought another instance's entries.
   */
  private async cycle(streams: Followed[]): Promise<boolean> {
    const pipeline = this.commands.pipeline();
    const written = this.outbox.takeInto(pipeline);
    const read = this.checkedRead(streams, true, READ_COUNT);
    if (read) pipeline.callBuffer('EVAL', ...read.args);
    let replies: [Error | null, unknown][];
    try {
      const result = await pipeline.exec();
      if (!result) throw new Error('pipeline not run');
      replies = result;
    } catch (error) {
      written.settle(error as Error);
      throw error;
    }
    written.settle(replies);
    this.cycles.inc();
    if (!read || this.stopped) return written.commands > 0;
    const [error, answer] = replies[written.commands] ?? [new Error('no reply to the read')];
    if (error) throw error;
    const taken = this.takeChecked(answer as CheckedReply, read.pairs, streams, this.commands);
    return written.commands > 0 || taken.fromOthers > 0;
  }

  /**
   * Reads the streams of rooms no other instance serves (now): they hold this instance's own entries,
   * unless another began writing before its first beat arrived, which this read then brings within a
   * heartbeat. Also keeps their last id current, so a compaction's snapshot claims what it holds.
   */
  private readQuietStreams(): void {
    if (this.stopped || this.quietRead || this.commands.status !== 'ready') return;
    const streams = [...this.followed.values()].filter((entry) => !this.presence.othersServe(entry.keys));
    if (streams.length === 0) return;
    this.quietRead = this.readChecked(this.commands, streams)
      .then(() => undefined)
      .catch((error: Error) => this.log({ level: 'debug', msg: 'redis read failed', error: String(error) }))
      .finally(() => (this.quietRead = undefined));
  }

  /**
   * Reads streams without waiting, checking in the same script that no entry after what was read
   * has been trimmed (see READ_CHECKED): a room read seldom, or after a pause, may be behind a
   * compaction's trim. Such a room makes the reader catch up from its snapshot first.
   */
  private async readChecked(
    connection: Redis,
    streams: Followed[],
    control = false,
    count = READ_COUNT,
  ): Promise<{ entries: number; fromOthers: number }> {
    const read = this.checkedRead(streams, control, count);
    if (!read) return { entries: 0, fromOthers: 0 };
    const reply = (await connection.callBuffer('EVAL', ...read.args)) as CheckedReply;
    return this.takeChecked(reply, read.pairs, streams, connection);
  }

  /** READ_CHECKED's arguments for these streams (and the control stream), or nothing to read. */
  private checkedRead(
    streams: Followed[],
    control: boolean,
    count: number,
  ): { pairs: string[][]; args: (string | number)[] } | undefined {
    // The control stream (revocations) has no snapshot: a key that never exists stands in for one.
    const pairs = [
      ...(control ? [[CONTROL_NO_SNAPSHOT, CONTROL_KEY, this.controlId]] : []),
      ...streams.map((entry) => [entry.keys.snapshot, entry.keys.updates, entry.lastId]),
    ];
    if (pairs.length === 0) return undefined;
    return {
      pairs,
      args: [
        READ_CHECKED,
        pairs.length * 2,
        ...pairs.flatMap(([snapshot, updates]) => [snapshot, updates]),
        ...pairs.map(([, , lastId]) => lastId),
        count,
      ],
    };
  }

  /** Delivers a READ_CHECKED reply; a room overtaken by a trim makes the reader catch up first. */
  private takeChecked(
    reply: CheckedReply,
    pairs: string[][],
    streams: Followed[],
    connection: Redis,
  ): { entries: number; fromOthers: number } {
    if (this.stopped) return { entries: 0, fromOthers: 0 };
    const entries: [Buffer, StreamEntry[]][] = [];
    let count = 0;
    reply.forEach((answer, i) => {
      if (answer[0] === 1) this.catchUpNeeded = true;
      else if (answer[1].length > 0) {
        entries.push([Buffer.from(pairs[i][1]), answer[1]]);
        count += answer[1].length;
      }
    });
    const fromOthers = entries.length > 0 ? this.deliver(entries, streams) : 0;
    if (this.catchUpNeeded && connection !== this.reader) this.wakeReader();
    return { entries: count, fromOthers };
  }

  /**
   * Once a heartbeat, for the rooms the blocking reader serves (readQuietStreams checks the others):
   * a room whose stream lost an entry after what this instance has read (a compaction trimmed it
   * first: this instance fell behind by more than the retention) makes the reader merge the room's
   * snapshot, which holds it, and the tail after it (catchUp).
   */
  private checkOvertaken(): void {
    if (this.stopped || this.checking || this.catchUpNeeded || this.commands.status !== 'ready') return;
    const rooms = [...this.followed.values()].filter((entry) => this.presence.othersServe(entry.keys));
    // The checked read with no entries asked for: only whether a trim passed what was read.
    this.checking = this.readChecked(this.commands, rooms, false, 0)
      .then(() => undefined)
      .catch(() => undefined)
      .finally(() => (this.checking = undefined));
  }

  /** Applies what a read brought; returns how many entries came from other instances. */
  private deliver(reply: [Buffer, StreamEntry[]][], streams: Followed[]): number {
    const byKey = new Map(streams.map((entry) => [entry.keys.updates, entry]));
    const now = Date.now();
    let fromOthers = 0;
    for (const [keyBuffer, entries] of reply) {
      const key = keyBuffer.toString();
      if (key === CONTROL_KEY) {
        for (const [id, raw] of entries) {
          this.controlId = id.toString();
          fromOthers++;
          const fields = fieldsOf(raw);
          if (fields.get('k')?.toString() === 'revoke')
            this.context.onRevoked(JSON.parse(fields.get('e')?.toString() ?? '{}') as RevokedToken);
        }
        continue;
      }
      const followed = byKey.get(key);
      // A room closed (or reopened) while the read was in flight: its new reader starts afresh.
      if (!followed || this.followed.get(followed.room.name) !== followed) continue;
      const updates: Uint8Array[] = [];
      // Two reads of one stream may overlap (the room's readers changed between them): what the
      // other already applied is skipped. Entries come in order, so only a first few can be.
      let fresh = false;
      for (const [idBuffer, raw] of entries) {
        const id = idBuffer.toString();
        if (!fresh && compareStreamIds(id, followed.lastId) <= 0) continue;
        fresh = true;
        followed.lastId = id;
        // This instance's own entry: skipped on its instance id alone (it applied those updates).
        if (fieldOf(raw, 'i')?.equals(this.ownId)) continue;
        const update = fieldOf(raw, 'u');
        if (!update) continue;
        const lag = Math.max(0, now - Number(id.slice(0, id.indexOf('-')))) / 1000;
        this.lastLagSeconds = lag;
        this.delivery.observe(lag);
        updates.push(update);
      }
      fromOthers += updates.length;
      // One transaction: the room relays what they bring as one message.
      if (updates.length > 0) followed.room.applyRemote(updates);
    }
    return fromOthers;
  }

  /**
   * After losing Redis: a room whose snapshot now reaches past what this instance read may have lost
   * entries to trimming, so it merges the snapshot and the tail after it.
   */
  private async catchUp(): Promise<void> {
    for (const followed of [...this.followed.values()]) {
      const upto = await this.reader.hget(followed.keys.snapshot, 'upto');
      if (!upto || compareStreamIds(upto, followed.lastId) <= 0) continue;
      const loaded = await this.loadRoom(followed.keys);
      if (!loaded || this.followed.get(followed.room.name) !== followed) continue;
      const { updates, reaches } = storedUpdates(loaded);
      followed.lastId = reaches;
      followed.room.applyRemote(updates);
      this.log({ level: 'info', msg: 'room caught up from its snapshot', room: followed.room.name });
    }
    this.catchUpNeeded = false;
  }

  async leaveHomes(): Promise<void> {
    // No room comes to live here from now on, even while Redis has not answered yet.
    const homeValue = this.homeValue;
    this.homeValue = undefined;
    await this.releaseHomes(this.followedKeys(), homeValue);
  }

  async shutdown(): Promise<void> {
    // Its rooms live nowhere now: their clients, reconnecting, are served where they land.
    await within(this.leaveHomes(), STOP_STEP_MS);
    // What this instance accepted goes to Redis first (for a few seconds at most if Redis is away).
    await this.outbox.drain(3000);
    await within(Promise.allSettled([...this.compacting.values()]), 3000);
    this.stopped = true;
    this.presence.stop();
    await this.disconnectAll();
    await within(this.readLoop, STOP_STEP_MS);
  }

  private async disconnectAll(): Promise<void> {
    this.reader.disconnect();
    // QUIT waits for Redis' answer; without one the connection is dropped all the same.
    await within(Promise.allSettled([this.commands.quit(), this.presence.disconnect()]), STOP_STEP_MS);
    this.commands.disconnect();
  }
}
