// The collaboration server: HTTP for /healthz and /metrics, WebSocket upgrades for rooms. Admission
// (token, room, capacity) is decided before the upgrade is answered, so a refused client gets its
// close code without a single byte of document data.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import * as http from 'node:http';
import { type AddressInfo, connect as connectTcp, type Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import { ClientConnection, CloseCode, type ConnectionIdentity } from './connection';
import { type CollabLimits, resolveLimits } from './limits';
import { type CollabLogger, silentLogger } from './log';
import { Counter, Gauge, ServerMetrics } from './metrics';
import { Room, type RoomSeeder } from './room';
import { type RevokedToken, Revocations, tokenId } from './revocations';
import { FORWARDED_HEADER, type RoomHome, type SharedRooms, type SharedRoomsFactory } from './sharedRooms';
import { Compactor, findCompactorScript } from './compactor';
import { MemoryRoomStore, type RoomStore } from './storage';
import type { Durability } from './sqliteStore';
import { UpdateBatch } from './updateBatch';
import { sleep, within } from './wait';
import { type CollabRole, MAX_ROOM_NAME_LENGTH, signToken, verifyToken } from './token';

export interface CollabServerOptions {
  /** Interface to listen on; loopback unless told otherwise. */
  host?: string;
  /** Port; 0 picks a free one (see `port` on the result). */
  port?: number;
  /** HMAC secret for room tokens; a random one when absent (tokens then come from `createToken`). */
  secret?: string;
  /** False admits every connection as read-write without a token. Default true. */
  auth?: boolean;
  /** Directory of the SQLite store; rooms stay in memory when absent. */
  dataDir?: string;
  limits?: Partial<CollabLimits>;
  /** Receives structured log records; silent by default. */
  logger?: CollabLogger;
  /** Fills a room's document the first time the room is created (never again for that store). */
  seedRoom?: RoomSeeder;
  /** How hard SQLite pushes each commit to disk (with `dataDir`); see Durability. Default 'normal'. */
  durability?: Durability;
  /** Updates are stored in one commit at most this long after they were relayed. Default 5 ms. */
  commitWindowMs?: number;
  /**
   * Behind one reverse proxy (e.g. TLS termination): per-address limits use the address the proxy
   * appended last to X-Forwarded-For instead of the proxy's own. Off by default (spoofable otherwise).
   */
  trustProxy?: boolean;
  /** When set, /metrics answers only requests with `Authorization: Bearer <metricsToken>`. */
  metricsToken?: string;
  /** Stored rooms not loaded or written for this long are deleted (checked hourly). Off by default. */
  deleteIdleAfterMs?: number;
  /**
   * Several instances serving the same rooms (e.g. `redisRooms(url)` from redisRooms.ts): the rooms'
   * durable copy, updates, presence and revocations are then shared through it instead of `dataDir`.
   * Passed as a factory so the embedded server (the extension bundle) never carries a Redis client.
   */
  sharedRooms?: SharedRoomsFactory;
  /**
   * The compaction worker's script (dist/compactor.js): rooms fold their logs into snapshots on a
   * worker thread. Found beside the bundle by default; false folds on the event loop.
   */
  compactorScript?: string | false;
  /**
   * With `sharedRooms`: this instance's address as the other instances reach it (`host:port`). A room
   * then lives on the instance that loaded it first, and a connection for it reaching another
   * instance is handed to that one (its bytes passed through), so one process serves each room.
   * Default: the listening host and port when the host is one address (not 0.0.0.0 or ::); false:
   * never (every instance serves the rooms its clients ask for, sharing them through Redis).
   */
  advertise?: string | false;
}

export interface CreateTokenOptions {
  room: string;
  role: CollabRole;
  name?: string;
  /** Lifetime of the token; default 24 hours. */
  ttlMs?: number;
}

export interface CollabServer {
  /** `ws://host:port`: give it to a y-websocket `WebsocketProvider` as the server URL. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly limits: Readonly<CollabLimits>;
  readonly metrics: ServerMetrics;
  /** Signs a token for this server's secret. Throws when the server runs without auth. */
  createToken(options: CreateTokenOptions): string;
  /** Names of the rooms in memory now. */
  loadedRooms(): string[];
  /** Connections admitted and still open. */
  connectionCount(): number;
  /** Stops accepting, closes every connection with 1001, stores every room, closes the store. */
  close(): Promise<void>;
}

const DAY_MS = 86_400_000;
/** How long closing connections get to finish the close handshake at shutdown. */
const SHUTDOWN_GRACE_MS = 2000;
/** How long a refused connection may linger before it is dropped. */
const REFUSED_GRACE_MS = 1000;
/** How often stored rooms are checked for idle deletion. */
const IDLE_SWEEP_MS = 3_600_000;

/** How long an instance waits to reach the one a room lives on before serving the room itself. */
const HAND_OVER_CONNECT_MS = 1000;
/** How long a stopping instance waits for Redis to take its rooms' homes back before it goes on. */
const LEAVE_HOMES_MS = 1000;

/** The client's address: the socket's peer, or behind a trusted proxy the last X-Forwarded-For hop. */
export function clientAddress(request: http.IncomingMessage, trustProxy: boolean): string {
  const peer = request.socket.remoteAddress ?? 'unknown';
  if (!trustProxy) return peer;
  const header = request.headers['x-forwarded-for'];
  const value = Array.isArray(header) ? header.join(',') : header;
  // The proxy appends the address it saw: earlier entries are whatever the client claimed.
  const last = value
    ?.split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .at(-1);
  return last ?? peer;
}

/** Compares a presented bearer token with the configured one without leaking where they differ. */
function bearerMatches(header: string | undefined, expected: string): boolean {
  const presented = /^Bearer (.+)$/.exec(header ?? '')?.[1] ?? '';
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

type Admission =
  | {
      readonly ok: true;
      readonly room: string;
      readonly identity: ConnectionIdentity;
      /** Another instance handed this connection here (its signed header says so): it is served here. */
      readonly handedIn: boolean;
      /** Admitted only to be handed over: the room limits here would refuse to serve it here. */
      readonly notHere?: boolean;
    }
  | { readonly ok: false; readonly code: number; readonly reason: string; readonly metric: string };

export async function startCollabServer(options: CollabServerOptions = {}): Promise<CollabServer> {
  const host = options.host ?? '127.0.0.1';
  const auth = options.auth ?? true;
  // The embedded server signs its own tokens: a fresh random secret per server (per session) is right.
  const secret = options.secret ?? randomBytes(32).toString('base64url');
  if (auth && secret.length === 0) throw new Error('the token secret must not be empty');
  const limits = resolveLimits(options.limits);
  const log = options.logger ?? silentLogger;
  if (options.sharedRooms && options.dataDir)
    throw new Error('--redis and --data exclude each other: with Redis, Redis holds the rooms');
  if (options.sharedRooms && options.deleteIdleAfterMs !== undefined)
    throw new Error('--delete-idle-after needs --data; with --redis, expire idle rooms in Redis');
  let store: RoomStore;
  if (options.dataDir) {
    // Required here, not imported: better-sqlite3 is native and only the standalone server needs it.
    const { SqliteRoomStore } = require('./sqliteStore') as typeof import('./sqliteStore');
    store = new SqliteRoomStore(options.dataDir, options.durability);
  } else {
    store = new MemoryRoomStore();
  }

  // Read before listening: a damaged list stops the server rather than re-admitting removed people.
  const revocations = new Revocations(options.dataDir);
  const rooms = new Map<string, Room>();
  const connections = new Set<ClientConnection>();
  /** Client sockets this instance passes through to the instance their room lives on. */
  const handedOver = new Set<Socket>();
  /**
   * Client sockets admitted but not yet served here nor handed over (asking Redis where their room
   * lives, or reaching its home): they count against the connection limit like the others.
   */
  const onTheirWay = new Set<Socket>();
  const roomsByAddress = new Map<string, Map<string, number>>();
  const metrics = new ServerMetrics({ connections: () => connections.size, roomsLoaded: () => rooms.size });
  const handOvers = new Counter(
    'tandem_connections_handed_over_total',
    'Connections passed through to the instance their room lives on (with --redis).',
  );
  metrics.addFamily(
    handOvers,
    new Gauge(
      'tandem_connections_handed_over',
      'Connections this instance passes through to the instance their room lives on, now.',
      () => handedOver.size,
    ),
  );
  const startedAt = Date.now();
  let closing = false;

  /** A revocation made on any instance: the token is refused from now on and its connections go. */
  function revoked(entry: RevokedToken): void {
    revocations.record(entry);
    for (const connection of connections)
      if (connection.identity.token !== undefined && tokenId(connection.identity.token) === entry.id)
        connection.close(CloseCode.forbidden, 'removed from the session by the host');
  }
  let shared: SharedRooms | undefined;
  if (options.sharedRooms) {
    shared = await options.sharedRooms({ metrics, log, onRevoked: revoked });
    try {
      for (const entry of await shared.revocations()) revocations.record(entry);
    } catch (error) {
      await shared.shutdown();
      throw new Error(`reading the revoked tokens from Redis failed: ${(error as Error).message}`);
    }
  }
  const storage = shared ? shared.kind : store.durable ? 'sqlite' : 'memory';

  // Rooms fold their stored logs (SQLite, memory or Redis) on a worker thread, started on first use.
  const compactorScript =
    options.compactorScript === false ? undefined : (options.compactorScript ?? findCompactorScript());
  let compactor: Compactor | undefined;
  metrics.addFamily(
    new Gauge(
      'tandem_compactions_folding',
      'Compactions folding on the worker thread now.',
      () => compactor?.pending ?? 0,
    ),
  );

  // With other instances the store only queues for Redis (the outbox times its writes: see
  // redisRooms.ts), so what a turn accepted goes to it in that turn: no commit window, no timer.
  const batch = new UpdateBatch(shared ?? store, metrics, options.commitWindowMs ?? (shared ? 0 : undefined));
  const roomContext = {
    store,
    batch,
    limits,
    metrics,
    log,
    seedRoom: options.seedRoom,
    shared,
    compactor: () =>
      compactorScript && !closing ? (compactor ??= new Compactor(compactorScript)) : undefined,
    onGone: (room: Room) => {
      if (rooms.get(room.name) === room) rooms.delete(room.name);
    },
  };

  /**
   * Whether the request may connect (`final` false: before its room's home is asked, when it may yet
   * be handed to another instance).
   */
  function admit(request: http.IncomingMessage, final: boolean): Admission {
    const url = new URL(request.url ?? '/', 'http://localhost');
    let room: string;
    try {
      room = decodeURIComponent(url.pathname.slice(1));
    } catch {
      return {
        ok: false,
        code: CloseCode.badRequest,
        reason: 'room name is not valid URL encoding',
        metric: 'bad_room',
      };
    }
    if (room.length === 0 || room.length > MAX_ROOM_NAME_LENGTH)
      return {
        ok: false,
        code: CloseCode.badRequest,
        reason: `the URL path must name a room (1-${MAX_ROOM_NAME_LENGTH} characters)`,
        metric: 'bad_room',
      };
    // A connection another instance handed over: the client's address as that instance signed it.
    const forwarded = request.headers[FORWARDED_HEADER];
    const forwardedFrom =
      typeof forwarded === 'string' ? shared?.forwardedAddress?.(forwarded, request.url ?? '') : undefined;
    const address = forwardedFrom || clientAddress(request, options.trustProxy ?? false);
    let identity: ConnectionIdentity = { role: 'rw', name: '', expiresAt: Infinity, address };
    if (auth) {
      const token = url.searchParams.get('token');
      const check = verifyToken(secret, token);
      if (!check.ok) {
        const reason = {
          missing: 'a token is required (token query parameter)',
          malformed: 'the token is malformed',
          forged: 'the token signature is invalid',
          expired: 'the token has expired',
        }[check.reason];
        return { ok: false, code: CloseCode.unauthorized, reason, metric: `${check.reason}_token` };
      }
      if (check.claims.room !== room)
        return {
          ok: false,
          code: CloseCode.forbidden,
          reason: 'the token is for another room',
          metric: 'wrong_room',
        };
      if (revocations.has(token as string))
        return {
          ok: false,
          code: CloseCode.forbidden,
          reason: 'this invitation was revoked: the host removed you from the session',
          metric: 'revoked_token',
        };
      identity = {
        role: check.claims.role,
        name: check.claims.name,
        expiresAt: check.claims.exp,
        address,
        token: token as string,
      };
    }
    const capacity = (reason: string): Admission => ({
      ok: false,
      code: CloseCode.tryAgainLater,
      reason,
      metric: 'capacity',
    });
    if (connections.size + handedOver.size + onTheirWay.size >= limits.maxConnections)
      return capacity('server is at its connection limit');
    const existing = rooms.get(room);
    // A room not loaded here may live on another instance: the room limits here count it only if it
    // is served here after all (serveAfterAll admits it again), not when it is handed over.
    const mayGoElsewhere = !final && !forwardedFrom && shared?.homeOf !== undefined && !existing;
    const open = roomsByAddress.get(address);
    const roomRefusal =
      !existing && rooms.size >= limits.maxRooms
        ? 'server is at its room limit'
        : existing && existing.members.size >= limits.maxConnectionsPerRoom
          ? 'room is full'
          : open && !open.has(room) && open.size >= limits.maxRoomsPerAddress
            ? 'too many rooms open from this address'
            : undefined;
    if (roomRefusal && !mayGoElsewhere) return capacity(roomRefusal);
    return { ok: true, room, identity, handedIn: Boolean(forwardedFrom), notHere: Boolean(roomRefusal) };
  }

  function trackAddress(address: string, room: string, delta: 1 | -1): void {
    const open = roomsByAddress.get(address) ?? new Map<string, number>();
    const count = (open.get(room) ?? 0) + delta;
    if (count > 0) open.set(room, count);
    else open.delete(room);
    if (open.size > 0) roomsByAddress.set(address, open);
    else roomsByAddress.delete(address);
  }

  function roomFor(name: string): Room {
    let room = rooms.get(name);
    if (!room) {
      room = new Room(name, roomContext);
      rooms.set(name, room);
    }
    return room;
  }

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: limits.maxMessageBytes,
    perMessageDeflate: false,
    clientTracking: false,
  });

  const httpServer = http.createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response
        .writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' })
        .end('method not allowed\n');
    } else if (path === '/healthz') {
      const body = {
        status: closing ? 'shutting_down' : 'ok',
        rooms: rooms.size,
        connections: connections.size,
        uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
        storage,
        ...(shared && { instance: shared.instanceId }),
      };
      response
        .writeHead(closing ? 503 : 200, { 'content-type': 'application/json' })
        .end(JSON.stringify(body));
    } else if (
      path === '/metrics' &&
      options.metricsToken &&
      !bearerMatches(request.headers.authorization, options.metricsToken)
    ) {
      response
        .writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer realm="metrics"' })
        .end("metrics need Authorization: Bearer <the server's metrics token>\n");
    } else if (path === '/metrics') {
      response
        .writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' })
        .end(metrics.render());
    } else {
      response
        .writeHead(404, { 'content-type': 'text/plain' })
        .end(
          'Tandem collaboration server: connect a y-websocket client to ws://<host>/<room>?token=<token>\n',
        );
    }
  });
  httpServer.headersTimeout = 10_000;
  httpServer.requestTimeout = 30_000;

  httpServer.on('upgrade', (request: http.IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => undefined);
    if (closing) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
      return;
    }
    const admission = admit(request, false);
    // A room loaded on another instance: the connection goes there, unless that one cannot be reached
    // (or it comes from another instance already: it is never handed on twice).
    if (admission.ok && !admission.handedIn && shared?.homeOf && !rooms.has(admission.room)) {
      onTheirWay.add(socket);
      // A room living nowhere comes to live here only if this instance can take it.
      const asked = shared.homeOf(admission.room, !admission.notHere);
      void asked
        .then(
          (home) => {
            if (home && !closing && !socket.destroyed) handOver(request, socket, head, admission, home);
            else serveAfterAll(request, socket, head);
          },
          () => serveAfterAll(request, socket, head),
        )
        .catch((error: Error) => {
          // Whatever went wrong, the connection ends (the client retries) and the server goes on.
          onTheirWay.delete(socket);
          socket.destroy();
          log({ level: 'error', msg: 'connection failed on its way', error: error.message });
        });
      return;
    }
    serveHere(request, socket, head, admission);
  });

  /**
   * Serves here a connection that waited to be handed over: admitted again, as the rooms, connections
   * and addresses counted here may have changed while it waited (many arriving at once all passed the
   * first admission).
   */
  function serveAfterAll(request: http.IncomingMessage, socket: Socket, head: Buffer): void {
    onTheirWay.delete(socket);
    serveHere(request, socket, head, admit(request, true));
  }

  /**
   * Passes the connection's bytes to the instance the room lives on, which serves it as its own
   * client (the client's address goes with it, signed). If that instance cannot be reached within
   * HAND_OVER_CONNECT_MS, this one serves the room itself (shared with it through Redis).
   */
  function handOver(
    request: http.IncomingMessage,
    socket: Socket,
    head: Buffer,
    admission: Admission & { ok: true },
    home: RoomHome,
  ): void {
    const upstream = connectTcp({ host: home.host, port: home.port });
    let connected = false;
    const timer = setTimeout(() => upstream.destroy(new Error('timed out')), HAND_OVER_CONNECT_MS);
    upstream.on('error', (error) => {
      if (connected) return;
      clearTimeout(timer);
      log({ level: 'warn', msg: 'room home unreachable', room: admission.room, error: error.message });
      if (closing || socket.destroyed) {
        onTheirWay.delete(socket);
        socket.destroy();
      } else serveAfterAll(request, socket, head);
    });
    upstream.once('connect', () => {
      connected = true;
      clearTimeout(timer);
      onTheirWay.delete(socket);
      if (closing || socket.destroyed) {
        upstream.destroy();
        socket.destroy();
        return;
      }
      upstream.setNoDelay(true);
      socket.setNoDelay(true);
      const lines = [`${request.method ?? 'GET'} ${request.url ?? '/'} HTTP/1.1`];
      for (let i = 0; i + 1 < request.rawHeaders.length; i += 2)
        if (request.rawHeaders[i].toLowerCase() !== FORWARDED_HEADER)
          lines.push(`${request.rawHeaders[i]}: ${request.rawHeaders[i + 1]}`);
      lines.push(
        `${FORWARDED_HEADER}: ${shared!.forwardedFor!(admission.identity.address, request.url ?? '')}`,
      );
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) upstream.write(head);
      socket.pipe(upstream);
      upstream.pipe(socket);
      handedOver.add(socket);
      handOvers.inc();
      const done = () => {
        handedOver.delete(socket);
        socket.destroy();
        upstream.destroy();
      };
      socket.once('close', done);
      upstream.once('close', done);
      upstream.on('error', () => undefined);
      log({ level: 'info', msg: 'connection handed over', room: admission.room, to: home.instance });
    });
  }

  function serveHere(
    request: http.IncomingMessage,
    socket: Socket,
    head: Buffer,
    admission: Admission,
  ): void {
    wss.handleUpgrade(request, socket, head, (ws) => {
      if (!admission.ok) {
        metrics.connectionsRefused.inc({ reason: admission.metric });
        log({ level: 'info', msg: 'connection refused', reason: admission.metric, code: admission.code });
        ws.on('error', () => undefined);
        ws.close(admission.code, admission.reason);
        // Nothing it sends is read; it gets a moment to take the close frame, then it is cut off.
        setTimeout(() => ws.terminate(), REFUSED_GRACE_MS).unref();
        return;
      }
      if (closing) {
        ws.close(CloseCode.goingAway, 'server shutting down');
        return;
      }
      const { room: roomName, identity } = admission;
      const room = roomFor(roomName);
      trackAddress(identity.address, roomName, 1);
      const connection = new ClientConnection(ws, room, identity, {
        limits,
        metrics,
        log,
        onClosed: (closed) => {
          connections.delete(closed);
          trackAddress(identity.address, roomName, -1);
        },
        revoke: (token, removed) => {
          const entry = revocations.add(token, {
            room: roomName,
            name: removed.name,
            exp: removed.expiresAt,
          });
          shared?.revoke(entry);
        },
      });
      connections.add(connection);
      metrics.connectionsAccepted.inc();
      log({
        level: 'info',
        msg: 'connection accepted',
        room: roomName,
        role: identity.role,
        name: identity.name,
      });
    });
  }

  const heartbeat = setInterval(() => {
    for (const connection of connections) connection.heartbeat();
  }, limits.heartbeatMs);
  heartbeat.unref();

  /** Deletes stored rooms idle past deleteIdleAfterMs (never one in memory now). */
  function deleteIdleRooms(): void {
    const idleFor = options.deleteIdleAfterMs;
    if (idleFor === undefined) return;
    const before = Date.now() - idleFor;
    for (const info of store.list()) {
      if (info.usedAt >= before || rooms.has(info.name)) continue;
      store.delete(info.name);
      metrics.roomsDeleted.inc();
      log({
        level: 'info',
        msg: 'idle room deleted',
        room: info.name,
        usedAt: new Date(info.usedAt).toISOString(),
      });
    }
  }
  let idleSweep: NodeJS.Timeout | undefined;
  if (options.deleteIdleAfterMs !== undefined) {
    deleteIdleRooms();
    idleSweep = setInterval(deleteIdleRooms, Math.min(IDLE_SWEEP_MS, options.deleteIdleAfterMs));
    idleSweep.unref();
  }

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port ?? 0, host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  }).catch(async (error: Error & { code?: string }) => {
    clearInterval(heartbeat);
    clearInterval(idleSweep);
    store.close();
    await shared?.shutdown();
    if (error.code === 'EADDRINUSE')
      throw new Error(`port ${options.port} on ${host} is in use; stop what holds it or pick another --port`);
    throw error;
  });
  const port = (httpServer.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const url = `ws://${urlHost}:${port}`;
  if (shared?.advertise && options.advertise !== false) {
    const everywhere = host === '0.0.0.0' || host === '::' || host === '';
    const advertised = options.advertise ?? (everywhere ? undefined : `${urlHost}:${port}`);
    if (advertised) shared.advertise(advertised);
    else
      log({
        level: 'warn',
        msg: 'rooms are served wherever their clients land: give --advertise HOST:PORT (how the other instances reach this one) to serve each room on one instance',
      });
  }
  log({ level: 'info', msg: 'listening', url, storage, auth, instance: shared?.instanceId });

  let closed: Promise<void> | undefined;
  async function close(): Promise<void> {
    closing = true;
    clearInterval(heartbeat);
    clearInterval(idleSweep);
    const httpClosed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
    httpServer.closeAllConnections();
    // Rooms stop living here first: clients reconnecting elsewhere are served where they land. Redis
    // not answering (dropped packets) holds the shutdown up for a second at most.
    await within(shared?.leaveHomes?.(), LEAVE_HOMES_MS);
    for (const socket of handedOver) socket.destroy();
    const open = [...connections];
    for (const connection of open) connection.close(CloseCode.goingAway, 'server shutting down');
    const deadline = Date.now() + SHUTDOWN_GRACE_MS;
    while (connections.size > 0 && Date.now() < deadline) await sleep(10);
    for (const connection of connections) connection.terminate();
    batch.flush();
    for (const room of [...rooms.values()]) room.unload();
    rooms.clear();
    batch.dispose();
    // Folds under way finish first (a shared room's for up to a few seconds), then the worker goes.
    await shared?.shutdown();
    await compactor?.close();
    store.close();
    wss.close();
    await httpClosed;
    log({ level: 'info', msg: 'stopped' });
  }

  return {
    url,
    host,
    port,
    limits,
    metrics,
    createToken({ room, role, name = '', ttlMs = DAY_MS }) {
      if (!auth) throw new Error('this collaboration server runs without auth, so it has no tokens');
      return signToken(secret, { room, role, name, exp: Date.now() + ttlMs });
    },
    loadedRooms: () => [...rooms.keys()],
    connectionCount: () => connections.size,
    close: () => (closed ??= close()),
  };
}
