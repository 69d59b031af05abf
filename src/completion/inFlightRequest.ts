/**
 * One fill request on its way: reads the model's stream, notices when the suggestion is already
 * complete (one-line places: at the first line end; block starts: once the block has ended) and then
 * stops the stream so the server stops generating, and tells whether its answer can still be shown at
 * a later cursor position.
 */
import { isModelError, type ModelError } from '../model';
import type { GatedCall } from '../trust';
import { limitToBlock, emptyBlockStart } from './cleaning/blockShape';
import type { CleaningContext } from './cleaning/cleaningContext';
import { MAX_SUGGESTION_LINES } from './cleaning/cleanCompletion';
import { typedSince, type CursorState, type RequestAnchor } from './suggestionCache';

/** The longest stretch of typing (in characters) over which a request's answer may still be shown. */
export const MAX_TYPED_CHARS = 2000;

export type InFlightOutcome =
  /** `endsLine`: a one-line answer the model finished at the line end (not cut by the token limit). */
  | { kind: 'ok'; texts: string[]; endsLine: boolean }
  | { kind: 'error'; error: ModelError }
  | { kind: 'cancelled' };

export class InFlightRequest {
  /** Raw text received so far, per candidate. */
  private readonly received: string[] = [];
  private abortedByUs = false;
  readonly finished: Promise<InFlightOutcome>;
  firstTokenAt: number | undefined;
  finishedAt: number | undefined;

  constructor(
    readonly anchor: RequestAnchor,
    readonly gated: GatedCall,
    readonly cleaning: CleaningContext,
    readonly candidates: number,
    private readonly now: () => number,
  ) {
    this.finished = this.read();
  }

  get multiLine(): boolean {
    return emptyBlockStart(this.cleaning) !== undefined;
  }

  /** Stops the request (the HTTP request is aborted, the server stops generating). */
  abort(): void {
    this.abortedByUs = true;
    this.gated.call.abort();
  }

  get aborted(): boolean {
    return this.abortedByUs;
  }

  /**
   * Whether the answer can still be shown at `cursor`: the cursor is reachable from the request by
   * typing, and what was typed agrees with the start of some candidate received so far (leading
   * whitespace aside: cleaning may re-indent it).
   */
  canStillShow(cursor: CursorState): boolean {
    if (this.abortedByUs) return false;
    const typed = typedSince(this.anchor, cursor, MAX_TYPED_CHARS);
    if (typed === undefined) return false;
    if (typed === '') return true;
    if (this.received.length === 0) return true;
    const typedStart = typed.trimStart();
    return this.received.some((text) => {
      const start = text.trimStart();
      return start.startsWith(typedStart) || typedStart.startsWith(start);
    });
  }

  private async read(): Promise<InFlightOutcome> {
    const multiLine = this.multiLine;
    try {
      let stoppedEarly = false;
      for await (const delta of this.gated.call) {
        if (this.firstTokenAt === undefined) this.firstTokenAt = this.now();
        this.received[delta.index] = (this.received[delta.index] ?? '') + delta.text;
        if (this.complete(multiLine)) {
          // Leaving the loop aborts the call: the rest would be cut by cleaning anyway.
          stoppedEarly = true;
          break;
        }
      }
      this.finishedAt = this.now();
      if (this.abortedByUs) return { kind: 'cancelled' };
      const texts: string[] = [];
      for (let i = 0; i < Math.max(1, this.received.length); i++)
        texts.push(this.gated.restore(this.received[i] ?? '').text);
      let endsLine = !multiLine && stoppedEarly;
      if (!multiLine && !stoppedEarly) {
        const result = await this.gated.call.result;
        endsLine = result.choices.every((choice) => choice.finishReason === 'stop');
      }
      return { kind: 'ok', texts, endsLine };
    } catch (error) {
      this.finishedAt = this.now();
      if (this.abortedByUs || (isModelError(error) && error.kind === 'cancelled'))
        return { kind: 'cancelled' };
      if (isModelError(error)) return { kind: 'error', error };
      throw error;
    }
  }

  /** Every candidate already holds all that cleaning would keep of it. */
  private complete(multiLine: boolean): boolean {
    if (this.received.length < this.candidates) return false;
    return this.received.every((text) => {
      if (!multiLine) return text.includes('\n');
      const lines = text.split('\n');
      const whole = lines.slice(0, -1); // the last line may still be growing
      if (whole.length >= MAX_SUGGESTION_LINES) return true;
      const block = emptyBlockStart(this.cleaning);
      return block !== undefined && limitToBlock(whole, block, this.cleaning.tabSize).length < whole.length;
    });
  }
}
