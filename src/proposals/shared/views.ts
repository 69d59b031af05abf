/**
 * What everyone shows for shared proposals: each hunk's place in the text now and its status
 * (pending, stale, being applied for X, accepted by X and maybe reverted by Z since, rejected by Y),
 * the decisions still waiting for the host, and the log of those it handled. Computed from the document alone, so every peer shows the same.
 */
import type { SessionDocument } from '../../collab/sessionDocument';
import { editsWithText, type RevertMark, revertMarkOf } from '../../authorship/revertMarks';
import { lineOfOffset } from './anchoring';
import {
  readDecision,
  type DecisionLogEntry,
  type DecisionRecord,
  type Person,
  type SharedHunkRecord,
  type SharedProposalRecord,
  type SharedThread,
} from './records';
import { findHunk, regionAnchors, regionNow, STALE_REASON, type FoundHunk } from './sharedState';

export type SharedHunkStatus =
  | { readonly state: 'pending' }
  | { readonly state: 'stale'; readonly reason: string }
  | {
      readonly state: 'accepted';
      readonly by: Person;
      readonly at: number;
      readonly partial: boolean;
      /** Revert Assistant Edits took its text back since (and nobody's Undo brought it back). */
      readonly reverted?: RevertMark;
    }
  /** Accepted, and a large text is still being written in chunks: `done` of `total` code units are in. */
  | {
      readonly state: 'applying';
      readonly by: Person;
      readonly at: number;
      readonly done: number;
      readonly total: number;
    }
  | { readonly state: 'rejected'; readonly by: Person; readonly at: number };

export interface SharedHunkView {
  readonly id: string;
  readonly proposalId: string;
  readonly path: string;
  readonly removed: readonly string[];
  readonly added: readonly string[];
  /** For what is left of a partly accepted hunk: that hunk's id. */
  readonly parent?: string;
  /** The region in the file's shared text now (LF offsets, lines 0-based); undefined when it is gone. */
  readonly range?: {
    readonly from: number;
    readonly to: number;
    readonly line: number;
    readonly endLine: number;
  };
  readonly status: SharedHunkStatus;
  /** Decisions recorded that the host has not handled yet (shown as "accepting…"). */
  readonly waiting: readonly DecisionRecord[];
  /** Every decision the host handled, superseded and refused ones included. */
  readonly log: readonly DecisionLogEntry[];
}

export interface SharedProposalView {
  readonly id: string;
  readonly path: string;
  readonly reason: string;
  readonly askedBy: Person;
  readonly model: string;
  readonly createdAt: number;
  readonly thread?: SharedThread;
  readonly hunks: readonly SharedHunkView[];
}

/** Decisions the host has not handled yet, by hunk. */
export function waitingDecisions(session: SessionDocument): Map<string, DecisionRecord[]> {
  const handled = new Set<string>();
  for (const value of session.outcomes.values()) {
    const log = (value as { log?: unknown } | null)?.log;
    if (Array.isArray(log)) for (const entry of log) handled.add(String((entry as { key?: unknown })?.key));
  }
  const waiting = new Map<string, DecisionRecord[]>();
  for (const [key, value] of session.decisions.entries()) {
    if (handled.has(key)) continue;
    const decision = readDecision(value);
    if (!decision) continue;
    const list = waiting.get(decision.hunk) ?? [];
    list.push(decision);
    waiting.set(decision.hunk, list);
  }
  return waiting;
}

/** A proposal with each of its hunks (and what is left of partly accepted ones) as everyone sees it now. */
export function proposalView(session: SessionDocument, proposal: SharedProposalRecord): SharedProposalView {
  const waiting = waitingDecisions(session);
  const hunks: SharedHunkView[] = [];
  // Which edits still have text in the file: read once per proposal, and only if a hunk needs it.
  let withText: Set<string> | undefined;
  const text = session.text(proposal.path);
  const textEdits = () => (withText ??= text ? editsWithText(text) : new Set());
  const visit = (hunk: SharedHunkRecord) => {
    const found = findHunk(session, hunk.id);
    if (!found) return;
    hunks.push(hunkView(session, found, waiting, textEdits));
    if (found.outcome.state === 'accepted') for (const rest of found.outcome.rest ?? []) visit(rest);
  };
  for (const hunk of proposal.hunks) visit(hunk);
  return {
    id: proposal.id,
    path: proposal.path,
    reason: proposal.reason,
    askedBy: proposal.askedBy,
    model: proposal.model,
    createdAt: proposal.createdAt,
    ...(proposal.thread ? { thread: proposal.thread } : {}),
    hunks,
  };
}

/** A hunk's place in the text now and the status everyone shows. */
export function hunkView(
  session: SessionDocument,
  found: FoundHunk,
  waiting: Map<string, DecisionRecord[]>,
  /** The edits with text in the hunk's file now (see `editsWithText`), when the caller keeps them. */
  textEdits?: () => ReadonlySet<string>,
): SharedHunkView {
  const { hunk, outcome, proposal } = found;
  const now = regionNow(session, proposal.path, regionAnchors(hunk, outcome));
  let range: SharedHunkView['range'];
  if (now.kind === 'ok') {
    const content = session.text(proposal.path)!.toString();
    range = {
      from: now.region.from,
      to: now.region.to,
      line: lineOfOffset(content, now.region.from),
      endLine: lineOfOffset(content, now.region.to),
    };
  }
  let status: SharedHunkStatus;
  if (outcome.state === 'accepted' && outcome.by) {
    const edit = outcome.applied?.edit;
    const text = session.text(proposal.path);
    const reverted = edit && text ? revertMarkOf(text, edit, textEdits) : undefined;
    status = {
      state: 'accepted',
      by: outcome.by,
      at: outcome.at ?? 0,
      partial: outcome.applied?.partial ?? false,
      ...(reverted ? { reverted } : {}),
    };
  } else if (outcome.state === 'applying' && outcome.by)
    // Never stale while it is written: the text changes under it by design.
    status = {
      state: 'applying',
      by: outcome.by,
      at: outcome.at ?? 0,
      done: outcome.progress?.done ?? 0,
      total: outcome.progress?.total ?? 0,
    };
  else if (outcome.state === 'rejected' && outcome.by)
    status = { state: 'rejected', by: outcome.by, at: outcome.at ?? 0 };
  else if (now.kind === 'missing') status = { state: 'stale', reason: now.reason };
  else if (now.text !== hunk.removed.join('')) status = { state: 'stale', reason: STALE_REASON };
  else status = { state: 'pending' };
  return {
    id: hunk.id,
    proposalId: proposal.id,
    path: proposal.path,
    removed: hunk.removed,
    added: hunk.added,
    ...(found.parent ? { parent: found.parent } : {}),
    ...(range ? { range } : {}),
    status,
    waiting: waiting.get(hunk.id) ?? [],
    log: outcome.log,
  };
}
