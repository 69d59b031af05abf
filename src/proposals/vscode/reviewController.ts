import * as vscode from 'vscode';
import { displayPathOf, resolveNamedPath, trustPathOf, uriForPath } from '../../workspace/vscode/fileAddress';
import type { Settings } from '../../settings';
import type { TrustGate } from '../../trust';
import { confirmProtectedChanges } from '../../trust/vscode';
import { draftProposal, type BlockFailure } from '../applyBlocks';
import { parseEditAnswer } from '../editFormat';
import { expandToGroups, type LineSelection } from '../hunks';
import { DEFAULT_FUZZY_THRESHOLD } from '../matchSearchBlock';
import { Proposal, ProposalSet, type HunkLocation, type ProposalOrigin } from '../proposal';
import { ReviewProposals, type ProposalStore } from '../proposalStore';
import type { SessionProposalStore } from '../sessionProposalStore';
import { SharedProposalError } from '../shared';
import { reproposeHunk } from '../repropose';
import type { AcceptPlan, FileReview, ReviewHunk } from '../review';

declare module '../../settings' {
  interface SettingsSchema {
    'proposals.fuzzyMatchThreshold': number;
  }
}

export interface ReviewDeps {
  settings: Settings;
  log: vscode.LogOutputChannel;
  /** The trust gate (placeholder restoration, protected paths); built on first use by its owner. */
  gate: () => TrustGate;
  /** Where proposals live; in this window's memory when not given. */
  store?: ProposalStore;
}

const encoder = new TextEncoder();

/** A hunk VS Code has just applied: where, what it replaced and what it wrote, and whose proposal. */
export interface AppliedHunk {
  readonly uri: vscode.Uri;
  readonly proposal: Proposal;
  /** The hunk accepted (or the part of it a partial accept took). */
  readonly hunkId: string;
  /** First line of the replaced range, in the document before and after the edit. */
  readonly line: number;
  readonly replaced: string;
  readonly inserted: string;
}

/** How this window shares a proposal while it is in a session. */
export interface SessionSharing {
  /** The file's path in the session, or undefined when the file is not shared. */
  sharedPathOf(uri: vscode.Uri): string | undefined;
  /** The model that answered (as the requester's settings name it). */
  model(): string;
  /** Whether the request and answer are shared with the proposal (the per-session opt-in). */
  shareThread(): boolean;
}

/**
 * Proposals under review in this window: creates them from answers, keeps their hunks in step with
 * the documents, and applies or drops hunks as the person decides. Every write is one WorkspaceEdit
 * (one undo step) of exactly the hunk's lines, after checking those lines still hold the hunk's text.
 */
export class ReviewController implements vscode.Disposable {
  readonly proposals: ReviewProposals<SessionProposalStore>;
  private sharing: SessionSharing | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires after any proposal, hunk or anchor changed. */
  readonly onDidChange = this.changed.event;
  private readonly applied = new vscode.EventEmitter<AppliedHunk>();
  /** Fires after a hunk's text was written to a document (authorship marks it). */
  readonly onDidApplyHunk = this.applied.event;
  private readonly disposables: vscode.Disposable[] = [];
  /** Writes run one after another, so each plan is made against the text the previous one left. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Documents an accepted hunk is being written to right now. */
  private readonly writing = new Set<string>();

  constructor(private readonly deps: ReviewDeps) {
    this.proposals = new ReviewProposals<SessionProposalStore>(deps.store ?? new ProposalSet());
    const forward = this.proposals.onDidChange(() => this.changed.fire());
    this.disposables.push(
      this.changed,
      this.applied,
      { dispose: () => forward.dispose() },
      { dispose: () => this.proposals.dispose() },
      vscode.workspace.onDidChangeTextDocument((event) => this.onDocumentChanged(event)),
    );
  }

  /**
   * Turns an answer into a proposal: placeholders restored, blocks matched against the files as they
   * are now (open editors included). Undefined when the answer holds no block at all.
   */
  async propose(answer: string, origin: ProposalOrigin): Promise<Proposal | undefined> {
    const parsed = parseEditAnswer(answer);
    if (parsed.blocks.length === 0 && parsed.problems.length === 0) return undefined;
    const originals = new Map<string, string | undefined>();
    const versions = new Map<string, number>();
    const uris = new Map<string, vscode.Uri>();
    const unresolved: BlockFailure[] = [];
    for (const block of parsed.blocks) {
      if (uris.has(block.path) || unresolved.some((failure) => failure.path === block.path)) continue;
      const resolvedPath = resolveNamedPath(block.path, origin.shown);
      if (!('uri' in resolvedPath)) {
        unresolved.push({ index: block.index, path: block.path, reason: resolvedPath.reason, block });
        continue;
      }
      const uri = resolvedPath.uri;
      uris.set(block.path, uri);
      const document = await this.openIfExists(uri);
      originals.set(block.path, document?.getText());
      if (document) versions.set(block.path, document.version);
    }
    // Placeholders are written back per file: only secrets that came from that file (or its session).
    const gate = this.deps.gate();
    const restoreInto = (path: string, lines: string[]) => {
      const target = trustPathOf(uris.get(path)!);
      return lines.map((line) => gate.restore(line, target).text);
    };
    const resolved = {
      ...parsed,
      blocks: parsed.blocks
        .filter((block) => uris.has(block.path))
        .map((block) =>
          block.kind === 'replace'
            ? {
                ...block,
                search: restoreInto(block.path, block.search),
                replace: restoreInto(block.path, block.replace),
              }
            : block,
        ),
    };
    const draft = draftProposal(resolved, originals, { fuzzyThreshold: this.fuzzyThreshold() });
    draft.failures.push(...unresolved);
    draft.failures.sort((a, b) => a.index - b.index);
    const proposal = new Proposal(draft, origin, versions);
    for (const file of proposal.files) {
      const uri = uris.get(file.path)!;
      file.address = uri.toString();
      const [found] = gate.protectedChanges([
        { path: trustPathOf(uri), before: file.change.original, after: file.change.proposed },
      ]);
      if (found?.reasons.length) file.protection = found;
    }
    const shared = this.share(proposal, uris, origin, answer);
    if (shared && proposal.files.length === 0 && proposal.failures.length === 0) return shared;
    this.proposals.add(proposal);
    this.deps.log.info(
      `Proposal ${proposal.id}: ${proposal.files.length} file(s), ${proposal.pendingHunks().length} hunk(s), ${proposal.failures.length} block(s) not applied`,
    );
    return proposal;
  }

  /**
   * While a session is active: shows its proposals beside this window's, and shares each new
   * proposal's changes to shared files in its document instead of keeping them here. Undefined when
   * the session ends.
   */
  attachSession(store: SessionProposalStore | undefined, sharing?: SessionSharing): void {
    this.sharing = store ? sharing : undefined;
    this.proposals.attach(store);
  }

  /**
   * Moves the changes to shared files out of a new local proposal into the session's document (one
   * shared proposal per file). New and deleted files, changes to protected paths, and a change that
   * cannot be shared (its file is not open in the session yet, or the shared text moved on meanwhile)
   * stay in the local proposal. Returns the first shared proposal.
   */
  private share(
    proposal: Proposal,
    uris: ReadonlyMap<string, vscode.Uri>,
    origin: ProposalOrigin,
    answer: string,
  ): Proposal | undefined {
    const session = this.proposals.session;
    const sharing = this.sharing;
    if (!session || !sharing) return undefined;
    let first: Proposal | undefined;
    for (const file of [...proposal.files]) {
      const uri = uris.get(file.path);
      const sharedPath = uri && sharing.sharedPathOf(uri);
      // A change that needs the asker's confirmation (a protected path) stays in their window.
      if (!sharedPath || file.kind !== 'modify' || file.hunks.length === 0 || file.protection) continue;
      try {
        const shared = session.share({
          path: sharedPath,
          reason: file.change.notes.join('\n\n') || proposal.rationale,
          model: sharing.model(),
          hunks: file.hunks.map((hunk) => ({ line: hunk.line, removed: hunk.removed, added: hunk.added })),
          ...(sharing.shareThread() ? { thread: { request: origin.instruction, answer } } : {}),
        });
        first ??= shared;
        proposal.files.splice(proposal.files.indexOf(file), 1);
        this.deps.log.info(`Proposal for ${sharedPath} shared in the session as ${shared.id}`);
      } catch (error) {
        this.deps.log.warn(
          `Could not share the proposal for ${sharedPath}; kept in this window: ${String(error)}`,
        );
      }
    }
    return first;
  }

  /**
   * Whether an accepted hunk is being written to this document now: its change event is the
   * assistant's text, not the person's typing.
   */
  isWriting(uri: vscode.Uri): boolean {
    return this.writing.has(uri.toString());
  }

  uriOf(file: FileReview): vscode.Uri {
    if (file.address) return vscode.Uri.parse(file.address, true);
    return uriForPath(file.path) ?? vscode.Uri.file(file.path);
  }

  /** Why writing this file needs an explicit confirmation (empty when it does not). */
  protectionOf(file: FileReview): string[] {
    return file.protection?.reasons.map((reason) => reason.message) ?? [];
  }

  /** Pending and stale hunks shown in a document, with where they come from. */
  hunksIn(uri: vscode.Uri): HunkLocation[] {
    const key = uri.toString();
    const out: HunkLocation[] = [];
    for (const proposal of this.proposals.all())
      for (const file of proposal.files) {
        if (this.uriOf(file).toString() !== key) continue;
        for (const hunk of file.hunks)
          if (hunk.status === 'pending' || hunk.status === 'stale') out.push({ proposal, file, hunk });
      }
    return out.sort((a, b) => a.hunk.line - b.hunk.line);
  }

  /** Accepts a hunk, or only some of its lines. False (after telling the person why) when refused. */
  acceptHunk(hunkId: string, selection?: LineSelection): Promise<boolean> {
    return this.enqueue(() => this.acceptNow(hunkId, selection));
  }

  rejectHunk(hunkId: string): boolean {
    const session = this.proposals.session;
    if (session?.owns(hunkId)) return this.decideShared(session, hunkId, 'reject');
    const found = this.proposals.findHunk(hunkId);
    if (!found || !found.file.reject(hunkId)) return false;
    this.proposals.changed();
    return true;
  }

  /** Accepts every pending hunk of a file, bottom-up, each as its own undo step. */
  acceptFile(file: FileReview): Promise<number> {
    return this.enqueue(async () => {
      let accepted = 0;
      for (const hunk of [...file.pending()].sort((a, b) => b.line - a.line))
        if (await this.acceptNow(hunk.id)) accepted++;
        else break;
      return accepted;
    });
  }

  rejectFile(file: FileReview): number {
    if (file.shared) return file.pending().filter((hunk) => this.rejectHunk(hunk.id)).length;
    let rejected = 0;
    for (const hunk of file.hunks) if (hunk.status === 'pending' && file.reject(hunk.id)) rejected++;
    if (rejected) this.proposals.changed();
    return rejected;
  }

  async acceptAll(proposal?: Proposal): Promise<number> {
    let accepted = 0;
    for (const target of proposal ? [proposal] : [...this.proposals.all()])
      for (const file of target.files) accepted += await this.acceptFile(file);
    return accepted;
  }

  rejectAll(proposal?: Proposal): number {
    let rejected = 0;
    for (const target of proposal ? [proposal] : [...this.proposals.all()])
      for (const file of target.files) rejected += this.rejectFile(file);
    return rejected;
  }

  /** Removes a proposal from review (its pending hunks are dropped, the files stay as they are). */
  dismiss(proposalId: string): void {
    this.proposals.remove(proposalId);
  }

  /**
   * Asks to undo an accepted hunk of a shared proposal (only whoever accepted it may; the host puts
   * back what it replaced, unless someone edited it since). False, after saying why, when refused.
   */
  undoHunk(hunkId: string): boolean {
    const session = this.proposals.session;
    if (!session?.owns(hunkId)) {
      void vscode.window.showInformationMessage(
        'Tandem: undo an accepted change of your own with Undo in its editor (Ctrl+Z).',
      );
      return false;
    }
    try {
      session.undo(hunkId);
      return true;
    } catch (error) {
      return this.refusedShared(error);
    }
  }

  /** Re-matches a stale hunk against the document as it is now. */
  async repropose(hunkId: string): Promise<boolean> {
    const found = this.proposals.findHunk(hunkId);
    if (!found || found.hunk.status !== 'stale') return false;
    if (found.file.shared) {
      void vscode.window.showInformationMessage(
        `Tandem: a shared change cannot be re-proposed; drop it and ask the assistant again for ${found.file.path}.`,
      );
      return false;
    }
    const document = await this.openIfExists(this.uriOf(found.file));
    const again = reproposeHunk(found.hunk, document?.getText() ?? '', {
      fuzzyThreshold: this.fuzzyThreshold(),
    });
    if (!again.ok) {
      void vscode.window.showWarningMessage(
        `Tandem: could not re-propose the change in ${found.file.path}: ${again.reason}. Ask the assistant again, or drop it.`,
      );
      return false;
    }
    found.file.replaceStale(hunkId, again.removed, again.added, again.line, document?.version ?? 0);
    this.proposals.changed();
    return true;
  }

  /**
   * Accepts the lines selected in an editor. In the file itself: the selected removed lines of each
   * hunk, with the added lines drawn beside them (added line i beside removed line i, the extra ones
   * beside the last). In the proposed side of "Open Diff": the selected added lines, each with the
   * removed line it pairs with, if any.
   */
  async acceptSelection(editor: vscode.TextEditor, layout?: ProposedLayout): Promise<number> {
    const selected = new Set<number>();
    for (const selection of editor.selections) {
      const last =
        selection.end.character === 0 && selection.end.line > selection.start.line
          ? selection.end.line - 1
          : selection.end.line;
      for (let line = selection.start.line; line <= last; line++) selected.add(line);
    }
    const picks: Array<{ hunk: ReviewHunk; selection: LineSelection }> = [];
    if (layout) {
      for (const entry of layout) {
        const found = this.proposals.findHunk(entry.hunkId);
        if (!found || found.hunk.status !== 'pending') continue;
        const added = found.hunk.added.map((_, i) => i).filter((i) => selected.has(entry.start + i));
        if (added.length)
          picks.push({
            hunk: found.hunk,
            selection: expandToGroups(found.hunk.removed.length, found.hunk.added.length, { added }, 'alone'),
          });
      }
    } else {
      for (const { hunk } of this.hunksIn(editor.document.uri)) {
        if (hunk.status !== 'pending') continue;
        if (hunk.removed.length === 0) {
          // A pure insertion is drawn on the line above it: selecting that line takes all of it.
          const anchor = Math.max(0, hunk.line - 1);
          if (selected.has(anchor))
            picks.push({ hunk, selection: { removed: [], added: hunk.added.map((_, i) => i) } });
          continue;
        }
        const removed = hunk.removed.map((_, i) => i).filter((i) => selected.has(hunk.line + i));
        if (removed.length)
          picks.push({
            hunk,
            selection: expandToGroups(hunk.removed.length, hunk.added.length, { removed }),
          });
      }
    }
    if (picks.length === 0) {
      void vscode.window.showInformationMessage(
        'Tandem: select lines of a proposed change first (in the file, or in the proposed side of Open Diff).',
      );
      return 0;
    }
    let accepted = 0;
    for (const pick of picks.sort((a, b) => b.hunk.line - a.hunk.line))
      if (await this.acceptHunk(pick.hunk.id, pick.selection)) accepted++;
    return accepted;
  }

  dispose(): void {
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }

  private fuzzyThreshold(): number {
    const value = this.deps.settings.get('proposals.fuzzyMatchThreshold');
    return typeof value === 'number' && value > 0 && value <= 1 ? value : DEFAULT_FUZZY_THRESHOLD;
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Records a decision on a shared hunk; the session's host applies it. */
  private decideShared(
    session: SessionProposalStore,
    hunkId: string,
    action: 'accept' | 'reject',
    selection?: LineSelection,
  ): boolean {
    try {
      session.decide(hunkId, action, selection);
      return true;
    } catch (error) {
      return this.refusedShared(error);
    }
  }

  private refusedShared(error: unknown): false {
    if (error instanceof SharedProposalError)
      void vscode.window.showWarningMessage(`Tandem: ${error.message}.`);
    else this.deps.log.error(`A shared proposal's decision failed: ${String(error)}`);
    return false;
  }

  private async acceptNow(hunkId: string, selection?: LineSelection): Promise<boolean> {
    const session = this.proposals.session;
    if (session?.owns(hunkId)) return this.decideShared(session, hunkId, 'accept', selection);
    const found = this.proposals.findHunk(hunkId);
    if (!found) return false;
    const { file } = found;
    const uri = this.uriOf(file);
    if (!(await this.confirmProtected(file))) return false;
    const document = await this.openIfExists(uri);
    const readLines = (line: number, count: number): string | undefined => {
      if (!document) return line === 0 && count === 0 ? '' : undefined;
      if (line > document.lineCount) return undefined;
      return document.getText(new vscode.Range(line, 0, line + count, 0));
    };
    const planned = file.planAccept(hunkId, readLines, selection);
    if (!planned.ok) {
      this.proposals.changed();
      void vscode.window.showWarningMessage(`Tandem: not applied to ${file.path}: ${planned.reason}.`);
      return false;
    }
    const ok = await this.write(file, uri, document, planned.plan);
    this.proposals.changed();
    if (!ok)
      void vscode.window.showErrorMessage(
        `Tandem: VS Code refused the edit to ${displayPathOf(uri)}; the file is unchanged.`,
      );
    return ok;
  }

  private async write(
    file: FileReview,
    uri: vscode.Uri,
    document: vscode.TextDocument | undefined,
    plan: AcceptPlan,
  ): Promise<boolean> {
    const edit = new vscode.WorkspaceEdit();
    const deletesFile =
      document !== undefined &&
      file.kind === 'delete' &&
      plan.whole &&
      plan.text === '' &&
      document.getText() === plan.expected;
    if (!document) edit.createFile(uri, { contents: encoder.encode(plan.text) });
    else if (deletesFile) edit.deleteFile(uri);
    else edit.replace(uri, new vscode.Range(plan.line, 0, plan.line + plan.lineCount, 0), plan.text);
    file.beginApply(plan);
    let ok = false;
    let version = 0;
    this.writing.add(uri.toString());
    try {
      ok = await vscode.workspace.applyEdit(edit);
      if (ok && !deletesFile) version = (await vscode.workspace.openTextDocument(uri)).version;
    } catch (error) {
      this.deps.log.error(`Applying a hunk to ${uri.toString()} failed: ${String(error)}`);
    } finally {
      this.writing.delete(uri.toString());
      file.finishApply(plan, ok, version);
    }
    const proposal = ok && !deletesFile ? this.proposals.get(file.proposalId) : undefined;
    if (proposal)
      this.applied.fire({
        uri,
        proposal,
        hunkId: plan.hunkId,
        line: document ? plan.line : 0,
        replaced: document ? plan.expected : '',
        inserted: plan.text,
      });
    return ok;
  }

  /** Asks once per file (the trust area's modal) before the first write to a protected path. */
  private async confirmProtected(file: FileReview): Promise<boolean> {
    const found = file.protection;
    if (!found || file.writeConfirmed) return true;
    if (!(await confirmProtectedChanges([found], () => file.path))) return false;
    file.writeConfirmed = true;
    return true;
  }

  private async openIfExists(uri: vscode.Uri): Promise<vscode.TextDocument | undefined> {
    const open = vscode.workspace.textDocuments.find(
      (document) => document.uri.toString() === uri.toString(),
    );
    if (open) return open;
    try {
      await vscode.workspace.fs.stat(uri);
    } catch {
      return undefined;
    }
    return vscode.workspace.openTextDocument(uri);
  }

  private onDocumentChanged(event: vscode.TextDocumentChangeEvent): void {
    if (event.contentChanges.length === 0) return;
    const key = event.document.uri.toString();
    const reason =
      event.reason === vscode.TextDocumentChangeReason.Undo
        ? 'undo'
        : event.reason === vscode.TextDocumentChangeReason.Redo
          ? 'redo'
          : undefined;
    let touched = false;
    for (const proposal of this.proposals.all())
      for (const file of proposal.files) {
        if (this.uriOf(file).toString() !== key) continue;
        // A shared proposal's hunks move with the session's text (their anchors): redraw only, once
        // the editor has caught up with the text they were placed in.
        if (file.shared) {
          touched = true;
          continue;
        }
        if (!file.hunks.some((hunk) => hunk.status === 'pending' || hunk.applied)) continue;
        const changes = event.contentChanges.map((change) => ({
          start: { line: change.range.start.line, character: change.range.start.character },
          end: { line: change.range.end.line, character: change.range.end.character },
          text: change.text,
        }));
        file.onDocumentChanged(changes, event.document.version, reason);
        touched = true;
      }
    if (touched) this.proposals.changed();
  }
}

/** Where each pending hunk's added lines sit in a proposed-text document (for "Accept Selected Lines"). */
export type ProposedLayout = ReadonlyArray<{ hunkId: string; start: number }>;
