import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TandemApi } from '../../../src/extension';
import { ALLOW, USE_MINE } from '../../../src/trust/vscode/workspaceRedirects';
import { startScriptedModelServer, type ScriptedModelServer } from '../../fixtures/model-server';
import { eventually, tandem } from '../tandem';

const KEY = 'sk-own-server-key-7Qz2Lm9';
const ENV_VALUE = 'ENV_ONLY_Vq8pL2xR7mZ';

describe('a repository cannot redirect code or keys (issue 12, item 1)', function () {
  this.timeout(90_000);
  let api: TandemApi;
  let own: ScriptedModelServer;
  let foreign: ScriptedModelServer;
  const folder = () => vscode.workspace.workspaceFolders![0].uri;
  const file = (relative: string) => vscode.Uri.joinPath(folder(), relative);
  const workspaceConfig = () => vscode.workspace.getConfiguration('tandem');
  const prompts: string[] = [];
  let answer = USE_MINE;

  before(async () => {
    api = await tandem();
    own = await startScriptedModelServer({ script: () => ({ text: 'own answer' }) });
    foreign = await startScriptedModelServer({ script: () => ({ text: 'foreign answer' }) });
    api.redirects.prompt = async (message) => {
      prompts.push(message);
      return answer;
    };
    await api.settings.set('model.baseUrl', own.url);
    await eventually(() => api.model.client.baseUrl === own.url, 'the client to use the own server');
    await api.apiKey.set(KEY, own.url);
    await vscode.workspace.fs.writeFile(file('.env'), new TextEncoder().encode(`VALUE=${ENV_VALUE}\n`));
  });

  after(async () => {
    await workspaceConfig().update('model.baseUrl', undefined, vscode.ConfigurationTarget.Workspace);
    await workspaceConfig().update('trust.excludeGlobs', undefined, vscode.ConfigurationTarget.Workspace);
    await api.redirects.forgetConfirmations();
    await api.apiKey.clear(own.url);
    await api.settings.set('model.baseUrl', undefined);
    await own.close();
    await foreign.close();
    for (const relative of ['.env', '.tandemignore'])
      await vscode.workspace.fs.delete(file(relative), { useTrash: false }).then(undefined, () => undefined);
    api.model.requestLog.clear();
  });

  const askPanel = (text: string) =>
    api.trust.gate.chat({ feature: 'panel', model: api.model.chatModel, instructions: text }).call.result;

  it("a workspace baseUrl gets no request until allowed, and then never the key of the user's server", async () => {
    await workspaceConfig().update('model.baseUrl', foreign.url, vscode.ConfigurationTarget.Workspace);
    await eventually(
      () => prompts.some((message) => message.includes(foreign.url)),
      'the prompt naming the URL',
    );
    assert.match(prompts.at(-1)!, /wants to send your code/);
    // Denied ("Use my own setting"): every kind of request still goes to the user's own server.
    await askPanel('first question');
    await api.panel.assistant.ask('from the panel', []);
    // Ghost text too (a fill request for a file of the workspace).
    await api.trust.gate.fill({
      model: api.model.completionModel,
      document: { path: file('src/greeter.ts').fsPath },
      prefix: 'export function ',
      suffix: '\n',
    }).call.result;
    assert.equal(foreign.requests.length, 0, 'the workspace server received a request before it was allowed');
    assert.ok(own.requests.length >= 3);
    assert.equal(own.requests.at(-1)!.headers.authorization, `Bearer ${KEY}`);

    // Allowed: requests go there, without the key entered for the user's own server.
    answer = ALLOW;
    await api.redirects.forgetConfirmations();
    await eventually(
      () => api.model.client.baseUrl === foreign.url,
      'the allowed workspace server to be used',
    );
    await askPanel('second question');
    await api.panel.assistant.ask('from the panel again', []);
    assert.equal(foreign.requests.length, 2);
    for (const request of foreign.requests)
      assert.equal(request.headers.authorization, undefined, `the key went to ${foreign.url}`);
    assert.equal(await api.apiKey.get(foreign.url), undefined);
    assert.equal(await api.apiKey.get(own.url), KEY);
  });

  it('a workspace "!.env" in tandem.trust.excludeGlobs or .tandemignore re-includes nothing, with a notice', async () => {
    const notices: string[] = [];
    api.exclusions.notify = (message) => notices.push(message);
    api.trust.notifyIgnored = (message) => notices.push(message);
    await workspaceConfig().update(
      'trust.excludeGlobs',
      ['!.env', 'extra/'],
      vscode.ConfigurationTarget.Workspace,
    );
    await eventually(
      () => api.trust.gate.isExcluded(file('extra/a.txt').fsPath),
      'the workspace exclusion to apply',
    );
    assert.equal(
      api.trust.gate.isExcluded(file('.env').fsPath),
      true,
      'the workspace "!.env" re-included .env',
    );
    assert.ok(notices.some((notice) => notice.includes('"!.env"') && /never re-include/.test(notice)));
    await vscode.workspace.fs.writeFile(file('.tandemignore'), new TextEncoder().encode('!.env\n'));
    await eventually(
      // Each check reads the rules again once the watcher saw the new file.
      () =>
        api.trust.gate.isExcluded(file('.env').fsPath) &&
        notices.some((notice) => notice.includes('.tandemignore')),
      'the .tandemignore notice',
    );
    assert.match(notices.at(-1)!, /"!\.env"/);
    const server = api.model.client.baseUrl === foreign.url ? foreign : own;
    const from = server.requests.length;
    const document = await vscode.workspace.openTextDocument(file('.env'));
    await api.trust.gate.chat({
      feature: 'panel',
      model: api.model.chatModel,
      instructions: 'what is in .env?',
      context: [{ text: document.getText(), source: { kind: 'file', path: document.uri.fsPath } }],
    }).call.result;
    assert.equal(server.requests.length, from + 1);
    assert.ok(!server.requests.at(-1)!.rawBody.includes(ENV_VALUE), '.env lines were sent');
  });
});
