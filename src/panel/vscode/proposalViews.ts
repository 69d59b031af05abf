import { lineContent } from '../../proposals/hunks';
import type { ReviewController } from '../../proposals/vscode';
import type { ProposalView } from '../protocol';

/** The proposals as the panel lists them. */
export function proposalViews(review: ReviewController, redoing: ReadonlySet<string>): ProposalView[] {
  return review.proposals.all().map((proposal) => ({
    id: proposal.id,
    rationale: proposal.rationale,
    requestId: proposal.origin.requestId,
    redoing: redoing.has(proposal.id),
    failures: proposal.failures.map(({ index, path, reason }) => ({ index, path, reason })),
    files: proposal.files.map((file) => ({
      path: file.path,
      kind: file.kind,
      protectedReasons: review.protectionOf(file),
      hunks: file.hunks.map((hunk) => ({
        id: hunk.id,
        status: hunk.status,
        line: hunk.line + 1,
        removed: hunk.removed.map(lineContent),
        added: hunk.added.map(lineContent),
      })),
    })),
  }));
}
