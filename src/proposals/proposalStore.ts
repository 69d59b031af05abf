/**
 * Where proposals under review live. The review (decorations, CodeLens, the panel, the hunk commands)
 * reads and changes proposals only through this seam: in memory for work in one window
 * (`ProposalSet`), in the shared session's document when a session is active.
 */
import type { HunkLocation, Proposal } from './proposal';

export interface ProposalStore {
  add(proposal: Proposal): void;
  remove(id: string): boolean;
  get(id: string): Proposal | undefined;
  /** Every proposal, oldest first. */
  all(): readonly Proposal[];
  findHunk(hunkId: string): HunkLocation | undefined;
  /** Pending hunks of every proposal, in proposal order then file order then line order. */
  pendingHunks(): HunkLocation[];
  onDidChange(listener: () => void): { dispose(): void };
  /** Tells listeners a proposal or a hunk changed (after changing one in place). */
  changed(): void;
}

/**
 * The proposals the review shows: this window's own (`local`), and while a shared session is active
 * the session's (`session`). New proposals go to `local` unless the caller shares them.
 */
export class ReviewProposals<Session extends ProposalStore = ProposalStore> implements ProposalStore {
  private sessionStore: Session | undefined;
  private sessionListener: { dispose(): void } | undefined;
  private readonly listeners = new Set<() => void>();
  private readonly localListener: { dispose(): void };

  constructor(readonly local: ProposalStore) {
    this.localListener = local.onDidChange(() => this.fire());
  }

  get session(): Session | undefined {
    return this.sessionStore;
  }

  /** Shows a session's proposals beside the local ones (undefined: the session ended). */
  attach(session: Session | undefined): void {
    this.sessionListener?.dispose();
    this.sessionStore = session;
    this.sessionListener = session?.onDidChange(() => this.fire());
    this.fire();
  }

  add(proposal: Proposal): void {
    this.local.add(proposal);
  }

  remove(id: string): boolean {
    return this.local.remove(id) || (this.sessionStore?.remove(id) ?? false);
  }

  get(id: string): Proposal | undefined {
    return this.local.get(id) ?? this.sessionStore?.get(id);
  }

  all(): readonly Proposal[] {
    return this.sessionStore ? [...this.local.all(), ...this.sessionStore.all()] : this.local.all();
  }

  findHunk(hunkId: string): HunkLocation | undefined {
    return this.local.findHunk(hunkId) ?? this.sessionStore?.findHunk(hunkId);
  }

  pendingHunks(): HunkLocation[] {
    return [...this.local.pendingHunks(), ...(this.sessionStore?.pendingHunks() ?? [])];
  }

  onDidChange(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  changed(): void {
    this.local.changed();
  }

  dispose(): void {
    this.localListener.dispose();
    this.sessionListener?.dispose();
    this.listeners.clear();
  }

  private fire(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
