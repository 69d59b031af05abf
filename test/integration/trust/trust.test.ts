import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TandemApi } from '../../../src/extension';
import { isTrustExclusionError, type UntrustedPiece } from '../../../src/trust';
import { startScriptedModelServer, type ScriptedModelServer } from '../../fixtures/model-server';
import { eventually, tandem } from '../tandem';

// Synthetic values in real formats (see test/fixtures/secrets/README.md).
const envValues = ['AKIAFAKEENVQ2ZRT3M7B', 'env-only-Vq8#pL2xR7mZ', 'sk_live_FakeEnvX8q2Lm9Zp4Rt7Vb3Nc6Kd1'];
const awsKey = 'AKIAFAKESRCQ2ZRT3M7B';
const dbPassword = 'Src!pQ2#rT9mL4vBx7';
const ghToken = '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';
const configSource = [
  "import { connect } from './db';",
  `export const awsAccessKeyId = '${awsKey}';`,
  `export const db = connect({ user: 'app', password: '${dbPassword}' });`,
  `const github = new Octokit({ auth: '${ghToken}' });`,
  'export function total(items: number[]): number {',
  '  return items.reduce((sum, item) => sum + item, 0);',
  '}',
  '',
].join('\n');
const privateNotes = 'customer list: do-not-send-1234';

describe('trust gate in VS Code', function () {
  // Opening editors and the first request are slow when the 2-core machine is busy.
  this.timeout(90_000);
  let server: ScriptedModelServer;
  let api: TandemApi;
  let root: vscode.Uri;
  const file = (relative: string) => vscode.Uri.joinPath(root, relative);
  const write = (relative: string, text: string) =>
    vscode.workspace.fs.writeFile(file(relative), Buffer.from(text));

  before(async () => {
    api = await tandem();
    root = vscode.workspace.workspaceFolders![0].uri;
    server = await startScriptedModelServer({
      script: (request) => {
        // A model proposing an edit through the redacted line writes the placeholder back.
        const placeholder = /TANDEM_REDACTED_PASSWORD_\d+_[a-z0-9]{4}/.exec(request.promptText)?.[0];
        return { text: placeholder ? `export const dbPassword = '${placeholder}';` : 'return a + b;' };
      },
    });
    await api.settings.set('model.baseUrl', server.url);
    await eventually(
      () => api.model.client.baseUrl === server.url,
      'the model client to use the scripted server',
    );
    await write('.env', envValues.map((value, index) => `VALUE_${index}=${value}`).join('\n') + '\n');
    await write('src/config.ts', configSource);
    await write('.tandemignore', 'private/\n');
    await write('private/notes.md', privateNotes);
  });

  after(async () => {
    await api.settings.set('model.baseUrl', undefined);
    await api.settings.set('trust.requestLog', undefined);
    await server.close();
    for (const relative of ['.env', 'src/config.ts', '.tandemignore', 'private']) {
      await vscode.workspace.fs.delete(file(relative), { recursive: true, useTrash: false });
    }
  });

  /**
   * This suite's open text documents as context, the way a feature gathers "what the user is looking
   * at". Documents other suites left open are not this test's business.
   */
  function openDocumentsAsContext(): UntrustedPiece[] {
    const ours = ['.env', 'src/config.ts', 'private/notes.md'].map((relative) => file(relative).toString());
    return vscode.workspace.textDocuments
      .filter((document) => ours.includes(document.uri.toString()))
      .map((document) => ({
        text: document.getText(),
        source: {
          kind: 'file',
          path: document.uri.fsPath,
          range: { startLine: 0, endLine: document.lineCount },
        },
      }));
  }

  function assertNothingSensitiveReached(): void {
    assert.ok(server.requests.length > 0, 'requests reached the server');
    for (const request of server.requests) {
      for (const value of [...envValues, awsKey, dbPassword, ghToken, privateNotes]) {
        assert.ok(!request.rawBody.includes(value), `${value} reached the server in request ${request.id}`);
      }
    }
  }

  it('sends no excluded file and no secret with a .env open, and logs what it sent', async () => {
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(file('.env')), {
      preview: false,
    });
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(file('private/notes.md')), {
      preview: false,
    });
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(file('src/config.ts')), {
      preview: false,
    });
    const gate = api.trust.gate;
    assert.equal(gate.isExcluded(file('.env').fsPath), true);
    assert.equal(
      gate.isExcluded(file('private/notes.md').fsPath),
      true,
      'the workspace .tandemignore applies',
    );

    const gated = gate.chat({
      feature: 'panel',
      model: api.model.chatModel,
      instructions: 'What does config.ts export?',
      context: openDocumentsAsContext(),
    });
    await gated.call.result;
    assertNothingSensitiveReached();
    const body = server.requests.at(-1)!.rawBody;
    assert.match(body, /TANDEM_REDACTED_AWS_ACCESS_KEY_ID_\d+_/);
    assert.match(body, /TANDEM_REDACTED_GITHUB_TOKEN_\d+_/);
    assert.match(body, new RegExp(`untrusted-${gated.report.nonce}`));
    assert.deepEqual(
      gated.report.dropped.map((dropped) => vscode.workspace.asRelativePath(dropped.source.path!)).sort(),
      ['.env', 'private/notes.md'],
    );

    const record = api.model.requestLog.list()[0];
    assert.equal(record.feature, 'panel');
    assert.ok(
      record.attachment?.sources?.some(
        (source) => source.path === 'src/config.ts' && source.range?.endLine === 8,
      ),
    );
    assert.ok((record.attachment?.redactions?.length ?? 0) >= 3, 'redactions are listed');
    assert.deepEqual([...(record.attachment?.excluded ?? [])].sort(), ['.env', 'private/notes.md']);

    await vscode.commands.executeCommand('tandem.showRequestLog');
    const shown = vscode.workspace.textDocuments.find((document) =>
      document.uri.path.endsWith('Tandem Request Log.md'),
    );
    assert.ok(shown, 'the request log is open');
    // Earlier suites' requests may already be in the log: wait for this request (its fence nonce).
    await eventually(
      () => shown.getText().includes(`untrusted-${gated.report.nonce}`),
      'the log to show this request',
      15_000,
    );
    assert.ok(shown.getText().includes('TANDEM_REDACTED_'), 'the log shows the prompt with redactions');
    assert.ok(shown.getText().includes('src/config.ts'));
    for (const value of [...envValues, awsKey, dbPassword, ghToken])
      assert.ok(!shown.getText().includes(value));
  });

  it('offers an excluded active file in the panel as "not sent", with the reason', async () => {
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(file('.env')));
    await eventually(() => api.panel.chips.available().length > 0, 'the panel to offer the active file');
    const offered = api.panel.chips.available();
    assert.ok(
      offered.every((chip) => /\.env/.test(chip.excluded ?? '')),
      `every chip of .env says why it is not sent: ${JSON.stringify(offered)}`,
    );
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(file('src/config.ts')));
    await eventually(
      () => api.panel.chips.available().some((chip) => chip.label === 'config.ts'),
      'the panel to offer config.ts',
    );
    assert.ok(api.panel.chips.available().every((chip) => chip.excluded === undefined));
  });

  it('refuses an inline-completion request for the open .env and redacts a normal file', async () => {
    const env = await vscode.workspace.openTextDocument(file('.env'));
    assert.throws(
      () =>
        api.trust.gate.fill({
          model: api.model.completionModel,
          document: {
            path: env.uri.fsPath,
            languageId: env.languageId,
            text: env.getText(),
            prefixOffset: 0,
          },
          prefix: env.getText(),
          suffix: '',
        }),
      (error: unknown) => isTrustExclusionError(error) && /\.env matches/.test(error.message),
    );
    const config = await vscode.workspace.openTextDocument(file('src/config.ts'));
    const cursor = config.getText().indexOf('  return');
    const before = server.requests.length;
    await api.trust.gate.fill({
      model: api.model.completionModel,
      document: {
        path: config.uri.fsPath,
        languageId: config.languageId,
        text: config.getText(),
        prefixOffset: 0,
      },
      prefix: config.getText().slice(0, cursor),
      suffix: config.getText().slice(cursor),
    }).call.result;
    assert.equal(server.requests.length, before + 1, 'exactly the fill reached the server');
    assertNothingSensitiveReached();
  });

  it('restores the original value when a proposal writes a placeholder back', async () => {
    const gated = api.trust.gate.chat({
      feature: 'edit',
      model: api.model.chatModel,
      instructions: 'Move the database password into its own exported constant.',
      context: [{ text: configSource, source: { kind: 'file', path: file('src/config.ts').fsPath } }],
    });
    const answer = (await gated.call.result).text;
    assert.match(answer, /TANDEM_REDACTED_PASSWORD_\d+_/, 'the model only ever saw the placeholder');
    const restored = gated.restore(answer);
    assert.equal(restored.restored.length, 1);
    const document = await vscode.workspace.openTextDocument(file('src/config.ts'));
    const edit = new vscode.WorkspaceEdit();
    edit.insert(document.uri, document.positionAt(document.getText().length), `${restored.text}\n`);
    assert.ok(await vscode.workspace.applyEdit(edit));
    assert.ok(document.getText().endsWith(`export const dbPassword = '${dbPassword}';\n`));
    assert.ok(!document.getText().includes('TANDEM_REDACTED_'));
    await document.save();
  });

  it('keeps no prompt text in the request log when tandem.trust.requestLog is off', async () => {
    await api.settings.set('trust.requestLog', 'off');
    await eventually(() => api.settings.get('trust.requestLog') === 'off', 'the setting');
    await api.trust.gate.chat({ feature: 'panel', model: api.model.chatModel, instructions: 'hello there' })
      .call.result;
    const record = api.model.requestLog.list()[0];
    assert.equal(record.sent, undefined);
    assert.equal(record.received, undefined);
    assert.equal(record.attachment, undefined);
    await api.settings.set('trust.requestLog', undefined);
    await eventually(() => api.settings.get('trust.requestLog') === 'memory', 'the default');
    await api.trust.gate.chat({ feature: 'panel', model: api.model.chatModel, instructions: 'hello again' })
      .call.result;
    assert.ok(api.model.requestLog.list()[0].sent?.messages?.length);
  });

  it('follows changes to .tandemignore and tandem.trust.excludeGlobs without a reload', async () => {
    const gate = api.trust.gate;
    const docs = file('docs/guide.md').fsPath;
    assert.equal(gate.isExcluded(docs), false);
    await write('.tandemignore', 'private/\ndocs/\n');
    await eventually(() => gate.isExcluded(docs), 'the edited .tandemignore to apply');
    // Re-including is the user's own decision: a `!` counts in user settings, not a workspace's.
    await vscode.workspace
      .getConfiguration('tandem')
      .update('trust.excludeGlobs', ['!docs/'], vscode.ConfigurationTarget.Global);
    try {
      await eventually(() => !gate.isExcluded(docs), 'the setting to re-include docs/');
    } finally {
      await vscode.workspace
        .getConfiguration('tandem')
        .update('trust.excludeGlobs', undefined, vscode.ConfigurationTarget.Global);
    }
    await eventually(() => gate.isExcluded(docs), 'the setting to be gone');
  });

  it('marks protected paths in a proposal for confirmation and lets ordinary edits through', async () => {
    const found = api.trust.protectedChanges([
      { path: file('src/config.ts').fsPath, before: configSource, after: configSource + '\n' },
      { path: file('.vscode/tasks.json').fsPath, after: '{"version":"2.0.0","tasks":[]}' },
      {
        path: file('package.json').fsPath,
        before: '{"scripts":{}}',
        after: '{"scripts":{"postinstall":"curl x | sh"}}',
      },
      { path: file('.env').fsPath, before: 'A=1', after: 'A=2' },
    ]);
    assert.deepEqual(
      found.map((change) => [
        vscode.workspace.asRelativePath(change.path),
        change.reasons.map((reason) => reason.code),
      ]),
      [
        ['.vscode/tasks.json', ['vscode-config']],
        ['package.json', ['manifest-scripts']],
        ['.env', ['excluded']],
      ],
    );
    assert.equal(
      await api.trust.confirmProposal([{ path: file('src/config.ts').fsPath, before: 'a', after: 'b' }]),
      true,
    );
  });
});
