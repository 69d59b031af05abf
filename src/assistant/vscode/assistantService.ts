/**
 * The assistant as a capability of the window: its conversation, the proposals it makes (in a
 * `ProposalStore`) and their review in the editor. Built in extension.ts; the panel is a view of it.
 */
import * as vscode from 'vscode';
import { isModelError } from '../../model';
import type { ModelService } from '../../model/vscode';
import { ProposalReview } from '../../proposals/vscode';
import type { ProposalStore } from '../../proposals/proposalStore';
import type { Settings } from '../../settings';
import type { ProjectInstructions } from '../../instructions/projectInstructions';
import type { TrustGate, UntrustedPiece } from '../../trust';
import { ContextChips, filePiece, readText } from '../../panel/vscode/contextChips';
import { resolveNamedPath, shownNames } from '../../workspace/vscode/fileAddress';
import { Assistant, type AssistantHost } from '../assistant';
import { ConversationStore } from '../conversations';

export interface AssistantDeps {
  context: vscode.ExtensionContext;
  settings: Settings;
  log: vscode.LogOutputChannel;
  model: ModelService;
  /** The window's trust gate: every request of the assistant goes through it. */
  gate: () => TrustGate;
  /** The project's instruction files for the files a request is about. */
  instructions?: (paths: readonly string[]) => Promise<ProjectInstructions>;
  /** Where proposals live; this window's memory when not given. */
  proposals?: ProposalStore;
}

export class AssistantService implements vscode.Disposable {
  readonly assistant: Assistant;
  /** Proposals under review in the editor: decorations, CodeLens, "Open Diff", the hunk commands. */
  readonly review: ProposalReview;
  /** Conversations, kept per workspace. */
  readonly store: ConversationStore;
  /** The context a request can take (selection, active file, problems, @files). */
  readonly chips: ContextChips;
  private readonly disposables: vscode.Disposable[] = [];
  private presence: ((paths: readonly string[] | undefined) => void) | undefined;

  constructor(deps: AssistantDeps) {
    const { context, settings, log, model, gate } = deps;
    this.review = new ProposalReview({ settings, log, gate, store: deps.proposals });
    const chips = (this.chips = new ContextChips((path) => {
      const trust = gate();
      return trust.isExcluded(path) ? trust.explainExclusion(path) : undefined;
    }));
    // Saved conversations hold no secret the gate has seen: answers shown restored are stored redacted.
    this.store = new ConversationStore(context.workspaceState, undefined, (text) => gate().redactKnown(text));
    const review = this.review;
    const host: AssistantHost = {
      gate,
      chatModel: () => model.chatModel,
      imageRefusal: (name) => model.imageRefusal(name),
      resolveChips: (refs) => chips.resolve(refs),
      readFiles: async (paths, shown) => {
        const pieces: UntrustedPiece[] = [];
        const problems: string[] = [];
        for (const path of paths) {
          const resolved = resolveNamedPath(path, shown);
          if (!('uri' in resolved)) {
            problems.push(resolved.reason);
            continue;
          }
          const text = await readText(resolved.uri);
          if (text !== undefined) pieces.push(filePiece(resolved.uri, text));
        }
        return { pieces, labels: [...paths], problems };
      },
      instructions: deps.instructions,
      propose: (answer, origin) => review.controller.propose(answer, origin),
      proposal: (id) => review.controller.proposals.get(id),
      reveal: (proposal) => {
        const first = proposal.pendingHunks()[0];
        const file = proposal.files.find((candidate) => candidate.hunks.includes(first!));
        if (first && file) void review.reveal({ proposal, file, hunk: first }, true);
      },
      inform: (message) => void vscode.window.showInformationMessage(message),
      reportError: (error, message) => {
        if (isModelError(error)) void model.notifyError(error, message);
        else log.error(message);
      },
      shownNames: (paths) => shownNames(paths, (path) => gate().displayPath(path)),
      working: (paths) => this.presence?.(paths),
      log,
    };
    this.assistant = new Assistant(host, this.store);
    this.disposables.push(this.review, chips, { dispose: () => this.assistant.stop() });
  }

  /** Shows where the assistant works while it answers (a shared session's presence); undefined: nowhere. */
  showWorkIn(presence: ((paths: readonly string[] | undefined) => void) | undefined): void {
    this.presence = presence;
  }

  dispose(): void {
    for (const disposable of this.disposables.splice(0).reverse()) disposable.dispose();
  }
}

export function registerAssistant(deps: AssistantDeps): AssistantService {
  return new AssistantService(deps);
}
