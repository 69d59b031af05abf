import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { ModelService } from '../../model/vscode';
import type { ProposalReview } from '../../proposals/vscode';
import type { ConversationStore } from '../../assistant/conversations';
import {
  parseWebviewMessage,
  type AuthorshipAction,
  type AuthorshipSummaryView,
  type ChipRef,
  type HostMessage,
  type ProposalView,
  type WebviewMessage,
} from '../protocol';
import type { FileSummaryFeed } from '../../authorship/vscode';
import { displayPathOf } from '../../workspace/vscode/fileAddress';
import type { Assistant } from '../../assistant/assistant';
import type { ContextChips } from './contextChips';
import { proposalViews } from './proposalViews';
import type { RequestDetails } from './requestDetails';

export interface PanelViewDeps {
  extensionUri: vscode.Uri;
  assistant: Assistant;
  review: ProposalReview;
  chips: ContextChips;
  store: ConversationStore;
  model: ModelService;
  requests: RequestDetails;
  log: vscode.LogOutputChannel;
}

/** Updates to the proposal list and the chips are coalesced: typing and streaming fire many events. */
const COALESCE_MS = 40;

/** The side panel's webview: its HTML (strict CSP, nonce, local files only) and the message routing. */
export class PanelView implements vscode.WebviewViewProvider, vscode.Disposable {
  static readonly viewType = 'tandem.panel';
  private view: vscode.WebviewView | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Input to show once the webview is ready (a command opened the panel). */
  private pendingFocus: { text?: string; chips?: ChipRef[] } | undefined;
  private ready = false;
  private authorship: FileSummaryFeed | undefined;
  private reverts: { isReverted(hunkId: string): boolean } | undefined;
  /** The authorship summary last sent (or due once the panel is open), for the log and tests. */
  lastAuthorship: (HostMessage & { type: 'authorship' }) | undefined;

  constructor(private readonly deps: PanelViewDeps) {
    deps.assistant.connect((message) => {
      // An answer tied to a new proposal goes after the proposal itself (still waiting in the
      // coalescing timer), so the panel never draws the answer's proposal as no longer under review.
      if (message.type === 'messageUpdated' && message.message.proposalId && this.cancelLater('proposals'))
        this.postProposals();
      this.post(message);
    });
    this.disposables.push(
      deps.review.controller.onDidChange(() => this.later('proposals', () => this.postProposals())),
      deps.chips.onDidChange(() =>
        this.later('chips', () => this.post({ type: 'chips', chips: deps.chips.available() })),
      ),
    );
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.ready = false;
    const { extensionUri } = this.deps;
    view.webview.options = {
      enableScripts: true,
      localResourceRoots: [
        vscode.Uri.joinPath(extensionUri, 'dist'),
        vscode.Uri.joinPath(extensionUri, 'media'),
      ],
    };
    view.webview.html = this.html(view.webview);
    const subscriptions = [view.webview.onDidReceiveMessage((raw: unknown) => void this.receive(raw))];
    view.onDidDispose(() => {
      subscriptions.forEach((subscription) => subscription.dispose());
      if (this.view === view) this.view = undefined;
    });
  }

  /** A message from the webview (validated here first); resolves when it was handled. */
  async receive(raw: unknown): Promise<void> {
    const message = parseWebviewMessage(raw);
    if (!message) {
      this.deps.log.warn(`Side panel: ignored a malformed message ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    await this.handle(message).catch((error: unknown) => {
      this.deps.log.error(`Side panel: ${message.type} failed: ${String(error)}`);
      void vscode.window.showErrorMessage(
        `Tandem: ${error instanceof Error ? error.message : String(error)}`,
      );
    });
  }

  /** Shows the panel and puts text (and chips) in its request box. */
  async focus(text?: string, chips?: ChipRef[]): Promise<void> {
    this.pendingFocus = { text, chips };
    await vscode.commands.executeCommand(`${PanelView.viewType}.focus`);
    if (this.ready) this.flushFocus();
  }

  /**
   * Shows the active file's authorship summary, kept up to date as the feed changes; and accepted
   * hunks that a revert took back as reverted.
   */
  connectAuthorship(
    feed: FileSummaryFeed,
    reverts?: { isReverted(hunkId: string): boolean; readonly onDidChangeReverted: vscode.Event<unknown> },
  ): void {
    this.authorship = feed;
    this.reverts = reverts;
    this.disposables.push(feed.onDidChange(() => this.postAuthorship()));
    if (reverts)
      this.disposables.push(
        reverts.onDidChangeReverted(() => this.later('proposals', () => this.postProposals())),
      );
    this.postAuthorship();
  }

  post(message: HostMessage): void {
    if (this.view && this.ready) void this.view.webview.postMessage(message);
  }

  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }

  private async handle(message: WebviewMessage): Promise<void> {
    const { assistant, review, chips, store, requests } = this.deps;
    const controller = review.controller;
    switch (message.type) {
      case 'ready':
        this.ready = true;
        this.postState();
        this.postAuthorship();
        this.flushFocus();
        return;
      case 'send':
        if (message.text.trim())
          await assistant.ask(message.text, message.chips, {
            images: message.images,
            labels: message.images?.map((image) => `image: ${image.name}`),
          });
        return;
      case 'stop':
        return assistant.stop();
      case 'newConversation':
        store.startNew();
        await store.save();
        return this.postState();
      case 'openConversation':
        store.open(message.id);
        return this.postState();
      case 'deleteConversation':
        await store.delete(message.id);
        return this.postState();
      case 'searchFiles':
        return this.post({
          type: 'fileMatches',
          query: message.query,
          paths: await chips.search(message.query),
        });
      case 'hunkAction': {
        const found = controller.proposals.findHunk(message.hunkId);
        if (!found) return;
        if (message.action === 'accept') await controller.acceptHunk(message.hunkId, message.selection);
        else if (message.action === 'reject') controller.rejectHunk(message.hunkId);
        else if (message.action === 'repropose') await controller.repropose(message.hunkId);
        else if (message.action === 'undo') controller.undoHunk(message.hunkId);
        else await review.reveal(found);
        return;
      }
      case 'fileAction': {
        const proposal = controller.proposals.get(message.proposalId);
        const file = proposal?.file(message.path);
        if (!proposal || !file) return;
        if (message.action === 'acceptAll') await controller.acceptFile(file);
        else if (message.action === 'rejectAll') controller.rejectFile(file);
        else if (message.action === 'openDiff') await review.content.openDiff(proposal.id, file);
        else {
          const first = file.hunks.find((hunk) => hunk.status === 'pending') ?? file.hunks[0];
          if (first) await review.reveal({ proposal, file, hunk: first });
        }
        return;
      }
      case 'proposalAction': {
        const proposal = controller.proposals.get(message.proposalId);
        if (!proposal) return;
        if (message.action === 'acceptAll') await controller.acceptAll(proposal);
        else if (message.action === 'rejectAll') controller.rejectAll(proposal);
        else if (message.action === 'redoFailed') await assistant.redoFailed(proposal.id);
        else if (message.action === 'dismiss') controller.dismiss(proposal.id);
        else if (proposal.origin.requestId !== undefined) await requests.show(proposal.origin.requestId);
        return;
      }
      case 'showRequest':
        return requests.show(message.requestId);
      case 'authorshipAction':
        return this.onAuthorshipAction(message.action, message.uri, message.proposal);
      case 'openLink':
        return this.openLink(message.href);
      case 'copy':
        await vscode.env.clipboard.writeText(message.text);
        return;
      case 'insert': {
        const editor = chips.editor;
        if (!editor) {
          void vscode.window.showInformationMessage('Tandem: open a file to insert the code into.');
          return;
        }
        await vscode.window.showTextDocument(editor.document, editor.viewColumn);
        await editor.edit((builder) => builder.replace(editor.selection, message.text));
        return;
      }
    }
  }

  private postAuthorship(): void {
    const current = this.authorship?.current();
    const message: HostMessage & { type: 'authorship' } = current
      ? { type: 'authorship', summary: this.summaryView(current.document, current.summary) }
      : { type: 'authorship' };
    this.lastAuthorship = message;
    this.post(message);
  }

  private summaryView(
    document: vscode.TextDocument,
    summary: NonNullable<ReturnType<FileSummaryFeed['current']>>['summary'],
  ): AuthorshipSummaryView {
    return {
      uri: document.uri.toString(),
      path: displayPathOf(document.uri),
      shared: this.authorship?.shared(document) ?? false,
      characters: summary.characters,
      lines: summary.lines,
      removed: summary.removed,
      totalCharacters: summary.totalCharacters,
      totalLines: summary.totalLines,
      people: summary.people.map((person) => ({
        askedBy: person.mine ? 'you' : person.askedBy,
        model: person.model,
        characters: person.characters,
        lines: person.lines,
        removed: person.removed,
        runs: person.proposals.map((run) => ({
          proposal: run.proposal,
          characters: run.characters,
          lines: run.lines,
          line: run.firstLine + 1,
          removed: run.removed,
          // What was deleted, shortened: the panel quotes it, it need not hold a whole removed block.
          removedTexts: run.removedTexts.map((text) => (text.length > 80 ? `${text.slice(0, 79)}…` : text)),
          conversationId: this.conversationOf(run.proposal),
        })),
      })),
    };
  }

  /** The local conversation whose answer proposed it, if any. */
  private conversationOf(proposal: string): string | undefined {
    const { store } = this.deps;
    return store
      .summaries()
      .find((entry) => store.find(entry.id)?.messages.some((message) => message.proposalId === proposal))?.id;
  }

  /** A link or button of the authorship summary, on one proposal's text in the summarized file. */
  private async onAuthorshipAction(action: AuthorshipAction, uri: string, proposal: string): Promise<void> {
    const document = vscode.workspace.textDocuments.find((candidate) => candidate.uri.toString() === uri);
    if (!document) return;
    if (action === 'revert') {
      await vscode.commands.executeCommand('tandem.revertAssistantEdits', { proposal, uri });
      return;
    }
    if (action === 'conversation') {
      const conversation = this.conversationOf(proposal);
      if (conversation) {
        this.deps.store.open(conversation);
        this.postState();
      }
      return;
    }
    const range = this.authorship?.firstMark(document, proposal);
    if (!range) {
      void vscode.window.showInformationMessage(
        `Tandem: nothing of proposal ${proposal} is left in ${displayPathOf(document.uri)}.`,
      );
      return;
    }
    const visible = vscode.window.visibleTextEditors.find((editor) => editor.document === document);
    const editor = await vscode.window.showTextDocument(document, { viewColumn: visible?.viewColumn });
    editor.selection = new vscode.Selection(range.start, range.end);
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  /** Opens web links outside VS Code (http, https, mailto only) and workspace paths in the editor. */
  private async openLink(href: string): Promise<void> {
    if (/^(https?:|mailto:)/i.test(href)) {
      await vscode.env.openExternal(vscode.Uri.parse(href));
      return;
    }
    const match = /^(?:\.\/)?([^:#?]+?)(?:#L?(\d+))?$/.exec(href);
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!match || !folder || match[1].includes('..')) return;
    const uri = vscode.Uri.joinPath(folder.uri, match[1]);
    try {
      const editor = await vscode.window.showTextDocument(uri, { preview: true });
      if (match[2]) {
        const position = new vscode.Position(Math.max(0, Number(match[2]) - 1), 0);
        editor.selection = new vscode.Selection(position, position);
        editor.revealRange(new vscode.Range(position, position), vscode.TextEditorRevealType.InCenter);
      }
    } catch {
      void vscode.window.showInformationMessage(`Tandem: ${match[1]} is not a file in this workspace.`);
    }
  }

  private postState(): void {
    const { store, assistant, chips, model } = this.deps;
    const current = store.current;
    this.post({
      type: 'state',
      conversation: { id: current.id, title: current.title, messages: current.messages },
      conversations: store.summaries(),
      busy: assistant.busy,
      proposals: this.proposalViews(),
      chips: chips.available(),
      model: model.chatModel,
    });
  }

  private postProposals(): void {
    this.post({
      type: 'proposals',
      proposals: this.proposalViews(),
    });
  }

  /** The proposals as the panel lists them (also what a test reads). */
  proposalViews(): ProposalView[] {
    const reverts = this.reverts;
    return proposalViews(this.deps.review.controller, this.deps.assistant.redoing, (hunkId) =>
      reverts ? reverts.isReverted(hunkId) : false,
    );
  }

  private flushFocus(): void {
    if (!this.pendingFocus) return;
    this.post({ type: 'focusInput', ...this.pendingFocus });
    this.pendingFocus = undefined;
  }

  private later(key: string, run: () => void): void {
    if (this.timers.has(key)) return;
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        run();
      }, COALESCE_MS),
    );
  }

  /** Cancels a run `later` is holding; true when one was waiting. */
  private cancelLater(key: string): boolean {
    const timer = this.timers.get(key);
    if (!timer) return false;
    clearTimeout(timer);
    this.timers.delete(key);
    return true;
  }

  private html(webview: vscode.Webview): string {
    const nonce = randomBytes(18).toString('base64');
    const asset = (name: string) =>
      webview.asWebviewUri(vscode.Uri.joinPath(this.deps.extensionUri, 'dist', name));
    const csp = [
      "default-src 'none'",
      `style-src ${webview.cspSource}`,
      `script-src 'nonce-${nonce}'`,
      `img-src ${webview.cspSource} data:`,
      `font-src ${webview.cspSource}`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${asset('webview.css')}">
<title>Tandem</title>
</head>
<body>
<div id="app" data-nonce-checked="true"></div>
<script nonce="${nonce}" src="${asset('webview.js')}"></script>
</body>
</html>`;
  }
}
