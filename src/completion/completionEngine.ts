/**
 * The inline-suggestion pipeline without the editor: for a cursor position it answers from the cache
 * (type-along, Backspace), or waits for the request already in flight when its answer can still be
 * shown, or decides with the trigger policy when to send a new one, builds the context within the
 * budget, sends it through the trust gate, cleans what comes back and caches it. The VS Code provider
 * and the bench both drive this class.
 */
import type { ModelError, PromptFormatSetting } from '../model';
import { isTrustExclusionError, type GatedCall, type GateFillRequest } from '../trust';
import { raceAbort, sleep } from './abortable';
import { cleanCompletion } from './cleaning/cleanCompletion';
import type { ContextSources } from './context/promptContext';
import type { CursorPosition, DocumentText } from './documentText';
import type { ProjectInstructions } from '../instructions/projectInstructions';
import { cursorStateOf, prepareFill } from './fillRequest';
import { InFlightRequest, MAX_TYPED_CHARS, NEXT_LINES } from './inFlightRequest';
import { nextLinePlaces } from './nextLines';
import { ANCHOR_CHARS, SuggestionCache, typedSince, type CursorState } from './suggestionCache';
import { TriggerPolicy, type TriggerReason } from './triggerPolicy';

export { cleaningContextOf, cursorStateOf } from './fillRequest';

/** The trust gate as the engine uses it. */
export interface CompletionGate {
  isExcluded(path: string): boolean;
  /** A sentence saying which rule keeps a file from being sent. */
  explainExclusion(path: string): string;
  fill(request: GateFillRequest): GatedCall;
}

export interface CompletionSettings {
  readonly model: string;
  readonly format: PromptFormatSetting;
  readonly maxPromptTokens: number;
  /** Candidates asked for on an automatic trigger; an explicit one asks for at least 3. */
  readonly candidates: number;
  readonly maxTokensSingleLine: number;
  readonly maxTokensMultiLine: number;
  readonly temperature: number;
}

export interface CompletionInput {
  readonly doc: DocumentText;
  readonly pos: CursorPosition;
  /** The user asked (Alt+\ or cycling), rather than typing. */
  readonly explicit: boolean;
  /** The editor's indentation: "\t" or spaces, and the tab width. */
  readonly indentUnit: string;
  readonly tabSize: number;
  /** Aborted when the editor no longer wants this answer (the next keystroke). */
  readonly signal: AbortSignal;
}

export interface CompletionResult {
  /** What to show at the cursor, best first; never empty. */
  readonly suggestions: readonly string[];
  /** The cache entry they come from (passed back on acceptance). */
  readonly entryId: number;
  /** How the answer was found. */
  readonly source: 'cache' | 'in-flight' | 'request';
}

export interface RequestMetrics {
  readonly reason: TriggerReason;
  /** Building the context and the prompt, through the trust gate. */
  readonly promptBuildMs: number;
  /** Cleaning the answer and caching it. */
  readonly cleanMs: number;
  /** The same two stages in CPU time of this thread, when the engine was given a `cpuClock`. */
  readonly promptBuildCpuMs?: number;
  readonly cleanCpuMs?: number;
  /** Request sent until the first token arrived. */
  readonly firstTokenMs?: number;
  /** From the decision to send until the cleaned answer was ready. */
  readonly totalMs: number;
  readonly outcome: 'ok' | 'empty' | 'error' | 'cancelled';
  readonly requestRecordId: number;
  readonly promptTokens: number;
  /** The cache entry holding the cleaned answer, when there was one. */
  readonly entryId?: number;
}

export type EngineStatus =
  | { readonly state: 'idle'; readonly last?: RequestMetrics }
  | { readonly state: 'waiting' }
  | { readonly state: 'error'; readonly error: ModelError; readonly last?: RequestMetrics }
  /** The trust gate refused the file: nothing from it is sent. `message` says which rule. */
  | { readonly state: 'excluded'; readonly message: string; readonly last?: RequestMetrics };

export interface CompletionEngineOptions {
  readonly gate: CompletionGate;
  readonly settings: () => CompletionSettings;
  readonly sources?: ContextSources;
  /** The project's instruction files that apply to a file (AGENTS.md, *.instructions.md, ...). */
  readonly instructions?: (path: string) => ProjectInstructions;
  readonly policy?: TriggerPolicy;
  readonly cache?: SuggestionCache;
  readonly now?: () => number;
  /**
   * This thread's CPU time in ms (the bench passes one): lets the metrics tell Tandem's own work from
   * time the process spent waiting for a busy machine's cores.
   */
  readonly cpuClock?: () => number;
  readonly onStatus?: (status: EngineStatus) => void;
  readonly onRequestFinished?: (metrics: RequestMetrics) => void;
  readonly onError?: (error: ModelError) => void;
}

interface InFlight {
  readonly request: InFlightRequest;
  /** Settles once the answer is cleaned and cached (with its entry id) or came to nothing. */
  readonly processed: Promise<number | undefined>;
  /** Settles once the lines after the request's line are cached too (or will not come). */
  readonly continued: Promise<void>;
}

/** A suggestion that was handed to the editor, until it is accepted, typed out or given up. */
interface Shown {
  readonly entryId: number;
  readonly anchor: CursorState & { anchor: string };
  readonly suggestions: readonly string[];
}

export class CompletionEngine {
  readonly policy: TriggerPolicy;
  readonly cache: SuggestionCache;
  private readonly now: () => number;
  private inFlight: InFlight | undefined;
  private shown: Shown | undefined;
  private lastMetrics: RequestMetrics | undefined;
  private disposed = false;

  constructor(private readonly options: CompletionEngineOptions) {
    this.now = options.now ?? (() => performance.now());
    this.policy = options.policy ?? new TriggerPolicy({}, this.now);
    this.cache = options.cache ?? new SuggestionCache();
  }

  /** What to show at the cursor, or undefined (nothing to show, excluded file, or cancelled). */
  async provide(input: CompletionInput): Promise<CompletionResult | undefined> {
    if (this.disposed || input.signal.aborted) return undefined;
    if (this.options.gate.isExcluded(input.doc.path)) {
      // Nothing from an excluded file is sent; the status says so, and which rule.
      this.options.onStatus?.({
        state: 'excluded',
        message: this.options.gate.explainExclusion(input.doc.path),
        last: this.lastMetrics,
      });
      return undefined;
    }
    const cursor = cursorStateOf(input.doc, input.pos);
    this.settleShown(cursor);

    const hit = this.cache.lookup(cursor);
    if (hit && (!input.explicit || hit.remaining.length > 1)) {
      return this.show(hit.entry.id, hit.remaining, cursor, hit.typed, 'cache');
    }

    // The user typed a suggestion out to the end of a line the model had finished: nothing to ask.
    if (!input.explicit && this.cache.completedHere(cursor)) return undefined;

    const inFlight = this.inFlight;
    if (inFlight && !input.explicit && inFlight.request.canStillShow(cursor)) {
      // Its answer may still fit what was typed since: wait for it rather than asking again.
      await raceAbort(inFlight.processed, input.signal);
      if (input.signal.aborted || this.disposed) return undefined;
      let after = this.cache.lookup(cursor);
      if (!after && this.inFlight === inFlight && inFlight.request.canStillShow(cursor)) {
        // Past the request's own line (Enter after typing it): the next lines may still be coming.
        await raceAbort(inFlight.continued, input.signal);
        if (input.signal.aborted || this.disposed) return undefined;
        after = this.cache.lookup(cursor);
      }
      if (after) return this.show(after.entry.id, after.remaining, cursor, after.typed, 'in-flight');
    } else if (inFlight) {
      this.abortInFlight();
    }

    const decision = this.policy.decide({
      explicit: input.explicit,
      linePrefix: input.doc.lineAt(input.pos.line).slice(0, input.pos.character),
    });
    if (decision.paused) return undefined;
    if (decision.delayMs > 0 && !(await sleep(decision.delayMs, input.signal))) return undefined;
    if (input.signal.aborted || this.disposed) return undefined;
    // Only one request whose answer can still be shown at a time.
    if (this.inFlight) this.abortInFlight();
    const started = this.send(input, cursor, decision.reason);
    if (!started) return undefined;
    const entryId = await raceAbort(started.processed, input.signal);
    if (entryId === undefined || input.signal.aborted) return undefined;
    // The request's own answer (the cursor has not moved, or the signal would be aborted).
    const answer = this.cache.lookup(cursor);
    return answer ? this.show(answer.entry.id, answer.remaining, cursor, answer.typed, 'request') : undefined;
  }

  /** The user accepted a suggestion (Tab, or a partial accept). */
  accepted(entryId?: number): void {
    if (entryId === undefined || this.shown?.entryId === entryId) this.shown = undefined;
    this.policy.recordAccepted();
  }

  /** The user dismissed the suggestion (Escape). */
  dismissed(): void {
    if (!this.shown) return;
    this.shown = undefined;
    this.policy.recordRejected('explicit');
  }

  /** The cursor moved or the text changed: stops a request whose answer can no longer be shown. */
  cursorChanged(doc: DocumentText, pos: CursorPosition): void {
    const inFlight = this.inFlight;
    if (!inFlight || inFlight.request.anchor.docKey !== doc.key) return;
    if (!inFlight.request.canStillShow(cursorStateOf(doc, pos))) this.abortInFlight();
  }

  /** Forgets a closed document. */
  documentClosed(docKey: string): void {
    this.cache.forgetDocument(docKey);
    if (this.inFlight?.request.anchor.docKey === docKey) this.abortInFlight();
  }

  /** Stops the request in flight, if any (suggestions were turned off). */
  cancel(): void {
    this.abortInFlight();
  }

  get requestInFlight(): boolean {
    return this.inFlight !== undefined;
  }

  dispose(): void {
    this.disposed = true;
    this.abortInFlight();
    this.cache.clear();
  }

  private abortInFlight(): void {
    this.inFlight?.request.abort();
    this.inFlight = undefined;
  }

  /** Builds the prompt and sends it through the gate; undefined when the gate refuses the file. */
  private send(input: CompletionInput, cursor: CursorState, reason: TriggerReason): InFlight | undefined {
    const startedAt = this.now();
    const cpuStart = this.options.cpuClock?.();
    const {
      cleaning,
      context,
      candidates,
      nextLines,
      request: fill,
    } = prepareFill(
      input,
      this.options.settings(),
      this.options.sources,
      input.explicit,
      this.options.instructions?.(input.doc.path),
    );
    const anchor = { ...cursor, anchor: cursor.before.slice(-ANCHOR_CHARS) };
    let gated: GatedCall;
    try {
      gated = this.options.gate.fill(fill);
    } catch (error) {
      // The gate refuses excluded files: nothing was sent, nothing to show, and the status says why.
      if (isTrustExclusionError(error)) {
        this.options.onStatus?.({ state: 'excluded', message: error.message, last: this.lastMetrics });
        return undefined;
      }
      throw error;
    }
    const promptBuiltAt = this.now();
    const promptBuildCpuMs = cpuStart === undefined ? undefined : this.options.cpuClock!() - cpuStart;
    const request = new InFlightRequest(anchor, gated, cleaning, candidates, this.now, nextLines);
    const inFlight: InFlight = {
      request,
      processed: this.process(request, {
        reason,
        startedAt,
        promptBuildMs: promptBuiltAt - startedAt,
        promptBuildCpuMs,
        promptTokens: context.tokens.total,
      }),
      continued: this.cacheNextLines(request),
    };
    this.inFlight = inFlight;
    this.options.onStatus?.({ state: 'waiting' });
    return inFlight;
  }

  /** Waits for the answer, cleans and caches it, reports; resolves with the cache entry id, if any. */
  private async process(
    request: InFlightRequest,
    sent: {
      reason: TriggerReason;
      startedAt: number;
      promptBuildMs: number;
      promptBuildCpuMs: number | undefined;
      promptTokens: number;
    },
  ): Promise<number | undefined> {
    const outcome = await request.finished;
    // A request reading on for the next lines stays in flight until they have come.
    if (this.inFlight?.request === request && !(outcome.kind === 'ok' && request.nextLines))
      this.inFlight = undefined;
    const current = !this.inFlight || this.inFlight.request === request;
    const cleanStart = this.now();
    const cleanCpuStart = this.options.cpuClock?.();
    let entryId: number | undefined;
    let suggestions: string[] = [];
    if (outcome.kind === 'ok') {
      suggestions = [...new Set(outcome.texts.map((text) => cleanCompletion(text, request.cleaning)))].filter(
        Boolean,
      );
      if (suggestions.length) entryId = this.cache.add(request.anchor, suggestions, outcome.endsLine).id;
    }
    const cleanedAt = this.now();
    const cleanCpuMs = cleanCpuStart === undefined ? undefined : this.options.cpuClock!() - cleanCpuStart;
    const record = request.gated.call.record;
    const metrics: RequestMetrics = {
      reason: sent.reason,
      promptBuildMs: sent.promptBuildMs,
      cleanMs: cleanedAt - cleanStart,
      promptBuildCpuMs: sent.promptBuildCpuMs,
      cleanCpuMs,
      firstTokenMs:
        request.firstTokenAt !== undefined && record.sentAt !== undefined
          ? Math.max(0, request.firstTokenAt - record.sentAt)
          : undefined,
      totalMs: cleanedAt - sent.startedAt,
      outcome: outcome.kind === 'ok' ? (suggestions.length ? 'ok' : 'empty') : outcome.kind,
      requestRecordId: record.id,
      promptTokens: sent.promptTokens,
      entryId,
    };
    this.options.onRequestFinished?.(metrics);
    if (outcome.kind === 'error') {
      this.policy.recordFailure(outcome.error.retryAfterMs);
      this.options.onError?.(outcome.error);
      this.options.onStatus?.({ state: 'error', error: outcome.error, last: this.lastMetrics });
    } else if (outcome.kind === 'ok') {
      this.policy.recordSuccess();
      this.lastMetrics = metrics;
      if (current) this.options.onStatus?.({ state: 'idle', last: metrics });
    } else if (current) {
      this.options.onStatus?.({ state: 'idle', last: this.lastMetrics });
    }
    return entryId;
  }

  /**
   * Once a request at the end of a line has the lines after it, caches each where the user will be
   * after typing the lines before it and pressing Enter (see nextLines.ts): no request is made there.
   */
  private async cacheNextLines(request: InFlightRequest): Promise<void> {
    const texts = await request.continued;
    if (this.inFlight?.request === request) this.inFlight = undefined;
    if (!texts || this.disposed) return;
    for (const text of texts)
      for (const place of nextLinePlaces(request.anchor, request.cleaning, text, NEXT_LINES))
        this.cache.add(place.anchor, [place.suggestion], true);
  }

  private show(
    entryId: number,
    suggestions: readonly string[],
    cursor: CursorState,
    typed: string,
    source: CompletionResult['source'],
  ): CompletionResult {
    const entry = { entryId, suggestions: suggestions.map((rest) => typed + rest) };
    if (this.shown?.entryId !== entryId) {
      const anchorBefore = cursor.before.slice(0, cursor.before.length - typed.length);
      this.shown = {
        ...entry,
        anchor: {
          docKey: cursor.docKey,
          offset: cursor.offset - typed.length,
          before: anchorBefore,
          after: cursor.after,
          anchor: anchorBefore.slice(-ANCHOR_CHARS),
        },
      };
    }
    return { suggestions, entryId, source };
  }

  /**
   * Settles the suggestion shown last against where the cursor is now: typed out to its end counts
   * as an acceptance; left (typed something else, moved away) as a rejection; still being typed, neither.
   */
  private settleShown(cursor: CursorState): void {
    const shown = this.shown;
    if (!shown) return;
    const typed = typedSince(shown.anchor, cursor, MAX_TYPED_CHARS);
    if (typed !== undefined && shown.suggestions.some((text) => text.startsWith(typed))) {
      if (shown.suggestions.some((text) => text.trimEnd() === typed.trimEnd())) {
        this.shown = undefined;
        this.policy.recordAccepted();
      }
      return;
    }
    this.shown = undefined;
    this.policy.recordRejected('implicit');
  }
}
