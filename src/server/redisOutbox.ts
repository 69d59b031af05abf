// What this instance accepted and has not yet written to Redis, in order: updates (to their rooms'
// streams) and revocations (to the revoked-token hash and the control stream). Written in one
// pipeline per turn; while Redis is unreachable everything stays here and goes when it answers.
import type { Redis } from 'ioredis';
import * as Y from 'yjs';
import type { CollabLogger } from './log';
import type { ServerMetrics } from './metrics';
import { CONTROL_KEY, REVOKED_KEY, roomKeys } from './redisKeys';
import type { RevokedToken } from './revocations';

/** Retry pause while Redis is unreachable. */
export const RETRY_MS = 250;
/** Control entries (revocations) kept in the control stream. */
const CONTROL_MAXLEN = 10_000;

type OutboxItem =
  | { readonly kind: 'update'; readonly room: string; readonly update: Uint8Array }
  | { readonly kind: 'revoke'; readonly entry: RevokedToken };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class RedisOutbox {
  private items: OutboxItem[] = [];
  private flushing: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly commands: Redis,
    private readonly instanceId: string,
    private readonly metrics: ServerMetrics,
    private readonly log: CollabLogger,
  ) {}

  /** Updates and revocations waiting. */
  get length(): number {
    return this.items.length;
  }

  addUpdate(room: string, update: Uint8Array): void {
    this.items.push({ kind: 'update', room, update });
    this.schedule(0);
  }

  addRevocation(entry: RevokedToken): void {
    this.items.push({ kind: 'revoke', entry });
    this.schedule(0);
  }

  /** Redis answers again: what waited goes at once, not after the retry pause. */
  reconnected(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.schedule(0);
  }

  /** Writes what waits, trying for at most `ms` (Redis may be away); then stops retrying. */
  async drain(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while ((this.items.length > 0 || this.flushing) && Date.now() < deadline) {
      this.schedule(0);
      await (this.flushing ?? sleep(50));
    }
    this.stopped = true;
    clearTimeout(this.retryTimer);
  }

  private schedule(delay: number): void {
    if (this.stopped && delay > 0) return;
    if (this.items.length === 0 || this.flushing || this.retryTimer) return;
    if (delay === 0) {
      this.flushing = this.flush().then((written) => {
        this.flushing = undefined;
        // What was added meanwhile goes now; after a failure, everything goes after a pause.
        this.schedule(written ? 0 : RETRY_MS);
      });
      return;
    }
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.schedule(0);
    }, delay);
  }

  /** Writes everything in one pipeline; on failure it all stays, in order, for the next attempt. */
  private async flush(): Promise<boolean> {
    const batch = this.items;
    this.items = [];
    const pipeline = this.commands.pipeline();
    // One entry per room per flush: the updates of one commit window, merged.
    const byRoom = new Map<string, Uint8Array[]>();
    for (const item of batch) {
      if (item.kind === 'update') {
        const list = byRoom.get(item.room) ?? [];
        list.push(item.update);
        byRoom.set(item.room, list);
      } else {
        const text = JSON.stringify(item.entry);
        pipeline.hset(REVOKED_KEY, item.entry.id, text);
        pipeline.xadd(CONTROL_KEY, 'MAXLEN', '~', CONTROL_MAXLEN, '*', 'k', 'revoke', 'e', text);
      }
    }
    for (const [room, updates] of byRoom) {
      const update = updates.length === 1 ? updates[0] : Y.mergeUpdates(updates);
      pipeline.xadd(roomKeys(room).updates, '*', 'i', this.instanceId, 'u', Buffer.from(update));
    }
    try {
      const replies = await pipeline.exec();
      const failed = (replies ?? []).find(([error]) => error);
      if (!replies || failed) throw failed?.[0] ?? new Error('pipeline not run');
      this.metrics.storedUpdates.add(batch.filter((item) => item.kind === 'update').length);
    } catch (error) {
      // Written twice at worst (a reply lost after the write): applying an update twice changes nothing.
      this.items = batch.concat(this.items);
      this.metrics.storageErrors.inc();
      this.log({
        level: 'warn',
        msg: 'redis write deferred',
        pending: this.items.length,
        error: String(error),
      });
      return false;
    }
    return true;
  }
}
