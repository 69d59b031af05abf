/**
 * The assistant: runs a conversation turn through the trust gate, streams the answer into the
 * conversation, and turns an answer holding edit blocks into a proposal in the proposal store.
 * Editor-free: what it needs of VS Code (context chips, the model settings, messages, revealing a
 * proposal) comes through `AssistantHost`, which the adapter in ./vscode provides.
 */
import { isCancellation, isModelError, type ChatImage, type ModelDelta } from '../model';
import { holdsClosedBlock } from '../proposals/editFormat';
import { PANEL_SYSTEM_PROMPT, pathsOf, redoInstruction } from '../proposals/prompt';
import type { Proposal, ProposalOrigin } from '../proposals/proposal';
import type { ProjectInstructions } from '../instructions/projectInstructions';
import type { GateReport, TrustGate, UntrustedPiece } from '../trust';
import type { ChipRef, HostMessage, MessageView } from '../panel/protocol';
import { ConversationStore, newId } from './conversations';
import { conversationHistory } from './history';

export interface ResolvedContext {
  pieces: UntrustedPiece[];
  labels: string[];
  problems: string[];
}

/** What the assistant needs from the editor it runs in. */
export interface AssistantHost {
  gate(): TrustGate;
  /** The chat model requests go to. */
  chatModel(): string;
  /** Why the chat model cannot take images (undefined when it can). */
  imageRefusal(model: string): Promise<string | undefined>;
  /** The text the panel's context chips stand for now. */
  resolveChips(refs: readonly ChipRef[]): Promise<ResolvedContext>;
  /** The current text of files named by a model's answer (resolved as the proposal would be). */
  readFiles(paths: readonly string[], shown?: ReadonlyMap<string, string>): Promise<ResolvedContext>;
  /** The project's instruction files that apply to the files a request is about. */
  instructions?(paths: readonly string[]): Promise<ProjectInstructions>;
  /** Turns an answer into a proposal in the proposal store (undefined when it holds no block). */
  propose(answer: string, origin: ProposalOrigin): Promise<Proposal | undefined>;
  proposal(id: string): Proposal | undefined;
  /** Shows a new proposal's first pending hunk where it would land. */
  reveal(proposal: Proposal): void;
  /** A short message for the person (e.g. "still answering"). */
  inform(message: string): void;
  /** A failed request: a model error is reported where the person sees it, anything else logged. */
  reportError(error: unknown, message: string): void;
  /**
   * The assistant started working on a request about these files (trust paths), or (undefined) it
   * stopped: in a shared session it shows as a participant meanwhile.
   */
  working?(paths: readonly string[] | undefined): void;
  /** The names the gate showed the model for the given trust paths (see `shownNames`). */
  shownNames(trustPaths: readonly string[]): ReadonlyMap<string, string>;
  log: { info(message: string): void; error(message: string): void };
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

/** Streamed text is posted to the view at most this often. */
const DELTA_INTERVAL_MS = 50;

export class Assistant {
  private running: { controller: AbortController; conversationId: string } | undefined;
  private readonly contextOf = new Map<string, UntrustedPiece[]>();
  private readonly reports = new Map<number, GateReport>();
  /** Proposals whose failed blocks are being asked for again. */
  readonly redoing = new Set<string>();
  private post: (message: HostMessage) => void = () => undefined;

  constructor(
    private readonly host: AssistantHost,
    readonly store: ConversationStore,
  ) {}

  get busy(): boolean {
    return this.running !== undefined;
  }

  /** Where the conversation's changes are posted (the panel's webview). */
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
      this.host.inform('Tandem: the assistant is still answering. Stop it first, or wait.');
      return undefined;
    }
    const { store, host } = this;
    const conversation = store.current;
    const resolved = await host.resolveChips(chipRefs);
    const pieces = [...(options.pieces ?? []), ...resolved.pieces];
    const history = conversationHistory(conversation.messages, (id) => this.contextOf.get(id));
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

    const paths = pieces.flatMap((piece) => (piece.source.path ? [piece.source.path] : []));
    let raw = '';
    host.working?.(paths);
    try {
      const project = await host.instructions?.(paths);
      const model = host.chatModel();
      const refusal = options.images?.length ? await host.imageRefusal(model) : undefined;
      if (refusal) throw new Error(refusal);
      const gated = host.gate().chat({
        feature: options.feature ?? 'panel',
        model,
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
        host.reportError(error, isModelError(error) ? 'Tandem chat' : `Chat request failed: ${answer.error}`);
      }
    } finally {
      host.working?.(undefined);
      this.running = undefined;
      if (options.redoOf) this.redoing.delete(options.redoOf);
    }

    if (answer.status === 'done' || (answer.status === 'stopped' && holdsClosedBlock(raw))) {
      try {
        const proposal = await host.propose(raw, {
          instruction: instructions,
          requestId: answer.requestId,
          conversationId: conversation.id,
          shown: host.shownNames(paths),
        });
        if (proposal) {
          answer.proposalId = proposal.id;
          const redone = options.redoOf ? host.proposal(options.redoOf) : undefined;
          if (redone) redone.failures = [];
          host.reveal(proposal);
        }
      } catch (error) {
        host.log.error(`Could not turn the answer into a proposal: ${String(error)}`);
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
    const proposal = this.host.proposal(proposalId);
    if (!proposal || proposal.failures.length === 0) return;
    const failures = proposal.failures;
    const paths = pathsOf(failures.flatMap((failure) => (failure.block ? [failure.block] : [])));
    // The paths come from the model's answer: resolved like the answer's own edits, or refused.
    const files = await this.host.readFiles(paths, proposal.origin.shown);
    const count = failures.length;
    await this.ask(redoInstruction(failures), [], {
      display: `Redo the ${count} block${count > 1 ? 's' : ''} that could not be applied`,
      pieces: files.pieces,
      labels: paths,
      redoOf: proposalId,
      problems: files.problems,
    });
  }
}
