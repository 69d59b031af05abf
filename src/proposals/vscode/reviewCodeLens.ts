import * as vscode from 'vscode';
import type { ReviewController } from './reviewController';
import { plainText } from '../plainText';
import { workspaceSchemes } from '../../workspace/fileAddress';

/** "Accept | Reject | Accept Selected Lines | Open Diff" above each pending hunk; "Re-propose | Drop" above a stale one. */
export class ReviewCodeLens implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly disposables: vscode.Disposable[];

  constructor(private readonly review: ReviewController) {
    this.disposables = [
      this.changed,
      // A shared session's files as a guest sees them (`tandem:`) too.
      vscode.languages.registerCodeLensProvider(
        workspaceSchemes().map((scheme) => ({ scheme })),
        this,
      ),
      review.onDidChange(() => this.changed.fire()),
    ];
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const lenses: vscode.CodeLens[] = [];
    const lastLine = Math.max(0, document.lineCount - 1);
    const session = this.review.proposals.session;
    for (const { proposal, file, hunk } of this.review.hunksIn(document.uri)) {
      const range = new vscode.Range(Math.min(hunk.line, lastLine), 0, Math.min(hunk.line, lastLine), 0);
      const size = `+${hunk.added.length} −${hunk.removed.length}`;
      const origin = file.shared ? session?.originOf(proposal) : undefined;
      if (origin) {
        const note = session?.infoOf(hunk)?.note;
        lenses.push(
          new vscode.CodeLens(range, {
            title: `$(sparkle) Assistant · asked by ${origin.mine ? 'you' : origin.askedBy}${note ? ` · ${note}` : ''}`,
            tooltip: `Shared in the session; proposed by ${origin.model}. Any participant who may write can decide, for everyone.`,
            command: '',
          }),
        );
        if (!session!.canDecide()) {
          lenses.push(
            new vscode.CodeLens(range, {
              title: '$(lock) Read-only: you can see this change but not decide on it',
              tooltip: 'Only participants who may write can accept or reject a shared proposal.',
              command: '',
            }),
          );
          continue;
        }
      }
      if (hunk.status === 'stale' && file.shared) {
        // A shared hunk is not re-proposed in place: drop it, and ask again.
        lenses.push(
          new vscode.CodeLens(range, {
            title: '$(warning) Stale (edited since): Drop',
            command: 'tandem.rejectHunk',
            arguments: [hunk.id],
          }),
        );
        continue;
      }
      if (hunk.status === 'stale') {
        lenses.push(
          new vscode.CodeLens(range, {
            title: '$(warning) Stale: Re-propose',
            command: 'tandem.reproposeHunk',
            arguments: [hunk.id],
          }),
          new vscode.CodeLens(range, { title: 'Drop', command: 'tandem.rejectHunk', arguments: [hunk.id] }),
        );
        continue;
      }
      lenses.push(
        new vscode.CodeLens(range, {
          title: `$(check) Accept (${size})`,
          tooltip: 'Apply this change to the file (one undo step)',
          command: 'tandem.acceptHunk',
          arguments: [hunk.id],
        }),
        new vscode.CodeLens(range, {
          title: '$(close) Reject',
          tooltip: 'Drop this change; the file stays as it is',
          command: 'tandem.rejectHunk',
          arguments: [hunk.id],
        }),
      );
      if (hunk.removed.length > 0 && hunk.removed.length + hunk.added.length > 2)
        lenses.push(
          new vscode.CodeLens(range, {
            title: 'Accept Selected Lines',
            tooltip: 'Apply only the change on the lines selected in this hunk',
            command: 'tandem.acceptSelectedLines',
          }),
        );
      lenses.push(
        new vscode.CodeLens(range, {
          title: 'Open Diff',
          command: 'tandem.openProposalDiff',
          arguments: [proposal.id, file.path],
        }),
      );
      // A CodeLens title is plain text: the model's Markdown (`code`, **bold**) is shown without its marks.
      const reason = plainText(file.change.notes[0] ?? proposal.rationale.split('\n')[0]);
      if (reason)
        lenses.push(
          new vscode.CodeLens(range, {
            title: `$(comment) ${reason.length > 80 ? `${reason.slice(0, 79)}…` : reason}`,
            tooltip: file.change.notes.join('\n\n') || proposal.rationale,
            command: 'tandem.showProposalReason',
            arguments: [proposal.id, file.path],
          }),
        );
    }
    return lenses;
  }

  dispose(): void {
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }
}
