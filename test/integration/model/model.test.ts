import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { startScriptedModelServer, type ScriptedModelServer } from '../../fixtures/model-server';
import * as net from 'node:net';
import { eventually, tandem } from '../tandem';

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** Resolves once `check` holds (settings changes reach the extension asynchronously). */
describe('model layer in VS Code', () => {
  let server: ScriptedModelServer;
  before(async () => {
    server = await startScriptedModelServer({
      script: [
        { match: 'Say hello', text: 'Hello from the scripted model, streamed through Tandem.' },
        { match: 'fill', text: 'return a + b;' },
      ],
    });
    const { settings } = await tandem();
    await settings.set('model.baseUrl', server.url);
  });
  after(async () => {
    const { settings } = await tandem();
    await settings.set('model.baseUrl', undefined);
    await server.close();
  });

  it('sends a streamed chat request through the layer and gets the scripted text', async () => {
    const { model } = await tandem();
    await eventually(() => model.client.baseUrl === server.url, 'the client to use the scripted server');
    const call = model.client.chat(
      { model: model.chatModel, messages: [{ role: 'user', content: 'Say hello' }] },
      { feature: 'integration-test' },
    );
    const pieces: string[] = [];
    for await (const delta of call) pieces.push(delta.text);
    const result = await call.result;
    assert.equal(result.text, 'Hello from the scripted model, streamed through Tandem.');
    assert.equal(pieces.join(''), result.text);
    assert.ok(pieces.length > 3, 'the answer arrived streamed, in pieces');
    const request = server.requests.at(-1)!;
    assert.equal(request.path, '/v1/chat/completions');
    assert.equal(request.body?.stream, true);
    assert.equal(request.body?.model, 'qwen2.5-coder:7b-instruct');
    assert.equal(model.requestLog.list()[0].outcome, 'ok');
  });

  it('fills with the template of the configured completion model', async () => {
    const { model } = await tandem();
    const result = await model.client.fill(
      { prefix: 'function fill(a, b) {\n  ', suffix: '\n}\n' },
      { model: model.completionModel, format: model.promptFormatFor() },
    ).result;
    assert.equal(result.text, 'return a + b;');
    assert.equal(
      server.requests.at(-1)!.body?.prompt,
      '<|fim_prefix|>function fill(a, b) {\n  <|fim_suffix|>\n}\n<|fim_middle|>',
    );
  });

  it('follows a changed base URL and prompt format without a reload', async () => {
    const { model, settings } = await tandem();
    const other = await startScriptedModelServer({ script: [{ text: 'from the second server' }] });
    try {
      await settings.set('model.baseUrl', other.url);
      await eventually(() => model.client.baseUrl === other.url, 'the client to follow tandem.model.baseUrl');
      const result = await model.client.chat({ model: 'm', messages: [{ role: 'user', content: 'x' }] })
        .result;
      assert.equal(result.text, 'from the second server');
      await settings.set('model.promptFormat', 'codellama');
      assert.equal(model.promptFormatFor('qwen2.5-coder:1.5b-base'), 'codellama');
    } finally {
      await settings.set('model.promptFormat', undefined);
      await settings.set('model.baseUrl', server.url);
      await other.close();
    }
    await eventually(() => model.client.baseUrl === server.url, 'the client to return to the first server');
    assert.equal(model.promptFormatFor('qwen2.5-coder:1.5b-base'), 'qwen');
  });

  it('sends the API key from Secret Storage', async () => {
    const { model, apiKey } = await tandem();
    await apiKey.set('sk-integration-key');
    try {
      await model.client.chat({ model: 'm', messages: [{ role: 'user', content: 'Say hello' }] }).result;
      assert.equal(server.requests.at(-1)!.headers.authorization, 'Bearer sk-integration-key');
    } finally {
      await apiKey.clear();
    }
    // The key cache follows Secret Storage: after clearing, nothing is sent (no OPENAI_API_KEY here).
    if (!process.env.OPENAI_API_KEY) {
      await model.client.chat({ model: 'm', messages: [{ role: 'user', content: 'Say hello' }] }).result;
      assert.equal(server.requests.at(-1)!.headers.authorization, undefined);
    }
  });

  it('shows the last latency in the status bar and the request in "Show Request Log"', async () => {
    const { model, status } = await tandem();
    await model.client.chat(
      { model: 'm', messages: [{ role: 'user', content: 'Say hello' }] },
      { feature: 'log-check' },
    ).result;
    assert.match(status.text, /Tandem: \d+ ms/);
    await vscode.commands.executeCommand('tandem.showRequestLog');
    const editor = vscode.window.activeTextEditor;
    assert.ok(editor, 'the request log is open');
    assert.equal(editor.document.uri.scheme, 'tandem-requests');
    const text = editor.document.getText();
    assert.match(text, /# Tandem request log/);
    assert.match(text, /\| log-check \| chat\/completions \| m \|/);
    assert.match(text, /Hello from the scripted model/);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('reports a refused connection with the URL and how to start a server', async () => {
    const { model, settings } = await tandem();
    const refused = `http://127.0.0.1:${await closedPort()}/v1`;
    await settings.set('model.baseUrl', refused);
    try {
      await eventually(() => model.client.baseUrl === refused, 'the client to follow the setting');
      await assert.rejects(model.client.complete({ model: 'm', prompt: 'x' }).result, (error: Error) => {
        assert.ok(error.message.includes(`${refused}: connection refused`), error.message);
        assert.match(error.message, /ollama serve/);
        assert.match(error.message, /llama-server/);
        return true;
      });
    } finally {
      await settings.set('model.baseUrl', server.url);
    }
  });

  it('"Select Model" lists the server models and sets the chosen one', async () => {
    const { settings } = await tandem();
    const picking = vscode.commands.executeCommand('tandem.selectModel', 'chat');
    let picked = false;
    void picking.then(() => (picked = true));
    // The quick pick opens once /v1/models answered; accept its first item (the server's first model).
    for (let attempt = 0; attempt < 50 && !picked; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    }
    await picking;
    try {
      assert.equal(settings.get('model.chatModel'), 'qwen2.5-coder:1.5b-base');
      assert.ok(server.requests.some((request) => request.path === '/v1/models'));
    } finally {
      await settings.set('model.chatModel', undefined);
    }
  });
});
