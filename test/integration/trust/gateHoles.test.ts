import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TandemApi } from '../../../src/extension';
import { startScriptedModelServer, type ScriptedModelServer } from '../../fixtures/model-server';
import { eventually, tandem } from '../tandem';

// Synthetic values in real formats (see test/fixtures/secrets/README.md).
const PASSWORD = 'Hol3!pQ2#rT9mL4vBx7';
const OUTSIDE = 'outside-the-workspace-do-not-send-7731';

describe('gate holes in VS Code (issue 12, item 4)', function () {
  this.timeout(90_000);
  let api: TandemApi;
  let server: ScriptedModelServer;
  const folder = () => vscode.workspace.workspaceFolders![0].uri;
  const outside = () => vscode.Uri.joinPath(folder(), '..', 'outside-secret.txt');

  before(async () => {
    api = await tandem();
    server = await startScriptedModelServer({
      script: (request) => {
        const messages = request.body.messages as { role: string; content: string }[];
        const last = messages.filter((message) => message.role === 'user').at(-1)?.content ?? '';
        if (last.includes('What is the password')) {
          // The model quotes the placeholder back bare: the panel shows it restored.
          const placeholder = /TANDEM_REDACTED_[A-Z_]+_\d+_[a-z0-9]{4}/.exec(last)?.[0] ?? 'none-seen';
          return { text: `It is ${placeholder}, keep it safe.` };
        }
        if (last.includes('Fix the outside file'))
          return {
            text: '../outside-secret.txt\n<<<<<<< SEARCH\nnot in the file\n=======\nreplaced\n>>>>>>> REPLACE\n',
          };
        return { text: 'Noted.' };
      },
    });
    await api.settings.set('model.baseUrl', server.url);
    await eventually(
      () => api.model.client.baseUrl === server.url,
      'the model client to use the scripted server',
    );
    await vscode.workspace.fs.writeFile(
      vscode.Uri.joinPath(folder(), 'holes', 'db.ts'),
      new TextEncoder().encode(`export const db = connect({ user: 'app', password: '${PASSWORD}' });\n`),
    );
    await vscode.workspace.fs.writeFile(outside(), new TextEncoder().encode(`${OUTSIDE}\n`));
  });

  after(async () => {
    await api.settings.set('model.baseUrl', undefined);
    await server.close();
    api.model.requestLog.clear();
    const review = api.panel.review.controller;
    for (const proposal of [...review.proposals.all()]) review.dismiss(proposal.id);
    await vscode.workspace.fs.delete(vscode.Uri.joinPath(folder(), 'holes'), {
      recursive: true,
      useTrash: false,
    });
    await vscode.workspace.fs.delete(outside(), { useTrash: false });
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('a second and third chat turn about a file with a password send no raw value', async () => {
    await vscode.commands.executeCommand('tandem.newConversation');
    const editor = await vscode.window.showTextDocument(
      await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder(), 'holes', 'db.ts')),
    );
    const first = await api.panel.assistant.ask('What is the password in this file?', [
      { kind: 'activeFile' },
    ]);
    assert.equal(first?.status, 'done');
    assert.ok(first!.text.includes(PASSWORD), 'the answer is shown with the password restored locally');
    const from = server.requests.length;
    await api.panel.assistant.ask('Is that strong enough?', []);
    await api.panel.assistant.ask('And now?', []);
    const later = server.requests.slice(from);
    assert.equal(later.length, 2);
    for (const request of later) {
      assert.ok(request.rawBody.includes('keep it safe'), 'the earlier answer went as history');
      assert.ok(!request.rawBody.includes(PASSWORD), `the raw password went in request ${request.id}`);
    }
    assert.ok(editor.document.getText().includes(PASSWORD), 'the file itself is untouched');
  });

  it('a model-named ../ path is refused with the reason, and "redo" does not read it', async () => {
    await vscode.commands.executeCommand('tandem.newConversation');
    const answer = await api.panel.assistant.ask('Fix the outside file', []);
    const proposal = api.panel.review.controller.proposals.get(answer!.proposalId!);
    assert.ok(proposal, 'the answer became a proposal holding only failures');
    assert.equal(proposal.files.length, 0, 'no file outside the workspace is under review');
    assert.match(proposal.failures[0].reason, /climbs out of its folder/);
    const from = server.requests.length;
    await api.panel.assistant.redoFailed(proposal.id);
    const redo = server.requests.slice(from);
    assert.equal(redo.length, 1, 'the redo was still asked, without the refused file');
    assert.ok(!redo[0].rawBody.includes(OUTSIDE), 'the file outside the workspace was sent');
    const shown = api.panel.store.current.messages.at(-1)!;
    assert.match(shown.notice ?? '', /climbs out of its folder/);
  });

  it('an @file outside the workspace is refused with the reason', async () => {
    const resolved = await api.panel.chips.resolve([{ kind: 'file', path: outside().fsPath }]);
    assert.deepEqual(resolved.pieces, []);
    assert.match(resolved.problems.join(';'), /outside the workspace folders/);
  });
});
