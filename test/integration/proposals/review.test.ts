import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TandemApi } from '../../../src/extension';
import { eventually, tandem } from '../tandem';

const folder = () => vscode.workspace.workspaceFolders![0].uri;
const fileUri = (path: string) => vscode.Uri.joinPath(folder(), ...path.split('/'));
const readDisk = async (path: string) =>
  new TextDecoder().decode(await vscode.workspace.fs.readFile(fileUri(path)));

async function writeFile(path: string, text: string): Promise<vscode.TextEditor> {
  await vscode.workspace.fs.writeFile(fileUri(path), new TextEncoder().encode(text));
  const document = await vscode.workspace.openTextDocument(fileUri(path));
  return vscode.window.showTextDocument(document);
}

const BEFORE = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta', ''].join('\n');

/** An answer with two blocks for the file: one near the top, one near the bottom. */
const answer = (path: string) => `Rename two entries.

${path}
<<<<<<< SEARCH
beta
=======
BETA
>>>>>>> REPLACE

${path}
<<<<<<< SEARCH
eta
theta
=======
ETA
THETA
iota
>>>>>>> REPLACE
`;

describe('proposals in VS Code', function () {
  let api: TandemApi;

  before(async () => {
    api = await tandem();
  });

  afterEach(async () => {
    api.panel.review.controller.rejectAll();
    for (const proposal of [...api.panel.review.controller.proposals.all()])
      api.panel.review.controller.dismiss(proposal.id);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('accepts one hunk and rejects the other: the file on disk is byte-exact', async () => {
    const editor = await writeFile('review/one.txt', BEFORE);
    const proposal = await api.panel.review.controller.propose(answer('review/one.txt'), {
      instruction: 'test',
    });
    assert.ok(proposal);
    const [first, second] = proposal.files[0].hunks;
    assert.equal(proposal.files[0].hunks.length, 2);
    assert.equal(await api.panel.review.controller.acceptHunk(second.id), true);
    assert.equal(api.panel.review.controller.rejectHunk(first.id), true);
    await editor.document.save();
    assert.equal(await readDisk('review/one.txt'), BEFORE.replace('eta\ntheta\n', 'ETA\nTHETA\niota\n'));
    assert.equal(proposal.pendingHunks().length, 0);
  });

  it('makes each accepted hunk one undo step, and undo restores the original', async () => {
    const editor = await writeFile('review/undo.txt', BEFORE);
    const proposal = await api.panel.review.controller.propose(answer('review/undo.txt'), {
      instruction: 'test',
    });
    const [first, second] = proposal!.files[0].hunks;
    await vscode.commands.executeCommand('tandem.acceptHunk', first.id);
    await vscode.commands.executeCommand('tandem.acceptHunk', second.id);
    assert.equal(
      editor.document.getText(),
      BEFORE.replace('beta', 'BETA').replace('eta\ntheta\n', 'ETA\nTHETA\niota\n'),
    );
    await vscode.window.showTextDocument(editor.document);
    await vscode.commands.executeCommand('undo');
    assert.equal(
      editor.document.getText(),
      BEFORE.replace('beta', 'BETA'),
      'one undo takes back only the last hunk',
    );
    // VS Code reports an undo as the smallest changes that restore the text: still recognised.
    await eventually(() => second.status === 'pending', 'the undone hunk back under review', 3000);
    assert.equal(first.status, 'accepted');
    await vscode.commands.executeCommand('undo');
    assert.equal(editor.document.getText(), BEFORE, 'a second undo restores the original');
    assert.equal(first.status, 'pending');
    await vscode.commands.executeCommand('redo');
    assert.equal(editor.document.getText(), BEFORE.replace('beta', 'BETA'), 'redo accepts it again');
    assert.equal(first.status, 'accepted');
  });

  it('accepts only the selected lines of a hunk', async () => {
    const editor = await writeFile('review/partial.txt', BEFORE);
    const proposal = await api.panel.review.controller.propose(answer('review/partial.txt'), {
      instruction: 'test',
    });
    const hunk = proposal!.files[0].hunks[1];
    // Select the line "eta" only: its replacement "ETA" is taken, "theta" and the extra "iota" are not.
    const line = hunk.line;
    editor.selection = new vscode.Selection(line, 0, line, 2);
    await vscode.commands.executeCommand('tandem.acceptSelectedLines');
    assert.equal(editor.document.getText(), BEFORE.replace('eta\ntheta\n', 'theta\nETA\n'));
    // What was not taken is still proposed, at the right places: drop "theta", add "THETA" and "iota".
    const rest = proposal!.files[0].pending().filter((candidate) => candidate.remainder);
    assert.deepEqual(
      rest.map((candidate) => [candidate.removed, candidate.added]),
      [
        [['theta\n'], []],
        [[], ['THETA\n', 'iota\n']],
      ],
    );
    // Accepting the whole file now takes the first hunk and both remainders.
    assert.equal(await api.panel.review.controller.acceptFile(proposal!.files[0]), 3);
    assert.equal(
      editor.document.getText(),
      BEFORE.replace('eta\ntheta\n', 'ETA\nTHETA\niota\n').replace('beta', 'BETA'),
    );
  });

  it('moves hunks with edits above them, and refuses a hunk whose text was edited (stale)', async () => {
    const editor = await writeFile('review/stale.txt', BEFORE);
    const proposal = await api.panel.review.controller.propose(answer('review/stale.txt'), {
      instruction: 'test',
    });
    const [first, second] = proposal!.files[0].hunks;
    await editor.edit((edit) => edit.insert(new vscode.Position(0, 0), 'inserted above\n'));
    assert.equal(second.line, 7, 'the second hunk moved down one line');
    await editor.edit((edit) => edit.insert(new vscode.Position(2, 4), '!'));
    assert.equal(first.status, 'stale');
    const before = editor.document.getText();
    assert.equal(await api.panel.review.controller.acceptHunk(first.id), false);
    assert.equal(editor.document.getText(), before, 'a stale hunk never writes');
    assert.equal(await api.panel.review.controller.acceptHunk(second.id), true);
    assert.equal(
      editor.document.getText(),
      'inserted above\n' + BEFORE.replace('beta', 'beta!').replace('eta\ntheta\n', 'ETA\nTHETA\niota\n'),
    );
  });

  it('keeps CRLF and a missing final newline byte for byte', async () => {
    const crlf = 'one\r\ntwo\r\nthree';
    const editor = await writeFile('review/crlf.txt', crlf);
    const proposal = await api.panel.review.controller.propose(
      'review/crlf.txt\n<<<<<<< SEARCH\nthree\n=======\nTHREE\nfour\n>>>>>>> REPLACE\n',
      { instruction: 'test' },
    );
    await api.panel.review.controller.acceptAll(proposal);
    await editor.document.save();
    assert.equal(await readDisk('review/crlf.txt'), 'one\r\ntwo\r\nTHREE\r\nfour');
  });

  it('proposes new files and deletions, applied only when accepted', async () => {
    await writeFile('review/old.txt', 'obsolete\n');
    const proposal = await api.panel.review.controller.propose(
      'review/new.txt\n<<<<<<< SEARCH\n=======\nhello\nworld\n>>>>>>> REPLACE\n\nreview/old.txt\n<<<<<<< DELETE FILE\n',
      { instruction: 'test' },
    );
    assert.deepEqual(
      proposal!.files.map((file) => file.kind),
      ['create', 'delete'],
    );
    await assert.rejects(
      () => Promise.resolve(vscode.workspace.fs.stat(fileUri('review/new.txt'))),
      'nothing is created before accepting',
    );
    await api.panel.review.controller.acceptAll(proposal);
    assert.equal(await readDisk('review/new.txt'), 'hello\nworld\n');
    await assert.rejects(
      () => Promise.resolve(vscode.workspace.fs.stat(fileUri('review/old.txt'))),
      'the deleted file is gone',
    );
  });

  it('lists blocks that match nothing with their reason, and applies the rest', async () => {
    await writeFile('review/mixed.txt', BEFORE);
    const proposal = await api.panel.review.controller.propose(
      'review/mixed.txt\n<<<<<<< SEARCH\nalpha\n=======\nALPHA\n>>>>>>> REPLACE\nreview/mixed.txt\n<<<<<<< SEARCH\nnot in the file\n=======\nx\n>>>>>>> REPLACE\n',
      { instruction: 'test' },
    );
    assert.equal(proposal!.files[0].hunks.length, 1);
    assert.deepEqual(
      proposal!.failures.map((failure) => `${failure.path}: block ${failure.index}: ${failure.reason}`),
      ['review/mixed.txt: block 2: SEARCH text not found'],
    );
  });

  it('shows the proposal in the native diff editor against the real file', async () => {
    await writeFile('review/diff.txt', BEFORE);
    const proposal = await api.panel.review.controller.propose(answer('review/diff.txt'), {
      instruction: 'test',
    });
    await vscode.commands.executeCommand('tandem.openProposalDiff', proposal!.id, 'review/diff.txt');
    const proposed = vscode.workspace.textDocuments.find(
      (document) => document.uri.scheme === 'tandem-proposal',
    );
    assert.ok(proposed, 'the proposed side is open');
    assert.equal(
      proposed.getText(),
      BEFORE.replace('beta', 'BETA').replace('eta\ntheta\n', 'ETA\nTHETA\niota\n'),
    );
  });

  it('accepts exactly the added lines selected in the proposed side of Open Diff', async () => {
    const editor = await writeFile('review/diffside.txt', BEFORE);
    const proposal = await api.panel.review.controller.propose(answer('review/diffside.txt'), {
      instruction: 'test',
    });
    await vscode.commands.executeCommand('tandem.openProposalDiff', proposal!.id, 'review/diffside.txt');
    const proposed = vscode.window.visibleTextEditors.find(
      (candidate) => candidate.document.uri.scheme === 'tandem-proposal',
    );
    assert.ok(proposed, 'the proposed side is visible');
    // In the proposed text, line 8 (0-based) is "iota": take only that added line.
    assert.equal(proposed.document.lineAt(8).text, 'iota');
    await vscode.window.showTextDocument(proposed.document, proposed.viewColumn);
    const active = vscode.window.activeTextEditor!;
    active.selection = new vscode.Selection(8, 0, 8, 4);
    await vscode.commands.executeCommand('tandem.acceptSelectedLines');
    // "iota" pairs with nothing removed ("eta"/"theta" pair with "ETA"/"THETA"), so only it is added.
    assert.equal(editor.document.getText(), BEFORE.replace('eta\ntheta\n', 'eta\ntheta\niota\n'));
  });

  it('registers its commands', async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const id of [
      'tandem.editSelection',
      'tandem.explainSelection',
      'tandem.acceptAll',
      'tandem.rejectAll',
      'tandem.nextHunk',
      'tandem.previousHunk',
    ])
      assert.ok(commands.includes(id), `${id} is registered`);
  });
});
