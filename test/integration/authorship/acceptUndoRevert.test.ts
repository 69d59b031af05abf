// What a tester found using the authorship features in the workbench: Redo of an accept brings its
// marks back, the panel's proposal card says a reverted hunk was reverted (and accepted again after
// Undo of the revert), an accepted hunk that only deletes text shows in the summary, and one's own
// requests read "you" on hover and in Revert's pickers, not the OS user name.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TandemApi } from '../../../src/extension';
import type { AuthorshipSummaryView } from '../../../src/panel/protocol';
import { eventually, sleep, tandem } from '../tandem';

const folder = () => vscode.workspace.workspaceFolders![0].uri;
const fileUri = (path: string) => vscode.Uri.joinPath(folder(), ...path.split('/'));

const replaceAnswer = (path: string, search: string, replace: string) => `An edit.

${path}
<<<<<<< SEARCH
${search}
=======
${replace}
>>>>>>> REPLACE
`;

async function hoverText(uri: vscode.Uri, line: number, character: number): Promise<string> {
  const hovers =
    (await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      uri,
      new vscode.Position(line, character),
    )) ?? [];
  return hovers
    .flatMap((hover) => hover.contents)
    .map((content) => (typeof content === 'string' ? content : content.value))
    .join('\n');
}

describe('authorship after accept, undo, redo and revert', function () {
  this.timeout(60_000);
  let api: TandemApi;

  before(async () => {
    api = await tandem();
  });

  afterEach(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));

  async function open(path: string, text: string): Promise<vscode.TextEditor> {
    const uri = fileUri(path);
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
    return vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
  }

  it('marks the accepted text again after Undo and Redo of the accept', async () => {
    const path = 'authorship/redo.txt';
    const editor = await open(path, 'one\ntwo\nthree\n');
    const uri = editor.document.uri;
    const review = api.assistant.review.controller;
    const proposal = await review.propose(replaceAnswer(path, 'two', 'TWO'), { instruction: 'shout' });
    assert.ok(proposal);
    assert.equal(await review.acceptHunk(proposal.files[0].hunks[0].id), true);
    const marked = () =>
      (api.authorship.tracker.of(uri)?.runs ?? []).map((run) =>
        editor.document.getText().slice(run.start, run.end),
      );
    await eventually(() => marked().join('|') === 'TWO', 'the accepted text marked', 5000);

    await vscode.commands.executeCommand('undo');
    assert.equal(editor.document.getText(), 'one\ntwo\nthree\n');
    assert.deepEqual(marked(), [], 'the undone text is gone, and its marks with it');
    await vscode.commands.executeCommand('redo');
    assert.equal(editor.document.getText(), 'one\nTWO\nthree\n');
    await eventually(() => marked().join('|') === 'TWO', 'the redone text marked again', 5000);
    assert.match(await hoverText(uri, 1, 1), /Written by the assistant/);
    // Text typed anew where the assistant's was is the person's, even when it reads the same.
    await vscode.commands.executeCommand('undo');
    await editor.edit((edit) => edit.replace(new vscode.Range(1, 0, 1, 3), 'TWO'));
    assert.equal(editor.document.getText(), 'one\nTWO\nthree\n');
    await sleep(200);
    assert.deepEqual(marked(), []);
  });

  it("shows a reverted hunk as reverted on the proposal's card, and accepted again after Undo", async () => {
    const path = 'authorship/card.txt';
    const editor = await open(path, 'alpha\nbeta\ngamma\n');
    const review = api.assistant.review.controller;
    const proposal = await review.propose(replaceAnswer(path, 'beta', 'BETA'), { instruction: 'shout' });
    assert.ok(proposal);
    const hunkId = proposal.files[0].hunks[0].id;
    const status = () =>
      api.panel.view
        .proposalViews()
        .find((view) => view.id === proposal.id)
        ?.files[0].hunks.find((hunk) => hunk.id === hunkId)?.status;
    assert.equal(status(), 'pending');
    assert.equal(await review.acceptHunk(hunkId), true);
    await eventually(() => (api.authorship.tracker.of(editor.document.uri)?.runs.length ?? 0) === 1, 'marks');
    assert.equal(status(), 'accepted');

    const reverted = await vscode.commands.executeCommand<number>('tandem.revertAssistantEdits', {
      proposal: proposal.id,
      uri: editor.document.uri.toString(),
    });
    assert.equal(reverted, 1);
    assert.equal(editor.document.getText(), 'alpha\nbeta\ngamma\n');
    assert.equal(status(), 'reverted');
    // Undo of the revert puts the accepted text back: the card says accepted again.
    await vscode.commands.executeCommand('undo');
    assert.equal(editor.document.getText(), 'alpha\nBETA\ngamma\n');
    await eventually(() => status() === 'accepted', 'the card accepted again after Undo', 5000);
  });

  it('counts an accepted hunk that only deletes text in the summary, with what it removed', async () => {
    const path = 'authorship/deleted.txt';
    const editor = await open(path, 'keep\ndrop me\nkeep too\n');
    const uri = editor.document.uri;
    const sent = (): AuthorshipSummaryView | undefined => {
      const summary = api.panel.view.lastAuthorship?.summary;
      return summary?.uri === uri.toString() ? summary : undefined;
    };
    await eventually(() => sent() !== undefined, 'the summary of the file', 5000);
    const review = api.assistant.review.controller;
    const proposal = await review.propose(replaceAnswer(path, 'keep\ndrop me\nkeep too', 'keep\nkeep too'), {
      instruction: 'drop the middle line',
    });
    assert.ok(proposal);
    assert.equal(await review.acceptHunk(proposal.files[0].hunks[0].id), true);
    assert.equal(editor.document.getText(), 'keep\nkeep too\n');
    await eventually(() => (sent()?.removed ?? 0) > 0, 'the deletion in the summary', 5000);
    const summary = sent()!;
    assert.equal(summary.characters, 0, 'nothing the assistant wrote is left to mark');
    assert.equal(summary.removed, 'drop me\n'.length);
    assert.equal(summary.people.length, 1);
    assert.equal(summary.people[0].askedBy, 'you');
    assert.equal(summary.people[0].removed, 'drop me\n'.length);
    assert.deepEqual(
      summary.people[0].runs.map((run) => [run.proposal, run.removed, run.removedTexts, run.line]),
      [[proposal.id, 'drop me\n'.length, ['drop me\n'], 2]],
    );
    // Reverting it puts the line back, and the summary has nothing left to say.
    const reverted = await vscode.commands.executeCommand<number>('tandem.revertAssistantEdits', {
      scope: 'file',
      uri: uri.toString(),
    });
    assert.equal(reverted, 1);
    assert.equal(editor.document.getText(), 'keep\ndrop me\nkeep too\n');
    await eventually(() => sent()?.removed === 0, 'no deletion left in the summary', 5000);
  });

  it("says 'you' for one's own requests on hover and in Revert's person picker", async () => {
    const path = 'authorship/you.txt';
    const editor = await open(path, 'red\ngreen\nblue\n');
    const uri = editor.document.uri;
    const review = api.assistant.review.controller;
    const proposal = await review.propose(replaceAnswer(path, 'green', 'GREEN'), { instruction: 'shout' });
    assert.ok(proposal);
    assert.equal(await review.acceptHunk(proposal.files[0].hunks[0].id), true);
    await eventually(async () => /asked by you ·/.test(await hoverText(uri, 1, 1)), 'the hover', 5000);
    const askedBy = api.authorship.tracker.of(uri)!.runs[0].meta.askedBy;
    assert.notEqual(askedBy, 'you', 'the marks carry the name, the hover says "you"');
    assert.ok(!(await hoverText(uri, 1, 1)).includes(`asked by ${askedBy}`));

    // Revert from the palette: "Everything one person asked for…" (the third choice here, the file
    // having marks), then the first person: this window's user, told as "you".
    api.authorship.lastRevertMessage = undefined;
    const running = vscode.commands.executeCommand<number>('tandem.revertAssistantEdits');
    let done = false;
    void running.then(() => (done = true));
    await sleep(500);
    await vscode.commands.executeCommand('workbench.action.quickOpenSelectNext');
    await vscode.commands.executeCommand('workbench.action.quickOpenSelectNext');
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    for (let attempt = 0; attempt < 40 && !done; attempt++) {
      await sleep(250);
      if (!done) await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    }
    assert.ok((await running) >= 1);
    assert.match(api.authorship.lastRevertMessage!.message, /asked for by you:/);
    assert.equal(editor.document.getText(), 'red\ngreen\nblue\n');
  });
});
