import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TandemApi } from '../../../src/extension';
import { describeRequest } from '../../../src/panel/vscode/requestDetails';
import { startScriptedModelServer, type ScriptedModelServer } from '../../fixtures/model-server';
import { eventually, tandem } from '../tandem';

const folder = () => vscode.workspace.workspaceFolders![0].uri;
const fileUri = (path: string) => vscode.Uri.joinPath(folder(), ...path.split('/'));

async function open(path: string, text: string): Promise<vscode.TextEditor> {
  await vscode.workspace.fs.writeFile(fileUri(path), new TextEncoder().encode(text));
  return vscode.window.showTextDocument(await vscode.workspace.openTextDocument(fileUri(path)));
}

const SECRET = 'Src!pQ2#rT9mL4vBx7';
/** A folder in the home folder, outside the workspace: the gate shows its files as `~/…`. */
const HOME_FOLDER = `tandem-it-home-${process.pid}`;
const CONFIG = `export const db = connect({ user: 'app', password: '${SECRET}' });\nexport const retries = 3;\n`;

describe('side panel assistant in VS Code', function () {
  this.timeout(90_000);
  let api: TandemApi;
  let server: ScriptedModelServer;

  before(async () => {
    api = await tandem();
    server = await startScriptedModelServer({
      script: (request) => {
        // The conversation's history is sent too: answer by the newest user message only.
        const messages = request.body.messages as { role: string; content: string }[];
        const text = messages.filter((message) => message.role === 'user').at(-1)?.content ?? '';
        if (text.includes('Count slowly'))
          return {
            text: 'one two three four five six seven eight nine ten '.repeat(40),
            perTokenDelayMs: 30,
          };
        if (text.includes('could not be applied'))
          return { text: 'assistant/redo.txt\n<<<<<<< SEARCH\ngamma\n=======\nGAMMA\n>>>>>>> REPLACE\n' };
        if (text.includes('Rename retries')) {
          // The model saw the secret only as a placeholder and quotes it back in its SEARCH text.
          const placeholder =
            /TANDEM_REDACTED_[A-Z_]+_\d+_[a-z0-9]+/.exec(text)?.[0] ?? 'no-placeholder-seen';
          return {
            text: `Renames the constant.\n\nassistant/config.ts\n<<<<<<< SEARCH\nexport const db = connect({ user: 'app', password: '${placeholder}' });\nexport const retries = 3;\n=======\nexport const db = connect({ user: 'app', password: '${placeholder}' });\nexport const maxRetries = 3;\n>>>>>>> REPLACE\n`,
          };
        }
        if (text.includes('Edit lines 2-2 of assistant/edit.txt'))
          return { text: 'assistant/edit.txt\n<<<<<<< SEARCH\nbeta\n=======\nBETA\n>>>>>>> REPLACE\n' };
        if (text.includes('Shout the home note'))
          return {
            text: `~/${HOME_FOLDER}/note.txt\n<<<<<<< SEARCH\nquiet\n=======\nLOUD\n>>>>>>> REPLACE\n~/.tandem-it-not-shown\n<<<<<<< SEARCH\n=======\nsneaky\n>>>>>>> REPLACE\n`,
          };
        if (text.includes('Two edits, one wrong'))
          return {
            text: 'assistant/redo.txt\n<<<<<<< SEARCH\nalpha\n=======\nALPHA\n>>>>>>> REPLACE\nassistant/redo.txt\n<<<<<<< SEARCH\ngama\nnot here\n=======\nGAMMA\n>>>>>>> REPLACE\n',
          };
        return { text: 'A plain answer with `code`.' };
      },
    });
    await api.settings.set('model.baseUrl', server.url);
    await eventually(
      () => api.model.client.baseUrl === server.url,
      'the model client to use the scripted server',
    );
  });

  after(async () => {
    await api.settings.set('model.baseUrl', undefined);
    await server.close();
    // Later suites read the request log: leave it as this suite found it (empty of its records).
    api.model.requestLog.clear();
    const review = api.panel.review.controller;
    for (const proposal of [...review.proposals.all()]) review.dismiss(proposal.id);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('streams an answer into the conversation and keeps it in the workspace history', async () => {
    await open('assistant/plain.txt', 'hello\n');
    const answer = await api.panel.assistant.ask('Say something', [{ kind: 'activeFile' }]);
    assert.ok(answer);
    assert.equal(answer.status, 'done');
    assert.equal(answer.text, 'A plain answer with `code`.');
    assert.equal(answer.proposalId, undefined);
    const conversation = api.panel.store.current;
    assert.deepEqual(
      conversation.messages.slice(-2).map((message) => message.role),
      ['user', 'assistant'],
    );
    assert.deepEqual(conversation.messages.at(-2)!.chips, ['assistant/plain.txt']);
  });

  it('Stop aborts the request: the server sees the client go away and the answer says stopped', async () => {
    const asked = api.panel.assistant.ask('Count slowly', []);
    const request = await server.waitForRequest(
      (candidate) => candidate.rawBody.includes('Count slowly'),
      10_000,
    );
    await eventually(
      () => api.panel.assistant.busy && request.tokensSent > 2,
      'the answer to start streaming',
    );
    await vscode.commands.executeCommand('tandem.stopAnswer');
    await server.waitForAbort(request, 5_000);
    const answer = await asked;
    assert.equal(answer?.status, 'stopped');
    assert.ok(
      answer!.text.length > 0 &&
        answer!.text.length < 'one two three four five six seven eight nine ten '.length * 40,
    );
    assert.equal(api.panel.assistant.busy, false);
  });

  it('restores redacted secrets locally before matching, so the edit applies to the real file', async () => {
    const editor = await open('assistant/config.ts', CONFIG);
    const answer = await api.panel.assistant.ask('Rename retries to maxRetries', [{ kind: 'activeFile' }]);
    const request = server.requests.at(-1)!;
    assert.ok(!request.rawBody.includes(SECRET), 'the secret never reached the model');
    const proposal = api.panel.review.controller.proposals.get(answer!.proposalId!);
    assert.ok(proposal, 'the answer became a proposal');
    assert.deepEqual(proposal.failures, []);
    await api.panel.review.controller.acceptAll(proposal);
    assert.equal(
      editor.document.getText(),
      CONFIG.replace('export const retries', 'export const maxRetries'),
    );

    // "What was sent" names the file and the redaction, never the secret.
    const details = describeRequest(
      answer!.requestId!,
      api.panel.assistant.reportOf(answer!.requestId!),
      api.model.requestLog.get(answer!.requestId!),
    );
    assert.match(details, /assistant\/config\.ts/);
    assert.match(details, /redacted/);
    assert.ok(!details.includes(SECRET));
  });

  it('edits a file from the home folder it was shown as ~/…, and refuses a home file it was not shown', async () => {
    const note = vscode.Uri.file(path.join(os.homedir(), HOME_FOLDER, 'note.txt'));
    await vscode.workspace.fs.writeFile(note, new TextEncoder().encode('first\nquiet\nlast\n'));
    try {
      const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(note));
      const answer = await api.panel.assistant.ask('Shout the home note', [{ kind: 'activeFile' }]);
      const sent = server.requests.at(-1)!.rawBody;
      assert.ok(sent.includes(`~/${HOME_FOLDER}/note.txt`), 'the gate showed the file as ~/…');
      assert.ok(!sent.includes(os.homedir()), 'the home folder itself was not sent');
      const proposal = api.panel.review.controller.proposals.get(answer!.proposalId!);
      assert.ok(proposal, 'the answer became a proposal');
      assert.deepEqual(
        proposal.files.map((file) => api.panel.review.controller.uriOf(file).toString()),
        [note.toString()],
      );
      assert.equal(proposal.failures.length, 1);
      assert.match(proposal.failures[0].reason, /home folder/);
      // Writing outside the workspace asks the person first (the trust area's modal, tested there).
      assert.deepEqual(api.panel.review.controller.protectionOf(proposal.files[0]), [
        'writes outside the workspace folders',
      ]);
      proposal.files[0].writeConfirmed = true;
      await api.panel.review.controller.acceptAll(proposal);
      assert.equal(editor.document.getText(), 'first\nLOUD\nlast\n');
      await assert.rejects(
        Promise.resolve(
          vscode.workspace.fs.stat(vscode.Uri.file(path.join(os.homedir(), '.tandem-it-not-shown'))),
        ),
      );
    } finally {
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
      await vscode.workspace.fs.delete(vscode.Uri.file(path.join(os.homedir(), HOME_FOLDER)), {
        recursive: true,
      });
    }
  });

  it('lists a block that matched nothing, and one click asks the model to redo just that block', async () => {
    const editor = await open('assistant/redo.txt', 'alpha\nbeta\ngamma\n');
    const answer = await api.panel.assistant.ask('Two edits, one wrong', [{ kind: 'activeFile' }]);
    const proposal = api.panel.review.controller.proposals.get(answer!.proposalId!)!;
    assert.equal(proposal.failures.length, 1);
    assert.match(proposal.failures[0].reason, /^SEARCH text not found/);
    await api.panel.assistant.redoFailed(proposal.id);
    const redo = server.requests.at(-1)!;
    const messages = redo.body!.messages as { role: string; content: string }[];
    const instruction = messages.filter((message) => message.role === 'user').at(-1)!.content;
    assert.match(
      instruction,
      /block 2: SEARCH text not found/,
      'the follow-up names the failed block and why',
    );
    assert.match(instruction, /gama\n\s*not here/, 'and quotes what it searched for');
    assert.ok(!instruction.includes('ALPHA'), 'the block that applied is not asked for again');
    assert.deepEqual(proposal.failures, [], 'the redone blocks replace the failures');
    await api.panel.review.controller.acceptAll();
    assert.equal(editor.document.getText(), 'ALPHA\nbeta\nGAMMA\n');
  });

  it('"Edit Selection..." proposes an edit of the selected lines', async () => {
    const editor = await open('assistant/edit.txt', 'alpha\nbeta\ngamma\n');
    editor.selection = new vscode.Selection(1, 0, 1, 4);
    await vscode.commands.executeCommand('tandem.editSelection', 'upper-case it');
    const proposal = api.panel.review.controller.proposals.all().at(-1)!;
    assert.equal(proposal.files[0].path, 'assistant/edit.txt');
    assert.match(proposal.origin.instruction, /^Edit lines 2-2 of assistant\/edit\.txt: upper-case it/);
    assert.equal(editor.document.getText(), 'alpha\nbeta\ngamma\n', 'nothing is written before accepting');
    await vscode.commands.executeCommand('tandem.acceptAll');
    assert.equal(editor.document.getText(), 'alpha\nBETA\ngamma\n');
  });

  it('"Explain Selection" asks about the selected lines in the panel, without proposing edits', async () => {
    const editor = await open('assistant/explain.txt', 'first\nsecond\nthird\n');
    editor.selection = new vscode.Selection(0, 0, 2, 0);
    await vscode.commands.executeCommand('tandem.explainSelection');
    const messages = api.panel.store.current.messages;
    const [question, answer] = messages.slice(-2);
    assert.equal(question.text, 'Explain assistant/explain.txt:1-2');
    assert.deepEqual(question.chips, ['assistant/explain.txt:1-2']);
    assert.equal(answer.status, 'done');
    const record = api.model.requestLog.get(answer.requestId!);
    assert.equal(record?.feature, 'explain');
    assert.ok(server.requests.at(-1)!.rawBody.includes('first\\nsecond'), 'the selected lines were sent');
  });

  it('"New Conversation" starts an empty conversation and keeps the old one in the history', async () => {
    const before = api.panel.store.current;
    assert.ok(before.messages.length > 0);
    await vscode.commands.executeCommand('tandem.newConversation');
    assert.notEqual(api.panel.store.current.id, before.id);
    assert.equal(api.panel.store.current.messages.length, 0);
    assert.ok(api.panel.store.summaries().some((summary) => summary.id === before.id));
  });

  it('marks proposals that write protected paths as needing confirmation', async () => {
    const proposal = await api.panel.review.controller.propose(
      '.vscode/tasks.json\n<<<<<<< SEARCH\n=======\n{ "version": "2.0.0" }\n>>>>>>> REPLACE\n',
      { instruction: 'test' },
    );
    const reasons = api.panel.review.controller.protectionOf(proposal!.files[0]);
    assert.ok(
      reasons.some((reason) => /VS Code configuration/.test(reason)),
      reasons.join('; '),
    );
    api.panel.review.controller.dismiss(proposal!.id);
  });
});
