/**
 * One fill request on its way: reads the model's stream, notices when the suggestion is already
 * complete (one-line places: at the first line end; block starts: once the block has ended) and then
 * answers; it stops the stream then so the server stops generating, or, at the end of a line, once the
 * next few lines have come too. It tells whether its answer can still be shown at a later cursor
 * position.
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

/**
 * At the end of a line, a one-line request also reads this many of the lines the model writes after it
 * (the suggestion shown is still the one line): they are what the model would say at the start of each
 * next line once the user has typed the lines before it, so they are cached there instead of asking
 * again after Enter.
 */
export const NEXT_LINES = 3;

export class InFlightRequest {
  /** Raw text received so far, per candidate. */
  private readonly received: string[] = [];
  private abortedByUs = false;
  private settleFinished!: (outcome: InFlightOutcome | PromiseLike<InFlightOutcome>) => void;
  /** The answer for the request's own position: settles as soon as the suggestion is complete. */
  readonly finished = new Promise<InFlightOutcome>((resolve) => (this.settleFinished = resolve));
  /**
   * With `nextLines`: each candidate's raw text (restored) once the lines after the cursor's line have
   * come (or the stream ended); undefined when the request was stopped or failed first.
   */
  readonly continued: Promise<string[] | undefined>;
  firstTokenAt: number | undefined;
  finishedAt: number | undefined;

  /**
   * `nextLines`: read on past the cursor's line for up to NEXT_LINES more lines (a one-line place at the
   * end of its line); otherwise the stream is stopped once the suggestion is complete.
   */
  constructor(
    readonly anchor: RequestAnchor,
    readonly gated: GatedCall,
    readonly cleaning: CleaningContext,
    readonly candidates: number,
    private readonly now: () => number,
    readonly nextLines = false,
  ) {
    this.continued = this.read();
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

  private texts(): string[] {
    const texts: string[] = [];
    for (let i = 0; i < Math.max(1, this.received.length); i++)
      texts.push(this.gated.restore(this.received[i] ?? '').text);
    return texts;
  }

  private async read(): Promise<string[] | undefined> {
    const multiLine = this.multiLine;
    const readOn = this.nextLines && !multiLine;
    let answered = false;
    const answer = (outcome: InFlightOutcome) => {
      if (answered) return;
      answered = true;
      this.finishedAt = this.now();
      this.settleFinished(outcome);
    };
    try {
      let stoppedEarly = false;
      for await (const delta of this.gated.call) {
        if (this.firstTokenAt === undefined) this.firstTokenAt = this.now();
        this.received[delta.index] = (this.received[delta.index] ?? '') + delta.text;
        if (!answered && this.complete(multiLine)) {
          stoppedEarly = true;
          if (!readOn) break; // leaving the loop aborts the call: the rest would be cut by cleaning anyway
          // The suggestion is complete: show it now, and read on for the next lines.
          answer({ kind: 'ok', texts: this.texts(), endsLine: true });
        }
        if (answered && this.linesComplete(1 + NEXT_LINES)) break;
      }
      if (this.abortedByUs) {
        answer({ kind: 'cancelled' });
        return undefined;
      }
      if (!answered) {
        let endsLine = !multiLine && stoppedEarly;
        if (!multiLine && !stoppedEarly) {
          const result = await this.gated.call.result;
          endsLine = result.choices.every((choice) => choice.finishReason === 'stop');
        }
        answer({ kind: 'ok', texts: this.texts(), endsLine });
        return undefined;
      }
      return this.texts();
    } catch (error) {
      if (this.abortedByUs || (isModelError(error) && error.kind === 'cancelled'))
        answer({ kind: 'cancelled' });
      else if (isModelError(error)) answer({ kind: 'error', error });
      else if (!answered) {
        this.finishedAt = this.now();
        this.settleFinished(Promise.reject(error));
        answered = true;
      }
      return undefined;
    }
  }

  /** Every candidate holds at least `lines` line ends. */
  private linesComplete(lines: number): boolean {
    return this.received.every((text) => text.split('\n').length > lines);
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
