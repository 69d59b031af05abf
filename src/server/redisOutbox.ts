// What this instance accepted and has not yet written to Redis, in order: updates (to their rooms'
// streams) and revocations (to the revoked-token hash and the control stream). Written in one
// pipeline per turn, or, while the rooms are busy (`paced`), with the reader's next read of the
// streams in one round trip (see RedisRooms.cycle); while Redis is unreachable everything stays here
// and goes when it answers.
import type { ChainableCommander, Redis } from 'ioredis';
import * as Y from 'yjs';
import type { CollabLogger } from './log';
import type { ServerMetrics } from './metrics';
import { CONTROL_KEY, REVOKED_KEY, roomKeys } from './redisKeys';
import type { RevokedToken } from './revocations';
import { sleep, within } from './wait';

/** Retry pause while Redis is unreachable. */
export const RETRY_MS = 250;
/** Control entries (revocations) kept in the control stream. */
const CONTROL_MAXLEN = 10_000;

type OutboxItem =
  | { readonly kind: 'update'; readonly room: string; readonly update: Uint8Array }
  | { readonly kind: 'revoke'; readonly entry: RevokedToken };

export class RedisOutbox {
  private items: OutboxItem[] = [];
  private flushing: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  /**
   * Set while the reader cycles through busy rooms: updates wait for its next cycle, which writes
   * them with its read (one round trip, one wake-up, for both), instead of going at once.
   */
  private paced = false;
  /** Batches taken into a pipeline (a flush's or a reader's cycle) whose replies have not come yet. */
  private unsettled = 0;

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
    if (!this.paced) this.schedule(0);
  }

  /** Whether updates wait for the reader's cycle (true) or go at once (false: what waits goes now). */
  pace(paced: boolean): void {
    this.paced = paced;
    if (!paced) this.schedule(0);
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

  /**
   * Writes what waits, trying for at most `ms` (Redis may be away, or connected and not answering: a
   * write it never acknowledges is not waited on past the deadline); then stops retrying.
   */
  async drain(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    this.paced = false;
    // Batches a reader's cycle took and has not settled count too: one that fails comes back here.
    while ((this.items.length > 0 || this.flushing || this.unsettled > 0) && Date.now() < deadline) {
      this.schedule(0);
      await within(this.flushing ?? sleep(this.unsettled > 0 ? 5 : 50), deadline - Date.now());
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
        // What was added meanwhile goes now (or with the reader's next cycle, while paced); after a
        // failure, everything goes after a pause.
        if (!written) this.schedule(RETRY_MS);
        else if (!this.paced) this.schedule(0);
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
    const pipeline = this.commands.pipeline();
    const written = this.takeInto(pipeline);
    try {
      const replies = await pipeline.exec();
      if (!replies) throw new Error('pipeline not run');
      written.settle(replies);
    } catch (error) {
      written.settle(error as Error);
    }
    return written.ok;
  }

  /**
   * Adds what waits to `pipeline` (its first commands; the caller may add more and runs it), and
   * returns how to settle it with the pipeline's replies (or the error that stopped it): what failed
   * comes back to the outbox, in order, for the next attempt.
   */
  takeInto(pipeline: ChainableCommander): {
    readonly commands: number;
    settle(replies: [Error | null, unknown][] | Error): void;
    readonly ok: boolean;
  } {
    const batch = this.items;
    this.items = [];
    if (batch.length > 0) this.unsettled++;
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
    const commands = pipeline.length;
    let ok = batch.length === 0;
    let settled = false;
    return {
      commands,
      get ok() {
        return ok;
      },
      settle: (replies) => {
        if (batch.length === 0 || settled) return;
        settled = true;
        this.unsettled--;
        const failed =
          replies instanceof Error ? replies : replies.slice(0, commands).find(([error]) => error)?.[0];
        if (!failed && !(replies instanceof Error) && replies.length >= commands) {
          ok = true;
          this.metrics.storedUpdates.add(batch.filter((item) => item.kind === 'update').length);
          return;
        }
        // Written twice at worst (a reply lost after the write): applying an update twice changes nothing.
        this.items = batch.concat(this.items);
        this.metrics.storageErrors.inc();
        this.log({
          level: 'warn',
          msg: 'redis write deferred',
          pending: this.items.length,
          error: String(failed ?? 'pipeline not run'),
        });
      },
    };
  }
}
