/**
 * When a keystroke turns into a model request. Instead of a fixed debounce:
 * - at the start of a line, right after an accepted suggestion, or when asked explicitly: at once;
 * - after a failed request, automatic requests pause for a while (the server is down or overloaded);
 * - otherwise after a short wait that adapts to the user: each rejection multiplies it (Escape by 1.5,
 *   typing over a suggestion by a gentler 1.15), each acceptance by 0.8, clamped, and the learned factor
 *   decays back towards the base with a 10-minute time constant (the figures Copilot's next-edit
 *   debounce uses, see notes/anchors.md; Cody's 25 ms is the floor).
 */
export interface TriggerPolicyOptions {
  baseDelayMs: number;
  minDelayMs: number;
  maxDelayMs: number;
  explicitRejectionFactor: number;
  implicitRejectionFactor: number;
  acceptanceFactor: number;
  /** Time constant of the decay of the learned factor towards 1. */
  decayMs: number;
}

export const defaultTriggerPolicyOptions: TriggerPolicyOptions = {
  baseDelayMs: 60,
  minDelayMs: 25,
  maxDelayMs: 1500,
  explicitRejectionFactor: 1.5,
  implicitRejectionFactor: 1.15,
  acceptanceFactor: 0.8,
  decayMs: 10 * 60_000,
};

export type TriggerReason = 'explicit' | 'after-accept' | 'line-start' | 'typing';

/** After this many failed requests in a row, automatic requests pause (doubling up to a minute). */
const FAILURE_PAUSE_BASE_MS = 2000;
const FAILURE_PAUSE_MAX_MS = 60_000;

export interface TriggerDecision {
  reason: TriggerReason;
  delayMs: number;
  /** No automatic request now: the model server failed and is given time to recover. */
  paused?: boolean;
}

export type RejectionKind = 'explicit' | 'implicit';

export class TriggerPolicy {
  private readonly options: TriggerPolicyOptions;
  /** Natural log of the learned factor; 0 means the base delay. */
  private logFactor = 0;
  private updatedAt: number;
  private acceptedSinceLastRequest = false;
  private failures = 0;
  private pausedUntil = 0;

  constructor(
    options: Partial<TriggerPolicyOptions> = {},
    private readonly now: () => number = () => performance.now(),
  ) {
    this.options = { ...defaultTriggerPolicyOptions, ...options };
    this.updatedAt = now();
  }

  /** Decides how long to wait before sending a request for the cursor's line prefix. */
  decide(input: { explicit: boolean; linePrefix: string }): TriggerDecision {
    const afterAccept = this.acceptedSinceLastRequest;
    this.acceptedSinceLastRequest = false;
    if (input.explicit) return { reason: 'explicit', delayMs: 0 };
    if (this.now() < this.pausedUntil) {
      this.acceptedSinceLastRequest = afterAccept;
      return { reason: 'typing', delayMs: 0, paused: true };
    }
    if (afterAccept) return { reason: 'after-accept', delayMs: 0 };
    if (input.linePrefix.trim() === '') return { reason: 'line-start', delayMs: 0 };
    return { reason: 'typing', delayMs: this.currentDelayMs() };
  }

  /** The wait applied to an ordinary keystroke right now. */
  currentDelayMs(): number {
    const { baseDelayMs, minDelayMs, maxDelayMs } = this.options;
    const delay = baseDelayMs * Math.exp(this.decayedLogFactor());
    return Math.round(Math.min(maxDelayMs, Math.max(minDelayMs, delay)));
  }

  recordAccepted(): void {
    this.adjust(this.options.acceptanceFactor);
    this.acceptedSinceLastRequest = true;
  }

  recordRejected(kind: RejectionKind): void {
    this.adjust(
      kind === 'explicit' ? this.options.explicitRejectionFactor : this.options.implicitRejectionFactor,
    );
  }

  /**
   * A request failed (server down, overloaded, rate-limited): automatic requests pause for 2 s, doubling
   * with each failure in a row up to a minute, or for as long as the server asked. Asking explicitly
   * still sends a request.
   */
  recordFailure(retryAfterMs?: number): void {
    this.failures++;
    const backoff = Math.min(FAILURE_PAUSE_MAX_MS, FAILURE_PAUSE_BASE_MS * 2 ** (this.failures - 1));
    this.pausedUntil = this.now() + Math.max(backoff, retryAfterMs ?? 0);
  }

  /** A request succeeded: the server is back. */
  recordSuccess(): void {
    this.failures = 0;
    this.pausedUntil = 0;
  }

  private adjust(factor: number): void {
    const { baseDelayMs, minDelayMs, maxDelayMs } = this.options;
    // Keep the learned factor within what the clamp can express, so a long run of rejections does
    // not need as long a run of acceptances to come back.
    const low = Math.log(minDelayMs / baseDelayMs);
    const high = Math.log(maxDelayMs / baseDelayMs);
    this.logFactor = Math.min(high, Math.max(low, this.decayedLogFactor() + Math.log(factor)));
    this.updatedAt = this.now();
  }

  private decayedLogFactor(): number {
    const elapsed = Math.max(0, this.now() - this.updatedAt);
    return this.logFactor * Math.exp(-elapsed / this.options.decayMs);
  }
}
