import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { tandem } from './tandem';

describe('extension spine', () => {
  it('activates in a real VS Code 1.100 extension host', async () => {
    const api = await tandem();
    assert.match(vscode.version, /^1\.100\./);
    assert.ok(api.activateMs >= 0 && api.activateMs < 1000, `activate took ${api.activateMs} ms`);
  });

  it('registers its commands', async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['tandem.showLog', 'tandem.setApiKey', 'tandem.clearApiKey']) {
      assert.ok(commands.includes(id), `${id} is registered`);
    }
  });

  it('reads the model endpoint settings with their declared defaults', async () => {
    const { settings } = await tandem();
    assert.equal(settings.get('model.baseUrl'), 'http://127.0.0.1:11434/v1');
    assert.equal(typeof settings.get('model.completionModel'), 'string');
    assert.equal(typeof settings.get('model.chatModel'), 'string');
  });

  it('sees a settings change without a reload', async () => {
    const { settings } = await tandem();
    const seen = new Promise<ReadonlySet<string>>((resolve) => {
      const subscription = settings.onDidChange((keys) => {
        subscription.dispose();
        resolve(keys);
      });
    });
    await settings.set('model.baseUrl', 'http://127.0.0.1:9/v1');
    try {
      const keys = await seen;
      assert.ok(keys.has('model.baseUrl'));
      assert.equal(settings.get('model.baseUrl'), 'http://127.0.0.1:9/v1');
    } finally {
      await settings.set('model.baseUrl', undefined);
    }
    assert.equal(settings.get('model.baseUrl'), 'http://127.0.0.1:11434/v1');
  });

  it('stores the API key in Secret Storage, never in settings', async () => {
    const { apiKey } = await tandem();
    const local = 'http://127.0.0.1:11434/v1';
    const openai = 'https://api.openai.com/v1';
    await apiKey.set('sk-test-secret-value', local);
    try {
      assert.equal(await apiKey.get(local), 'sk-test-secret-value', 'the key goes to its own server');
      assert.equal(await apiKey.get('http://127.0.0.1:8080/v1'), undefined, 'and to no other');
      const everything = JSON.stringify(vscode.workspace.getConfiguration('tandem'));
      assert.ok(!everything.includes('sk-test-secret-value'), 'the key is not in any setting');
    } finally {
      await apiKey.clear(local);
    }
    const previous = process.env.OPENAI_API_KEY;
    process.env.OPENAI_API_KEY = 'sk-from-env';
    try {
      assert.equal(await apiKey.get(openai), 'sk-from-env', 'falls back to OPENAI_API_KEY for OpenAI');
      assert.equal(await apiKey.get(local), undefined, 'OpenAI’s key is not sent to a local server');
      assert.equal(await apiKey.get('https://api.groq.com/openai/v1'), undefined, 'nor to another provider');
    } finally {
      if (previous === undefined) delete process.env.OPENAI_API_KEY;
      else process.env.OPENAI_API_KEY = previous;
    }
  });

  it('shows its status bar item and opens the log', async () => {
    const api = await tandem();
    assert.match(api.status.text, /Tandem/);
    await vscode.commands.executeCommand('tandem.showLog');
  });
});
