import * as vscode from 'vscode';
import { isCancellation, isModelError, type ChatImage, type ModelDelta } from '../../model';
import type { ModelService } from '../../model/vscode';
import { PANEL_SYSTEM_PROMPT, pathsOf, redoInstruction } from '../../proposals/prompt';
import type { ProposalReview } from '../../proposals/vscode';
import type { ConversationTurn, GateReport, TrustGate, UntrustedPiece } from '../../trust';
import { ConversationStore, newId, type StoredConversation } from '../conversations';
import type { ChipRef, HostMessage, MessageView } from '../protocol';
import { filePiece, readText, type ContextChips } from './contextChips';
import { resolveNamedPath } from '../../proposals/vscode/workspacePaths';
import type { ProjectInstructions } from '../../instructions/projectInstructions';

export interface AssistantDeps {
  gate: () => TrustGate;
  model: ModelService;
  review: ProposalReview;
  chips: ContextChips;
  store: ConversationStore;
  log: vscode.LogOutputChannel;
  /** The project's instruction files that apply to the files a request is about. */
  instructions?: (paths: readonly string[]) => Promise<ProjectInstructions>;
}

export interface AskOptions {
  /** Shown in the conversation instead of the instruction (e.g. "Edit greeter.ts:3-7: …"). */
  display?: string;
  /** Context pieces given directly (commands), besides the chips. */
  pieces?: UntrustedPiece[];
  labels?: string[];
  feature?: string;
  system?: string;
  /** The proposal whose failed blocks this request redoes. */
  redoOf?: string;
  /** Context that was asked for but not sent, and why (shown with the answer). */
  problems?: string[];
  /** Screenshots for a model that takes images (refused with a reason for one that does not). */
  images?: readonly ChatImage[];
}

/** Conversation turns kept for the model: the last few, within a character budget. */
const HISTORY_MESSAGES = 10;
const HISTORY_CHARS = 60_000;
/** Streamed text is posted to the webview at most this often. */
const DELTA_INTERVAL_MS = 50;

/**
 * Runs the panel's conversation: each request goes through the trust gate, the answer streams into
 * the conversation, and an answer holding SEARCH/REPLACE blocks becomes a proposal under review.
 */
export class Assistant implements vscode.Disposable {
  private running: { controller: AbortController; conversationId: string } | undefined;
  private readonly contextOf = new Map<string, UntrustedPiece[]>();
  private readonly reports = new Map<number, GateReport>();
  readonly redoing = new Set<string>();
  private post: (message: HostMessage) => void = () => undefined;

  constructor(private readonly deps: AssistantDeps) {}

  get busy(): boolean {
    return this.running !== undefined;
  }

  connect(post: (message: HostMessage) => void): void {
    this.post = post;
  }

  reportOf(requestId: number): GateReport | undefined {
    return this.reports.get(requestId);
  }

  stop(): void {
    this.running?.controller.abort();
  }

  /** Sends a request from the panel (or a command) and streams the answer into the conversation. */
  async ask(
    instructions: string,
    chipRefs: readonly ChipRef[],
    options: AskOptions = {},
  ): Promise<MessageView | undefined> {
    if (this.running) {
      void vscode.window.showInformationMessage(
        'Tandem: the assistant is still answering. Stop it first, or wait.',
      );
      return undefined;
    }
    const { store, chips, model } = this.deps;
    const conversation = store.current;
    const resolved = await chips.resolve(chipRefs);
    const pieces = [...(options.pieces ?? []), ...resolved.pieces];
    const history = this.history(conversation);
    const user: MessageView = {
      id: newId('m'),
      role: 'user',
      text: options.display ?? instructions,
      status: 'done',
      chips: [...(options.labels ?? []), ...resolved.labels],
    };
    this.contextOf.set(user.id, pieces);
    const answer: MessageView = { id: newId('m'), role: 'assistant', text: '', status: 'streaming' };
    store.add(conversation, user);
    store.add(conversation, answer);
    this.post({ type: 'messageAdded', conversationId: conversation.id, message: user });
    this.post({ type: 'messageAdded', conversationId: conversation.id, message: answer });
    const controller = new AbortController();
    this.running = { controller, conversationId: conversation.id };
    this.post({ type: 'busy', busy: true });
    if (options.redoOf) this.redoing.add(options.redoOf);

    let raw = '';
    try {
      const paths = pieces.flatMap((piece) => (piece.source.path ? [piece.source.path] : []));
      const project = await this.deps.instructions?.(paths);
      const refusal = options.images?.length ? await model.imageRefusal(model.chatModel) : undefined;
      if (refusal) throw new Error(refusal);
      const gated = this.deps.gate().chat({
        feature: options.feature ?? 'panel',
        model: model.chatModel,
        system: options.system ?? PANEL_SYSTEM_PROMPT,
        instructions,
        context: pieces,
        history,
        project,
        images: options.images,
        stream: true,
        signal: controller.signal,
      });
      answer.requestId = gated.call.record.id;
      this.reports.set(gated.call.record.id, gated.report);
      const notices = [
        ...(options.problems ?? []),
        ...resolved.problems,
        ...gated.report.dropped.map((dropped) => dropped.message),
      ];
      if (notices.length) answer.notice = `Not sent: ${notices.join('; ')}`;
      if (gated.report.instructions.length) answer.instructions = [...gated.report.instructions];
      const restorer = gated.streamRestorer();
      let pending = '';
      let lastPost = 0;
      const flush = () => {
        if (!pending) return;
        this.post({
          type: 'messageDelta',
          conversationId: conversation.id,
          messageId: answer.id,
          text: pending,
        });
        pending = '';
        lastPost = Date.now();
      };
      for await (const delta of gated.call as AsyncIterable<ModelDelta>) {
        if (delta.index !== 0) continue;
        raw += delta.text;
        const shown = restorer.push(delta.text);
        answer.text += shown;
        pending += shown;
        if (Date.now() - lastPost >= DELTA_INTERVAL_MS) flush();
      }
      const rest = restorer.flush();
      answer.text += rest;
      pending += rest;
      flush();
      const result = await gated.call.result;
      raw = result.text;
      answer.text = gated.restore(result.text).text;
      answer.status = 'done';
    } catch (error) {
      if (isCancellation(error) || controller.signal.aborted) answer.status = 'stopped';
      else {
        answer.status = 'error';
        answer.error = error instanceof Error ? error.message : String(error);
        if (isModelError(error)) void model.notifyError(error, 'Tandem chat');
        else this.deps.log.error(`Chat request failed: ${answer.error}`);
      }
    } finally {
      this.running = undefined;
      if (options.redoOf) this.redoing.delete(options.redoOf);
    }

    if (answer.status === 'done' || (answer.status === 'stopped' && raw.includes('>>>>>>> REPLACE'))) {
      try {
        const proposal = await this.deps.review.controller.propose(raw, {
          instruction: instructions,
          requestId: answer.requestId,
          conversationId: conversation.id,
        });
        if (proposal) {
          answer.proposalId = proposal.id;
          if (options.redoOf) this.deps.review.controller.proposals.get(options.redoOf)!.failures = [];
          const first = proposal.pendingHunks()[0];
          const file = proposal.files.find((candidate) => candidate.hunks.includes(first!));
          if (first && file) void this.deps.review.reveal({ proposal, file, hunk: first }, true);
        }
      } catch (error) {
        this.deps.log.error(`Could not turn the answer into a proposal: ${String(error)}`);
        answer.notice = `${answer.notice ? `${answer.notice}. ` : ''}The proposed edits could not be read: ${String(error)}`;
      }
    }
    store.touch(conversation);
    await store.save();
    this.post({ type: 'messageUpdated', conversationId: conversation.id, message: answer });
    this.post({ type: 'busy', busy: false });
    return answer;
  }

  /** Asks the model again for just the blocks of a proposal that could not be applied. */
  async redoFailed(proposalId: string): Promise<void> {
    const proposal = this.deps.review.controller.proposals.get(proposalId);
    if (!proposal || proposal.failures.length === 0) return;
    const failures = proposal.failures;
    const paths = pathsOf(failures.flatMap((failure) => (failure.block ? [failure.block] : [])));
    // The paths come from the model's answer: resolved like an @file the person picks, or refused.
    const pieces: UntrustedPiece[] = [];
    const problems: string[] = [];
    for (const path of paths) {
      const resolved = resolveNamedPath(path);
      if (!('uri' in resolved)) {
        problems.push(resolved.reason);
        continue;
      }
      const text = await readText(resolved.uri);
      if (text !== undefined) pieces.push(filePiece(resolved.uri, text));
    }
    const count = failures.length;
    await this.ask(redoInstruction(failures), [], {
      display: `Redo the ${count} block${count > 1 ? 's' : ''} that could not be applied`,
      pieces,
      labels: paths,
      redoOf: proposalId,
      problems,
    });
  }

  private history(conversation: StoredConversation): ConversationTurn[] {
    const turns: ConversationTurn[] = [];
    let chars = 0;
    const messages = conversation.messages.filter(
      (message) => message.status !== 'error' && message.text.trim() !== '',
    );
    for (const message of messages.slice(-HISTORY_MESSAGES).reverse()) {
      const context = message.role === 'user' ? (this.contextOf.get(message.id) ?? []) : [];
      const size = message.text.length + context.reduce((sum, piece) => sum + piece.text.length, 0);
      if (chars + size > HISTORY_CHARS && turns.length > 0) break;
      chars += size;
      turns.unshift(
        message.role === 'user'
          ? { role: 'user', instructions: message.text, context }
          : { role: 'assistant', content: message.text },
      );
    }
    // A conversation the model sees starts with a user turn.
    while (turns.length && turns[0].role !== 'user') turns.shift();
    return turns;
  }

  dispose(): void {
    this.stop();
  }
}
