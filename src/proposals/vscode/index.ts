import * as vscode from 'vscode';
import type { HunkLocation } from '../proposal';
import { ProposedContent, proposedScheme } from './proposedContent';
import { ReviewCodeLens } from './reviewCodeLens';
import { ReviewController, type ReviewDeps } from './reviewController';
import { ReviewDecorations } from './reviewDecorations';

export { ReviewController, type ReviewDeps } from './reviewController';
export { ProposedContent } from './proposedContent';

/** The review of proposals in the editor: decorations, CodeLens, "Open Diff" and the hunk commands. */
export class ProposalReview implements vscode.Disposable {
  readonly controller: ReviewController;
  readonly content: ProposedContent;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(deps: ReviewDeps) {
    this.controller = new ReviewController(deps);
    this.content = new ProposedContent(this.controller);
    const controller = this.controller;
    const command = (id: string, run: (...args: never[]) => unknown) =>
      this.disposables.push(vscode.commands.registerCommand(id, run));
    this.disposables.push(
      this.controller,
      this.content,
      new ReviewDecorations(this.controller),
      new ReviewCodeLens(this.controller),
      controller.onDidChange(() => this.updateContext()),
    );
    command('tandem.acceptHunk', async (hunkId?: string) => {
      const id = hunkId ?? this.hunkAtCursor()?.hunk.id;
      if (id) await controller.acceptHunk(id);
      else this.nothingHere();
    });
    command('tandem.rejectHunk', (hunkId?: string) => {
      const id = hunkId ?? this.hunkAtCursor(true)?.hunk.id;
      if (id) controller.rejectHunk(id);
      else this.nothingHere();
    });
    command('tandem.acceptSelectedLines', async () => {
      const editor = vscode.window.activeTextEditor;
      if (!editor) return this.nothingHere();
      const layout =
        editor.document.uri.scheme === proposedScheme
          ? this.content.layoutOf(editor.document.uri)
          : undefined;
      await controller.acceptSelection(
        editor,
        layout ?? (editor.document.uri.scheme === proposedScheme ? [] : undefined),
      );
    });
    command('tandem.acceptAll', async (proposalId?: string) => {
      const proposal = proposalId ? controller.proposals.get(proposalId) : undefined;
      const accepted = await controller.acceptAll(proposal);
      if (accepted === 0 && !proposalId) this.nothingHere();
    });
    command('tandem.rejectAll', (proposalId?: string) => {
      const proposal = proposalId ? controller.proposals.get(proposalId) : undefined;
      const rejected = controller.rejectAll(proposal);
      if (rejected === 0 && !proposalId) this.nothingHere();
    });
    command('tandem.nextHunk', () => this.step(1));
    command('tandem.previousHunk', () => this.step(-1));
    command('tandem.reproposeHunk', (hunkId?: string) => {
      const id = hunkId ?? this.hunkAtCursor(true)?.hunk.id;
      return id ? controller.repropose(id) : this.nothingHere();
    });
    command('tandem.openProposalDiff', async (proposalId?: string, path?: string) => {
      const here = this.hunkAtCursor(true);
      const proposal =
        controller.proposals.get(proposalId ?? '') ?? here?.proposal ?? controller.proposals.all().at(-1);
      const file =
        proposal?.files.find((candidate) => candidate.path === path) ?? here?.file ?? proposal?.files[0];
      if (!proposal || !file) return this.nothingHere();
      await this.content.openDiff(proposal.id, file);
    });
    command('tandem.showProposalReason', (proposalId: string, path: string) => {
      const proposal = controller.proposals.get(proposalId);
      const file = proposal?.files.find((candidate) => candidate.path === path);
      const text = (file?.change.notes.join('\n\n') || proposal?.rationale || '').trim();
      if (text) void vscode.window.showInformationMessage(`Tandem: ${text}`, { modal: false });
    });
    this.updateContext();
  }

  /** Reveals a hunk in its editor, with the cursor on its first line. */
  async reveal(location: HunkLocation, preserveFocus = false): Promise<void> {
    const uri = this.controller.uriOf(location.file);
    try {
      const editor = await vscode.window.showTextDocument(uri, { preview: false, preserveFocus });
      const line = Math.min(location.hunk.line, editor.document.lineCount - 1);
      const position = new vscode.Position(Math.max(0, line), 0);
      editor.selection = new vscode.Selection(position, position);
      editor.revealRange(
        new vscode.Range(position, position),
        vscode.TextEditorRevealType.InCenterIfOutsideViewport,
      );
    } catch {
      // A proposed new file does not exist yet: show what it would contain.
      await this.content.openDiff(location.proposal.id, location.file);
    }
  }

  dispose(): void {
    void vscode.commands.executeCommand('setContext', 'tandem.hasPendingHunks', false);
    for (const disposable of this.disposables.splice(0).reverse()) disposable.dispose();
  }

  private hunkAtCursor(includeStale = false): HunkLocation | undefined {
    const editor = vscode.window.activeTextEditor;
    if (!editor) return undefined;
    const line = editor.selection.active.line;
    const here = this.controller
      .hunksIn(editor.document.uri)
      .filter(({ hunk }) => includeStale || hunk.status === 'pending');
    return (
      here.find(({ hunk }) => line >= hunk.line && line < hunk.line + Math.max(1, hunk.removed.length)) ??
      here.find(({ hunk }) => hunk.removed.length === 0 && line === hunk.line - 1)
    );
  }

  private async step(direction: 1 | -1): Promise<void> {
    const all = this.controller.proposals.pendingHunks();
    if (all.length === 0) return this.nothingHere();
    const editor = vscode.window.activeTextEditor;
    const uri = editor?.document.uri.toString();
    const line = editor?.selection.active.line ?? -1;
    const keyOf = (location: HunkLocation) => this.controller.uriOf(location.file).toString();
    const ordered = all;
    let index: number;
    if (direction === 1) {
      index = ordered.findIndex((location) => keyOf(location) === uri && location.hunk.line > line);
      if (index < 0) {
        const lastHere = ordered.map(keyOf).lastIndexOf(uri ?? '');
        index = lastHere >= 0 ? (lastHere + 1) % ordered.length : 0;
      }
    } else {
      const candidates = ordered
        .map((location, i) => ({ location, i }))
        .filter(({ location }) => keyOf(location) === uri && location.hunk.line < line);
      if (candidates.length) index = candidates[candidates.length - 1].i;
      else {
        const firstHere = ordered.map(keyOf).indexOf(uri ?? '');
        index = firstHere >= 0 ? (firstHere - 1 + ordered.length) % ordered.length : ordered.length - 1;
      }
    }
    await this.reveal(ordered[index]);
  }

  private nothingHere(): void {
    void vscode.window.showInformationMessage(
      'Tandem: no proposed change here. Proposals appear after you ask the assistant for an edit.',
    );
  }

  private updateContext(): void {
    const pending = this.controller.proposals.pendingHunks().length > 0;
    void vscode.commands.executeCommand('setContext', 'tandem.hasPendingHunks', pending);
  }
}
