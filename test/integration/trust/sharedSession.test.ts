// The trust gate in a shared session, inside a real VS Code: this window is a guest of a session whose
// host shares a folder the guest's own rules exclude (tandem.trust.excludeGlobs: private/), and whose
// other peer, a stock y-websocket client, types a secret into a shared file. Whatever the guest's
// inline suggestions and side panel send, the scripted model server must see no secret and nothing of
// the excluded file; a proposal that writes a placeholder back reaches the peers with the original value.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import * as Y from 'yjs';
import { buildInviteLink } from '../../../src/collab/invite';
import type { CollabSession } from '../../../src/collab/session';
import type { TandemApi } from '../../../src/extension';
import { startCollabServer, type CollabServer } from '../../../src/server';
import { startScriptedModelServer, type ScriptedModelServer } from '../../fixtures/model-server';
import { eventually, sleep, tandem } from '../tandem';
import { startHostSession, stockClient } from '../collabPeers';
import { HostApplier } from '../../../src/proposals/shared';

const room = 'trust-shared-room';
const awsKey = 'AKIAFAKEQ7ZRT3ML2VB6';
const privateNote = 'private-note-7f3a9c2e51d04b8a: the acquisition closes in March';
// In a folder the host keeps from models (its tandem.trust.excludeGlobs), published in the session.
const customerRecord = 'acme-corp-4b1f9e,renewal 2027-03-01,discount 35%';
// Typed by the stock peer while the guest watches: a GitHub token in a real format.
// (Its last 6 characters are the CRC-32 checksum real tokens carry.)
const peerToken = 'ghp_' + 'R7tK2mQ9xW4vL8pZ3nB6cJ1yH5dF0g2ZcGme';
const config = [
  "export const region = 'eu-west-1';",
  `export const awsKey = '${awsKey}';`,
  '',
  'export function endpoint(service: string): string {',
  '  ',
  '}',
  '',
].join('\n');

describe('trust gate in a shared session (VS Code as a guest)', function () {
  this.timeout(90_000);
  let api: TandemApi;
  let collabServer: CollabServer;
  let model: ScriptedModelServer;
  let host: CollabSession;
  let applier: HostApplier;
  let root: string;
  let peer: ReturnType<typeof stockClient>;
  const sessionUri = (relative: string) => vscode.Uri.parse(`tandem://${room}/${relative}`);
  const forbidden = [awsKey, privateNote, peerToken, customerRecord];

  /**
   * Types `text` at the end of `line` in `document`'s editor, asks for a suggestion explicitly, and
   * returns how many requests reached the model server in the next 1.5 s.
   */
  async function typeAndAsk(document: vscode.TextDocument, line: number, text: string): Promise<number> {
    const editor = await vscode.window.showTextDocument(document);
    const end = document.lineAt(line).range.end;
    editor.selection = new vscode.Selection(end, end);
    await vscode.commands.executeCommand('workbench.action.focusActiveEditorGroup');
    const before = model.requests.length;
    await vscode.commands.executeCommand('type', { text });
    await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    await sleep(1500);
    return model.requests.length - before;
  }

  function assertNothingSensitiveReached(): void {
    assert.ok(model.requests.length > 0, 'requests reached the model server');
    for (const request of model.requests)
      for (const value of forbidden)
        assert.ok(
          !request.rawBody.includes(value),
          `${value} reached the model server (request ${request.id})`,
        );
  }

  before(async () => {
    api = await tandem();
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-trust-shared-'));
    fs.mkdirSync(path.join(root, 'src'));
    fs.writeFileSync(path.join(root, 'src', 'config.ts'), config);
    fs.mkdirSync(path.join(root, 'private'));
    fs.writeFileSync(path.join(root, 'private', 'notes.md'), `# Notes\n${privateNote}\n`);
    fs.mkdirSync(path.join(root, 'customers'));
    fs.writeFileSync(path.join(root, 'customers', 'acme.csv'), `id,terms\n${customerRecord}\n`);
    collabServer = await startCollabServer({ secret: 'trust-shared-secret-0123456789' });
    // The host excludes nothing of its own (its built-in rules still keep .env and keys back).
    host = await startHostSession({ server: collabServer, room, root, folderName: 'project' });
    // A session's host applies the decisions on shared proposals (a Tandem window does this itself).
    applier = new HostApplier(host.document);
    applier.start();
    model = await startScriptedModelServer({
      script: (request) => {
        if (request.endpoint === 'completions')
          return { text: 'return `https://${service}.${region}.example.com`;' };
        const messages = (request.body?.messages ?? []) as { role: string; content: string }[];
        const asked = messages.filter((message) => message.role === 'user').at(-1)?.content ?? '';
        if (asked.includes('Rename awsKey')) {
          // The model saw the key only as a placeholder, and writes it back in its edit.
          const placeholder =
            /TANDEM_REDACTED_AWS_ACCESS_KEY_ID_\d+_[a-z0-9]+/.exec(asked)?.[0] ?? 'no-placeholder-seen';
          return {
            text: `Renamed.\n\ntandem://${room}/src/config.ts\n<<<<<<< SEARCH\nexport const awsKey = '${placeholder}';\n=======\nexport const accessKeyId = '${placeholder}';\n>>>>>>> REPLACE\n`,
          };
        }
        return { text: 'It configures the region and the service endpoints.' };
      },
    });
    await api.settings.set('model.baseUrl', model.url);
    await api.settings.set('trust.excludeGlobs', ['private/']);
    await eventually(
      () => api.model.client.baseUrl === model.url,
      'the model client to use the scripted server',
    );

    const link = buildInviteLink({
      serverUrl: collabServer.url,
      room,
      token: collabServer.createToken({ room, role: 'rw', name: 'guest' }),
    });
    assert.equal(await api.collab.join(link, { addFolder: false }), true);
    peer = stockClient(
      collabServer.url,
      room,
      collabServer.createToken({ room, role: 'rw', name: 'stock peer' }),
    );
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await api.collab.leave();
    peer.dispose();
    applier.dispose();
    host.dispose();
    await collabServer.close();
    await api.settings.set('model.baseUrl', undefined);
    await api.settings.set('trust.excludeGlobs', undefined);
    await model.close();
    api.completion.engine?.cancel();
    api.model.requestLog.clear();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('sends no secret from a shared file to inline suggestions, not even one a peer just typed', async () => {
    const uri = sessionUri('src/config.ts');
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    await eventually(() => !!api.collab.bindings?.bindingFor(uri), 'the shared document to be bound');
    const shared = () => peer.doc.getMap<Y.Text>('texts').get('src/config.ts');
    await eventually(() => !!shared(), 'the stock peer to see the shared file');
    shared()!.insert(0, `const github = '${peerToken}';\n`);
    await eventually(
      () => editor.document.getText().includes(peerToken),
      "the peer's line in the guest's editor",
    );

    const line = editor.document.lineCount - 3; // the empty line inside endpoint()
    const end = editor.document.lineAt(line).range.end;
    editor.selection = new vscode.Selection(end, end);
    await vscode.commands.executeCommand('workbench.action.focusActiveEditorGroup');
    const completions = () => model.requests.filter((request) => request.endpoint === 'completions');
    await vscode.commands.executeCommand('type', { text: 'return ' });
    await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    await eventually(() => completions().length > 0, 'an inline-suggestion request from the shared file');
    assertNothingSensitiveReached();
    const prompt = completions().at(-1)!.promptText ?? '';
    assert.match(prompt, /TANDEM_REDACTED_AWS_ACCESS_KEY_ID_\d+_/, 'the shared key went as a placeholder');
    assert.match(prompt, /TANDEM_REDACTED_GITHUB_TOKEN_\d+_/, "the peer's token went as a placeholder");
    assert.match(prompt, /export function endpoint\(service: string\): string \{\n {2}return /);
  });

  it('sends nothing at all from a shared file the guest excludes, though the host shares it', async () => {
    const document = await vscode.workspace.openTextDocument(sessionUri('private/notes.md'));
    assert.ok(document.getText().includes(privateNote), 'the host did share it');
    assert.equal(await typeAndAsk(document, 0, '\nThe board meets '), 0, 'no request from an excluded file');
    const status = api.completion.lastStatus;
    assert.equal(status?.state, 'excluded', 'the provider ran, and refused');
    assert.match(
      status?.state === 'excluded' ? status.message : '',
      /private\/.*tandem\.trust\.excludeGlobs/,
    );
    assert.equal(api.trust.isExcluded(`tandem://${room}/private/notes.md`), true);
    assert.equal(api.trust.isExcluded(`tandem://${room}/src/config.ts`), false);
  });

  it('keeps from the model what the host keeps from models, once the host publishes it', async () => {
    const customers = `tandem://${room}/customers/acme.csv`;
    assert.equal(api.trust.isExcluded(customers), false, 'nothing published yet');
    host.document.writeModelExclude(['customers/']);
    await eventually(() => api.trust.isExcluded(customers), 'the host’s exclusions at the guest’s gate');
    const document = await vscode.workspace.openTextDocument(sessionUri('customers/acme.csv'));
    assert.ok(document.getText().includes(customerRecord), 'the host shares the file with people');
    assert.equal(await typeAndAsk(document, 1, '\nglobex-'), 0, 'no inline-suggestion request');
    const status = api.completion.lastStatus;
    assert.match(status?.state === 'excluded' ? status.message : '', /host of the shared session/);
    const answer = await api.panel.assistant.ask('Summarise these terms', [{ kind: 'activeFile' }]);
    assert.deepEqual(
      api.panel.assistant.reportOf(answer!.requestId!)?.dropped.map((dropped) => dropped.source.path),
      [customers],
    );
    assertNothingSensitiveReached();
  });

  it('keeps the excluded shared file out of the panel and redacts the shared file it sends', async () => {
    await vscode.window.showTextDocument(
      await vscode.workspace.openTextDocument(sessionUri('private/notes.md')),
    );
    // A new conversation: earlier turns (and the files they carried) are gated again with each request.
    await vscode.commands.executeCommand('tandem.newConversation');
    const fromNotes = await api.panel.assistant.ask('What is noted here?', [{ kind: 'activeFile' }]);
    assert.ok(fromNotes?.requestId !== undefined, 'the request went (without the file)');
    const notesReport = api.panel.assistant.reportOf(fromNotes.requestId);
    assert.deepEqual(
      notesReport?.dropped.map((dropped) => dropped.source.path),
      [`tandem://${room}/private/notes.md`],
    );

    await vscode.window.showTextDocument(
      await vscode.workspace.openTextDocument(sessionUri('src/config.ts')),
    );
    const fromConfig = await api.panel.assistant.ask('What does this configure?', [{ kind: 'activeFile' }]);
    assert.ok(fromConfig?.requestId !== undefined);
    assertNothingSensitiveReached();
    const body = model.requests.at(-1)!.rawBody;
    assert.match(
      body,
      new RegExp(`path=\\\\"tandem://${room}/src/config\\.ts\\\\"`),
      'fenced with its session address',
    );
    assert.match(body, /TANDEM_REDACTED_GITHUB_TOKEN_\d+_/);
  });

  it('restores the original value when a proposal for a shared file writes a placeholder back', async () => {
    const uri = sessionUri('src/config.ts');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const answer = await api.panel.assistant.ask('Rename awsKey to accessKeyId', [{ kind: 'activeFile' }]);
    assertNothingSensitiveReached();
    const proposal = api.panel.review.controller.proposals.get(answer!.proposalId!);
    assert.ok(proposal, 'the answer became a proposal');
    assert.deepEqual(proposal.failures, [], 'its block matched the shared file');
    assert.deepEqual(
      api.panel.review.controller.protectionOf(proposal.files[0]),
      [],
      'no confirmation needed',
    );
    // In a session the proposal is shared: the accept is a decision the host applies.
    await api.panel.review.controller.acceptAll(proposal);
    const expected = `export const accessKeyId = '${awsKey}';`;
    const document = await vscode.workspace.openTextDocument(uri);
    await eventually(() => document.getText().includes(expected), 'the guest to have the original key back');
    const shared = peer.doc.getMap<Y.Text>('texts').get('src/config.ts')!;
    await eventually(() => shared.toString().includes(expected), 'the peer to receive the restored line');
    assert.ok(!shared.toString().includes('TANDEM_REDACTED'), 'no placeholder reached the session');
  });

  it('sends nothing of the session once it is left', async () => {
    const config = `tandem://${room}/src/config.ts`;
    assert.equal(api.trust.isExcluded(config), false);
    await api.collab.leave();
    assert.equal(api.trust.isExcluded(config), true, 'a session not joined has unknown rules');
    assert.match(api.trust.gate.explainExclusion(config), /has not joined/);
  });
});
