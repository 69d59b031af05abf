import * as vscode from 'vscode';
import type { FileReview } from '../review';
import type { ProposedLayout, ReviewController } from './reviewController';

export const proposedScheme = 'tandem-proposal';

/**
 * Read-only documents holding a file as it would be with a proposal's pending hunks applied: the
 * right-hand side of "Open Diff" (the left is the real file, so VS Code's diff editor shows exactly
 * what accepting would change). Refreshed whenever the review changes.
 */
export class ProposedContent implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly layouts = new Map<string, ProposedLayout>();
  private readonly disposables: vscode.Disposable[];

  constructor(private readonly review: ReviewController) {
    this.disposables = [
      this.changed,
      vscode.workspace.registerTextDocumentContentProvider(proposedScheme, this),
      review.onDidChange(() => {
        for (const document of vscode.workspace.textDocuments)
          if (document.uri.scheme === proposedScheme) this.changed.fire(document.uri);
      }),
    ];
  }

  uriFor(proposalId: string, file: FileReview, side: 'proposed' | 'original' = 'proposed'): vscode.Uri {
    const query = new URLSearchParams({ proposal: proposalId, side }).toString();
    return vscode.Uri.from({ scheme: proposedScheme, path: `/${file.path}`, query });
  }

  /** The layout of the proposed document last produced for `uri`. */
  layoutOf(uri: vscode.Uri): ProposedLayout | undefined {
    return this.layouts.get(uri.toString());
  }

  async openDiff(proposalId: string, file: FileReview): Promise<void> {
    const real = this.review.uriOf(file);
    let exists = true;
    try {
      await vscode.workspace.fs.stat(real);
    } catch {
      exists = false;
    }
    const left = exists ? real : this.uriFor(proposalId, file, 'original');
    const title = `${file.path} ↔ Tandem proposal`;
    await vscode.commands.executeCommand('vscode.diff', left, this.uriFor(proposalId, file), title, {
      preview: true,
    });
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const query = new URLSearchParams(uri.query);
    const proposal = this.review.proposals.get(query.get('proposal') ?? '');
    const file = proposal?.files.find((candidate) => `/${candidate.path}` === uri.path);
    if (!proposal || !file) return '';
    if (query.get('side') === 'original') return file.change.original ?? '';
    const real = this.review.uriOf(file);
    let current = '';
    const open = vscode.workspace.textDocuments.find(
      (document) => document.uri.toString() === real.toString(),
    );
    if (open) current = open.getText();
    else {
      try {
        current = new TextDecoder().decode(await vscode.workspace.fs.readFile(real));
      } catch {
        current = '';
      }
    }
    const { text, layout } = applyPending(current, file);
    this.layouts.set(uri.toString(), layout);
    return text;
  }

  dispose(): void {
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }
}

/** The text with every pending hunk whose lines still match applied, and where each one's lines went. */
export function applyPending(current: string, file: FileReview): { text: string; layout: ProposedLayout } {
  const lines: string[] = [];
  let start = 0;
  for (let at = current.indexOf('\n'); at >= 0; at = current.indexOf('\n', start)) {
    lines.push(current.slice(start, at + 1));
    start = at + 1;
  }
  if (start < current.length) lines.push(current.slice(start));
  const hunks = file
    .pending()
    .filter((hunk) => hunk.removed.every((line, i) => lines[hunk.line + i] === line))
    .sort((a, b) => a.line - b.line);
  const out: string[] = [];
  const layout: Array<{ hunkId: string; start: number }> = [];
  let next = 0;
  for (const hunk of hunks) {
    if (hunk.line < next) continue;
    out.push(...lines.slice(next, hunk.line));
    layout.push({ hunkId: hunk.id, start: out.length });
    out.push(...hunk.added);
    next = hunk.line + hunk.removed.length;
  }
  out.push(...lines.slice(next));
  return { text: out.join(''), layout };
}
