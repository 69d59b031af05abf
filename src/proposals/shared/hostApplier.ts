/**
 * The host's applier: the only code that turns recorded decisions into edits. Decisions reach it in
 * the order the host's document receives them; each is handled in one transaction that reads the
 * hunk's outcome, checks the text, writes the text and the new outcome, and logs the decision. A
 * decision already in the log is never handled again, so every hunk is applied at most once however
 * many peers click at the same moment.
 *
 * Rule for simultaneous decisions: the first one the host's document receives wins; those that arrive
 * together (one sync, one update) are taken in order of their time, then client id, then key. Later
 * decisions on a decided hunk are logged as superseded, with who decided first.
 *
 * Accepted text is written with the assistant's authorship (src/authorship/sharedAuthorship.ts): its
 * characters carry who asked, the model and the proposal, and `authorship` records what it replaced.
 *
 * A large accept (more changed text than one chunk, src/collab/burstApply.ts) is written in chunks so
 * teammates' keystrokes are relayed in between: the decision's transaction claims the hunk (state
 * 'applying', with who decided and the progress), deletes what it replaces and writes the first
 * chunk; each later transaction, after a short pause, writes the next chunk right after the previous
 * one (a relative position kept in the outcome) and records the progress; the last one sets
 * 'accepted'. Decisions reaching an 'applying' hunk are superseded, as for an accepted one. Progress
 * lives in the document, so an applier started again on it (the host's window reopened) finishes
 * the write from where it stopped, and nothing is written twice.
 *
 * Run it on the host only, after the host has synced with the server (it must see every outcome
 * already written before it handles anything), and dispose it when the session ends.
 */
import { briefPause, chunkLines, DEFAULT_CHUNK_CHARS } from '../../collab/burstApply';
import { composeSelection, splitKeepEnds } from '../hunks';
import { diffLines } from '../lineDiff';
import type { SessionDocument } from '../../collab/sessionDocument';
import { anchorRegion } from './anchoring';
import {
  APPLIER_ORIGIN,
  readDecision,
  readOutcome,
  type AnchorJSON,
  type DecisionLogEntry,
  type DecisionRecord,
  type HunkOutcome,
  type SharedHunkRecord,
} from './records';
import {
  findHunk,
  regionAnchors,
  regionNow,
  STALE_REASON,
  storableOutcome,
  type FoundHunk,
} from './sharedState';
import * as Y from 'yjs';
import {
  AUTHORSHIP_ATTRIBUTE,
  changedPart,
  isPartOf,
  newEditId,
  type AuthorshipMeta,
} from '../../authorship/authorship';
import { attributeHunk, attributeInsert, insertHumanText } from '../../authorship/sharedAuthorship';

/** What handling one decision did (also what the log says). */
export interface AppliedDecision {
  readonly key: string;
  readonly hunk: string;
  readonly result: DecisionLogEntry['result'];
  readonly reason?: string;
}

export interface HostApplierOptions {
  /** Changed text longer than this (UTF-16 code units) is written in chunks of whole lines this size. */
  readonly chunkChars?: number;
  /** Waits between chunks; by default a few ms, so socket reads and writes run in between. */
  readonly pause?: () => Promise<void>;
}

export class HostApplier {
  private readonly listeners = new Set<(handled: AppliedDecision) => void>();
  private readonly progressListeners = new Set<(hunk: string, state: 'applying' | 'accepted') => void>();
  private disposed = false;
  private started = false;
  /** Hunks whose chunked write this applier is running. */
  private readonly running = new Set<string>();
  private readonly chunkChars: number;
  private readonly pause: () => Promise<void>;
  private readonly onDecisions = (event: Y.YMapEvent<unknown>) => {
    const added: string[] = [];
    for (const [key, change] of event.changes.keys) if (change.action !== 'delete') added.push(key);
    this.handle(added);
  };
  /** A decision can reach the host before the proposal it is about (they travel independently). */
  private readonly onProposals = (event: Y.YMapEvent<unknown>) => {
    const arrived = new Set<string>();
    for (const [key, change] of event.changes.keys) if (change.action !== 'delete') arrived.add(key);
    const waiting: string[] = [];
    for (const [key, value] of this.session.decisions.entries()) {
      const hunk = (value as { hunk?: unknown } | null)?.hunk;
      if (typeof hunk === 'string' && arrived.has(hunk.slice(0, hunk.lastIndexOf('/')))) waiting.push(key);
    }
    if (waiting.length) this.handle(waiting);
  };

  constructor(
    private readonly session: SessionDocument,
    options: HostApplierOptions = {},
  ) {
    this.chunkChars = Math.max(2, options.chunkChars ?? DEFAULT_CHUNK_CHARS);
    this.pause = options.pause ?? briefPause;
  }

  /**
   * Handles every decision not yet handled, then each new one as it arrives; finishes any chunked
   * write an earlier applier left part-way.
   */
  start(): void {
    if (this.disposed || this.started) return;
    this.started = true;
    this.session.decisions.observe(this.onDecisions);
    this.session.proposals.observe(this.onProposals);
    this.handle([...this.session.decisions.keys()]);
    for (const [hunk, value] of this.session.outcomes.entries())
      if (readOutcome(value)?.state === 'applying') void this.continueWriting(hunk);
  }

  /** Called after each chunk of a large accept is written ('accepted' after the last one). */
  onDidWriteChunk(listener: (hunk: string, state: 'applying' | 'accepted') => void): { dispose(): void } {
    this.progressListeners.add(listener);
    return { dispose: () => this.progressListeners.delete(listener) };
  }

  /** Whether this applier is still writing a large accept in chunks. */
  get busy(): boolean {
    return this.running.size > 0;
  }

  /** Called after each decision is handled (for the log, and for tests). */
  onDidHandle(listener: (handled: AppliedDecision) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.session.decisions.unobserve(this.onDecisions);
    this.session.proposals.unobserve(this.onProposals);
    this.listeners.clear();
    this.progressListeners.clear();
  }

  private handle(keys: readonly string[]): void {
    const decisions: { key: string; decision: DecisionRecord }[] = [];
    for (const key of keys) {
      const decision = readDecision(this.session.decisions.get(key));
      if (decision) decisions.push({ key, decision });
    }
    decisions.sort(
      (a, b) =>
        a.decision.at - b.decision.at ||
        a.decision.by.clientId - b.decision.by.clientId ||
        (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
    );
    for (const { key, decision } of decisions) {
      if (this.disposed) return;
      let handled: AppliedDecision | undefined;
      try {
        handled = this.handleOne(key, decision);
      } catch (error) {
        // This runs inside Yjs observers: one bad record must not stop the others or the document.
        handled = {
          key,
          hunk: decision.hunk,
          result: 'refused',
          reason: `not applied: ${(error as Error).message}`,
        };
      }
      if (handled) for (const listener of [...this.listeners]) listener(handled);
    }
  }

  private handleOne(key: string, decision: DecisionRecord): AppliedDecision | undefined {
    let handled: AppliedDecision | undefined;
    this.session.doc.transact(() => {
      const found = findHunk(this.session, decision.hunk);
      const outcome = found?.outcome;
      if (outcome?.log.some((entry) => entry.key === key)) return;
      if (!found || !outcome) {
        // Not a hunk of any proposal (withdrawn, or a forgery): nothing to log it against.
        handled = { key, hunk: decision.hunk, result: 'refused', reason: 'no such change' };
        return;
      }
      const verdict = this.decide(found, decision);
      const entry: DecisionLogEntry = {
        key,
        action: decision.action,
        by: decision.by,
        at: decision.at,
        result: verdict.result,
        ...(verdict.reason ? { reason: verdict.reason } : {}),
      };
      const next: HunkOutcome = { ...(verdict.outcome ?? outcome), log: [...outcome.log, entry] };
      this.session.outcomes.set(decision.hunk, storableOutcome(next));
      handled = {
        key,
        hunk: decision.hunk,
        result: verdict.result,
        ...(verdict.reason ? { reason: verdict.reason } : {}),
      };
    }, APPLIER_ORIGIN);
    return handled;
  }

  /** What the decision does to the hunk; writes the text when it applies. Runs inside the transaction. */
  private decide(
    found: FoundHunk,
    decision: DecisionRecord,
  ): { result: DecisionLogEntry['result']; reason?: string; outcome?: HunkOutcome } {
    const { outcome } = found;
    if (decision.action === 'undo') return this.undo(found, decision);
    if (outcome.state === 'applying') {
      const first = outcome.by ? ` by ${outcome.by.name}` : '';
      return { result: 'superseded', reason: `already accepted${first} (being applied)` };
    }
    if (outcome.state !== 'pending') {
      const first = outcome.by ? ` by ${outcome.by.name}` : '';
      return { result: 'superseded', reason: `already ${outcome.state}${first}` };
    }
    if (decision.action === 'reject')
      return {
        result: 'applied',
        outcome: { state: 'rejected', by: decision.by, at: decision.at, log: outcome.log },
      };
    return this.accept(found, decision);
  }

  private accept(
    found: FoundHunk,
    decision: DecisionRecord,
  ): { result: DecisionLogEntry['result']; reason?: string; outcome?: HunkOutcome } {
    const { hunk, outcome, proposal } = found;
    const now = regionNow(this.session, proposal.path, regionAnchors(hunk, outcome));
    if (now.kind === 'missing') return { result: 'refused', reason: now.reason };
    const replaced = hunk.removed.join('');
    if (now.text !== replaced) return { result: 'refused', reason: STALE_REASON };
    const selection = decision.selection;
    const whole =
      !selection ||
      (selection.removed.length >= hunk.removed.length && selection.added.length >= hunk.added.length);
    if (!whole && selection!.removed.length === 0 && selection!.added.length === 0)
      return { result: 'refused', reason: 'no line of the change is selected' };
    if (
      selection &&
      (selection.removed.some((i) => i >= hunk.removed.length) ||
        selection.added.some((i) => i >= hunk.added.length))
    )
      return { result: 'refused', reason: 'the selected lines are not part of the change' };
    const written = whole ? hunk.added.join('') : composeSelection(hunk, selection!, '\n').join('');
    const text = this.session.text(proposal.path)!;
    const { from } = now.region;
    // The characters the assistant changed (not the unchanged start and end of its lines, which
    // stay people's) carry who asked, the model and the proposal; one record per accepted hunk.
    const part = changedPart(replaced, written);
    const edit = part.replaced || part.inserted ? newEditId() : undefined;
    const chunks = whole && edit ? chunkLines(part.inserted, this.chunkChars) : [];
    const meta = (id: string): AuthorshipMeta => ({
      edit: id,
      proposal: proposal.id,
      model: proposal.model,
      askedBy: proposal.askedBy.name,
      at: decision.at,
    });
    if (edit && chunks.length > 1) {
      // Large: claim the hunk, replace the old text with the first chunk; the rest follows (writeChunk).
      const at = from + part.offset;
      attributeInsert(text, this.session.authorship, at, part.replaced.length, chunks[0], meta(edit));
      // The record covers the whole write from the start (its last chunk then need not rewrite it).
      const record = this.session.authorship.get(edit);
      if (record) this.session.authorship.set(edit, { ...record, length: part.inserted.length });
      const start = Y.relativePositionToJSON(Y.createRelativePositionFromTypeIndex(text, from, 0));
      const after = Y.relativePositionToJSON(
        Y.createRelativePositionFromTypeIndex(text, at + chunks[0].length, -1),
      ) as AnchorJSON;
      void this.continueWriting(hunk.id);
      return {
        result: 'applied',
        outcome: {
          state: 'applying',
          by: decision.by,
          at: decision.at,
          region: { start: start as AnchorJSON, end: after },
          applied: { text: written, replaced, partial: false, edit, fromHunk: true },
          progress: { done: chunks[0].length, total: part.inserted.length, after },
          log: outcome.log,
        },
      };
    }
    // Each stretch the hunk changed is its own edit; what lies between stays people's.
    if (edit) attributeHunk(text, this.session.authorship, from, replaced, written, meta(edit));
    const region = anchorRegion(text, from, from + written.length);
    const rest = whole ? [] : remainders(hunk, written, (a, b) => anchorRegion(text, from + a, from + b));
    return {
      result: 'applied',
      outcome: {
        state: 'accepted',
        by: decision.by,
        at: decision.at,
        region,
        // A whole accept wrote the hunk's own lines: the record need not repeat them (see findHunk).
        applied: {
          text: written,
          replaced,
          partial: !whole,
          ...(edit ? { edit } : {}),
          ...(whole ? { fromHunk: true } : {}),
        },
        ...(rest.length ? { rest } : {}),
        log: outcome.log,
      },
    };
  }

  private undo(
    found: FoundHunk,
    decision: DecisionRecord,
  ): { result: DecisionLogEntry['result']; reason?: string; outcome?: HunkOutcome } {
    const { outcome, proposal } = found;
    if (outcome.state === 'applying')
      return {
        result: 'refused',
        reason: 'the change is still being applied; undo it once it is in',
      };
    if (outcome.state !== 'accepted' || !outcome.applied || !outcome.region)
      return { result: 'refused', reason: 'only an accepted change can be undone' };
    if (outcome.by?.clientId !== decision.by.clientId)
      return {
        result: 'refused',
        reason: `only ${outcome.by?.name ?? 'whoever accepted it'}, who accepted it, can undo it`,
      };
    const now = regionNow(this.session, proposal.path, outcome.region);
    if (now.kind === 'missing') return { result: 'refused', reason: now.reason };
    if (now.text !== outcome.applied.text)
      return {
        result: 'refused',
        reason: 'the accepted text has been edited since; undoing it would revert that edit',
      };
    const text = this.session.text(proposal.path)!;
    const { from, to } = now.region;
    text.delete(from, to - from);
    // The text it replaced comes back as people's text, and the edit's record goes with its characters.
    if (outcome.applied.replaced) insertHumanText(text, from, outcome.applied.replaced);
    const edit = outcome.applied.edit;
    if (edit)
      for (const id of [...this.session.authorship.keys()])
        if (isPartOf(id, edit)) this.session.authorship.delete(id);
    // Pending again, on the text it was made for: it can be decided anew.
    return {
      result: 'applied',
      outcome: {
        state: 'pending',
        region: anchorRegion(text, from, from + outcome.applied.replaced.length),
        log: outcome.log,
      },
    };
  }

  /** Writes the rest of a large accept, one chunk per transaction with a pause before each. */
  private async continueWriting(hunkId: string): Promise<void> {
    if (this.running.has(hunkId) || this.disposed) return;
    this.running.add(hunkId);
    try {
      let more = true;
      while (more) {
        await this.pause();
        if (this.disposed) return;
        more = this.writeChunk(hunkId);
      }
    } catch (error) {
      // Left 'applying' with its progress: an applier started again finishes it.
      console.error(`Tandem: writing the accepted change ${hunkId} stopped: ${(error as Error).message}`);
    } finally {
      this.running.delete(hunkId);
    }
  }

  /** Writes the next chunk of an 'applying' hunk and records the progress; false when nothing is left. */
  private writeChunk(hunkId: string): boolean {
    let more = false;
    let state: 'applying' | 'accepted' | undefined;
    this.session.doc.transact(() => {
      const found = findHunk(this.session, hunkId);
      const outcome = found?.outcome;
      const { applied, progress } = outcome ?? {};
      if (!found || outcome?.state !== 'applying' || !applied?.edit || !progress || !outcome.by) return;
      const text = this.session.text(found.proposal.path);
      if (!text) throw new Error(`${found.proposal.path} is no longer shared`);
      const position = Y.createAbsolutePositionFromRelativePosition(
        Y.createRelativePositionFromJSON(progress.after),
        this.session.doc,
      );
      if (!position || position.type !== text)
        throw new Error('the shared text was replaced during the write');
      const part = changedPart(applied.replaced, applied.text);
      const rest = part.inserted.slice(progress.done);
      let at = position.index;
      let done = progress.done;
      const chunk = rest ? chunkLines(rest, this.chunkChars)[0] : '';
      if (chunk) {
        const meta: AuthorshipMeta = {
          edit: applied.edit,
          proposal: found.proposal.id,
          model: found.proposal.model,
          askedBy: found.proposal.askedBy.name,
          at: outcome.at ?? 0,
        };
        text.insert(at, chunk, { [AUTHORSHIP_ATTRIBUTE]: meta });
        at += chunk.length;
        done += chunk.length;
      }
      const after = Y.relativePositionToJSON(
        Y.createRelativePositionFromTypeIndex(text, at, -1),
      ) as AnchorJSON;
      if (done < part.inserted.length) {
        this.session.outcomes.set(
          hunkId,
          storableOutcome({
            ...outcome,
            region: { start: outcome.region!.start, end: after },
            progress: { ...progress, done, after },
          }),
        );
        more = true;
        state = 'applying';
        return;
      }
      // The last chunk: the region ends after the unchanged end of the lines.
      const suffix = applied.text.length - part.offset - part.inserted.length;
      const end = Math.min(text.length, at + suffix);
      const region = {
        start: outcome.region!.start,
        end: Y.relativePositionToJSON(Y.createRelativePositionFromTypeIndex(text, end, -1)) as AnchorJSON,
      };
      const accepted: HunkOutcome = { ...outcome, state: 'accepted', region };
      delete (accepted as { progress?: unknown }).progress;
      this.session.outcomes.set(hunkId, storableOutcome(accepted));
      state = 'accepted';
    }, APPLIER_ORIGIN);
    if (state) for (const listener of [...this.progressListeners]) listener(hunkId, state);
    return more;
  }
}

/**
 * What a partial accept leaves to review: the region now holds `written`; each difference between it
 * and what the hunk proposed is a new hunk, anchored inside the region ([a, b) offsets within it).
 */
function remainders(
  hunk: SharedHunkRecord,
  written: string,
  anchor: (from: number, to: number) => { start: Record<string, unknown>; end: Record<string, unknown> },
): SharedHunkRecord[] {
  const now = splitKeepEnds(written);
  const offsets = [0];
  for (const line of now) offsets.push(offsets[offsets.length - 1] + line.length);
  return diffLines(now, [...hunk.added]).map((change, index) => ({
    id: `${hunk.id}.${index}`,
    ...anchor(offsets[change.aStart], offsets[change.aEnd]),
    removed: now.slice(change.aStart, change.aEnd),
    added: hunk.added.slice(change.bStart, change.bEnd),
  }));
}
