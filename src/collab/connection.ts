/**
 * One participant's link to the session server: a stock y-websocket `WebsocketProvider` plus what it
 * lacks for an editor that must never lose an edit silently:
 *
 * - reconnect with exponential backoff and jitter (y-websocket's own backoff has none, so clients
 *   that dropped together all return together);
 * - close codes the server uses on purpose stop the retrying: 4401 "link expired/invalid",
 *   4403 "not this room", 4400 "bad request" (a loop of refused reconnects helps nobody);
 * - "unsynced": whether local changes are not yet confirmed by the server. The y-websocket protocol
 *   has no acknowledgements, but the server answers each sync step 1 in order, after every message
 *   sent before it; so a step 1 sent after local updates, once answered, confirms them.
 * - verified sync: after each connect and then periodically it compares a digest of its copy with
 *   the server's (server/syncDigest.ts); on a mismatch the server sends its whole state, this side
 *   sends its own, and it checks again. "in sync" means the last comparison matched.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { messageControl, readControl } from '../server/authority';
import { DigestAnswer, encodeDigestCheck, messageDigest } from '../server/syncDigest';

/** What the last digest comparison with the server said (see server/syncDigest.ts). */
export type SyncVerification = 'unknown' | 'in-sync' | 'repairing';

export type ConnectionState =
  /** First attempt, never connected yet. */
  | 'connecting'
  /** Open and synced with the server. */
  | 'connected'
  /** Lost or refused for a reason that may pass; retrying with backoff. */
  | 'reconnecting'
  /** Disconnected on purpose (`disconnect()`); edits stay local until `connect()`. */
  | 'offline'
  /** The server refused the token (4401): expired, forged or missing. Not retried. */
  | 'expired'
  /** The server refused the room or the request (4403, 4400). Not retried. */
  | 'refused'
  /** Disposed. */
  | 'closed';

export interface ConnectionOptions {
  /** `ws://host:port` (no room). */
  serverUrl: string;
  room: string;
  token?: string;
  doc: Y.Doc;
  awareness?: awarenessProtocol.Awareness;
  /** A WebSocket class; in Node (the extension host) pass `ws`'s. */
  WebSocketPolyfill?: unknown;
  /** Reconnect backoff: first delay, cap (defaults 500 ms and 30 s). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Source of jitter, injectable for tests. */
  random?: () => number;
  /** Start disconnected (call `connect()`). */
  connect?: boolean;
  /** How often to compare digests with the server while connected (default 10 s). */
  digestIntervalMs?: number;
  log?: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;
}

/** Close codes the server sends on purpose; reconnecting cannot fix them. */
const EXPIRED_CODES = new Set([4401]);
const REFUSED_CODES = new Set([4400, 4403]);

type Listener<T> = (value: T) => void;

export class SessionConnection {
  readonly provider: WebsocketProvider;
  readonly awareness: awarenessProtocol.Awareness;
  private current: ConnectionState = 'connecting';
  private everConnected = false;
  private attempts = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private probeTimer: ReturnType<typeof setTimeout> | undefined;
  /** Local updates made so far, and how many of them the server has confirmed. */
  private localSeq = 0;
  private confirmedSeq = 0;
  /** Each step 1 sent on this socket, oldest first, with the local count it confirms when answered. */
  private probes: number[] = [];
  private lastClose: { code: number; reason: string } | undefined;
  private readonly stateListeners = new Set<Listener<ConnectionState>>();
  private readonly unsyncedListeners = new Set<Listener<boolean>>();
  private readonly onDocUpdate: (update: Uint8Array, origin: unknown) => void;
  private disposed = false;
  private readonly ownsAwareness: boolean;
  private verificationState: SyncVerification = 'unknown';
  private digestTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly verificationListeners = new Set<Listener<SyncVerification>>();
  /** Mismatches found by digest checks, and how many of them a later check found repaired. */
  desyncsDetected = 0;
  desyncsRepaired = 0;
  private stamped: string | undefined;

  constructor(private readonly options: ConnectionOptions) {
    this.ownsAwareness = !options.awareness;
    this.awareness = options.awareness ?? new awarenessProtocol.Awareness(options.doc);
    this.provider = new WebsocketProvider(options.serverUrl, options.room, options.doc, {
      connect: false,
      awareness: this.awareness,
      params: options.token ? { token: options.token } : {},
      WebSocketPolyfill: options.WebSocketPolyfill as typeof WebSocket | undefined,
      disableBc: true,
      maxBackoffTime: options.maxBackoffMs ?? 30_000,
      // Every close the server makes comes to us (see onClosed), so that backoff has jitter.
      shouldReconnect: () => false,
    });
    this.wrapSyncHandler();
    this.provider.messageHandlers[messageDigest] = (_encoder, decoder) =>
      this.onDigestAnswer(decoding.readVarUint(decoder));
    this.provider.messageHandlers[messageControl] = (_encoder, decoder) => {
      const message = readControl(decoder);
      if (message?.action === 'stamped' && message.clientId === options.doc.clientID)
        this.stamped = message.name;
    };
    this.provider.on('status', ({ status }) => this.onStatus(status));
    this.provider.on('sync', (synced: boolean) => {
      if (!synced) return;
      this.attempts = 0;
      this.everConnected = true;
      this.setState('connected');
    });
    this.provider.on('closed', (event: { code: number; reason: string }) => this.onClosed(event));
    this.provider.on('connection-close', (event: { code?: number; reason?: string } | null) => {
      if (event && typeof event.code === 'number')
        this.lastClose = { code: event.code, reason: event.reason ?? '' };
    });
    this.onDocUpdate = (_update, origin) => {
      if (origin === this.provider) return;
      this.localSeq++;
      this.emitUnsynced();
      this.scheduleProbe();
    };
    options.doc.on('update', this.onDocUpdate);
    if (options.connect !== false) this.connect();
  }

  /**
   * The name the server stamps on this client's presence, when it is not the name this client chose
   * (the token's name, or "<name> (guest)" beside a participant whose token carries that name).
   */
  get stampedName(): string | undefined {
    return this.stamped;
  }

  get state(): ConnectionState {
    return this.current;
  }

  /** True while local changes have not been confirmed by the server. */
  get unsynced(): boolean {
    return this.localSeq > this.confirmedSeq;
  }

  /** The last close code and reason the server sent. */
  get closeInfo(): { code: number; reason: string } | undefined {
    return this.lastClose;
  }

  onDidChangeState(listener: Listener<ConnectionState>): { dispose(): void } {
    this.stateListeners.add(listener);
    return { dispose: () => this.stateListeners.delete(listener) };
  }

  /** What the last digest comparison said: 'in-sync' only when it matched. */
  get verification(): SyncVerification {
    return this.verificationState;
  }

  onDidChangeVerification(listener: Listener<SyncVerification>): { dispose(): void } {
    this.verificationListeners.add(listener);
    return { dispose: () => this.verificationListeners.delete(listener) };
  }

  /** Compares digests with the server now (it also happens after each connect and periodically). */
  checkSync(): void {
    this.scheduleDigest(0);
  }

  onDidChangeUnsynced(listener: Listener<boolean>): { dispose(): void } {
    this.unsyncedListeners.add(listener);
    return { dispose: () => this.unsyncedListeners.delete(listener) };
  }

  /** Resolves when synced with the server; rejects if the server refuses for good or on dispose. */
  whenConnected(timeoutMs = 15_000): Promise<void> {
    return this.waitFor(() => this.current === 'connected', timeoutMs, 'connect to the session server');
  }

  /** Resolves once every local change so far is confirmed by the server. */
  whenConfirmed(timeoutMs = 15_000): Promise<void> {
    return this.waitFor(() => !this.unsynced, timeoutMs, 'confirm local changes with the server');
  }

  connect(): void {
    if (this.disposed) return;
    if (this.current === 'offline' || this.current === 'expired' || this.current === 'refused')
      this.setState(this.everConnected ? 'reconnecting' : 'connecting');
    this.provider.connect();
  }

  /** Goes offline on purpose: local edits keep working and merge on `connect()`. */
  disconnect(): void {
    if (this.disposed) return;
    this.clearRetry();
    this.setState('offline');
    this.provider.disconnect();
    this.probes = [];
  }

  /** Drops the socket as a network failure would (tests): the connection retries by itself. */
  dropSocket(): void {
    const socket = this.provider.ws as unknown as { terminate?: () => void; close: () => void } | null;
    if (!socket) return;
    if (socket.terminate) socket.terminate();
    else socket.close();
  }

  /** Sends a message of Tandem's own (a host's control request); false when not connected. */
  sendRaw(message: Uint8Array): boolean {
    const socket = this.provider.ws;
    if (!socket || socket.readyState !== 1) return false;
    socket.send(message);
    return true;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.clearRetry();
    if (this.probeTimer) clearTimeout(this.probeTimer);
    if (this.digestTimer) clearTimeout(this.digestTimer);
    this.options.doc.off('update', this.onDocUpdate);
    awarenessProtocol.removeAwarenessStates(this.awareness, [this.options.doc.clientID], 'session left');
    this.provider.destroy();
    // Awareness renews itself on an interval: an awareness we made must go with us.
    if (this.ownsAwareness) this.awareness.destroy();
    this.setState('closed');
    this.stateListeners.clear();
    this.unsyncedListeners.clear();
    this.verificationListeners.clear();
  }

  private onStatus(status: 'connected' | 'disconnected' | 'connecting'): void {
    if (status === 'connected') {
      // The provider sent its own step 1 on open; its answer confirms nothing of ours.
      this.probes = [-1];
      return;
    }
    if (status === 'disconnected') {
      this.probes = [];
      this.setVerification('unknown');
      if (this.current === 'connected') this.setState('reconnecting');
    }
  }

  private onClosed(event: { code: number; reason: string }): void {
    if (this.disposed) return;
    this.lastClose = event;
    this.probes = [];
    if (EXPIRED_CODES.has(event.code)) {
      this.options.log?.('warn', `session server refused the link: ${event.reason || event.code}`);
      this.setState('expired');
      return;
    }
    if (REFUSED_CODES.has(event.code)) {
      this.options.log?.('warn', `session server refused the connection: ${event.reason || event.code}`);
      this.setState('refused');
      return;
    }
    this.setState(this.everConnected ? 'reconnecting' : 'connecting');
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    this.clearRetry();
    const min = this.options.minBackoffMs ?? 500;
    const max = this.options.maxBackoffMs ?? 30_000;
    const ceiling = Math.min(max, min * 2 ** this.attempts);
    this.attempts++;
    // "Equal jitter": at least half the ceiling, so retries spread out but never hammer.
    const delay = ceiling / 2 + (this.options.random ?? Math.random)() * (ceiling / 2);
    this.options.log?.('debug', `reconnecting in ${Math.round(delay)} ms (attempt ${this.attempts})`);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.disposed && (this.current === 'reconnecting' || this.current === 'connecting'))
        this.provider.connect();
    }, delay);
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  /** Notices sync step 1 (server asks for our state) and step 2 (an answer to one of our probes). */
  private wrapSyncHandler(): void {
    const handlers = this.provider.messageHandlers;
    const original = handlers[0];
    handlers[0] = (encoder, decoder, provider, emitSynced, messageType) => {
      const kind = decoding.peekVarUint(decoder);
      original(encoder, decoder, provider, emitSynced, messageType);
      if (kind === syncProtocol.messageYjsSyncStep2) {
        const confirms = this.probes.shift();
        if (confirms !== undefined && confirms > this.confirmedSeq) {
          this.confirmedSeq = confirms;
          this.emitUnsynced();
        }
      } else if (kind === syncProtocol.messageYjsSyncStep1) {
        // Our answer (everything the server lacks) is sent when this handler returns; probe after it.
        setTimeout(() => this.sendProbe(), 0);
      }
    };
  }

  private scheduleProbe(): void {
    if (this.probeTimer) return;
    this.probeTimer = setTimeout(() => {
      this.probeTimer = undefined;
      this.sendProbe();
    }, 30);
  }

  private sendProbe(): void {
    const socket = this.provider.ws;
    if (!socket || !this.provider.wsconnected || socket.readyState !== 1) return;
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, 0);
    syncProtocol.writeSyncStep1(encoder, this.options.doc);
    this.probes.push(this.localSeq);
    socket.send(encoding.toUint8Array(encoder));
  }

  private scheduleDigest(delayMs: number): void {
    if (this.digestTimer) clearTimeout(this.digestTimer);
    this.digestTimer = setTimeout(() => {
      this.digestTimer = undefined;
      this.sendDigest();
    }, delayMs);
  }

  private sendDigest(): void {
    const socket = this.provider.ws;
    if (this.disposed) return;
    if (!socket || !this.provider.wsconnected || socket.readyState !== 1) return;
    socket.send(encodeDigestCheck(this.options.doc));
    // If no answer comes (a server without verified sync), the next check is the periodic one.
    this.scheduleDigest(this.options.digestIntervalMs ?? 10_000);
  }

  private onDigestAnswer(answer: number): void {
    const interval = this.options.digestIntervalMs ?? 10_000;
    if (answer === DigestAnswer.same) {
      if (this.verificationState === 'repairing') {
        this.desyncsRepaired++;
        this.options.log?.('info', 'verified sync: the copy matches the server again');
      }
      this.setVerification('in-sync');
      this.scheduleDigest(interval);
    } else if (answer === DigestAnswer.different) {
      // The server has sent its whole state just before this answer; send ours, then check again.
      if (this.verificationState !== 'repairing') {
        this.desyncsDetected++;
        this.options.log?.('warn', 'verified sync: this copy differed from the server; resyncing in full');
      }
      this.setVerification('repairing');
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, 0);
      syncProtocol.writeUpdate(encoder, Y.encodeStateAsUpdate(this.options.doc));
      this.provider.ws?.send(encoding.toUint8Array(encoder));
      this.scheduleDigest(200);
    } else {
      // Updates were in flight, so the copies could not be compared: try again shortly.
      this.scheduleDigest(Math.min(interval, 500));
    }
  }

  private setVerification(verification: SyncVerification): void {
    if (this.verificationState === verification) return;
    this.verificationState = verification;
    for (const listener of this.verificationListeners) listener(verification);
  }

  private emitUnsynced(): void {
    const value = this.unsynced;
    for (const listener of this.unsyncedListeners) listener(value);
  }

  private setState(state: ConnectionState): void {
    if (this.current === state) return;
    this.current = state;
    if (state === 'connected' && this.unsynced) this.sendProbe();
    if (state === 'connected') this.scheduleDigest(300);
    for (const listener of this.stateListeners) listener(state);
  }

  private waitFor(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (done()) finish();
        else if (this.current === 'expired' || this.current === 'refused' || this.current === 'closed')
          finish(new Error(`could not ${what}: ${this.describeState()}`));
      };
      const timer = setTimeout(
        () => finish(new Error(`could not ${what} within ${timeoutMs} ms (${this.describeState()})`)),
        timeoutMs,
      );
      const subscriptions = [this.onDidChangeState(check), this.onDidChangeUnsynced(check)];
      const finish = (error?: Error) => {
        clearTimeout(timer);
        for (const subscription of subscriptions) subscription.dispose();
        if (error) reject(error);
        else resolve();
      };
      check();
    });
  }

  /** The state in words for messages. */
  describeState(): string {
    const reason = this.lastClose?.reason ? ` (${this.lastClose.reason})` : '';
    switch (this.current) {
      case 'expired':
        return `link expired or not valid for this server${reason}`;
      case 'refused':
        return `the server refused this session${reason}`;
      default:
        return this.current;
    }
  }
}
