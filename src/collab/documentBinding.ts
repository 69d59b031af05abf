/**
 * Keeps one editor document and one Y.Text equal, in both directions, without an "ignore while
 * applying" flag. The editor applies remote changes asynchronously (VS Code's applyEdit is a round
 * trip to the renderer) and the user keeps typing meanwhile, so the binding keeps three books:
 *
 * - `pending`: the remote changes the document has not received yet, as one operation from the
 *   document's current (LF) text to the Y.Text. A local edit is transformed over it before it goes
 *   into the Y.Text, and `pending` over the local edit, so neither side's change is lost.
 * - `inflight`: the part of `pending` handed to the editor. VS Code applies an edit only if the
 *   document is still at the version it was computed for; so the document change event that follows
 *   is our own edit exactly when the edit succeeded. Events that arrive while the outcome is unknown
 *   wait in `held` and are sorted out when it is known: echoes are dropped, everything else is local.
 * - a debounced consistency check: when nothing is in flight, the document's text must equal the
 *   Y.Text; if it ever does not, the document is repaired from the Y.Text and the repair is counted.
 *
 * Transactions this binding writes carry `origin`, which the caller's Y.UndoManager tracks.
 */
import type * as Y from 'yjs';
import {
  changeToOperation,
  type DocumentContentChange,
  type DocumentEdit,
  type Eol,
  type LineLookup,
  lfLength,
  minimalReplacement,
  operationToEdits,
  toLf,
} from './eol';
import { TextOperation } from './textOperation';
import { AUTHORSHIP_ATTRIBUTE } from '../authorship/authorship';
import { hasAuthorshipMarks, insertHumanText } from '../authorship/sharedAuthorship';

/** The editor document as the binding sees it (a VS Code TextDocument behind an adapter). */
export interface BindableDocument extends LineLookup {
  /** Version after the last change event the binding was given. */
  readonly version: number;
  /** Length of the document's text in its own line ends. */
  readonly length: number;
  getText(): string;
  /**
   * Applies edits (offsets into the current text, non-overlapping) as one change, only if the
   * document is still at the version it has now. Resolves false when it was not applied.
   */
  applyEdits(edits: DocumentEdit[]): Promise<boolean>;
}

export interface BindingLog {
  (level: 'debug' | 'info' | 'warn' | 'error', message: string): void;
}

export interface BindingOptions {
  /** Origin of the transactions that carry local edits into the Y.Text. */
  origin: unknown;
  /** A read-only participant never writes the Y.Text; local edits are reverted by the check. */
  readOnly?: boolean;
  /** Consistency check debounce and its longest wait (defaults 100 ms and 500 ms). */
  checkDelayMs?: number;
  checkMaxDelayMs?: number;
  /** How long an applied edit's change event may take before the binding resynchronises. */
  echoTimeoutMs?: number;
  log?: BindingLog;
}

export interface BindingStats {
  localChanges: number;
  remoteApplies: number;
  rejectedApplies: number;
  repairs: number;
}

interface HeldEvent {
  changes: readonly DocumentContentChange[];
  versionAfter: number;
  eol: Eol;
}

interface Inflight {
  operation: TextOperation;
  /** The edits as sent, in document offsets, to recognise their change event. */
  edits: DocumentEdit[];
  versionBefore: number;
  result?: boolean;
}

/** Y.Text events from peers that insert a bare CR (a stock client's CRLF) get it removed. */
const SANITIZE_ORIGIN = 'tandem-sanitize-cr';

export class DocumentBinding {
  readonly stats: BindingStats = { localChanges: 0, remoteApplies: 0, rejectedApplies: 0, repairs: 0 };
  /** Length of the document's text in LF form, as the binding has accounted for it. */
  private shadowLength: number;
  /** Length of the Y.Text as the binding has accounted for it (events arrive in order). */
  private yLength: number;
  /** A read-only participant's document changed locally: recompute the way back to the shared text. */
  private readOnlyDrift = false;
  private pending: TextOperation | undefined;
  private inflight: Inflight | undefined;
  private queuedAfterInflight: TextOperation | undefined;
  private held: HeldEvent[] = [];
  private flushScheduled = false;
  private needsResync = false;
  private lastFullCheck = 0;
  private deferredCheck: ReturnType<typeof setTimeout> | undefined;
  private checkTimer: ReturnType<typeof setTimeout> | undefined;
  private checkDeadline = 0;
  private echoTimer: ReturnType<typeof setTimeout> | undefined;
  private consecutiveRejects = 0;
  /** The document version our last recognised echo (an apply of peers' changes) took it to. */
  private lastEchoVersion = -1;
  private disposed = false;
  private idleWaiters: (() => void)[] = [];
  private readonly observer: (event: Y.YTextEvent, transaction: Y.Transaction) => void;
  /**
   * Whether the text holds (or has held) assistant marks: then people's text goes through
   * `insertHumanText`, which unsets the mark where the character before is the assistant's (Yjs
   * extends formats over text inserted after them). Never-marked texts skip even that check.
   */
  private marked: boolean;

  constructor(
    readonly ytext: Y.Text,
    private readonly doc: BindableDocument,
    private readonly options: BindingOptions,
  ) {
    this.shadowLength = lfLength(doc.length, doc.lineCount, doc.eol);
    this.yLength = ytext.length;
    this.marked = hasAuthorshipMarks(ytext);
    this.observer = (event, transaction) => this.onYTextEvent(event, transaction);
    ytext.observe(this.observer);
    // A document opened from disk may differ from the shared text (peers' unsaved edits): the
    // shared text wins, exactly as a remote change would.
    const shared = ytext.toString();
    const local = toLf(doc.getText());
    if (shared !== local) this.resync();
    this.scheduleFlush();
  }

  get readOnly(): boolean {
    return this.options.readOnly === true;
  }

  /** True when every change has reached both sides and nothing is in flight. */
  get idle(): boolean {
    return !this.inflight && this.held.length === 0 && (!this.pending || this.pending.isNoop());
  }

  /** Resolves once the binding is idle (immediately if it is). */
  whenIdle(): Promise<void> {
    if (this.idle || this.disposed) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Feed every document change event here, in order, with the document's version after it.
   * An event with no content changes (an EOL switch) still counts: it moves the version.
   */
  handleDocumentChange(changes: readonly DocumentContentChange[], versionAfter: number): void {
    if (this.disposed) return;
    const event: HeldEvent = { changes, versionAfter, eol: this.doc.eol };
    if (this.inflight) {
      this.held.push(event);
      this.settleInflight();
      return;
    }
    this.applyLocal(event);
    this.afterLocalEvents();
  }

  /**
   * Whether the document change event that took the document to `versionAfter` with `changes` is
   * this binding writing peers' changes into the editor (not the user typing). Answers the same
   * whether it is asked before or after `handleDocumentChange` saw the event.
   */
  isRemoteApply(changes: readonly DocumentContentChange[], versionAfter: number): boolean {
    if (versionAfter === this.lastEchoVersion) return true;
    const inflight = this.inflight;
    return inflight !== undefined && isEchoOf({ changes, versionAfter, eol: this.doc.eol }, inflight);
  }

  /** Compares the document with the Y.Text now; repairs and returns false if they differ. */
  checkConsistency(): boolean {
    if (this.disposed || !this.idle) return true;
    const shared = stripCr(this.ytext.toString());
    const local = toLf(this.doc.getText());
    if (shared === local) return true;
    this.stats.repairs++;
    this.options.log?.(
      'warn',
      `document diverged from the shared text (${local.length} vs ${shared.length} code units); repaired from the shared text`,
    );
    this.resync();
    this.scheduleFlush();
    return false;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.ytext.unobserve(this.observer);
    if (this.checkTimer) clearTimeout(this.checkTimer);
    if (this.echoTimer) clearTimeout(this.echoTimer);
    if (this.deferredCheck) clearTimeout(this.deferredCheck);
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private onYTextEvent(event: Y.YTextEvent, transaction: Y.Transaction): void {
    if (this.disposed || transaction.origin === this.options.origin) return;
    if (!this.marked && event.delta.some((part) => part.attributes?.[AUTHORSHIP_ATTRIBUTE]))
      this.marked = true;
    const operation = deltaToOperation(event.delta, this.yLength);
    this.yLength = operation.targetLength;
    try {
      if (this.inflight)
        this.queuedAfterInflight = this.queuedAfterInflight
          ? TextOperation.compose(this.queuedAfterInflight, operation)
          : operation;
      else this.pending = this.pending ? TextOperation.compose(this.pending, operation) : operation;
    } catch (error) {
      this.fail(error);
    }
    if (
      !this.readOnly &&
      event.delta.some((part) => typeof part.insert === 'string' && part.insert.includes('\r'))
    )
      queueMicrotask(() => this.removeBareCarriageReturns());
    this.scheduleFlush();
  }

  /** The Y.Text holds LF only; a peer that is not Tandem may insert CRs. Remove them for everyone. */
  private removeBareCarriageReturns(): void {
    if (this.disposed) return;
    const text = this.ytext.toString();
    if (!text.includes('\r')) return;
    this.ytext.doc?.transact(() => {
      for (let index = text.lastIndexOf('\r'); index !== -1; index = text.lastIndexOf('\r', index - 1)) {
        this.ytext.delete(index, 1);
        if (index === 0) break;
      }
    }, SANITIZE_ORIGIN);
  }

  private applyLocal(event: HeldEvent): void {
    if (this.readOnly) {
      // Never written to the shared text; the document is brought back to it below.
      if (event.changes.length > 0) this.readOnlyDrift = true;
      this.stats.localChanges += event.changes.length;
      return;
    }
    try {
      for (const change of event.changes) {
        const local = changeToOperation(change, event.eol, this.shadowLength);
        this.shadowLength = local.targetLength;
        let toShared = local;
        if (this.pending && !this.pending.isNoop()) {
          const [localPrime, pendingPrime] = TextOperation.transform(local, this.pending);
          toShared = localPrime;
          this.pending = pendingPrime;
        } else this.pending = undefined;
        this.writeShared(toShared);
        this.stats.localChanges++;
      }
    } catch (error) {
      this.fail(error);
    }
  }

  private afterLocalEvents(): void {
    if (this.readOnlyDrift) {
      this.readOnlyDrift = false;
      this.resync();
    }
    this.scheduleCheck();
    this.scheduleFlush();
  }

  /**
   * Forgets the books and recomputes the way from the document's text to the shared text. Exact
   * whenever nothing is in flight; used at start, after a repair and if the books ever disagree.
   */
  private resync(): void {
    const local = toLf(this.doc.getText());
    const shared = this.ytext.toString();
    this.shadowLength = local.length;
    this.yLength = shared.length;
    this.pending = minimalReplacement(local, stripCr(shared));
    if (this.pending.isNoop()) this.pending = undefined;
  }

  private fail(error: unknown): void {
    this.options.log?.('error', `document binding lost track (${String(error)}); resynchronising`);
    this.needsResync = true;
    this.scheduleFlush();
  }

  private writeShared(operation: TextOperation): void {
    if (operation.isNoop()) return;
    if (operation.baseLength !== this.ytext.length)
      throw new Error(
        `local edit computed for ${operation.baseLength} code units but the shared text has ${this.ytext.length}`,
      );
    const ytext = this.ytext;
    ytext.doc!.transact(() => {
      // Right to left, so earlier offsets stay valid.
      for (const { from, to, insert } of operation.replacements().reverse()) {
        if (to > from) ytext.delete(from, to - from);
        if (!insert) continue;
        if (this.marked) insertHumanText(ytext, from, insert);
        else ytext.insert(from, insert);
      }
    }, this.options.origin);
    this.yLength = operation.targetLength;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.disposed) return;
    this.flushScheduled = true;
    setTimeout(() => {
      this.flushScheduled = false;
      this.flush();
    }, 0);
  }

  /** Hands the pending remote changes to the editor, one edit at a time. */
  private flush(): void {
    if (this.disposed || this.inflight) return;
    if (this.needsResync) {
      this.needsResync = false;
      this.held = [];
      this.resync();
    }
    if (!this.pending || this.pending.isNoop()) {
      this.pending = undefined;
      this.notifyIdle();
      return;
    }
    const operation = this.pending;
    if (operation.baseLength !== this.shadowLength) {
      this.fail(
        new Error(
          `pending change expects ${operation.baseLength} code units, document has ${this.shadowLength}`,
        ),
      );
      return;
    }
    const edits = operationToEdits(operation, this.doc);
    const inflight: Inflight = { operation, edits, versionBefore: this.doc.version };
    this.inflight = inflight;
    this.pending = undefined;
    this.queuedAfterInflight = undefined;
    this.doc.applyEdits(edits).then(
      (applied) => this.onApplyResult(inflight, applied),
      (error: unknown) => {
        this.options.log?.('warn', `applying a remote change failed: ${String(error)}`);
        this.onApplyResult(inflight, false);
      },
    );
  }

  private onApplyResult(inflight: Inflight, applied: boolean): void {
    if (this.disposed || this.inflight !== inflight) return;
    inflight.result = applied;
    if (applied) {
      this.stats.remoteApplies++;
      this.consecutiveRejects = 0;
    } else {
      this.stats.rejectedApplies++;
      this.consecutiveRejects++;
    }
    this.settleInflight();
  }

  private settleInflight(): void {
    const inflight = this.inflight;
    if (!inflight || inflight.result === undefined) return;
    if (inflight.result) {
      if (this.held.length === 0) {
        // The change event normally arrives before the result; wait for it, but not forever.
        this.echoTimer ??= setTimeout(() => this.onEchoTimeout(inflight), this.options.echoTimeoutMs ?? 2000);
        return;
      }
      const echo = this.held.shift()!;
      if (!isEchoOf(echo, inflight)) {
        // The editor applied our edit on top of a newer text (its version check did not hold):
        // nothing in the books can be trusted. Bring the document back to the shared text.
        this.options.log?.(
          'error',
          `the editor applied a remote change after the document had changed (version ${inflight.versionBefore} -> ${echo.versionAfter}); resynchronising`,
        );
        this.stats.repairs++;
        this.held = [];
        this.inflight = undefined;
        this.queuedAfterInflight = undefined;
        if (this.echoTimer) clearTimeout(this.echoTimer);
        this.echoTimer = undefined;
        this.needsResync = true;
        this.scheduleFlush();
        return;
      }
      this.lastEchoVersion = echo.versionAfter;
      this.shadowLength = inflight.operation.targetLength;
      this.pending = this.queuedAfterInflight;
    } else {
      try {
        this.pending = this.queuedAfterInflight
          ? TextOperation.compose(inflight.operation, this.queuedAfterInflight)
          : inflight.operation;
      } catch (error) {
        this.fail(error);
      }
    }
    if (this.echoTimer) clearTimeout(this.echoTimer);
    this.echoTimer = undefined;
    this.inflight = undefined;
    this.queuedAfterInflight = undefined;
    const competing = this.held.length > 0;
    for (const event of this.held.splice(0)) this.applyLocal(event);
    if (competing) {
      // The edit lost a race with the user's typing; that is no sign of trouble.
      this.consecutiveRejects = 0;
      this.afterLocalEvents();
      return;
    }
    if (inflight.result === false) {
      // Rejected without any competing change: the editor refused (closed, read-only). Back off.
      const delay = Math.min(20 * 2 ** this.consecutiveRejects, 1000);
      if (this.consecutiveRejects > 20) {
        this.options.log?.(
          'error',
          'the editor keeps refusing remote changes; will retry on the next change',
        );
        this.consecutiveRejects = 0;
        return;
      }
      setTimeout(() => this.flush(), delay);
      return;
    }
    this.scheduleFlush();
  }

  private onEchoTimeout(inflight: Inflight): void {
    this.echoTimer = undefined;
    if (this.disposed || this.inflight !== inflight || this.held.length > 0) return;
    this.options.log?.('warn', 'an applied remote change was never reported back; resynchronising');
    this.inflight = undefined;
    this.queuedAfterInflight = undefined;
    this.needsResync = true;
    this.scheduleFlush();
  }

  private scheduleCheck(delay = this.options.checkDelayMs ?? 100): void {
    if (this.disposed) return;
    const now = Date.now();
    if (!this.checkTimer) this.checkDeadline = now + (this.options.checkMaxDelayMs ?? 500);
    else clearTimeout(this.checkTimer);
    const wait = Math.max(0, Math.min(delay, this.checkDeadline - now));
    this.checkTimer = setTimeout(() => {
      this.checkTimer = undefined;
      if (!this.idle) {
        this.scheduleCheck();
        return;
      }
      this.periodicCheck();
    }, wait);
  }

  /**
   * The debounced check. Comparing whole texts costs about 20 ms per MB, so large documents compare
   * lengths every time (free, and most divergences change the length) and whole texts at most every
   * 2 s per MB; documents under 256 KB always compare whole texts.
   */
  private periodicCheck(): void {
    const lfDocLength = lfLength(this.doc.length, this.doc.lineCount, this.doc.eol);
    const now = Date.now();
    const large = lfDocLength > 256 * 1024;
    const due = now - this.lastFullCheck >= (lfDocLength / (1024 * 1024)) * 2000;
    if (lfDocLength === this.ytext.length && large && !due) {
      // Compare the whole texts later, once, unless another change brings the check earlier.
      if (!this.deferredCheck)
        this.deferredCheck = setTimeout(
          () => {
            this.deferredCheck = undefined;
            this.scheduleCheck(0);
          },
          this.lastFullCheck + (lfDocLength / (1024 * 1024)) * 2000 - now,
        );
      return;
    }
    if (this.deferredCheck) clearTimeout(this.deferredCheck);
    this.deferredCheck = undefined;
    this.lastFullCheck = now;
    this.checkConsistency();
  }

  private notifyIdle(): void {
    if (!this.idle) return;
    this.scheduleCheck();
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}

/** A Y.Text delta as an operation on the text before the event. Embeds count as one character. */
export function deltaToOperation(
  delta: readonly { insert?: unknown; retain?: number; delete?: number }[],
  baseLength: number,
): TextOperation {
  const operation = new TextOperation();
  let consumed = 0;
  for (const part of delta) {
    if (part.retain !== undefined) {
      operation.retain(part.retain);
      consumed += part.retain;
    } else if (part.delete !== undefined) {
      operation.delete(part.delete);
      consumed += part.delete;
    } else if (part.insert !== undefined)
      operation.insert(typeof part.insert === 'string' ? part.insert : '\ufffc');
  }
  return operation.retain(baseLength - consumed);
}

/**
 * True when a change event is the one our applied edit produced: the next version, and every change
 * in it is one of the edits we sent (VS Code reports them as given, last first).
 */
function isEchoOf(event: HeldEvent, inflight: Inflight): boolean {
  if (event.versionAfter !== inflight.versionBefore + 1 || event.changes.length === 0) return false;
  return event.changes.every((change) =>
    inflight.edits.some(
      (edit) =>
        edit.offset === change.rangeOffset && edit.length === change.rangeLength && edit.text === change.text,
    ),
  );
}

function stripCr(text: string): string {
  return text.includes('\r') ? text.replace(/\r/g, '') : text;
}
