import * as vscode from 'vscode';
import { abortSignalFrom } from '../../model/vscode';
import type { Settings } from '../../settings';
import type { CompletionEngine } from '../completionEngine';
import { suggestionsEnabledFor } from './completionSettings';
import type { ContextTracker } from './contextTracker';
import { isServedDocument, VscodeDocumentText } from './vscodeDocument';

/** Runs when VS Code inserts a whole suggestion (Tab); carries the cache entry id. */
export const ACCEPTED_COMMAND = 'tandem.completion.accepted';

/**
 * The thin VS Code side of inline suggestions: turns VS Code's request into the engine's input and
 * the engine's answer into items that always carry an explicit range (VS Code drops an item whose
 * text does not extend the word at the cursor unless the range is given).
 */
export class TandemInlineProvider implements vscode.InlineCompletionItemProvider {
  constructor(
    private readonly engine: () => CompletionEngine,
    private readonly settings: Settings,
    private readonly tracker: ContextTracker,
    /** Told where ghost text is about to be shown (next-edit suggestions give way to it). */
    private readonly onShow?: (document: vscode.TextDocument, position: vscode.Position) => void,
  ) {}

  async provideInlineCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
    context: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
  ): Promise<vscode.InlineCompletionList | undefined> {
    if (!isServedDocument(document) || !suggestionsEnabledFor(this.settings, document)) return undefined;
    // With the suggest widget open VS Code shows our suggestion only where it extends the selected
    // item, so the widget keeps priority without us second-guessing it.
    this.tracker.startIndexing();
    const { indentUnit, tabSize } = indentationOf(document);
    const cancellation = abortSignalFrom(token);
    try {
      const result = await this.engine().provide({
        doc: new VscodeDocumentText(document),
        pos: { line: position.line, character: position.character },
        explicit: context.triggerKind === vscode.InlineCompletionTriggerKind.Invoke,
        indentUnit,
        tabSize,
        signal: cancellation.signal,
      });
      if (!result || token.isCancellationRequested) return undefined;
      const range = new vscode.Range(position, position);
      const items = result.suggestions.map(
        (text) =>
          new vscode.InlineCompletionItem(text, range, {
            command: ACCEPTED_COMMAND,
            title: 'Accept Tandem suggestion',
            arguments: [result.entryId],
          }),
      );
      this.onShow?.(document, position);
      return new vscode.InlineCompletionList(items);
    } finally {
      cancellation.dispose();
    }
  }
}

/** The indentation of the editor showing the document (its options), else the language's settings. */
function indentationOf(document: vscode.TextDocument): { indentUnit: string; tabSize: number } {
  const editor = vscode.window.visibleTextEditors.find((candidate) => candidate.document === document);
  if (editor) {
    const tabSize = typeof editor.options.tabSize === 'number' ? editor.options.tabSize : 4;
    const indentSize = typeof editor.options.indentSize === 'number' ? editor.options.indentSize : tabSize;
    return { indentUnit: editor.options.insertSpaces === false ? '\t' : ' '.repeat(indentSize), tabSize };
  }
  const config = vscode.workspace.getConfiguration('editor', document);
  const tabSize = config.get<number>('tabSize', 4);
  return { indentUnit: config.get<boolean>('insertSpaces', true) ? ' '.repeat(tabSize) : '\t', tabSize };
}
