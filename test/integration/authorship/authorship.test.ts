import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TandemApi } from '../../../src/extension';
import { AuthorshipTracker } from '../../../src/authorship/vscode/authorshipTracker';
import { eventually, tandem } from '../tandem';

/** Workspace storage as VS Code's Memento behaves (JSON values), so trackers can share one. */
class MemoryMemento implements vscode.Memento {
  private readonly values = new Map<string, string>();
  keys(): readonly string[] {
    return [...this.values.keys()];
  }
  get<T>(key: string, defaultValue?: T): T | undefined {
    const value = this.values.get(key);
    return value === undefined ? defaultValue : (JSON.parse(value) as T);
  }
  update(key: string, value: unknown): Thenable<void> {
    if (value === undefined) this.values.delete(key);
    else this.values.set(key, JSON.stringify(value));
    return Promise.resolve();
  }
}

const folder = () => vscode.workspace.workspaceFolders![0].uri;
const fileUri = (path: string) => vscode.Uri.joinPath(folder(), ...path.split('/'));

const BEFORE = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta', ''].join('\n');
const answer = (path: string) => `Two edits.

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

describe('authorship in VS Code', function () {
  let api: TandemApi;

  before(async () => {
    api = await tandem();
  });

  afterEach(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));

  it('marks accepted text, shows who wrote it on hover, and Revert takes back only the assistant text', async () => {
    const uri = fileUri('authorship/marks.txt');
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(BEFORE));
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const review = api.assistant.review.controller;
    const proposal = await review.propose(answer('authorship/marks.txt'), { instruction: 'shout' });
    assert.ok(proposal);
    for (const hunk of [...proposal.files[0].hunks]) assert.equal(await review.acceptHunk(hunk.id), true);
    const marked = () =>
      (api.authorship.tracker.of(uri)?.runs ?? []).map((run) =>
        editor.document.getText().slice(run.start, run.end),
      );
    // Each stretch a hunk changed is marked apart ("ta\n" ends both the old and the new text).
    await eventually(() => marked().length === 3, 'both hunks marked', 3000);
    assert.deepEqual(marked(), ['BETA', 'ETA', 'THETA\nio']);

    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      uri,
      new vscode.Position(1, 1),
    );
    const hoverText = hovers
      .flatMap((hover) => hover.contents)
      .map((content) => (typeof content === 'string' ? content : content.value))
      .join('\n');
    assert.match(
      hoverText,
      new RegExp(`Written by the assistant \\(model .*\\) · asked by .* · proposal ${proposal.id}`),
    );
    const plain = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      uri,
      new vscode.Position(0, 1),
    );
    assert.ok(!plain.some((hover) => JSON.stringify(hover.contents).includes('Written by the assistant')));

    // A person types inside the assistant's text and above it: their characters are not marked.
    await editor.edit((edit) => edit.insert(new vscode.Position(1, 2), 'xy'));
    await editor.edit((edit) => edit.insert(new vscode.Position(0, 0), '# top\n'));
    assert.deepEqual(marked(), ['BE', 'TA', 'ETA', 'THETA\nio']);

    const beforeRevert = editor.document.getText();
    const reverted = await vscode.commands.executeCommand<number>('tandem.revertAssistantEdits', {
      scope: 'file',
      uri: uri.toString(),
    });
    assert.equal(reverted, 2);
    // The edited hunk loses only the assistant's characters; the untouched one gets its text back.
    assert.equal(editor.document.getText(), '# top\n' + BEFORE.replace('beta', 'xy'));
    assert.deepEqual(marked(), []);
    await vscode.commands.executeCommand('undo');
    assert.equal(editor.document.getText(), beforeRevert, 'one undo step brings the whole revert back');
    // ...and the assistant's marks with it; Redo takes them again, Undo brings them back again.
    await eventually(() => marked().join('|') === 'BE|TA|ETA|THETA\nio', 'the marks after undo', 3000);
    await vscode.commands.executeCommand('redo');
    assert.equal(editor.document.getText(), '# top\n' + BEFORE.replace('beta', 'xy'));
    assert.deepEqual(marked(), []);
    await vscode.commands.executeCommand('undo');
    await eventually(
      () => marked().join('|') === 'BE|TA|ETA|THETA\nio',
      'the marks after a second undo',
      3000,
    );
  });

  it('keeps marks across save and reload, and drops them when the file changed unseen', async () => {
    const uri = fileUri('authorship/kept.txt');
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode('one\ntwo\n'));
    const document = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(document);
    const storage = new MemoryMemento();
    const log = vscode.window.createOutputChannel('Tandem authorship test', { log: true });
    const first = new AuthorshipTracker(storage, log);
    await editor.edit((edit) => edit.replace(new vscode.Range(1, 0, 1, 3), 'TWO'));
    const meta = { proposal: 'p-kept', model: 'm', askedBy: 'alice', at: 1 };
    assert.ok(
      await first.attribute(
        { uri, start: new vscode.Position(1, 0), replaced: 'two', inserted: 'TWO', meta },
        'e-kept',
      ),
    );
    await editor.edit((edit) => edit.insert(new vscode.Position(0, 0), 'zero\n'));
    assert.ok(await document.save());
    const runs = first.of(uri)?.runs.map((run) => [run.start, run.end, run.meta.edit]);
    assert.deepEqual(runs, [[9, 12, 'e-kept']]);
    first.dispose();

    // A new window (a new tracker on the same workspace storage) finds the marks on the same text.
    const second = new AuthorshipTracker(storage, log);
    assert.deepEqual(
      second.of(uri)?.runs.map((run) => [run.start, run.end, run.meta.edit]),
      runs,
    );
    second.dispose();

    // The text changed while no tracker watched (another editor, a checkout): the marks are dropped.
    await editor.edit((edit) => edit.insert(new vscode.Position(0, 0), 'elsewhere\n'));
    await document.save();
    const third = new AuthorshipTracker(storage, log);
    assert.equal(third.of(uri), undefined);
    assert.deepEqual(
      storage.keys().filter((key) => key.includes('kept.txt')),
      [],
      'the stale entry is removed',
    );
    third.dispose();
    log.dispose();
  });
});
