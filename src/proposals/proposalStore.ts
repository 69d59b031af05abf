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
