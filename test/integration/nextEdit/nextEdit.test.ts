import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TandemApi } from '../../../src/extension';
import {
  fillPrefix,
  nextEditRegion,
  startScriptedModelServer,
  type ScriptedModelServer,
} from '../../fixtures/model-server';
import { eventually, sleep, tandem, tandemManifest } from '../tandem';

interface KeybindingEntry {
  key: string;
  command: string;
  when?: string;
}

/** A function whose parameter is used 30 lines below its signature. */
function source(param: string): string {
  const body = Array.from({ length: 29 }, (_, i) => `  const step${i} = ${i};`);
  return [`export function price(${param}: number) {`, ...body, `  return ${param} * 2;`, '}', ''].join('\n');
}

describe('next-edit suggestions in VS Code', function () {
  this.timeout(90_000);
  let api: TandemApi;
  let server: ScriptedModelServer;
  const nextEditRequests = () => server.requests.filter((request) => request.path === '/v1/chat/completions');
  const manifest = tandemManifest();

  before(async () => {
    api = await tandem();
    server = await startScriptedModelServer({
      timeToFirstTokenMs: 20,
      script: (request) => {
        // Ghost text at the cursor, once the parameter is renamed (for the test of who wins).
        if (request.endpoint === 'completions')
          return { text: fillPrefix(request.promptText).endsWith('price(total') ? 'Amount' : '' };
        const region = nextEditRegion(request.promptText);
        // The model answers the rename with the same rename where the old name is still used.
        if (region !== undefined && request.promptText.includes('+export function price(total: number) {'))
          return { text: '```ts\n' + region.replace(/\bamount\b/g, 'total') + '\n```' };
        return { text: region === undefined ? '' : '```ts\n' + region + '\n```' };
      },
    });
    await api.settings.set('model.baseUrl', server.url);
    await api.settings.set('completion.enabled', false);
    // The suite runner turns next-edit suggestions off for other suites; on for this one.
    await api.settings.set('nextEdit.enabled', true);
  });

  after(async () => {
    await api.settings.set('model.baseUrl', undefined);
    await api.settings.set('completion.enabled', undefined);
    await api.settings.set('nextEdit.enabled', false);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    api.nextEdit.engine.cancel();
    await server.close();
    api.model.requestLog.clear();
  });

  /** An untitled TypeScript editor with `source('amount')`, the cursor in the parameter's name. */
  async function editor(): Promise<vscode.TextEditor> {
    const document = await vscode.workspace.openTextDocument({
      language: 'typescript',
      content: source('amount'),
    });
    const shown = await vscode.window.showTextDocument(document);
    shown.selection = new vscode.Selection(0, 28, 0, 28);
    return shown;
  }

  /** Renames the parameter on line 0 the way typing over it would. */
  async function renameParameter(shown: vscode.TextEditor): Promise<void> {
    const before = nextEditRequests().length;
    await shown.edit((builder) => builder.replace(new vscode.Range(0, 22, 0, 28), 'total'));
    shown.selection = new vscode.Selection(0, 27, 0, 27);
    await eventually(() => nextEditRequests().length > before, 'a next-edit request', 60_000);
    await eventually(() => api.nextEdit.shown !== undefined, 'a next-edit suggestion', 30_000);
  }

  it('declares its settings, commands and Tab / Escape bindings that give way to ghost text and indenting', () => {
    const declared = vscode.workspace.getConfiguration('tandem').inspect<boolean>('nextEdit.enabled');
    assert.equal(declared?.defaultValue, true, 'on by default');
    assert.equal(api.settings.get('nextEdit.promptFormat'), 'auto');
    const bindings = manifest.contributes.keybindings as KeybindingEntry[];
    const tab = bindings.find((binding) => binding.command === 'tandem.nextEdit.tab')!;
    assert.equal(tab.key, 'tab');
    // Only while a suggestion is shown (so Tab indents otherwise), never over ghost text or the suggest widget.
    for (const clause of [
      'tandem.nextEditVisible',
      '!inlineSuggestionVisible',
      '!suggestWidgetVisible',
      'editorTextFocus',
    ])
      assert.ok(tab.when!.split(' && ').includes(clause), `Tab's when clause has ${clause}`);
    const escape = bindings.find((binding) => binding.command === 'tandem.nextEdit.dismiss')!;
    assert.equal(escape.key, 'escape');
    assert.ok(escape.when!.split(' && ').includes('tandem.nextEditVisible'));
    assert.ok(escape.when!.split(' && ').includes('!inlineSuggestionVisible'));
    const palette = manifest.contributes.commands
      .filter((command: { command: string }) => command.command.startsWith('tandem.nextEdit.'))
      .map((command: { title: string; category: string }) => `${command.category}: ${command.title}`);
    assert.ok(palette.includes('Tandem: Toggle Next-Edit Suggestions'));
    assert.ok(palette.includes('Tandem: Accept Next Edit'));
  });

  it('suggests the matching edit 30 lines below a rename; Tab, Tab applies exactly that edit', async () => {
    const shown = await editor();
    await renameParameter(shown);
    const suggestion = api.nextEdit.shown!;
    assert.equal(suggestion.mode, 'jump', 'the edit is off the cursor line: Tab goes to it first');
    assert.deepEqual(suggestion.edit.range, {
      start: { line: 30, character: 9 },
      end: { line: 30, character: 15 },
    });
    const sent = nextEditRequests().at(-1)!;
    assert.match(
      sent.promptText ?? '',
      /-export function price\(amount: number\) \{\n\+export function price\(total: number\) \{/,
    );
    assert.equal(
      shown.document.getText(),
      source('amount').replace('price(amount', 'price(total'),
      'nothing applied yet',
    );

    await vscode.commands.executeCommand('tandem.nextEdit.tab');
    assert.equal(shown.selection.active.line, 30, 'the first Tab jumps to the edit');
    await eventually(() => api.nextEdit.shown?.mode === 'accept', 'the suggestion to be ready to accept');
    assert.equal(
      shown.document.getText(),
      source('amount').replace('price(amount', 'price(total'),
      'a jump changes nothing',
    );

    await vscode.commands.executeCommand('tandem.nextEdit.tab');
    assert.equal(
      shown.document.getText(),
      source('total'),
      'the second Tab applies exactly the suggested edit',
    );
    assert.deepEqual(
      [shown.selection.active.line, shown.selection.active.character],
      [30, 14],
      'the cursor ends after the inserted text',
    );
    // One undo takes the accepted edit back, like a keystroke.
    await vscode.commands.executeCommand('undo');
    assert.equal(shown.document.lineAt(30).text, '  return amount * 2;');
  });

  it('gives way to ghost text at the cursor, and comes back once it is gone', async () => {
    const shown = await editor();
    await renameParameter(shown);
    const suggestion = api.nextEdit.shown!;
    await api.settings.set('completion.enabled', true);
    try {
      await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
      await eventually(() => api.completion.ghostTextAt !== undefined, 'ghost text at the cursor', 30_000);
      await eventually(() => api.nextEdit.shown === undefined, 'the next edit to give way');
      await vscode.commands.executeCommand('tandem.dismissSuggestion');
      await eventually(() => api.nextEdit.shown?.edit === suggestion.edit, 'the same next edit to come back');
    } finally {
      await api.settings.set('completion.enabled', false);
    }
  });

  it('Escape dismisses the suggestion and leaves the file unchanged', async () => {
    const shown = await editor();
    await renameParameter(shown);
    const renamed = shown.document.getText();
    await vscode.commands.executeCommand('tandem.nextEdit.dismiss');
    await eventually(() => api.nextEdit.shown === undefined, 'the suggestion to go');
    await sleep(500);
    assert.equal(shown.document.getText(), renamed, 'Escape changed nothing');
    // Tab now runs no next-edit command: nothing is shown to jump to or accept.
    await vscode.commands.executeCommand('tandem.nextEdit.tab');
    assert.equal(shown.document.getText(), renamed);
  });

  it("does not take an accepted proposal's hunk for the user's edit: no prediction until they type", async () => {
    const uri = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, 'nextEdit', 'accepted.ts');
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(source('amount')));
    const shown = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    shown.selection = new vscode.Selection(0, 28, 0, 28);
    const review = api.assistant.review.controller;
    const proposal = await review.propose(
      'Rename.\n\nnextEdit/accepted.ts\n<<<<<<< SEARCH\nexport function price(amount: number) {\n=======\nexport function price(total: number) {\n>>>>>>> REPLACE\n',
      { instruction: 'rename' },
    );
    assert.ok(proposal);
    const before = nextEditRequests().length;
    assert.equal(await review.acceptHunk(proposal.files[0].hunks[0].id), true);
    assert.ok(shown.document.getText().startsWith('export function price(total: number)'));
    // Far past the wait before a prediction (tens of ms): the assistant's own text asked for none.
    await sleep(1500);
    assert.equal(nextEditRequests().length, before, 'no prediction after accepting a hunk');
    // The person's own edit right after still asks for one.
    await shown.edit((builder) => builder.insert(new vscode.Position(1, 0), '  // checked\n'));
    await eventually(
      () => nextEditRequests().length > before,
      "a prediction after the person's edit",
      30_000,
    );
  });

  it('sends nothing while turned off, and says so in the status bar', async () => {
    await vscode.commands.executeCommand('tandem.nextEdit.toggle');
    await eventually(() => api.settings.get('nextEdit.enabled') === false, 'the setting to be off');
    await eventually(() => /next edit off/.test(api.status.text), 'the status bar to say off');
    const shown = await editor();
    const before = nextEditRequests().length;
    await shown.edit((builder) => builder.replace(new vscode.Range(0, 22, 0, 28), 'total'));
    await sleep(800);
    assert.equal(nextEditRequests().length, before, 'no request while off');
    await vscode.commands.executeCommand('tandem.nextEdit.toggle');
    await eventually(() => api.settings.get('nextEdit.enabled') === true, 'the setting to be on');
  });
});
