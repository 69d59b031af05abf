// One client's WebSocket in a room: decodes its messages, enforces its role and rate limits, and
// sends it what the room relays.
import type { RawData, WebSocket } from 'ws';
import { authorityOf, decodeControl, encodeStampedName, messageControl, sameToken } from './authority';
import { type CollabLimits, RateBucket } from './limits';
import type { CollabLogger } from './log';
import type { ServerMetrics } from './metrics';
import {
  type AwarenessEntry,
  decodeClientMessage,
  encodePermissionDenied,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeUpdate,
  readAwarenessEntries,
} from './protocol';
import type { Room, RoomMember } from './room';
import { DigestAnswer, encodeDigestAnswer, equalBytes } from './syncDigest';
import * as Y from 'yjs';
import type { CollabRole } from './token';

/** Close codes this server sends. */
export const CloseCode = {
  goingAway: 1001,
  unsupportedData: 1003,
  invalidPayload: 1007,
  policyViolation: 1008,
  messageTooBig: 1009,
  internalError: 1011,
  tryAgainLater: 1013,
  badRequest: 4400,
  unauthorized: 4401,
  forbidden: 4403,
  /** An update would take the room's document past maxDocumentBytes; the room keeps what it had. */
  documentTooLarge: 4413,
} as const;

export interface ConnectionIdentity {
  readonly role: CollabRole;
  readonly name: string;
  /** When the token expires (ms since the epoch); Infinity without auth. */
  readonly expiresAt: number;
  readonly address: string;
  /** The token it was admitted with; undefined without auth. */
  readonly token?: string;
}

export interface ConnectionContext {
  readonly limits: CollabLimits;
  readonly metrics: ServerMetrics;
  readonly log: CollabLogger;
  readonly onClosed: (connection: ClientConnection) => void;
  /** Revokes a token for good (a host removed its participant). */
  readonly revoke?: (token: string, identity: ConnectionIdentity) => void;
}

const OPEN = 1;
const MAX_TIMER_MS = 2 ** 31 - 1;

export class ClientConnection implements RoomMember {
  private ready = false;
  private closing = false;
  private finished = false;
  private closeCode: number | undefined;
  /** Messages received while the room loads or while the connection is throttled, in order. */
  private readonly queue: Uint8Array[] = [];
  private queuedBytes = 0;
  private throttleTimer: NodeJS.Timeout | undefined;
  private readonly messageBucket: RateBucket;
  private readonly byteBucket: RateBucket;
  private readonly awarenessBucket: RateBucket;
  private readonly syncBucket: RateBucket;
  /** Awareness client ids this connection has published (bounded by maxAwarenessClients). */
  private readonly awarenessIds = new Set<number>();
  /** Awareness entries held back by the awareness rate limit; newer entries replace older ones. */
  private readonly pendingAwareness = new Map<number, AwarenessEntry>();
  private awarenessTimer: NodeJS.Timeout | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  private readOnlyNoticeSent = false;
  /** A digest check found this client's copy different; the next match counts as a repair. */
  private repairing = false;
  /** Cleared by each heartbeat, set again by any sign of life. */
  private alive = true;

  constructor(
    private readonly socket: WebSocket,
    readonly room: Room,
    readonly identity: ConnectionIdentity,
    private readonly context: ConnectionContext,
  ) {
    const { limits } = context;
    this.messageBucket = new RateBucket(limits.messagesPerSecond, limits.messageBurst);
    this.byteBucket = new RateBucket(limits.bytesPerSecond, limits.byteBurst);
    this.awarenessBucket = new RateBucket(limits.awarenessPerSecond, limits.awarenessPerSecond);
    this.syncBucket = new RateBucket(limits.syncRequestsPerSecond, limits.syncRequestsPerSecond * 2);
    socket.binaryType = 'nodebuffer';
    socket.on('message', this.onMessage);
    socket.on('pong', () => (this.alive = true));
    socket.on('error', (error: Error & { code?: string }) => {
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') this.closeCode = CloseCode.messageTooBig;
      context.log({ level: 'info', msg: 'connection error', room: room.name, error: error.message });
    });
    socket.on('close', (code: number) => this.finish(code));
    room.join(this);
    this.scheduleExpiry();
    room.ready.then(
      () => this.start(),
      (error: Error) => {
        context.log({ level: 'error', msg: 'room failed to load', room: room.name, error: error.message });
        this.close(CloseCode.internalError, 'room failed to load');
      },
    );
  }

  private start(): void {
    if (this.closing) return;
    this.ready = true;
    // The server speaks first, as the reference server does: its state vector asks the client for
    // what the server lacks; the client's own step 1 then gets the server's missing updates.
    this.send(encodeSyncStep1(this.room.doc));
    const awareness = this.room.awarenessSnapshot();
    if (awareness) this.send(awareness);
    this.drain();
  }

  private readonly onMessage = (data: RawData, isBinary: boolean): void => {
    const bytes = toBytes(data);
    this.context.metrics.bytesIn.add(bytes.byteLength);
    this.alive = true;
    if (this.closing) return;
    if (!isBinary) {
      this.close(CloseCode.unsupportedData, 'y-websocket messages are binary');
      return;
    }
    if (!this.ready || this.throttleTimer !== undefined || this.queue.length > 0) {
      if (this.queuedBytes + bytes.byteLength > this.context.limits.maxPendingBytes) {
        this.close(CloseCode.policyViolation, 'too much data queued before the server could take it');
        return;
      }
      this.queue.push(bytes);
      this.queuedBytes += bytes.byteLength;
      return;
    }
    this.process(bytes);
  };

  private drain(): void {
    while (this.queue.length > 0 && this.ready && this.throttleTimer === undefined && !this.closing) {
      const next = this.queue.shift() as Uint8Array;
      this.queuedBytes -= next.byteLength;
      this.process(next);
    }
  }

  /** Handles one message, then charges it to the rate limits; past them, reading pauses. */
  private process(bytes: Uint8Array): void {
    const kind = this.handle(bytes);
    const messageWait = this.messageBucket.take(1);
    const byteWait = this.byteBucket.take(bytes.byteLength);
    // A sync request makes the server compute a reply: they get a budget of their own.
    const syncWait = kind === 'sync-step1' ? this.syncBucket.take(1) : 0;
    const wait = Math.max(messageWait, byteWait, syncWait);
    if (wait === 0 || this.closing) return;
    const limit = syncWait === wait ? 'sync' : byteWait > messageWait ? 'bytes' : 'messages';
    this.context.metrics.throttled.inc({ limit });
    // Backpressure instead of dropping: nothing is lost, the sender's socket just stops draining.
    this.socket.pause();
    this.throttleTimer = setTimeout(() => {
      this.throttleTimer = undefined;
      if (this.closing) return;
      this.socket.resume();
      this.drain();
    }, wait);
  }

  /** Handles one message; returns its kind (undefined when it was malformed). */
  private handle(bytes: Uint8Array): string | undefined {
    try {
      if (bytes[0] === messageControl) {
        this.control(bytes);
        return;
      }
      const message = decodeClientMessage(bytes);
      switch (message.kind) {
        case 'sync-step1':
          this.send(encodeSyncStep2(this.room.missingUpdates(message.stateVector)));
          break;
        case 'sync-step2':
        case 'update':
          if (this.identity.role === 'ro') this.dropReadOnlyUpdate(message.update);
          else if (this.authorized(message.update)) this.applyUpdate(message.update);
          break;
        case 'awareness':
          this.receiveAwareness(message.update);
          break;
        case 'query-awareness': {
          const snapshot = this.room.awarenessSnapshot();
          if (snapshot) this.send(snapshot);
          break;
        }
        case 'auth':
          break;
        case 'digest':
          this.checkDigest(message.stateVector, message.digest);
          break;
        case 'unknown':
          // Newer clients may speak message types this server does not know: ignore, as y-websocket does.
          this.context.log({
            level: 'debug',
            msg: 'unknown message type',
            room: this.room.name,
            type: message.type,
          });
          break;
      }
      return message.kind;
    } catch (error) {
      this.context.log({
        level: 'warn',
        msg: 'malformed message',
        room: this.room.name,
        name: this.identity.name,
        error: (error as Error).message,
      });
      this.close(CloseCode.invalidPayload, 'malformed y-websocket message');
      return undefined;
    }
  }

  /** The server's rules for this update (client ids, host-only state); false when it is not applied. */
  private authorized(update: Uint8Array): boolean {
    const authority = authorityOf(this.room.doc);
    const verdict = authority.checkUpdate(this, update);
    if (verdict.ok) return true;
    this.context.metrics.updatesDropped.inc({
      reason: verdict.permitted ? 'held_client_id' : 'host_only',
    });
    this.context.log({
      level: 'warn',
      msg: 'update refused',
      room: this.room.name,
      name: this.identity.name,
      reason: verdict.reason,
    });
    // What the sender may write goes in before it is closed (see RoomAuthority.checkUpdate): its own
    // edits, which a peer's refused resend may be waiting for.
    if (verdict.permitted && authority.checkUpdate(this, verdict.permitted).ok)
      this.applyUpdate(verdict.permitted);
    if (verdict.action === 'retry') this.close(CloseCode.tryAgainLater, verdict.reason);
    else this.send(encodePermissionDenied(verdict.reason));
    return false;
  }

  /** Tandem's control messages: a host removing a participant. */
  private control(bytes: Uint8Array): void {
    const request = decodeControl(bytes);
    if (request?.action !== 'remove') return;
    if (this.identity.role !== 'host') {
      this.send(encodePermissionDenied('only the host may remove a participant'));
      return;
    }
    const owner = authorityOf(this.room.doc).ownerOf(request.clientId);
    const token = owner?.member?.identity.token ?? owner?.token;
    if (owner?.member === this || sameToken(token, this.identity.token)) return;
    const identity = (owner?.member as ClientConnection | undefined)?.identity;
    if (token !== undefined) this.context.revoke?.(token, identity ?? { ...this.identity, name: '', token });
    this.context.log({
      level: 'info',
      msg: 'participant removed',
      room: this.room.name,
      client: request.clientId,
    });
    // Every open connection with that token goes: one invite link is one participant's.
    for (const member of this.room.members) {
      const connection = member as ClientConnection;
      if (connection === owner?.member || sameToken(token, connection.identity?.token))
        connection.close(CloseCode.forbidden, 'removed from the session by the host');
    }
  }

  /** Verified sync: compares the client's digest with the room's; a mismatch gets the whole state. */
  private checkDigest(stateVector: Uint8Array, digest: Uint8Array): void {
    const { metrics } = this.context;
    if (!equalBytes(stateVector, Y.encodeStateVector(this.room.doc))) {
      metrics.digestChecks.inc({ answer: 'not_comparable' });
      this.send(encodeDigestAnswer(DigestAnswer.notComparable));
      return;
    }
    if (equalBytes(digest, this.room.digest())) {
      metrics.digestChecks.inc({ answer: 'same' });
      if (this.repairing) {
        this.repairing = false;
        metrics.desyncsRepaired.inc();
      }
      this.send(encodeDigestAnswer(DigestAnswer.same));
      return;
    }
    metrics.digestChecks.inc({ answer: 'different' });
    if (!this.repairing) metrics.desyncsDetected.inc();
    this.repairing = true;
    this.context.log({
      level: 'warn',
      msg: 'desync detected: full resync',
      room: this.room.name,
      name: this.identity.name,
    });
    // The whole state first (the client applies what it lacks), then the answer (it sends back what
    // the server lacks and checks again).
    this.send(encodeUpdate(this.room.wholeState()));
    this.send(encodeDigestAnswer(DigestAnswer.different));
  }

  private applyUpdate(update: Uint8Array): void {
    const { metrics, limits } = this.context;
    const outcome = this.room.applyUpdate(update, this);
    if (outcome === 'too-large') {
      metrics.updatesDropped.inc({ reason: 'document_too_large' });
      this.context.log({
        level: 'warn',
        msg: 'update refused: document too large',
        room: this.room.name,
        name: this.identity.name,
        bytes: update.byteLength,
        maxDocumentBytes: limits.maxDocumentBytes,
      });
      this.close(
        CloseCode.documentTooLarge,
        `the document would exceed ${limits.maxDocumentBytes} bytes; the update was not applied`,
      );
      return;
    }
    metrics.updatesIn.inc();
    if (outcome === 'unintegrable') metrics.updatesDropped.inc({ reason: 'unintegrable' });
  }

  private dropReadOnlyUpdate(update: Uint8Array): void {
    // A read-only client answers the server's step 1 with an empty update: that is not an edit.
    if (isEmptyUpdate(update)) return;
    this.context.metrics.updatesDropped.inc({ reason: 'read_only' });
    if (this.readOnlyNoticeSent) return;
    this.readOnlyNoticeSent = true;
    this.send(encodePermissionDenied('read-only: this token may not edit, so your changes were not shared'));
    this.context.log({
      level: 'info',
      msg: 'read-only update dropped',
      room: this.room.name,
      name: this.identity.name,
    });
  }

  /**
   * Awareness limits: one message at most maxAwarenessBytes (else 1009), at most maxAwarenessClients
   * client ids per connection (else 1008), and a rate (excess is coalesced below).
   */
  private receiveAwareness(update: Uint8Array): void {
    const { limits } = this.context;
    if (update.byteLength > limits.maxAwarenessBytes) {
      this.context.metrics.awarenessRefused.inc({ reason: 'too_large' });
      this.close(CloseCode.messageTooBig, `awareness update larger than ${limits.maxAwarenessBytes} bytes`);
      return;
    }
    const received = readAwarenessEntries(update);
    // Applying parses each state; a bad one must fail here (1007), not later in a coalescing timer.
    for (const entry of received) JSON.parse(entry.state);
    // Stock clients echo their peers' states and removals: only a live state this connection may
    // publish (its own) counts towards its ids.
    for (const entry of received)
      if (entry.state !== 'null' && this.room.mayPublishAwareness(entry.clientId, this))
        this.awarenessIds.add(entry.clientId);
    if (this.awarenessIds.size > limits.maxAwarenessClients) {
      this.context.metrics.awarenessRefused.inc({ reason: 'too_many_clients' });
      this.close(
        CloseCode.policyViolation,
        `awareness for more than ${limits.maxAwarenessClients} client ids from one connection`,
      );
      return;
    }
    // Presence says what the token says (role, name), not what the client claims.
    const entries = authorityOf(this.room.doc).stampAwareness(
      this,
      received,
      this.room.members as Iterable<ClientConnection>,
      (clientId, name) => this.send(encodeStampedName(clientId, name)),
    );
    this.queueAwareness(entries);
  }

  private queueAwareness(entries: readonly AwarenessEntry[]): void {
    for (const entry of entries) this.pendingAwareness.set(entry.clientId, entry);
    if (this.awarenessTimer !== undefined) return;
    if (this.awarenessBucket.has(1)) {
      this.flushAwareness();
      return;
    }
    // Over the limit: coalesce. The newest state of each client goes out when the bucket refills.
    this.context.metrics.throttled.inc({ limit: 'awareness' });
    this.awarenessTimer = setTimeout(
      () => {
        this.awarenessTimer = undefined;
        this.flushAwareness();
      },
      Math.max(1, this.awarenessBucket.waitMs() || Math.ceil(1000 / this.context.limits.awarenessPerSecond)),
    );
  }

  private flushAwareness(): void {
    if (this.closing || this.pendingAwareness.size === 0) return;
    const entries = [...this.pendingAwareness.values()];
    this.pendingAwareness.clear();
    this.awarenessBucket.take(1);
    if (this.room.applyAwareness(entries, this)) this.context.metrics.awarenessIn.inc();
  }

  relay(message: Uint8Array): void {
    if (this.closing || !this.ready || this.socket.readyState !== OPEN) return;
    if (this.socket.bufferedAmount > this.context.limits.maxBufferedBytes) {
      // It reconnects and resyncs with state vectors, which costs far less than an unbounded queue.
      this.context.log({
        level: 'warn',
        msg: 'slow reader closed',
        room: this.room.name,
        name: this.identity.name,
        buffered: this.socket.bufferedAmount,
      });
      this.close(CloseCode.tryAgainLater, 'connection too slow to keep up; reconnect');
      return;
    }
    this.send(message);
  }

  private send(message: Uint8Array): void {
    if (this.socket.readyState !== OPEN) return;
    this.socket.send(message, { binary: true });
    this.context.metrics.bytesOut.add(message.byteLength);
  }

  /** Called by the server's heartbeat: drops a connection that did not answer the previous ping. */
  heartbeat(): void {
    if (!this.alive) {
      this.context.log({
        level: 'info',
        msg: 'connection timed out',
        room: this.room.name,
        name: this.identity.name,
      });
      this.socket.terminate();
      return;
    }
    this.alive = false;
    if (this.socket.readyState === OPEN) this.socket.ping();
  }

  private scheduleExpiry(): void {
    if (!Number.isFinite(this.identity.expiresAt)) return;
    const remaining = this.identity.expiresAt - Date.now();
    if (remaining <= 0) {
      this.close(CloseCode.unauthorized, 'token expired');
      return;
    }
    this.expiryTimer = setTimeout(() => this.scheduleExpiry(), Math.min(remaining, MAX_TIMER_MS));
    this.expiryTimer.unref();
  }

  close(code: number, reason: string): void {
    if (this.closing) return;
    this.closing = true;
    this.closeCode = code;
    this.clearTimers();
    this.socket.close(code, reason);
  }

  /** Drops the connection without a closing handshake (shutdown after the grace period). */
  terminate(): void {
    this.socket.terminate();
  }

  private clearTimers(): void {
    clearTimeout(this.throttleTimer);
    clearTimeout(this.awarenessTimer);
    clearTimeout(this.expiryTimer);
    this.throttleTimer = this.awarenessTimer = this.expiryTimer = undefined;
  }

  private finish(code: number): void {
    if (this.finished) return;
    this.finished = true;
    this.closing = true;
    this.clearTimers();
    this.queue.length = 0;
    authorityOf(this.room.doc).left(this);
    this.room.leave(this);
    const closedWith = this.closeCode ?? code;
    this.context.metrics.connectionsClosed.inc({ code: String(closedWith) });
    this.context.log({
      level: 'info',
      msg: 'connection closed',
      room: this.room.name,
      name: this.identity.name,
      code: closedWith,
    });
    this.context.onClosed(this);
  }
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** An update with no structs and an empty delete set (what a client with nothing new sends). */
function isEmptyUpdate(update: Uint8Array): boolean {
  return update.byteLength <= 2 && update.every((byte) => byte === 0);
}
