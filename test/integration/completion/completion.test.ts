import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import * as vscode from 'vscode';
import type { TandemApi } from '../../../src/extension';
import { fillPrefix, startScriptedModelServer, type ScriptedModelServer } from '../../fixtures/model-server';
import { eventually, sleep, tandem, tandemManifest } from '../tandem';

interface KeybindingEntry {
  key: string;
  command: string;
  when?: string;
}

/** VS Code's default keybindings for this platform, as "Preferences: Open Default Keyboard Shortcuts" shows them. */
async function defaultKeybindings(): Promise<KeybindingEntry[]> {
  const document = await vscode.workspace.openTextDocument(
    vscode.Uri.parse('vscode://defaultsettings/keybindings.json'),
  );
  // The file is JSON with line comments.
  const json = document
    .getText()
    .split('\n')
    .filter((line) => !line.trim().startsWith('//'))
    .join('\n');
  return JSON.parse(json) as KeybindingEntry[];
}

describe('inline suggestions in VS Code', function () {
  this.timeout(90_000);
  let api: TandemApi;
  let server: ScriptedModelServer;
  const completionRequests = () => server.requests.filter((request) => request.path === '/v1/completions');
  const manifest = tandemManifest();

  before(async () => {
    api = await tandem();
    server = await startScriptedModelServer({
      timeToFirstTokenMs: 20,
      script: (request) => {
        const prefix = fillPrefix(request.promptText);
        if (prefix.endsWith('const sum = ')) return { text: 'values.reduce((a, b) => a + b, 0);' };
        if (prefix.endsWith('export function area(r: number): number {\n  '))
          return {
            text: 'const squared = r * r;\n  return Math.PI * squared;\n}\n\nexport function other() {',
          };
        return { text: '' };
      },
    });
    await api.settings.set('model.baseUrl', server.url);
  });

  after(async () => {
    await api.settings.set('model.baseUrl', undefined);
    await api.settings.set('completion.enabled', undefined);
    await api.settings.set('completion.disabledLanguages', undefined);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const root = vscode.workspace.workspaceFolders![0].uri;
    await vscode.workspace.fs.delete(vscode.Uri.joinPath(root, '.env.local'), { useTrash: false }).then(
      () => undefined,
      () => undefined, // a run that stopped before writing it
    );
    await server.close();
    // Later suites read the request log: leave it as this suite found it (empty of its records).
    api.completion.engine?.cancel();
    api.model.requestLog.clear();
  });

  /** An untitled TypeScript editor holding `text`, with the cursor at the end of line `line`. */
  async function editorWith(text: string, line: number): Promise<vscode.TextEditor> {
    const document = await vscode.workspace.openTextDocument({ language: 'typescript', content: text });
    const editor = await vscode.window.showTextDocument(document);
    const end = document.lineAt(line).range.end;
    editor.selection = new vscode.Selection(end, end);
    // VS Code asks for suggestions as you type only in an editor with keyboard focus.
    await vscode.commands.executeCommand('workbench.action.focusActiveEditorGroup');
    return editor;
  }

  /** Types text as one keystroke would insert it (through the `type` command, so VS Code asks for inline suggestions). */
  async function type(text: string) {
    await vscode.commands.executeCommand('type', { text });
  }

  /** Runs `command` until it changes the document (the ghost text may take a moment to show). */
  async function untilChanged(editor: vscode.TextEditor, command: string) {
    const before = editor.document.getText();
    await eventually(async () => {
      await vscode.commands.executeCommand(command);
      return editor.document.getText() !== before;
    }, `${command} to change the document`);
  }

  it('declares its settings, commands and keybindings', async () => {
    assert.equal(api.settings.get('completion.enabled'), true);
    assert.equal(api.settings.get('completion.maxPromptTokens'), 2048);
    assert.deepEqual(api.settings.get('completion.disabledLanguages'), []);
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['tandem.toggleInlineSuggestions', 'tandem.acceptLine', 'tandem.dismissSuggestion'])
      assert.ok(commands.includes(id), `${id} is registered`);
    const titles = manifest.contributes.commands.filter((command: { command: string }) =>
      ['tandem.toggleInlineSuggestions', 'tandem.acceptLine'].includes(command.command),
    );
    assert.deepEqual(
      titles.map((command: { title: string; category: string }) => `${command.category}: ${command.title}`),
      ['Tandem: Toggle Inline Suggestions', 'Tandem: Accept Next Line of Inline Suggestion'],
    );
  });

  it('binds accept-line to a key no VS Code 1.100 default uses, and leaves the built-ins where users expect them', async () => {
    const defaults = await defaultKeybindings();
    const ours = manifest.contributes.keybindings as KeybindingEntry[];
    const acceptLine = ours.find((binding) => binding.command === 'tandem.acceptLine')!;
    // The list also holds extensions' bindings (ours among them): only VS Code's own count here.
    const clashes = defaults.filter(
      (binding) => binding.key === acceptLine.key && !binding.command.startsWith('tandem.'),
    );
    assert.deepEqual(clashes, [], `${acceptLine.key} is free`);
    const keyOf = (command: string) => defaults.find((binding) => binding.command === command)?.key;
    assert.equal(keyOf('editor.action.inlineSuggest.acceptNextWord'), 'ctrl+right');
    assert.equal(keyOf('editor.action.inlineSuggest.showNext'), 'alt+]');
    assert.equal(keyOf('editor.action.inlineSuggest.showPrevious'), 'alt+[');
    // Our Escape only stands in for VS Code's own "hide inline suggestion" (and records the rejection).
    const dismiss = ours.find((binding) => binding.command === 'tandem.dismissSuggestion')!;
    assert.equal(dismiss.key, 'escape');
    assert.match(dismiss.when!, /inlineSuggestionVisible/);
    assert.match(dismiss.when!, /!suggestWidgetVisible/);
  });

  it('shows a suggestion from the scripted server that Tab-accept inserts exactly', async () => {
    const editor = await editorWith('const values = [1, 2, 3];\n\n', 1);
    const before = completionRequests().length;
    await type('const sum = ');
    // Asking explicitly does not depend on the browser page having keyboard focus (typing into the
    // focused editor is what the e2e suite covers). The window's first model request is slow on a busy
    // machine (key lookup, first connection).
    await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    await eventually(() => completionRequests().length > before, 'a request to the model server', 60_000);
    await untilChanged(editor, 'editor.action.inlineSuggest.commit');
    assert.equal(editor.document.lineAt(1).text, 'const sum = values.reduce((a, b) => a + b, 0);');
    // The status bar shows the last latency, and its tooltip the breakdown.
    await eventually(() => /Tandem: \d+ ms/.test(api.status.text), 'the latency in the status bar');
    assert.equal(api.completion.lastStatus?.state, 'idle');
  });

  it('accepts one line of a multi-line suggestion with tandem.acceptLine', async () => {
    const editor = await editorWith('export function area(r: number): number {\n  \n', 1);
    const before = completionRequests().length;
    // Asked for explicitly (Alt+\\), as a user would on a line they have not typed on yet.
    await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    await eventually(() => completionRequests().length > before, 'a request to the model server');
    const sent = completionRequests().at(-1)!;
    assert.equal(sent.body?.n, 3, 'an explicit request asks for several candidates');
    assert.ok(!(sent.body?.stop as string[]).includes('\n'), 'an empty block start may get several lines');
    await untilChanged(editor, 'tandem.acceptLine');
    assert.equal(editor.document.lineAt(1).text, '  const squared = r * r;');
    assert.equal(editor.document.lineAt(2).text, '', 'only the first line was inserted');
  });

  it('sends a similar window of another open file with the prompt, never an excluded one', async () => {
    const root = vscode.workspace.workspaceFolders![0].uri;
    await vscode.workspace.fs.writeFile(
      vscode.Uri.joinPath(root, '.env.local'),
      Buffer.from('GREETING_LANGUAGE=fr\nsalutations=Bonjour greet language name\n'),
    );
    const greeter = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(root, 'src', 'greeter.ts'));
    const secrets = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(root, '.env.local'));
    assert.ok(greeter && secrets);
    const editor = await editorWith(
      "import { greet, type Greeting } from './greeter';\n\nexport function welcome(greetings: Greeting[]) {\n  \n}\n",
      3,
    );
    // The first suggestion starts indexing the open files (off the typing path, a second later).
    await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    await sleep(1500);
    const before = completionRequests().length;
    await type('return greetings.map((greeting) => greet(');
    await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    await eventually(() => completionRequests().length > before, 'a request to the model server');
    const prompt = completionRequests().at(-1)!.promptText ?? '';
    assert.match(prompt, /<\|file_sep\|>src\/greeter\.ts\n/, 'the similar file is named in the prompt');
    assert.match(prompt, /export function greet\(\{ name, language \}: Greeting\): string \{/);
    assert.doesNotMatch(prompt, /GREETING_LANGUAGE|Bonjour greet language name/, 'nothing from .env.local');
    assert.ok(editor.document.getText().includes('greet('));
  });

  it('sends nothing for a disabled language or glob, and again once re-enabled', async () => {
    // Each step types, then asks explicitly: the provider is asked for certain, and must refuse.
    const ask = async (text: string) => {
      await type(text);
      await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
      await sleep(800);
    };
    await api.settings.set('completion.disabledLanguages', ['typescript']);
    await editorWith('const values = [1, 2, 3];\n\n', 1);
    const before = server.requests.length;
    await ask('const sum = ');
    assert.equal(server.requests.length, before, 'no request for a disabled language');

    await api.settings.set('completion.disabledLanguages', ['**/Untitled-*']);
    await ask(' ');
    assert.equal(server.requests.length, before, 'no request for a file matched by a glob');

    await api.settings.set('completion.disabledLanguages', ['markdown', '*.md']);
    await ask(' ');
    await eventually(() => server.requests.length > before, 'a request once TypeScript is not listed');
  });

  it('turns off and on from the toggle command, and says so in the status bar', async () => {
    await vscode.commands.executeCommand('tandem.toggleInlineSuggestions');
    await eventually(() => api.settings.get('completion.enabled') === false, 'the setting to be off');
    await eventually(() => /suggestions off/.test(api.status.text), 'the status bar to say off');
    await editorWith('const values = [1, 2, 3];\n\n', 1);
    const before = server.requests.length;
    await type('const sum = ');
    await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    await sleep(800);
    assert.equal(server.requests.length, before, 'nothing is sent while off');
    await vscode.commands.executeCommand('tandem.toggleInlineSuggestions');
    await eventually(() => api.settings.get('completion.enabled') === true, 'the setting to be on');
    assert.doesNotMatch(api.status.text, /suggestions off/);
  });

  it('says "no model server" when nothing answers at the URL, and a click offers Select Model', async () => {
    // A port that was just free: connecting to it is refused, as with a local server not started.
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await api.settings.set('model.baseUrl', `http://127.0.0.1:${port}/v1`);
    try {
      await editorWith('const values = [1, 2, 3];\n\n', 1);
      await type('const sum = ');
      await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
      await eventually(
        () => /Tandem: no model server/.test(api.status.text),
        '"no model server" in the status bar',
      );
      assert.equal(api.status.clickCommand, 'tandem.selectModel');
      // Told once in a notification; the next failures while typing stay in the status bar.
      const shown = () => api.model.shownNotifications.filter((message) => message.includes(`:${port}`));
      const failed = () => api.model.requestLog.list().filter((record) => record.outcome === 'error').length;
      await eventually(() => shown().length === 1, 'one notification naming the server');
      const failedBefore = failed();
      await type(' ');
      await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
      await eventually(() => failed() > failedBefore, 'a second failed request');
      await sleep(300);
      assert.equal(shown().length, 1, `notifications: ${JSON.stringify(shown())}`);
    } finally {
      await api.settings.set('model.baseUrl', server.url);
    }
    // Once the server answers again, the status bar says so and a click opens the request log.
    await type('values');
    await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    await eventually(() => /Tandem: \d+ ms/.test(api.status.text), 'the latency in the status bar again');
    assert.equal(api.status.clickCommand, 'tandem.showRequestLog');
  });
});
