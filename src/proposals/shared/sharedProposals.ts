/**
 * Shared proposals as one participant sees and uses them: publish what the assistant proposed, record
 * a decision on a hunk (or some of its lines), ask to undo one's own accept, and read every proposal
 * with each hunk's place in the text now and the status all peers agree on. Recording a decision
 * changes no text: the host's applier (hostApplier.ts) applies it, once.
 */
import type { SessionDocument } from '../../collab/sessionDocument';
import { scanForSecrets } from '../../trust/secrets/secretScanner';
import type { LineSelection } from '../hunks';
import { anchorRegion, lineStartOffset } from './anchoring';
import {
  LIMITS,
  PROPOSAL_ORIGIN,
  readProposal,
  type DecisionAction,
  type DecisionRecord,
  type Person,
  type SharedHunkRecord,
  type SharedProposalRecord,
  type SharedThread,
} from './records';
import { findHunk, outcomeOf, staleReason, type FoundHunk } from './sharedState';
import {
  hunkView,
  proposalView,
  waitingDecisions,
  type SharedHunkView,
  type SharedProposalView,
} from './views';
import type * as Y from 'yjs';

export type { SharedHunkStatus, SharedHunkView, SharedProposalView } from './views';

/** A proposal as the assistant made it, before it is shared. Lines keep their line breaks. */
export interface ProposalInput {
  readonly path: string;
  readonly reason: string;
  readonly model: string;
  /** Each hunk: its first line (0-based) in the file's shared text now, the lines it replaces there, and the new lines. */
  readonly hunks: readonly {
    readonly line: number;
    readonly removed: readonly string[];
    readonly added: readonly string[];
  }[];
  /** The request and answer, only when the requester chose to share them. */
  readonly thread?: SharedThread;
}

/** A request this participant may not make, or one that does not fit the shared state; says why. */
export class SharedProposalError extends Error {
  override readonly name = 'SharedProposalError';
}

export interface SharedProposalsOptions {
  /** The local participant's name as the server stamps it on their presence (their token's name). */
  readonly name: () => string;
  /** Whether the local participant may write (read-only participants see proposals but cannot decide). */
  readonly canWrite: () => boolean;
  /** Whether the local participant hosts the session (the host may withdraw anyone's proposal). */
  readonly isHost?: () => boolean;
  /** Why this participant should not change a file's shared text now (its own chunked revert there). */
  readonly busy?: (path: string) => string | undefined;
  readonly now?: () => number;
}

/** What changed: proposals, decisions or outcomes (`structure`), or only the text of files with proposals. */
export interface SharedProposalsChange {
  readonly structure: boolean;
  /** Paths whose shared text changed and that have proposals (their hunks may have moved or gone stale). */
  readonly paths: readonly string[];
}

let counter = 0;

export class SharedProposals {
  private readonly listeners = new Set<(change: SharedProposalsChange) => void>();
  private readonly now: () => number;
  private observing = false;
  private readonly onStructure = () => this.emit({ structure: true, paths: [] });
  private readonly onTexts = (events: Y.YEvent<Y.AbstractType<unknown>>[]) => {
    const paths = new Set<string>();
    for (const event of events) {
      const key = event.path[0];
      if (typeof key === 'string') paths.add(key);
      else if (event.target === this.session.texts)
        for (const changed of event.changes.keys.keys()) paths.add(changed);
    }
    const withProposals = this.pathsWithProposals();
    const relevant = [...paths].filter((path) => withProposals.has(path));
    if (relevant.length) this.emit({ structure: false, paths: relevant });
  };

  constructor(
    private readonly session: SessionDocument,
    private readonly options: SharedProposalsOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** This participant as decisions and proposals record them. */
  self(): Person {
    return { name: this.options.name().slice(0, LIMITS.nameChars), clientId: this.session.doc.clientID };
  }

  /**
   * Shares a proposal: each hunk is anchored where its lines are in the file's shared text now.
   * Throws SharedProposalError (and shares nothing) when the file is not shared, a hunk's lines are
   * not where it says, or the proposal is too large. Secrets in the reason and thread are masked.
   */
  publish(input: ProposalInput): SharedProposalRecord {
    this.mustWrite('share a proposal');
    const text = this.session.text(input.path);
    if (!text) throw new SharedProposalError(`${input.path} is not shared in this session: open it first`);
    if (input.hunks.length === 0) throw new SharedProposalError('the proposal has no changes');
    if (input.hunks.length > LIMITS.hunks)
      throw new SharedProposalError(
        `the proposal has ${input.hunks.length} changes; at most ${LIMITS.hunks} can be shared`,
      );
    const self = this.self();
    const id = `${self.clientId.toString(36)}-${this.now().toString(36)}-${(counter++).toString(36)}`;
    const content = text.toString();
    const hunks: SharedHunkRecord[] = [];
    const ordered = [...input.hunks].sort((a, b) => a.line - b.line);
    let previousEnd = 0;
    ordered.forEach((hunk, index) => {
      const removed = hunk.removed.map(toLf);
      const added = hunk.added.map(toLf);
      if (removed.length > LIMITS.linesPerHunk || added.length > LIMITS.linesPerHunk)
        throw new SharedProposalError(`change ${index + 1} has more than ${LIMITS.linesPerHunk} lines`);
      const from = lineStartOffset(content, hunk.line);
      const original = removed.join('');
      if (
        from === undefined ||
        from < previousEnd ||
        content.slice(from, from + original.length) !== original
      )
        throw new SharedProposalError(
          `change ${index + 1} does not match line ${hunk.line + 1} of ${input.path} as shared now; ask again`,
        );
      previousEnd = from + original.length;
      hunks.push({ id: `${id}/${index}`, ...anchorRegion(text, from, previousEnd), removed, added });
    });
    const record: SharedProposalRecord = {
      id,
      path: input.path,
      reason: bounded(maskSecrets(input.reason), LIMITS.reasonChars),
      askedBy: self,
      model: input.model.slice(0, LIMITS.modelChars),
      createdAt: this.now(),
      hunks,
      ...(input.thread
        ? {
            thread: {
              request: bounded(maskSecrets(input.thread.request), LIMITS.threadChars),
              answer: bounded(maskSecrets(input.thread.answer), LIMITS.threadChars),
            },
          }
        : {}),
    };
    this.session.doc.transact(() => this.session.proposals.set(id, record), PROPOSAL_ORIGIN);
    return record;
  }

  /**
   * Records this participant's accept or reject of a hunk (`selection`: only some of its lines, for an
   * accept). Returns the decision's key. The host applies it; `observe` reports the outcome.
   */
  decide(hunkId: string, action: 'accept' | 'reject', selection?: LineSelection): string {
    this.mustWrite('decide on a proposal');
    const found = this.mustFind(hunkId);
    if (found.outcome.state === 'applying')
      throw new SharedProposalError(
        `the change was already accepted${found.outcome.by ? ` by ${found.outcome.by.name}` : ''} and is being applied`,
      );
    if (found.outcome.state !== 'pending')
      throw new SharedProposalError(
        `the change was already ${found.outcome.state}${found.outcome.by ? ` by ${found.outcome.by.name}` : ''}`,
      );
    const busy = action === 'accept' ? this.options.busy?.(found.proposal.path) : undefined;
    if (busy) throw new SharedProposalError(busy);
    if (selection && action === 'reject')
      throw new SharedProposalError('a rejection takes the whole change; accept the lines you want instead');
    if (action === 'accept') {
      const stale = staleReason(this.session, found);
      if (stale) throw new SharedProposalError(stale);
    }
    return this.record(hunkId, action, selection);
  }

  /** Asks the host to undo this participant's own accept. Refused (with the reason) when it is someone else's. */
  undo(hunkId: string): string {
    this.mustWrite('undo a change');
    const found = this.mustFind(hunkId);
    const { outcome } = found;
    if (outcome.state === 'applying')
      throw new SharedProposalError('the change is still being applied; undo it once it is in');
    if (outcome.state !== 'accepted') throw new SharedProposalError('only an accepted change can be undone');
    const busy = this.options.busy?.(found.proposal.path);
    if (busy) throw new SharedProposalError(busy);
    if (outcome.by?.clientId !== this.session.doc.clientID)
      throw new SharedProposalError(
        `only ${outcome.by?.name ?? 'whoever accepted it'}, who accepted it, can undo it`,
      );
    return this.record(hunkId, 'undo');
  }

  /**
   * Takes a proposal out of the session: its author may, and the host. Hunks already accepted stay in
   * the text (undo them first to take them out too).
   */
  withdraw(proposalId: string): void {
    this.mustWrite('withdraw a proposal');
    const proposal = readProposal(this.session.proposals.get(proposalId));
    if (!proposal) throw new SharedProposalError('the proposal is no longer shared');
    if (proposal.askedBy.clientId !== this.session.doc.clientID && !this.options.isHost?.())
      throw new SharedProposalError(
        `only ${proposal.askedBy.name}, who asked for it, or the host can withdraw it`,
      );
    // The applier needs the proposal to finish a large accept it is writing.
    if (proposal.hunks.some((hunk) => outcomeOf(this.session, hunk.id).state === 'applying'))
      throw new SharedProposalError('a change of it is being applied; withdraw it once that is done');
    this.session.doc.transact(() => this.session.proposals.delete(proposalId), PROPOSAL_ORIGIN);
  }

  /** Every shared proposal (of one file when `path` is given), oldest first. */
  list(path?: string): SharedProposalView[] {
    const views: SharedProposalView[] = [];
    for (const [key, value] of this.session.proposals.entries()) {
      const proposal = readProposal(value);
      if (!proposal || proposal.id !== key || (path !== undefined && proposal.path !== path)) continue;
      views.push(proposalView(this.session, proposal));
    }
    return views.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  }

  proposal(id: string): SharedProposalView | undefined {
    const proposal = readProposal(this.session.proposals.get(id));
    return proposal && proposal.id === id ? proposalView(this.session, proposal) : undefined;
  }

  hunk(hunkId: string): SharedHunkView | undefined {
    const found = findHunk(this.session, hunkId);
    return found ? hunkView(this.session, found, waitingDecisions(this.session)) : undefined;
  }

  /**
   * Calls `listener` after every change to proposals, decisions or outcomes, and after edits to the
   * text of a file that has proposals. Returns what stops it.
   */
  observe(listener: (change: SharedProposalsChange) => void): { dispose(): void } {
    this.listeners.add(listener);
    if (!this.observing) {
      this.observing = true;
      this.session.proposals.observe(this.onStructure);
      this.session.decisions.observe(this.onStructure);
      this.session.outcomes.observe(this.onStructure);
      this.session.texts.observeDeep(this.onTexts);
    }
    return {
      dispose: () => {
        this.listeners.delete(listener);
        if (this.listeners.size === 0) this.stopObserving();
      },
    };
  }

  dispose(): void {
    this.listeners.clear();
    this.stopObserving();
  }

  private stopObserving(): void {
    if (!this.observing) return;
    this.observing = false;
    this.session.proposals.unobserve(this.onStructure);
    this.session.decisions.unobserve(this.onStructure);
    this.session.outcomes.unobserve(this.onStructure);
    this.session.texts.unobserveDeep(this.onTexts);
  }

  private emit(change: SharedProposalsChange): void {
    for (const listener of [...this.listeners]) listener(change);
  }

  private pathsWithProposals(): Set<string> {
    const paths = new Set<string>();
    for (const value of this.session.proposals.values()) {
      const path = (value as { path?: unknown } | null)?.path;
      if (typeof path === 'string') paths.add(path);
    }
    return paths;
  }

  private record(hunk: string, action: DecisionAction, selection?: LineSelection): string {
    const by = this.self();
    const key = `${by.clientId.toString(36)}-${this.now().toString(36)}-${(counter++).toString(36)}`;
    const decision: DecisionRecord = {
      hunk,
      action,
      by,
      at: this.now(),
      ...(selection ? { selection: { removed: [...selection.removed], added: [...selection.added] } } : {}),
    };
    this.session.doc.transact(() => this.session.decisions.set(key, decision), PROPOSAL_ORIGIN);
    return key;
  }

  private mustWrite(what: string): void {
    if (!this.options.canWrite()) throw new SharedProposalError(`read-only participants cannot ${what}`);
  }

  private mustFind(hunkId: string): FoundHunk {
    const found = findHunk(this.session, hunkId);
    if (!found) throw new SharedProposalError('the change is no longer part of a shared proposal');
    return found;
  }
}

function toLf(line: string): string {
  return line.endsWith('\r\n') ? `${line.slice(0, -2)}\n` : line;
}

function bounded(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The shared thread and reason are for people to read: a secret in them is replaced by its kind. */
export function maskSecrets(text: string): string {
  const findings = scanForSecrets(text).sort((a, b) => b.start - a.start);
  let masked = text;
  let lastStart = Infinity;
  for (const finding of findings) {
    if (finding.end > lastStart) continue;
    masked = `${masked.slice(0, finding.start)}[${finding.kind} removed]${masked.slice(finding.end)}`;
    lastStart = finding.start;
  }
  return masked;
}
