// What one connection, one room and the whole server may use. Defaults suit a team server; the
// embedded session server uses the same numbers.

export interface CollabLimits {
  /** Largest WebSocket message accepted; a bigger one closes the connection with 1009. */
  maxMessageBytes: number;
  /** Sustained messages per second per connection (bursts up to `messageBurst`); excess is delayed. */
  messagesPerSecond: number;
  messageBurst: number;
  /** Sustained bytes per second per connection (bursts up to `byteBurst`); excess is delayed. */
  bytesPerSecond: number;
  byteBurst: number;
  /** Awareness (cursor/presence) updates per second per connection; excess is coalesced. */
  awarenessPerSecond: number;
  /** Largest awareness message; a bigger one closes the connection with 1009. */
  maxAwarenessBytes: number;
  /** Awareness client ids one connection may publish; one more closes it with 1008. */
  maxAwarenessClients: number;
  /**
   * Sync requests (state vectors) per second per connection (burst twice that); excess is delayed.
   * Tandem's client sends one about every 30 ms while its user types (to confirm edits): 50 covers it.
   */
  syncRequestsPerSecond: number;
  /** Encoded size a room's document may reach; an update past it is refused with 4413. */
  maxDocumentBytes: number;
  /** Bytes a connection may have waiting in the server before its room is ready or while throttled. */
  maxPendingBytes: number;
  /** Bytes the server may have queued towards one slow reader before closing it with 1013. */
  maxBufferedBytes: number;
  /** Rooms one client address may have open at once (each y-websocket connection is one room). */
  maxRoomsPerAddress: number;
  /** Rooms loaded in memory at once; a connection that would load one more is closed with 1013. */
  maxRooms: number;
  /** Connections to one room. */
  maxConnectionsPerRoom: number;
  /** Open connections to the whole server. */
  maxConnections: number;
  /** A room without connections is unloaded from memory after this long. */
  idleUnloadMs: number;
  /** The update log of a room is folded into its snapshot past this many updates... */
  compactAfterUpdates: number;
  /** ...or past this many bytes. */
  compactAfterBytes: number;
  /** Interval of WebSocket pings; a connection that misses one is dropped. */
  heartbeatMs: number;
}

export const MiB = 1024 * 1024;

export const defaultLimits: Readonly<CollabLimits> = Object.freeze({
  maxMessageBytes: 16 * MiB,
  messagesPerSecond: 200,
  messageBurst: 400,
  bytesPerSecond: 8 * MiB,
  byteBurst: 32 * MiB,
  awarenessPerSecond: 20,
  maxAwarenessBytes: 64 * 1024,
  maxAwarenessClients: 8,
  syncRequestsPerSecond: 50,
  maxDocumentBytes: 64 * MiB,
  maxPendingBytes: 32 * MiB,
  maxBufferedBytes: 64 * MiB,
  maxRoomsPerAddress: 100,
  maxRooms: 10_000,
  maxConnectionsPerRoom: 500,
  maxConnections: 10_000,
  idleUnloadMs: 30_000,
  compactAfterUpdates: 1000,
  compactAfterBytes: 4 * MiB,
  heartbeatMs: 30_000,
});

/** Fills in defaults and rejects values that would make the server misbehave. */
export function resolveLimits(overrides: Partial<CollabLimits> = {}): CollabLimits {
  const limits: CollabLimits = { ...defaultLimits };
  for (const [key, value] of Object.entries(overrides) as [keyof CollabLimits, number | undefined][]) {
    if (value === undefined) continue;
    if (!(key in defaultLimits)) throw new Error(`unknown limit "${key}"`);
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
      throw new Error(`limit ${key} must be a positive number, got ${String(value)}`);
    limits[key] = value;
  }
  if (limits.messageBurst < 1) throw new Error('limit messageBurst must be at least 1');
  return limits;
}

/**
 * A token bucket that may go into debt: a message is always taken whole (so one large message is
 * never split or refused), and the bucket then says how long the sender must wait until it is out of
 * debt. `now` is injectable so the arithmetic is testable without real time.
 */
export class RateBucket {
  private level: number;
  private updatedAt: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly capacity: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.level = capacity;
    this.updatedAt = now();
  }

  private refill(): void {
    const at = this.now();
    this.level = Math.min(this.capacity, this.level + ((at - this.updatedAt) / 1000) * this.ratePerSecond);
    this.updatedAt = at;
  }

  /** Takes `amount`; returns the ms to wait before taking more (0 when the bucket is not in debt). */
  take(amount: number): number {
    this.refill();
    this.level -= amount;
    return this.waitMs();
  }

  /** Ms until the bucket is out of debt. */
  waitMs(): number {
    this.refill();
    return this.level >= 0 ? 0 : Math.ceil((-this.level / this.ratePerSecond) * 1000);
  }

  /** Whether `amount` can be taken without going into debt. */
  has(amount: number): boolean {
    this.refill();
    return this.level >= amount;
  }
}
