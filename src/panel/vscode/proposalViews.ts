import { lineContent } from '../../proposals/hunks';
import type { ReviewController } from '../../proposals/vscode';
import type { SharedHunkInfo } from '../../proposals/sessionProposalStore';
import type { ProposalView } from '../protocol';

/**
 * The proposals as the panel lists them. `reverted`: whether an accepted hunk of a local file had its
 * text taken back by Revert Assistant Edits since; a shared hunk's comes from the session document.
 */
export function proposalViews(
  review: ReviewController,
  redoing: ReadonlySet<string>,
  reverted: (hunkId: string) => boolean = () => false,
): ProposalView[] {
  const session = review.proposals.session;
  return review.proposals.all().map((proposal) => {
    const origin = session?.originOf(proposal);
    return {
      id: proposal.id,
      rationale: proposal.rationale,
      requestId: proposal.origin.requestId,
      redoing: redoing.has(proposal.id),
      failures: proposal.failures.map(({ index, path, reason }) => ({ index, path, reason })),
      ...(origin && session
        ? {
            shared: {
              askedBy: origin.mine ? 'you' : origin.askedBy,
              model: origin.model,
              canDecide: session.canDecide(),
              ...(origin.thread ? { thread: { ...origin.thread } } : {}),
            },
          }
        : {}),
      files: proposal.files.map((file) => ({
        path: file.path,
        kind: file.kind,
        protectedReasons: review.protectionOf(file),
        hunks: file.hunks.map((hunk) => ({
          id: hunk.id,
          status:
            hunk.status === 'accepted' && (session?.infoOf(hunk)?.reverted || reverted(hunk.id))
              ? 'reverted'
              : hunk.status,
          line: hunk.line + 1,
          removed: hunk.removed.map(lineContent),
          added: hunk.added.map(lineContent),
          ...sharedHunk(session?.infoOf(hunk)),
        })),
      })),
    };
  });
}

function sharedHunk(info: SharedHunkInfo | undefined): { note?: string; undoable?: boolean } {
  if (!info) return {};
  return { ...(info.note ? { note: info.note } : {}), ...(info.undoable ? { undoable: true } : {}) };
}
