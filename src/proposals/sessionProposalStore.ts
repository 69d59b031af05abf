/**
 * The proposals of a shared session as the review shows them: each shared proposal (one file, stored
 * in the session's Y.Doc by src/proposals/shared) read back as a `Proposal` whose hunks sit where
 * their anchors are in the shared text now, with the status every participant sees. Deciding goes to
 * the document (`decide`, `undo`): the host applies it, once, and every window redraws from here.
 */
import type { Proposal as ProposalType } from './proposal';
import { Proposal } from './proposal';
import type { ProposalStore } from './proposalStore';
import type { HunkStatus, ReviewHunk } from './review';
import type { LineSelection } from './hunks';
import type { SharedHunkView, SharedProposals, SharedProposalView } from './shared';

/** What the review shows of a shared proposal beyond a local one. */
export interface SharedOrigin {
  readonly askedBy: string;
  readonly model: string;
  readonly mine: boolean;
  readonly thread?: { readonly request: string; readonly answer: string };
}

/** What the review shows of a shared hunk beyond a local one. */
export interface SharedHunkInfo {
  /** "accepted by Alice", "accepted by Alice, being applied (40%)…", "rejected by Bob", the stale reason, "Bob is accepting…". */
  readonly note?: string;
  /** This participant accepted it and may ask to undo it. */
  readonly undoable: boolean;
  /** Accepted, and Revert Assistant Edits took its text back since (set only then). */
  readonly reverted?: true;
}

export class SessionProposalStore implements ProposalStore {
  private proposals: Proposal[] = [];
  private readonly listeners = new Set<() => void>();
  private readonly dismissed = new Set<string>();
  private readonly observer: { dispose(): void };
  private readonly info = new WeakMap<ReviewHunk, SharedHunkInfo>();
  private readonly origins = new WeakMap<ProposalType, SharedOrigin>();

  constructor(
    readonly shared: SharedProposals,
    /** Where a shared path's file is in this window (a URI string); undefined when it is not shared. */
    private readonly addressOf: (sharedPath: string) => string | undefined,
    /** Whether this participant may decide (read-only participants see proposals only). */
    readonly canDecide: () => boolean,
  ) {
    this.rebuild();
    this.observer = shared.observe(() => {
      this.rebuild();
      this.changed();
    });
  }

  add(): void {
    throw new Error('a shared proposal is added with share(), from what the assistant proposed');
  }

  /** Shares one file's hunks (lines as they are in the shared text now). Throws SharedProposalError. */
  share(input: Parameters<SharedProposals['publish']>[0]): Proposal {
    const record = this.shared.publish(input);
    this.rebuild();
    this.changed();
    return this.get(record.id)!;
  }

  remove(id: string): boolean {
    if (!this.get(id)) return false;
    // Hidden in this window only: the proposal stays in the session for the others.
    this.dismissed.add(id);
    this.rebuild();
    this.changed();
    return true;
  }

  get(id: string): Proposal | undefined {
    return this.proposals.find((proposal) => proposal.id === id);
  }

  all(): readonly Proposal[] {
    return this.proposals;
  }

  findHunk(hunkId: string) {
    for (const proposal of this.proposals)
      for (const file of proposal.files) {
        const hunk = file.hunk(hunkId);
        if (hunk) return { proposal, file, hunk };
      }
    return undefined;
  }

  pendingHunks() {
    return this.proposals.flatMap((proposal) =>
      proposal.files.flatMap((file) =>
        [...file.pending()].sort((a, b) => a.line - b.line).map((hunk) => ({ proposal, file, hunk })),
      ),
    );
  }

  owns(hunkId: string): boolean {
    return this.findHunk(hunkId) !== undefined;
  }

  infoOf(hunk: ReviewHunk): SharedHunkInfo | undefined {
    return this.info.get(hunk);
  }

  originOf(proposal: ProposalType): SharedOrigin | undefined {
    return this.origins.get(proposal);
  }

  /** Records this participant's decision; the host applies it. Throws SharedProposalError with the reason. */
  decide(hunkId: string, action: 'accept' | 'reject', selection?: LineSelection): void {
    this.shared.decide(hunkId, action, selection);
  }

  undo(hunkId: string): void {
    this.shared.undo(hunkId);
  }

  onDidChange(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  changed(): void {
    for (const listener of [...this.listeners]) listener();
  }

  dispose(): void {
    this.observer.dispose();
    this.listeners.clear();
  }

  private rebuild(): void {
    const self = this.shared.self().clientId;
    this.proposals = this.shared
      .list()
      .filter((view) => !this.dismissed.has(view.id))
      .map((view) => this.proposalOf(view, self));
  }

  private proposalOf(view: SharedProposalView, self: number): Proposal {
    const proposal = new Proposal(
      {
        rationale: view.reason,
        changes: [{ path: view.path, kind: 'modify', original: '', proposed: '', notes: [], applied: [] }],
        failures: [],
      },
      { instruction: view.thread?.request ?? '' },
      new Map(),
      view.id,
    );
    this.origins.set(proposal, {
      askedBy: view.askedBy.name,
      model: view.model,
      mine: view.askedBy.clientId === self,
      ...(view.thread ? { thread: view.thread } : {}),
    });
    const file = proposal.files[0];
    file.shared = true;
    file.address = this.addressOf(view.path);
    for (const hunk of view.hunks) {
      const review = reviewHunkOf(hunk);
      file.hunks.push(review);
      const reverted = hunk.status.state === 'accepted' && hunk.status.reverted !== undefined;
      this.info.set(review, {
        note: noteOf(hunk, self),
        // Undoing an accept whose text a revert took back has nothing left to undo.
        undoable: hunk.status.state === 'accepted' && hunk.status.by.clientId === self && !reverted,
        ...(reverted ? { reverted: true as const } : {}),
      });
    }
    return proposal;
  }
}

function statusOf(hunk: SharedHunkView): HunkStatus {
  // Being applied is decided: no accept or reject offered; the note says how far the write is.
  return hunk.status.state === 'applying' ? 'accepted' : hunk.status.state;
}

function reviewHunkOf(hunk: SharedHunkView): ReviewHunk {
  return {
    id: hunk.id,
    removed: hunk.removed,
    added: hunk.added,
    line: hunk.range?.line ?? 0,
    status: statusOf(hunk),
    before: [],
    after: [],
    remainder: hunk.parent !== undefined,
    sinceVersion: Number.MAX_SAFE_INTEGER,
    ...(hunk.parent ? { parent: hunk.parent } : {}),
  };
}

function noteOf(hunk: SharedHunkView, self: number): string | undefined {
  const status = hunk.status;
  const who = (person: { name: string; clientId: number }) =>
    person.clientId === self ? 'you' : person.name;
  if (status.state === 'accepted')
    return `accepted by ${who(status.by)}${status.partial ? ' (some lines)' : ''}${
      status.reverted ? ` · reverted by ${who(status.reverted.by)} ${timeOfDay(status.reverted.at)}` : ''
    }`;
  if (status.state === 'applying')
    return `accepted by ${who(status.by)}, being applied (${status.total ? Math.floor((100 * status.done) / status.total) : 0}%)…`;
  if (status.state === 'rejected') return `rejected by ${who(status.by)}`;
  if (status.state === 'stale') return status.reason;
  const waiting = hunk.waiting[0];
  if (waiting) return `${who(waiting.by)} ${waiting.action === 'reject' ? 'is rejecting' : 'is accepting'}…`;
  const refused = hunk.log.at(-1);
  if (refused?.result === 'refused') return `not applied: ${refused.reason ?? 'refused'}`;
  return undefined;
}

/** "at 14:05" (the viewer's clock and locale), or "on <date>" when it was not today. */
function timeOfDay(at: number, now = Date.now()): string {
  const when = new Date(at);
  if (when.toDateString() !== new Date(now).toDateString()) return `on ${when.toLocaleDateString()}`;
  return `at ${when.toLocaleTimeString(undefined, { hour: 'numeric', minute: '2-digit' })}`;
}
