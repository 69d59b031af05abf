/**
 * A proposal (one answer of the assistant, turned into hunks per file) and the set of proposals under
 * review. Plain data plus listeners: the editor adapter draws them, the panel lists them.
 */
import type { BlockFailure, ProposalDraft } from './applyBlocks';
import type { ProposalStore } from './proposalStore';
import { FileReview, type ReviewHunk } from './review';

export interface ProposalOrigin {
  /** What the person asked for. */
  instruction: string;
  /** The request log record of the request that produced the answer ("What was sent"). */
  requestId?: number;
  /** The conversation the answer belongs to, when it came from the panel. */
  conversationId?: string;
  /**
   * The names the request showed the model for files outside the workspace folders (the trust gate's
   * display path to the file's trust path): a path in the answer resolves to one of them only.
   */
  shown?: ReadonlyMap<string, string>;
}

let proposalCounter = 0;

export class Proposal {
  readonly id: string;
  readonly createdAt = Date.now();
  readonly files: FileReview[];

  constructor(
    draft: ProposalDraft,
    readonly origin: ProposalOrigin,
    /** The document version each file's hunks were computed against (0 when not open). */
    versions: ReadonlyMap<string, number> = new Map(),
    id?: string,
  ) {
    this.id = id ?? `p${++proposalCounter}-${Date.now().toString(36)}`;
    this.rationale = draft.rationale;
    this.failures = [...draft.failures];
    this.files = draft.changes.map(
      (change) => new FileReview(this.id, change, versions.get(change.path) ?? 0),
    );
  }

  readonly rationale: string;
  /** Blocks that could not be applied, with their reasons. */
  failures: BlockFailure[];

  pendingHunks(): ReviewHunk[] {
    return this.files.flatMap((file) => file.pending());
  }

  /** True when nothing is left to decide (every hunk accepted, rejected or stale-and-dropped). */
  get settled(): boolean {
    return this.files.every((file) =>
      file.hunks.every((hunk) => hunk.status !== 'pending' && hunk.status !== 'stale'),
    );
  }

  file(path: string): FileReview | undefined {
    return this.files.find((file) => file.path === path);
  }
}

export interface HunkLocation {
  proposal: Proposal;
  file: FileReview;
  hunk: ReviewHunk;
}

type Listener = () => void;

/** The proposals under review in this window's memory, newest last. */
export class ProposalSet implements ProposalStore {
  private readonly proposals: Proposal[] = [];
  private readonly listeners = new Set<Listener>();

  /** Past this many proposals, the oldest with nothing left to decide are let go. */
  constructor(private readonly keep = 20) {}

  add(proposal: Proposal): void {
    this.proposals.push(proposal);
    for (let i = 0; i < this.proposals.length && this.proposals.length > this.keep;) {
      const old = this.proposals[i];
      if (old !== proposal && old.settled && old.failures.length === 0) this.proposals.splice(i, 1);
      else i++;
    }
    this.changed();
  }

  remove(id: string): boolean {
    const index = this.proposals.findIndex((proposal) => proposal.id === id);
    if (index < 0) return false;
    this.proposals.splice(index, 1);
    this.changed();
    return true;
  }

  get(id: string): Proposal | undefined {
    return this.proposals.find((proposal) => proposal.id === id);
  }

  all(): readonly Proposal[] {
    return this.proposals;
  }

  /** Every file review (of any proposal) for a path. */
  filesFor(path: string): FileReview[] {
    return this.proposals.flatMap((proposal) => proposal.files.filter((file) => file.path === path));
  }

  findHunk(hunkId: string): HunkLocation | undefined {
    for (const proposal of this.proposals)
      for (const file of proposal.files) {
        const hunk = file.hunk(hunkId);
        if (hunk) return { proposal, file, hunk };
      }
    return undefined;
  }

  /** Pending hunks of every proposal, in proposal order then file order then line order. */
  pendingHunks(): HunkLocation[] {
    const out: HunkLocation[] = [];
    for (const proposal of this.proposals)
      for (const file of proposal.files)
        for (const hunk of [...file.pending()].sort((a, b) => a.line - b.line))
          out.push({ proposal, file, hunk });
    return out;
  }

  onDidChange(listener: Listener): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Tells listeners the set or a hunk's state changed. */
  changed(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
