import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import * as vscode from 'vscode';
import type { TandemApi } from '../../../src/extension';
import { startScriptedModelServer, type ScriptedModelServer } from '../../fixtures/model-server';
import { eventually, sleep, tandem } from '../tandem';

const folder = () => vscode.workspace.workspaceFolders![0].uri;
const fileUri = (path: string) => vscode.Uri.joinPath(folder(), ...path.split('/'));
const write = (path: string, text: string) =>
  vscode.workspace.fs.writeFile(fileUri(path), new TextEncoder().encode(text));

async function closedPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe('first run: finding models', function () {
  this.timeout(60_000);
  let api: TandemApi;
  let ollama: ScriptedModelServer;
  let studio: ScriptedModelServer;

  before(async () => {
    api = await tandem();
    ollama = await startScriptedModelServer({
      flavor: 'ollama',
      models: ['qwen2.5-coder:1.5b-base', 'qwen2.5-coder:7b-instruct'],
    });
    studio = await startScriptedModelServer({ models: ['llama-3.2-3b-instruct', 'llava-1.5-7b'] });
    await api.settings.set('model.discoveryPorts', [ollama.port, await closedPort(), studio.port]);
  });
  after(async () => {
    for (const key of [
      'model.discoveryPorts',
      'model.baseUrl',
      'model.completionModel',
      'model.chatModel',
    ] as const)
      await api.settings.set(key, undefined);
    await ollama.close();
    await studio.close();
  });

  it('finds two scripted servers on the probed ports and lists their models marked FIM and chat', async () => {
    const servers = await api.model.discover();
    const found = servers.filter((server) => server.port === ollama.port || server.port === studio.port);
    assert.deepEqual(
      found.map((server) => [
        server.baseUrl,
        server.models.map((model) => `${model.id} ${model.fim ? 'FIM' : ''}/${model.chat ? 'chat' : ''}`),
      ]),
      [
        [
          `http://127.0.0.1:${ollama.port}/v1`,
          ['qwen2.5-coder:1.5b-base FIM/', 'qwen2.5-coder:7b-instruct FIM/chat'],
        ],
        [`http://127.0.0.1:${studio.port}/v1`, ['llama-3.2-3b-instruct /chat', 'llava-1.5-7b /chat']],
      ],
    );
    assert.ok(ollama.requests.some((request) => request.path === '/v1/models'));
  });

  it('Select Model sets the server and both models with one click on the first row', async () => {
    const picked = vscode.commands.executeCommand('tandem.selectModel');
    // The quick pick opens once the probes are back; accepting its first row takes the ⚡ pair.
    await eventually(
      () => ollama.requests.filter((request) => request.path === '/v1/models').length >= 2,
      'the picker to probe again',
    );
    await sleep(500);
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    await picked;
    assert.equal(api.settings.get('model.baseUrl'), `http://127.0.0.1:${ollama.port}/v1`);
    assert.equal(api.settings.get('model.completionModel'), 'qwen2.5-coder:1.5b-base');
    assert.equal(api.settings.get('model.chatModel'), 'qwen2.5-coder:7b-instruct');
  });
});

describe('project instructions in requests', function () {
  this.timeout(120_000);
  let api: TandemApi;
  let server: ScriptedModelServer;
  const AGENTS = 'Rule from AGENTS: name every constant in UPPER_SNAKE_CASE.';
  const TS_RULE = 'Rule for TypeScript: prefer unknown over any.';
  const PY_RULE = 'Rule for Python: follow PEP 8.';

  before(async () => {
    api = await tandem();
    await write('AGENTS.md', `# Agents\n\n${AGENTS}\n`);
    await write('.github/instructions/ts.instructions.md', `---\napplyTo: "**/*.ts"\n---\n${TS_RULE}\n`);
    await write('.github/instructions/py.instructions.md', `---\napplyTo: "**/*.py"\n---\n${PY_RULE}\n`);
    await write('rules/limits.ts', 'export const limit = 10;\nexport function double(x: number) {\n  \n}\n');
    server = await startScriptedModelServer({
      script: (request) =>
        request.endpoint === 'completions'
          ? { text: 'return x * 2;' }
          : /Edit lines/.test(request.promptText)
            ? {
                text: 'rules/limits.ts\n<<<<<<< SEARCH\nexport const limit = 10;\n=======\nexport const LIMIT = 10;\n>>>>>>> REPLACE\n',
              }
            : { text: 'Noted.' },
    });
    await api.settings.set('model.baseUrl', server.url);
    await eventually(() => api.model.client.baseUrl === server.url, 'the client to use the scripted server');
    // The files were written after activation: the watcher reloads them.
    await eventually(
      async () => (await api.instructions.forPaths([fileUri('rules/limits.ts').fsPath])).files.length === 2,
      'the instruction files to be loaded',
    );
  });
  after(async () => {
    await api.settings.set('model.baseUrl', undefined);
    await server.close();
    for (const proposal of [...api.panel.review.controller.proposals.all()])
      api.panel.review.controller.dismiss(proposal.id);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const path of ['AGENTS.md', '.github', 'rules', '.tandem'])
      await vscode.workspace.fs.delete(fileUri(path), { recursive: true, useTrash: false }).then(
        () => undefined,
        () => undefined,
      );
    api.model.requestLog.clear();
  });

  /** The request's whole text as the server received it. */
  const sentText = (index = -1) => server.requests.filter((request) => request.endpoint).at(index)!.rawBody;

  it('sends AGENTS.md and the matching *.instructions.md with a chat request, not the other one', async () => {
    await vscode.window.showTextDocument(fileUri('rules/limits.ts'));
    const answer = await api.panel.assistant.ask('What does this file do?', [{ kind: 'activeFile' }]);
    assert.equal(answer?.status, 'done');
    const body = JSON.parse(sentText()) as { messages: { role: string; content: string }[] };
    assert.equal(body.messages[0].role, 'system');
    assert.ok(body.messages[0].content.includes(AGENTS), 'AGENTS.md is in the system message');
    assert.ok(body.messages[0].content.includes(TS_RULE), 'the TypeScript rule applies to a .ts file');
    assert.ok(!sentText().includes(PY_RULE), 'the Python rule does not');
    // The panel shows which files went with the request.
    assert.deepEqual(answer?.instructions, ['AGENTS.md', '.github/instructions/ts.instructions.md']);
  });

  it('sends them with a proposal request (Edit Selection)', async () => {
    const editor = await vscode.window.showTextDocument(fileUri('rules/limits.ts'));
    editor.selection = new vscode.Selection(0, 0, 0, 24);
    const before = server.requests.length;
    await vscode.commands.executeCommand('tandem.editSelection', 'rename to upper case');
    await eventually(() => server.requests.length > before, 'the edit request');
    const text = sentText();
    assert.ok(text.includes('Edit lines'), 'this is the edit request');
    assert.ok(text.includes(AGENTS) && text.includes(TS_RULE) && !text.includes(PY_RULE));
    await eventually(() => api.panel.review.controller.proposals.all().length > 0, 'the proposal');
  });

  it('sends them with a ghost-text request as a comment block within the budget', async () => {
    const editor = await vscode.window.showTextDocument(fileUri('rules/limits.ts'));
    editor.selection = new vscode.Selection(2, 2, 2, 2);
    const before = server.requests.filter((request) => request.endpoint === 'completions').length;
    await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    await eventually(
      () => server.requests.filter((request) => request.endpoint === 'completions').length > before,
      'a completion request',
      60_000,
    );
    const prompt = (
      server.requests.filter((request) => request.endpoint === 'completions').at(-1)!.body as {
        prompt: string;
      }
    ).prompt;
    assert.ok(prompt.includes(`// ${AGENTS}`), 'AGENTS.md as a line comment');
    assert.ok(prompt.includes(`// ${TS_RULE}`), 'the TypeScript rule as a line comment');
    assert.ok(!prompt.includes(PY_RULE), 'not the Python rule');
    assert.ok(prompt.indexOf(AGENTS) < prompt.indexOf('export const limit'), 'ahead of the code');
  });

  it('sends a few-shot example from .tandem/examples with a ghost-text request, and shows it in What was sent', async () => {
    const REQUEST = 'Example asked: guard against a missing value.';
    const ANSWER = 'if (value === undefined) throw new MissingValueError();';
    await write('.tandem/examples/01-guard.md', `# Request\n${REQUEST}\n\n# Answer\n${ANSWER}\n`);
    await write('rules/guard.ts', 'export function check(value?: number) {\n  \n  return value;\n}\n');
    await eventually(
      async () => (await api.instructions.forPaths([fileUri('rules/guard.ts').fsPath])).examples.length === 1,
      'the example to be loaded',
    );
    const editor = await vscode.window.showTextDocument(fileUri('rules/guard.ts'));
    editor.selection = new vscode.Selection(1, 2, 1, 2);
    const completions = () => server.requests.filter((request) => request.endpoint === 'completions');
    const before = completions().length;
    await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    await eventually(() => completions().length > before, 'a completion request', 60_000);
    const prompt = (completions().at(-1)!.body as { prompt: string }).prompt;
    assert.ok(
      prompt.includes(`// Example request:\n// ${REQUEST}\n// Ideal answer:\n// ${ANSWER}\n`),
      prompt,
    );
    assert.ok(prompt.includes(`// ${AGENTS}`), 'with the instructions');
    assert.ok(prompt.indexOf(ANSWER) < prompt.indexOf('export function check'), 'ahead of the code');
    // "What was sent" names the example among the project's files.
    const record = api.model.requestLog.list().find((entry) => entry.sent?.prompt === prompt);
    assert.ok(
      record?.attachment?.notes?.some((note) => note.includes('.tandem/examples/01-guard.md')),
      JSON.stringify(record?.attachment?.notes),
    );
  });
});
