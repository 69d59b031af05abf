import * as vscode from 'vscode';
import { displayPathOf, trustPathOf } from '../../workspace/vscode/fileAddress';
import type { ModelService } from '../../model/vscode';
import type { Assistant } from '../../assistant/assistant';
import type { ConversationStore } from '../../assistant/conversations';
import type { AssistantService } from '../../assistant/vscode/assistantService';
import { EDIT_SYSTEM_PROMPT, editInstruction, explainInstruction } from '../../proposals/prompt';
import type { ProposalReview } from '../../proposals/vscode';
import type { UntrustedPiece } from '../../trust';
import { filePiece, type ContextChips } from './contextChips';
import { PanelView } from './panelView';
import { RequestDetails } from './requestDetails';

export interface PanelDeps {
  context: vscode.ExtensionContext;
  log: vscode.LogOutputChannel;
  model: ModelService;
  /** The assistant and its proposals: the panel shows them and its commands use them. */
  assistant: AssistantService;
}

/** Files longer than this are sent as the selection plus some lines around it, not whole. */
const WHOLE_FILE_LINES = 1500;
const AROUND_LINES = 60;

/**
 * The side panel and the edit commands: a view of the assistant's conversation and of the proposals
 * under review, "Edit Selection...", "Explain Selection". Nothing runs until the panel is opened or a
 * command is used.
 */
export class TandemPanel implements vscode.Disposable {
  readonly review: ProposalReview;
  readonly assistant: Assistant;
  readonly view: PanelView;
  readonly store: ConversationStore;
  /** The context the request box offers (selection, active file, problems). */
  readonly chips: ContextChips;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(deps: PanelDeps) {
    const { context, log, model } = deps;
    this.review = deps.assistant.review;
    this.assistant = deps.assistant.assistant;
    this.store = deps.assistant.store;
    const chips = (this.chips = deps.assistant.chips);
    const requests = new RequestDetails(model, (id) => this.assistant.reportOf(id));
    this.view = new PanelView({
      extensionUri: context.extensionUri,
      assistant: this.assistant,
      review: this.review,
      chips,
      store: this.store,
      model,
      requests,
      log,
    });
    this.disposables.push(
      requests,
      this.view,
      vscode.window.registerWebviewViewProvider(PanelView.viewType, this.view, {
        webviewOptions: { retainContextWhenHidden: true },
      }),
      vscode.commands.registerCommand('tandem.editSelection', (instruction?: string) =>
        this.editSelection(chips, instruction),
      ),
      vscode.commands.registerCommand('tandem.explainSelection', () => this.explainSelection(chips)),
      vscode.commands.registerCommand('tandem.newConversation', async () => {
        this.store.startNew();
        await this.store.save();
        await this.view.focus();
        this.view.post({ type: 'busy', busy: this.assistant.busy });
      }),
      vscode.commands.registerCommand('tandem.stopAnswer', () => this.assistant.stop()),
    );
  }

  /** Asks for an instruction and proposes an edit of the selection (or of the file when nothing is selected). */
  async editSelection(chips: ContextChips, given?: string): Promise<void> {
    const editor = chips.editor;
    if (!editor) {
      void vscode.window.showInformationMessage('Tandem: open a file and select the code to edit first.');
      return;
    }
    const instruction =
      given ??
      (await vscode.window.showInputBox({
        title: 'Tandem: Edit Selection',
        prompt: `What should change in ${editor.selection.isEmpty ? 'this file' : 'the selected lines'}?`,
        placeHolder: 'e.g. handle an empty list; rename x to total; add JSDoc',
        ignoreFocusOut: true,
      }));
    if (!instruction?.trim()) return;
    const { pieces, label, range, path } = selectionContext(editor);
    const answer = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: 'Tandem: proposing an edit…',
        cancellable: true,
      },
      (_progress, token) => {
        const stop = token.onCancellationRequested(() => this.assistant.stop());
        return this.assistant
          .ask(editInstruction(instruction, path, range), [], {
            display: `Edit ${label}: ${instruction.trim()}`,
            pieces,
            labels: [label],
            feature: 'edit',
            system: EDIT_SYSTEM_PROMPT,
          })
          .finally(() => stop.dispose());
      },
    );
    if (!answer || answer.status !== 'done') return;
    const proposal = answer.proposalId ? this.review.controller.proposals.get(answer.proposalId) : undefined;
    // Notifications are not awaited: the command is done once the proposal is under review.
    const showPanel = (choice: string | undefined) => (choice ? this.view.focus() : undefined);
    if (!proposal) {
      void vscode.window
        .showInformationMessage('Tandem: the assistant answered without proposing an edit.', 'Show Answer')
        .then(showPanel);
    } else if (proposal.failures.length) {
      const count = proposal.failures.length;
      void vscode.window
        .showWarningMessage(
          `Tandem: ${count} block${count > 1 ? 's' : ''} of the edit could not be applied (${proposal.failures[0].reason}).`,
          'Show in Panel',
        )
        .then(showPanel);
    }
  }

  async explainSelection(chips: ContextChips): Promise<void> {
    const editor = chips.editor;
    if (!editor) {
      void vscode.window.showInformationMessage('Tandem: open a file and select the code to explain first.');
      return;
    }
    const { pieces, label, range, path } = selectionContext(editor);
    await this.view.focus();
    await this.assistant.ask(explainInstruction(path, range), [], {
      display: `Explain ${label}`,
      pieces,
      labels: [label],
      feature: 'explain',
    });
  }

  dispose(): void {
    for (const disposable of this.disposables.splice(0).reverse()) disposable.dispose();
  }
}

/** The selection (or file) as context: the whole file when it is not too long, with the range named. */
function selectionContext(editor: vscode.TextEditor): {
  pieces: UntrustedPiece[];
  label: string;
  path: string;
  range?: { startLine: number; endLine: number };
} {
  const document = editor.document;
  const path = displayPathOf(document.uri);
  const selection = editor.selection;
  const range = selection.isEmpty
    ? undefined
    : {
        startLine: selection.start.line,
        endLine:
          selection.end.character === 0 && selection.end.line > selection.start.line
            ? selection.end.line
            : selection.end.line + 1,
      };
  const label = range ? `${path}:${range.startLine + 1}-${range.endLine}` : path;
  if (document.lineCount <= WHOLE_FILE_LINES || !range)
    return { pieces: [filePiece(document.uri, document.getText())], label, path, range };
  const startLine = Math.max(0, range.startLine - AROUND_LINES);
  const endLine = Math.min(document.lineCount, range.endLine + AROUND_LINES);
  const around = new vscode.Range(startLine, 0, endLine, 0);
  return {
    pieces: [
      {
        text: document.getText(around),
        source: { kind: 'file', path: trustPathOf(document.uri), range: { startLine, endLine } },
        surroundings: { text: document.getText(), offset: document.offsetAt(around.start) },
      },
    ],
    label,
    path,
    range,
  };
}

export function registerPanel(deps: PanelDeps): TandemPanel {
  return new TandemPanel(deps);
}
