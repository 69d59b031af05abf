/**
 * Next-edit prediction without the editor. After each edit it waits (the completion pipeline's adaptive
 * wait and failure back-off, `TriggerPolicy`), asks the model through the trust gate to rewrite the
 * region around the cursor given the recent edits, and turns the answer into edits. At most one request
 * is in flight; an edit in its document aborts it (its region may have changed), and an answer whose
 * region changed meanwhile is dropped. One suggestion is shown at a time: the edit nearest the cursor,
 * shown at the cursor (ghost text) or where it would land, reached with a jump.
 */
import type { ProjectInstructions } from '../instructions/projectInstructions';
import { raceAbort, sleep } from '../completion/abortable';
import { TriggerPolicy } from '../completion/triggerPolicy';
import { isModelError, type ModelError } from '../model';
import {
  isTrustControlTokenError,
  isTrustExclusionError,
  type GateChatRequest,
  type GatedCall,
  type GateRawRequest,
} from '../trust';
import { answerToEdits } from './answerToEdits';
import { EditHistory } from './editHistory';
import {
  buildNextEditPrompt,
  regionShapeOf,
  resolveNextEditFormat,
  type NextEditFormat,
  type NextEditFormatSetting,
} from './promptFormats';
import { chooseRegion, type Region } from './region';
import {
  comparePositions,
  rangesTouch,
  transformPosition,
  type DocumentChange,
  type NextEdit,
  type Position,
  type Range,
} from './types';

/** The trust gate as next-edit uses it. */
export interface NextEditGate {
  isExcluded(path: string): boolean;
  explainExclusion(path: string): string;
  chat(request: GateChatRequest): GatedCall;
  raw(request: GateRawRequest): GatedCall;
}

export interface NextEditSettings {
  readonly model: string;
  readonly format: NextEditFormatSetting;
  readonly maxTokens: number;
  readonly temperature: number;
}

/** A document as the engine sees it: the adapter's key, the trust path, the language. */
export interface NextEditDocument {
  readonly key: string;
  readonly path: string;
  readonly languageId: string;
}

export interface NextEditMetrics {
  readonly format: NextEditFormat;
  /** Edit seen until the suggestion was ready (wait, prompt, model, parsing). */
  readonly totalMs: number;
  /** Request sent until the answer was complete. */
  readonly modelMs?: number;
  /** Tandem's own work: building the prompt and turning the answer into edits. */
  readonly ownMs: number;
  readonly outcome: 'ok' | 'no-edit' | 'stale' | 'error' | 'cancelled';
  readonly edits: number;
  readonly notes: readonly string[];
  readonly requestRecordId: number;
}

export type NextEditStatus =
  | { readonly state: 'idle'; readonly last?: NextEditMetrics }
  | { readonly state: 'waiting' }
  | { readonly state: 'shown'; readonly edits: number; readonly last?: NextEditMetrics }
  | { readonly state: 'error'; readonly error: ModelError }
  /** Nothing was sent: the file is excluded, or holds a control token of the model's format. */
  | { readonly state: 'not-sent'; readonly message: string };

/** What to show: the edit, and what Tab does with it. */
export interface ShownEdit {
  readonly docKey: string;
  readonly edit: NextEdit;
  /** `ghost`: an insertion at the cursor; `accept`: Tab applies it; `jump`: Tab moves the cursor to it. */
  readonly mode: 'ghost' | 'accept' | 'jump';
  /** Edits of the same prediction still to come after this one. */
  readonly remaining: number;
}

export interface NextEditEngineOptions {
  readonly gate: NextEditGate;
  readonly settings: () => NextEditSettings;
  readonly policy?: TriggerPolicy;
  readonly history?: EditHistory;
  readonly now?: () => number;
  readonly onStatus?: (status: NextEditStatus) => void;
  /** The suggestion to show changed (a new one, or none). */
  readonly onSuggestion?: (docKey: string) => void;
  readonly onRequestFinished?: (metrics: NextEditMetrics) => void;
  readonly onError?: (error: ModelError) => void;
  /**
   * The project's instruction files for a path (AGENTS.md and the like). They go with the generic chat
   * format, in its system message; the native formats are the models' trained prompts and take none.
   */
  readonly instructions?: (path: string) => ProjectInstructions | undefined;
}

interface Prediction {
  readonly docKey: string;
  /** The region the model rewrote, moved along with later edits around it. */
  region: Range;
  edits: NextEdit[];
}

interface InFlight {
  readonly docKey: string;
  readonly controller: AbortController;
}

/**
 * Wait before asking, by default: shorter than ghost text's (a request the next keystroke makes stale
 * is aborted at once), adapted and backed off the same way.
 */
export const NEXT_EDIT_BASE_DELAY_MS = 20;
export const NEXT_EDIT_MIN_DELAY_MS = 10;

export class NextEditEngine {
  readonly policy: TriggerPolicy;
  readonly history: EditHistory;
  private readonly now: () => number;
  private inFlight: InFlight | undefined;
  private prediction: Prediction | undefined;
  private last: NextEditMetrics | undefined;
  private disposed = false;

  constructor(private readonly options: NextEditEngineOptions) {
    this.now = options.now ?? (() => performance.now());
    this.policy =
      options.policy ??
      new TriggerPolicy(
        { baseDelayMs: NEXT_EDIT_BASE_DELAY_MS, minDelayMs: NEXT_EDIT_MIN_DELAY_MS },
        this.now,
      );
    this.history = options.history ?? new EditHistory();
  }

  /** Starts following a document (opened, or first seen). */
  documentOpened(doc: NextEditDocument, text: string): void {
    if (!this.history.isTracked(doc.key)) this.history.track(doc.key, text);
  }

  documentClosed(docKey: string): void {
    this.history.forget(docKey);
    if (this.inFlight?.docKey === docKey) this.abortInFlight();
    if (this.prediction?.docKey === docKey) this.clearPrediction();
  }

  /**
   * The document changed (`changes` in the order they apply). `accepted`: the change is a suggestion
   * being applied; `predict` false: a change that asks for no prediction (undo, another editor's). Returns a promise that settles once the prediction this edit asks for is ready or
   * given up (the adapter need not wait for it).
   */
  documentChanged(
    doc: NextEditDocument,
    changes: readonly DocumentChange[],
    cursor: Position,
    accepted = false,
    predict = true,
  ): Promise<void> {
    if (this.disposed || !this.history.isTracked(doc.key)) return Promise.resolve();
    this.history.record(doc.key, doc.path, changes);
    this.moveOrDropPrediction(doc.key, changes, accepted);
    if (this.inFlight?.docKey === doc.key) this.abortInFlight();
    if (!predict) return Promise.resolve();
    // A prediction still holding edits needs no new request: the next Tab shows its next edit.
    if (this.prediction?.docKey === doc.key && this.prediction.edits.length) return Promise.resolve();
    if (accepted) this.policy.recordAccepted();
    return this.predict(doc, cursor);
  }

  /** What to show at `cursor` in a document, if anything. */
  shown(docKey: string, cursor: Position): ShownEdit | undefined {
    const prediction = this.prediction;
    if (!prediction || prediction.docKey !== docKey || !prediction.edits.length) return undefined;
    const edit = nearest(prediction.edits, cursor);
    const start = edit.range.start;
    const mode =
      edit.oldText === '' && comparePositions(start, cursor) === 0 && !edit.text.startsWith('\n')
        ? 'ghost'
        : start.line === cursor.line || (edit.range.end.line >= cursor.line && start.line <= cursor.line)
          ? 'accept'
          : 'jump';
    return { docKey, edit, mode, remaining: prediction.edits.length - 1 };
  }

  /**
   * The user accepted `edit` (Tab): it leaves the prediction, and the adapter applies it (its change
   * then comes back through `documentChanged` with `accepted`).
   */
  take(docKey: string, edit: NextEdit): boolean {
    const prediction = this.prediction;
    if (!prediction || prediction.docKey !== docKey) return false;
    const index = prediction.edits.indexOf(edit);
    if (index < 0) return false;
    prediction.edits.splice(index, 1);
    return true;
  }

  /** Escape: the suggestion is dismissed (and the wait before the next one grows). */
  dismiss(): void {
    if (!this.prediction) return;
    this.clearPrediction();
    this.policy.recordRejected('explicit');
    this.options.onStatus?.({ state: 'idle', last: this.last });
  }

  /** Stops everything (turned off). */
  cancel(): void {
    this.abortInFlight();
    if (this.prediction) this.clearPrediction();
  }

  get requestInFlight(): boolean {
    return this.inFlight !== undefined;
  }

  dispose(): void {
    this.disposed = true;
    this.abortInFlight();
    this.prediction = undefined;
    this.history.clear();
  }

  private async predict(doc: NextEditDocument, cursor: Position): Promise<void> {
    const gate = this.options.gate;
    if (gate.isExcluded(doc.path)) {
      this.options.onStatus?.({ state: 'not-sent', message: gate.explainExclusion(doc.path) });
      return;
    }
    const editAt = this.now();
    const controller = new AbortController();
    const inFlight: InFlight = { docKey: doc.key, controller };
    this.inFlight = inFlight;
    const lines = this.history.linesOf(doc.key) ?? [];
    const decision = this.policy.decide({
      explicit: false,
      linePrefix: (lines[cursor.line] ?? '').slice(0, cursor.character),
    });
    if (decision.paused || !(await sleep(decision.delayMs, controller.signal)) || this.disposed) {
      if (this.inFlight === inFlight) this.inFlight = undefined;
      return;
    }
    const settings = this.options.settings();
    const format = resolveNextEditFormat(settings.format, settings.model);
    const ownStart = this.now();
    const region = chooseRegion(lines, cursor, regionShapeOf(format));
    const history = this.history.recent();
    const prompt = buildNextEditPrompt(format, {
      path: doc.path,
      languageId: doc.languageId,
      region,
      history,
    });
    let gated: GatedCall;
    try {
      const common = {
        feature: 'next-edit',
        model: settings.model,
        maxTokens: settings.maxTokens,
        temperature: settings.temperature,
        stream: true,
        signal: controller.signal,
      };
      gated =
        prompt.kind === 'chat'
          ? gate.chat({
              ...common,
              system: prompt.system,
              project: this.options.instructions?.(doc.path),
              instructions: prompt.instructions,
              context: prompt.context,
              stop: prompt.stop,
            })
          : gate.raw({
              ...common,
              document: { path: doc.path },
              pieces: prompt.pieces,
              controlTokens: prompt.controlTokens,
              stop: prompt.stop,
              render: prompt.render,
            });
    } catch (error) {
      if (this.inFlight === inFlight) this.inFlight = undefined;
      if (isTrustExclusionError(error) || isTrustControlTokenError(error)) {
        this.options.onStatus?.({ state: 'not-sent', message: error.message });
        return;
      }
      throw error;
    }
    const builtMs = this.now() - ownStart;
    this.options.onStatus?.({ state: 'waiting' });
    const record = gated.call.record;
    let answer: { text: string; finished: boolean } | ModelError | undefined;
    try {
      const result = await raceAbort(gated.call.result, controller.signal);
      answer = result && { text: result.text, finished: result.choices[0]?.finishReason === 'stop' };
    } catch (error) {
      if (!isModelError(error)) throw error;
      answer = error;
    }
    if (this.inFlight === inFlight) this.inFlight = undefined;
    const modelMs =
      record.sentAt !== undefined && record.doneAt !== undefined ? record.doneAt - record.sentAt : undefined;
    const finish = (
      outcome: NextEditMetrics['outcome'],
      edits: number,
      notes: readonly string[],
      parseMs = 0,
    ) => {
      const metrics: NextEditMetrics = {
        format,
        totalMs: this.now() - editAt,
        modelMs,
        ownMs: builtMs + parseMs,
        outcome,
        edits,
        notes,
        requestRecordId: record.id,
      };
      this.options.onRequestFinished?.(metrics);
      return metrics;
    };
    if (
      answer === undefined ||
      controller.signal.aborted ||
      (isModelError(answer) && answer.kind === 'cancelled')
    ) {
      finish('cancelled', 0, []);
      if (!this.inFlight) this.options.onStatus?.({ state: 'idle', last: this.last });
      return;
    }
    if (isModelError(answer)) {
      finish('error', 0, []);
      this.policy.recordFailure(answer.retryAfterMs);
      this.options.onError?.(answer);
      this.options.onStatus?.({ state: 'error', error: answer });
      return;
    }
    this.policy.recordSuccess();
    const parseStart = this.now();
    const now = this.history.linesOf(doc.key);
    if (!now || !sameRegion(now, region)) {
      finish('stale', 0, ['the region changed while the model answered'], this.now() - parseStart);
      return;
    }
    const restored = gated.restore(answer.text).text;
    const result = answerToEdits(restored, { region, path: doc.path, history, finished: answer.finished });
    const parseMs = this.now() - parseStart;
    if (!result.edits.length) {
      this.last = finish('no-edit', 0, result.notes, parseMs);
      this.options.onStatus?.({ state: 'idle', last: this.last });
      return;
    }
    this.prediction = {
      docKey: doc.key,
      region: {
        start: { line: region.startLine, character: 0 },
        end: { line: region.endLine - 1, character: (lines[region.endLine - 1] ?? '').length },
      },
      edits: result.edits,
    };
    this.last = finish('ok', result.edits.length, result.notes, parseMs);
    this.options.onStatus?.({ state: 'shown', edits: result.edits.length, last: this.last });
    this.options.onSuggestion?.(doc.key);
  }

  /** Moves the prediction along with a change around it; drops it when the change falls in its region. */
  private moveOrDropPrediction(docKey: string, changes: readonly DocumentChange[], accepted: boolean): void {
    const prediction = this.prediction;
    if (!prediction || prediction.docKey !== docKey) return;
    for (const change of changes) {
      const touchesEdit = prediction.edits.some((edit) => rangesTouch(edit.range, change.range));
      if (!accepted && (touchesEdit || rangesTouch(prediction.region, change.range))) {
        // The user typed in the region: the prediction no longer describes it.
        this.clearPrediction();
        return;
      }
      if (accepted && touchesEdit)
        prediction.edits = prediction.edits.filter((edit) => !rangesTouch(edit.range, change.range));
      prediction.region = moveRange(prediction.region, change);
      prediction.edits = prediction.edits.map((edit) => ({ ...edit, range: moveRange(edit.range, change) }));
    }
    if (!prediction.edits.length) this.clearPrediction();
    else this.options.onSuggestion?.(docKey);
  }

  private clearPrediction(): void {
    const docKey = this.prediction?.docKey;
    this.prediction = undefined;
    if (docKey !== undefined) this.options.onSuggestion?.(docKey);
  }

  private abortInFlight(): void {
    this.inFlight?.controller.abort();
    this.inFlight = undefined;
  }
}

function moveRange(range: Range, change: DocumentChange): Range {
  return { start: transformPosition(range.start, change, true), end: transformPosition(range.end, change) };
}

function sameRegion(lines: readonly string[], region: Region): boolean {
  if (lines.length < region.endLine) return false;
  for (let i = 0; i < region.lines.length; i++)
    if (lines[region.startLine + i] !== region.lines[i]) return false;
  return true;
}

/** The edit to show for a cursor: on its line or the closest after it, else the closest before. */
function nearest(edits: readonly NextEdit[], cursor: Position): NextEdit {
  const after = edits.find(
    (edit) => comparePositions(edit.range.end, cursor) >= 0 || edit.range.end.line >= cursor.line,
  );
  return after ?? edits[edits.length - 1];
}
