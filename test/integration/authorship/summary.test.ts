import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TandemApi } from '../../../src/extension';
import type { AuthorshipSummaryView } from '../../../src/panel/protocol';
import { eventually, tandem } from '../tandem';

const folder = () => vscode.workspace.workspaceFolders![0].uri;
const fileUri = (path: string) => vscode.Uri.joinPath(folder(), ...path.split('/'));

const BEFORE = ['one', 'two', 'three', 'four', 'five', ''].join('\n');
const ANSWER = (path: string) => `Rewrite.

${path}
<<<<<<< SEARCH
two
three
=======
TWO TWO
THREE
>>>>>>> REPLACE
`;

describe('authorship summary in the panel', function () {
  let api: TandemApi;

  before(async () => {
    api = await tandem();
  });

  afterEach(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));

  it("sends the active file's summary, shrinks it as people type over the assistant text, and reverts one proposal in the file", async () => {
    const path = 'authorship/summary.txt';
    const uri = fileUri(path);
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(BEFORE));
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const sent = (): AuthorshipSummaryView | undefined => {
      const summary = api.panel.view.lastAuthorship?.summary;
      return summary?.uri === uri.toString() ? summary : undefined;
    };
    await eventually(() => sent()?.characters === 0, 'an empty summary for a file without marks', 5000);
    assert.equal(sent()!.people.length, 0);

    const review = api.assistant.review.controller;
    const proposal = await review.propose(ANSWER(path), { instruction: 'shout' });
    assert.ok(proposal);
    assert.equal(await review.acceptHunk(proposal.files[0].hunks[0].id), true);
    // "TWO TWO\nTHREE" replaced "two\nthree": the assistant wrote "TWO TWO" and "THREE" (the line
    // break between them was there before), 12 characters on 2 lines.
    await eventually(() => sent()?.characters === 12, 'the summary after accepting', 5000);
    const after = sent()!;
    assert.equal(after.lines, 2);
    assert.equal(after.totalLines, 5);
    assert.equal(after.totalCharacters, editor.document.getText().length);
    assert.equal(after.people.length, 1);
    // This window's user asked: the panel says so, not their OS or session name.
    assert.equal(after.people[0].askedBy, 'you');
    assert.deepEqual(
      after.people[0].runs.map((run) => [run.proposal, run.characters, run.lines, run.line]),
      [[proposal.id, 12, 2, 2]],
    );

    // A person selects "TWO TWO" and types over it: only "THREE" stays the assistant's.
    await editor.edit((edit) => edit.replace(new vscode.Range(1, 0, 1, 7), 'mine'));
    await eventually(() => sent()?.characters === 5, 'the summary shrinking after typing over', 5000);
    assert.equal(sent()!.lines, 1);
    assert.equal(sent()!.people[0].runs[0].line, 3, '"THREE" on line 3 is now the first mark');

    // The panel's "show" link selects the first mark of the proposal.
    await api.panel.view.receive({
      type: 'authorshipAction',
      action: 'reveal',
      uri: uri.toString(),
      proposal: proposal.id,
    });
    const active = vscode.window.activeTextEditor!;
    assert.equal(active.document.uri.toString(), uri.toString());
    assert.equal(active.document.getText(active.selection), 'THREE');

    // Its Revert button takes the proposal's text back in this file: "THREE", which nobody touched,
    // becomes "three" again; the person's word stays.
    await api.panel.view.receive({
      type: 'authorshipAction',
      action: 'revert',
      uri: uri.toString(),
      proposal: proposal.id,
    });
    assert.equal(editor.document.getText(), 'one\nmine\nthree\nfour\nfive\n');
    await eventually(() => sent()?.characters === 0, 'an empty summary after the revert', 5000);

    // No text editor open: no summary at all.
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await eventually(
      () => api.panel.view.lastAuthorship?.summary === undefined,
      'no summary without a file',
      5000,
    );
  });
});
