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
 * Run it on the host only, after the host has synced with the server (it must see every outcome
 * already written before it handles anything), and dispose it when the session ends.
 */
import { composeSelection, splitKeepEnds } from '../hunks';
import { diffLines } from '../lineDiff';
import type { SessionDocument } from '../../collab/sessionDocument';
import { anchorRegion } from './anchoring';
import {
  APPLIER_ORIGIN,
  readDecision,
  type DecisionLogEntry,
  type DecisionRecord,
  type HunkOutcome,
  type SharedHunkRecord,
} from './records';
import { findHunk, regionAnchors, regionNow, STALE_REASON, type FoundHunk } from './sharedState';
import * as Y from 'yjs';
import { changedPart, newEditId } from '../../authorship/authorship';
import { attributeInsert, insertHumanText } from '../../authorship/sharedAuthorship';

/** What handling one decision did (also what the log says). */
export interface AppliedDecision {
  readonly key: string;
  readonly hunk: string;
  readonly result: DecisionLogEntry['result'];
  readonly reason?: string;
}

export class HostApplier {
  private readonly listeners = new Set<(handled: AppliedDecision) => void>();
  private disposed = false;
  private started = false;
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

  constructor(private readonly session: SessionDocument) {}

  /** Handles every decision not yet handled, then each new one as it arrives. */
  start(): void {
    if (this.disposed || this.started) return;
    this.started = true;
    this.session.decisions.observe(this.onDecisions);
    this.session.proposals.observe(this.onProposals);
    this.handle([...this.session.decisions.keys()]);
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
      this.session.outcomes.set(decision.hunk, next);
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
    if (edit)
      attributeInsert(
        text,
        this.session.authorship,
        from + part.offset,
        part.replaced.length,
        part.inserted,
        {
          edit,
          proposal: proposal.id,
          model: proposal.model,
          askedBy: proposal.askedBy.name,
          at: decision.at,
        },
      );
    const region = anchorRegion(text, from, from + written.length);
    const rest = whole ? [] : remainders(hunk, written, (a, b) => anchorRegion(text, from + a, from + b));
    return {
      result: 'applied',
      outcome: {
        state: 'accepted',
        by: decision.by,
        at: decision.at,
        region,
        applied: { text: written, replaced, partial: !whole, ...(edit ? { edit } : {}) },
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
    if (outcome.applied.edit) this.session.authorship.delete(outcome.applied.edit);
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
