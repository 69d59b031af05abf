/**
 * Reading the shared proposal state out of a session document: finding a hunk (an original one or
 * what is left of a partly accepted one), where its region is now, and the status everyone shows.
 * The applier and every peer use these same functions, so they agree on what "stale" means.
 */
import type { SessionDocument } from '../../collab/sessionDocument';
import { resolveRegion, type ResolvedRegion } from './anchoring';
import {
  parseHunkId,
  readOutcome,
  readProposal,
  type AnchorJSON,
  type HunkOutcome,
  type SharedHunkRecord,
  type SharedProposalRecord,
} from './records';

export interface FoundHunk {
  readonly proposal: SharedProposalRecord;
  readonly hunk: SharedHunkRecord;
  /** The applier's record for the hunk (state pending with an empty log when it has none). */
  readonly outcome: HunkOutcome;
  /** For a remainder: the hunk it was left of. */
  readonly parent?: string;
}

export const NO_OUTCOME: HunkOutcome = { state: 'pending', log: [] };

export function outcomeOf(session: SessionDocument, hunkId: string): HunkOutcome {
  return readOutcome(session.outcomes.get(hunkId)) ?? NO_OUTCOME;
}

export function proposalOf(session: SessionDocument, id: string): SharedProposalRecord | undefined {
  const proposal = readProposal(session.proposals.get(id));
  // A record under another key than its id would let one proposal shadow another.
  return proposal && proposal.id === id ? proposal : undefined;
}

export function findHunk(session: SessionDocument, hunkId: string): FoundHunk | undefined {
  const parsed = parseHunkId(hunkId);
  if (!parsed) return undefined;
  const proposal = proposalOf(session, parsed.proposalId);
  if (!proposal) return undefined;
  let hunk: SharedHunkRecord | undefined = proposal.hunks[parsed.path[0]];
  let parent: string | undefined;
  for (const index of parsed.path.slice(1)) {
    if (!hunk) return undefined;
    const outcome = outcomeOf(session, hunk.id);
    // What was left of a partial accept exists only while that accept stands.
    if (outcome.state !== 'accepted') return undefined;
    parent = hunk.id;
    hunk = outcome.rest?.[index];
  }
  if (!hunk || hunk.id !== hunkId) return undefined;
  let outcome = outcomeOf(session, hunkId);
  if (outcome.applied?.fromHunk)
    outcome = {
      ...outcome,
      applied: { ...outcome.applied, text: hunk.added.join(''), replaced: hunk.removed.join('') },
    };
  return { proposal, hunk, outcome, ...(parent ? { parent } : {}) };
}

/** An outcome as the applier stores it: text the hunk already holds is not repeated. */
export function storableOutcome(outcome: HunkOutcome): HunkOutcome {
  if (!outcome.applied?.fromHunk) return outcome;
  return { ...outcome, applied: { ...outcome.applied, text: '', replaced: '' } };
}

/** The anchors of the hunk's region now: the applier's when it moved them, else the hunk's own. */
export function regionAnchors(
  hunk: SharedHunkRecord,
  outcome: HunkOutcome,
): { start: AnchorJSON; end: AnchorJSON } {
  return outcome.region ?? { start: hunk.start, end: hunk.end };
}

export type RegionState =
  | { readonly kind: 'ok'; readonly region: ResolvedRegion; readonly text: string }
  | { readonly kind: 'missing'; readonly reason: string };

/** The region's offsets and text in the file's shared text now. */
export function regionNow(
  session: SessionDocument,
  path: string,
  anchors: { start: AnchorJSON; end: AnchorJSON },
): RegionState {
  const text = session.text(path);
  if (!text) return { kind: 'missing', reason: `${path} is no longer shared in this session` };
  const region = resolveRegion(text, anchors);
  if (!region)
    return { kind: 'missing', reason: `the shared text of ${path} was replaced since the proposal` };
  return { kind: 'ok', region, text: text.toString().slice(region.from, region.to) };
}

export const STALE_REASON = 'the text this change was made for has been edited since (stale)';

/** Whether a pending hunk still finds the lines it was made for; a reason when it does not. */
export function staleReason(session: SessionDocument, found: FoundHunk): string | undefined {
  const now = regionNow(session, found.proposal.path, regionAnchors(found.hunk, found.outcome));
  if (now.kind === 'missing') return now.reason;
  return now.text === found.hunk.removed.join('') ? undefined : STALE_REASON;
}

/**
 * Why `edits` (authorship edit ids) cannot be reverted now: one of them is an accepted change the
 * host's applier is still writing in chunks (state 'applying'). Reverting the part written so far
 * would leave the applier to write the rest after the revert; so Revert waits for it. Undefined
 * when none of them is being written.
 */
export function stillBeingApplied(session: SessionDocument, edits: readonly string[]): string | undefined {
  const wanted = new Set(edits);
  for (const [hunkId, value] of session.outcomes) {
    const outcome = readOutcome(value);
    const edit = outcome?.applied?.edit;
    if (outcome?.state !== 'applying' || edit === undefined || !wanted.has(edit)) continue;
    const proposal = proposalOf(session, parseHunkId(hunkId)?.proposalId ?? '');
    const { done = 0, total = 0 } = outcome.progress ?? {};
    const share = total > 0 ? ` (${Math.floor((100 * done) / total)}% written)` : '';
    return `the assistant's accepted change to ${proposal?.path ?? 'a shared file'} is still being written${share}; run Revert Assistant Edits again once it is in`;
  }
  return undefined;
}
