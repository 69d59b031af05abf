// Shared proposals in a real VS Code, as a guest of a session whose host (a Tandem host session in
// this test process, running the applier as a Tandem window does) shares a proposal: the guest's
// editor shows it with the session's CodeLens, a writer's accept comes back applied by the host and
// can be undone, and a read-only guest sees the proposal but cannot decide. The accepted text is
// marked as the assistant's in the guest's editor (hover), and Revert Assistant Edits there removes
// only the assistant's characters, for everyone, as one undo step (a large revert reaches the host in
// several updates, written in chunks while the host types); a read-only guest is refused.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type * as Y from 'yjs';
import { buildInviteLink } from '../../../src/collab/invite';
import type { CollabSession } from '../../../src/collab/session';
import type { TandemApi } from '../../../src/extension';
import type { SharedProposals } from '../../../src/proposals/shared';
import { sharedAuthorshipView } from '../../../src/authorship/sharedAuthorship';
import { REVERT_MARK_PREFIX } from '../../../src/authorship/revertMarks';
import { outcomeOf } from '../../../src/proposals/shared/sharedState';
import type { CollabServer } from '../../../src/server';
import { eventually, sleep, tandem } from '../tandem';
import { type ProposalHost, startProposalHost } from '../collabPeers';

describe('shared proposals in VS Code (a guest)', function () {
  this.timeout(60_000);
  const room = 'integration-shared-proposals';
  const uri = vscode.Uri.parse(`tandem://${room}/notes.txt`);
  let api: TandemApi;
  let server: CollabServer;
  let peers: ProposalHost;
  let host: CollabSession;
  let hostProposals: SharedProposals;

  before(async () => {
    api = await tandem();
    peers = await startProposalHost({
      room,
      secret: 'shared-proposals-secret-0123456789',
      files: { ['notes.txt']: 'one\ntwo\nthree\n', ['card.txt']: 'alpha\nbeta\ngamma\n' },
    });
    ({ server, host, proposals: hostProposals } = peers);
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await api.collab.leave();
    await peers.close();
  });

  async function joinAndOpen(role: 'rw' | 'ro', name: string): Promise<vscode.TextDocument> {
    const link = buildInviteLink({
      serverUrl: server.url,
      room,
      token: server.createToken({ room, role, name }),
    });
    assert.equal(await api.collab.join(link, { addFolder: false }), true);
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document);
    await eventually(() => !!api.collab.bindings?.bindingFor(uri), 'the document to be bound');
    await eventually(() => host.document.text('notes.txt') !== undefined, 'the host to share notes.txt');
    return document;
  }

  const hunksHere = () => api.panel.review.controller.hunksIn(uri);
  /** A hunk's status on its card in this window's panel. */
  const cardStatus = (proposal: string, hunk: string) =>
    api.panel.view
      .proposalViews()
      .find((view) => view.id === proposal)
      ?.files[0].hunks.find((view) => view.id === hunk)?.status;
  /** A hunk's status as the host's panel reads it from the session: "accepted", "reverted by X", ... */
  const hostStatus = (hunk: string) => {
    const status = hostProposals.hunk(hunk)?.status;
    return status?.state === 'accepted' && status.reverted
      ? `reverted by ${status.reverted.by.name}`
      : status?.state;
  };
  const lensTitles = async () =>
    (
      (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? []
    ).map((lens) => lens.command?.title ?? '');

  it("shows the host's proposal in the guest's editor; the guest's accept is applied by the host, once, and undone", async () => {
    const document = await joinAndOpen('rw', 'Gwen');
    const text = host.document.text('notes.txt')!.toString();
    assert.equal(text, 'one\ntwo\nthree\n');
    hostProposals.publish({
      path: 'notes.txt',
      reason: 'Shout the second line',
      model: 'scripted',
      hunks: [{ line: 1, removed: ['two\n'], added: ['TWO\n'] }],
    });
    await eventually(() => hunksHere().length === 1, 'the shared hunk in the guest window');
    const [{ hunk, file }] = hunksHere();
    assert.ok(file.shared);
    assert.equal(hunk.line, 1);
    const titles = await lensTitles();
    assert.ok(
      titles.some((title) => title.includes('Assistant · asked by Host')),
      JSON.stringify(titles),
    );
    assert.ok(
      titles.some((title) => title.includes('Accept (+1 −1)')),
      JSON.stringify(titles),
    );

    assert.equal(await api.panel.review.controller.acceptHunk(hunk.id), true);
    await eventually(
      () => document.getText() === 'one\nTWO\nthree\n',
      'the accepted change in the guest document',
    );
    assert.equal(host.document.text('notes.txt')!.toString(), 'one\nTWO\nthree\n');
    const accepted = api.panel.review.controller.proposals.findHunk(hunk.id)!;
    assert.equal(accepted.hunk.status, 'accepted');
    const info = api.panel.review.controller.proposals.session!.infoOf(accepted.hunk);
    assert.deepEqual(info, { note: 'accepted by you', undoable: true });
    assert.equal(hunksHere().length, 0, 'nothing left to decide in the editor');
    // A second accept of the same hunk is refused here, before anything is recorded.
    const decisions = host.document.decisions.size;
    assert.equal(await api.panel.review.controller.acceptHunk(hunk.id), false);
    assert.equal(host.document.decisions.size, decisions);

    assert.equal(api.panel.review.controller.undoHunk(hunk.id), true);
    await eventually(() => document.getText() === 'one\ntwo\nthree\n', 'the undo in the guest document');
    await eventually(() => hunksHere().length === 1, 'the hunk pending again');
    await api.collab.leave();
    assert.equal(api.panel.review.controller.proposals.session, undefined, 'the session store is detached');
    assert.equal(hunksHere().length, 0);
  });

  it('lets a read-only guest see a shared proposal but not decide: its CodeLens says so', async () => {
    const document = await joinAndOpen('ro', 'Rita');
    await eventually(() => hunksHere().length === 1, 'the pending shared hunk in the read-only window');
    const titles = await lensTitles();
    assert.ok(
      titles.some((title) => title.includes('Read-only')),
      JSON.stringify(titles),
    );
    assert.ok(!titles.some((title) => title.includes('Accept')), JSON.stringify(titles));
    const decisions = host.document.decisions.size;
    assert.equal(await api.panel.review.controller.acceptHunk(hunksHere()[0].hunk.id), false);
    assert.equal(api.panel.review.controller.rejectHunk(hunksHere()[0].hunk.id), false);
    assert.equal(host.document.decisions.size, decisions, 'no decision recorded');
    assert.equal(document.getText(), 'one\ntwo\nthree\n');
    await api.collab.leave();
  });

  it('shows a hunk a teammate edited as stale, to be dropped for everyone', async () => {
    await joinAndOpen('rw', 'Gwen');
    const published = hostProposals.publish({
      path: 'notes.txt',
      reason: '',
      model: 'scripted',
      hunks: [{ line: 2, removed: ['three\n'], added: ['THREE\n'] }],
    });
    const id = published.hunks[0].id;
    await eventually(() => !!api.panel.review.controller.proposals.findHunk(id), 'the new shared hunk');
    const text = host.document.text('notes.txt')!;
    text.insert(text.toString().indexOf('three') + 3, '3');
    await eventually(
      () => api.panel.review.controller.proposals.findHunk(id)?.hunk.status === 'stale',
      'the hunk to go stale in the guest window',
    );
    const titles = await lensTitles();
    assert.ok(titles.includes('$(warning) Stale (edited since): Drop'), JSON.stringify(titles));
    assert.equal(await api.panel.review.controller.acceptHunk(id), false, 'a stale hunk cannot be accepted');
    assert.equal(api.panel.review.controller.rejectHunk(id), true);
    await eventually(
      () => api.panel.review.controller.proposals.findHunk(id)?.hunk.status === 'rejected',
      'the drop to come back decided',
    );
    assert.equal(host.document.text('notes.txt')!.toString(), 'one\ntwo\nthr3ee\n');
    await api.collab.leave();
  });

  const hoverAt = (line: number, character: number) => hoverOn(uri, line, character);
  const hoverOn = async (file: vscode.Uri, line: number, character: number) =>
    (
      (await vscode.commands.executeCommand<vscode.Hover[]>(
        'vscode.executeHoverProvider',
        file,
        new vscode.Position(line, character),
      )) ?? []
    )
      .flatMap((hover) => hover.contents)
      .map((content) => (typeof content === 'string' ? content : content.value))
      .join('\n');

  it("marks the accepted text as the assistant's for the guest, and the guest's Revert takes back only its characters; the panel's summary of the shared file follows", async () => {
    const document = await joinAndOpen('rw', 'Gwen');
    const editor = await vscode.window.showTextDocument(document);
    const published = hostProposals.publish({
      path: 'notes.txt',
      reason: 'Shout the second line',
      model: 'scripted',
      hunks: [{ line: 1, removed: ['two\n'], added: ['TWO\n'] }],
    });
    const id = published.hunks[0].id;
    await eventually(
      () => hunksHere().some(({ hunk }) => hunk.id === id),
      'the shared hunk in the guest window',
    );
    assert.equal(await api.panel.review.controller.acceptHunk(id), true);
    await eventually(() => document.getText() === 'one\nTWO\nthr3ee\n', 'the accepted change in the guest');
    await eventually(
      async () => /Written by the assistant \(model scripted\) · asked by Host/.test(await hoverAt(1, 1)),
      "the assistant's hover on the accepted line",
    );
    assert.ok(
      !(await hoverAt(0, 1)).includes('Written by the assistant'),
      'people’s lines have no such hover',
    );
    // The panel's summary of the shared file: "TWO" on line 2, asked by Host with model scripted.
    const summary = () => {
      const sent = api.panel.view.lastAuthorship?.summary;
      return sent?.uri === uri.toString() ? sent : undefined;
    };
    await eventually(() => summary()?.characters === 3, "the shared file's summary in the panel", 5000);
    assert.equal(summary()!.shared, true);
    assert.equal(summary()!.totalCharacters, 'one\nTWO\nthr3ee\n'.length);
    assert.deepEqual(
      summary()!.people.map((person) => [person.askedBy, person.model, person.characters, person.lines]),
      [['Host', 'scripted', 3, 1]],
    );
    assert.deepEqual(
      summary()!.people[0].runs.map((run) => [run.characters, run.line]),
      [[3, 2]],
    );
    // Gwen types inside the accepted text: her characters are hers, for everyone.
    await editor.edit((edit) => edit.insert(new vscode.Position(1, 2), 'gw'));
    const typed = 'one\nTWgwO\nthr3ee\n';
    await eventually(
      () => host.document.text('notes.txt')!.toString() === typed,
      "Gwen's typing at the host",
    );
    assert.ok(
      !(await hoverAt(1, 2)).includes('Written by the assistant'),
      "Gwen's characters are not marked",
    );
    assert.match(await hoverAt(1, 4), /Written by the assistant/);
    // The summary follows: the file grew by Gwen's two characters, the assistant's are still three.
    await eventually(() => summary()?.totalCharacters === typed.length, 'the summary after Gwen typed', 5000);
    assert.equal(summary()!.characters, 3);

    const reverted = await vscode.commands.executeCommand<number>('tandem.revertAssistantEdits', {
      scope: 'file',
      uri: uri.toString(),
    });
    assert.equal(reverted, 1);
    // Only the assistant's surviving characters go (its text was edited, so "two" stays gone); the
    // line break it did not change was never its own.
    await eventually(() => document.getText() === 'one\ngw\nthr3ee\n', 'the revert in the guest document');
    await eventually(
      () => host.document.text('notes.txt')!.toString() === 'one\ngw\nthr3ee\n',
      'the revert at the host',
    );
    assert.ok(!(await hoverAt(1, 1)).includes('Written by the assistant'));
    await eventually(() => summary()?.characters === 0, 'an empty summary after the revert', 5000);
    // One undo step brings the whole revert back, and only it (Gwen's typing stays).
    await vscode.commands.executeCommand('tandem.collab.undo');
    await eventually(() => document.getText() === typed, 'the undone revert in the guest document');
    await eventually(
      () => host.document.text('notes.txt')!.toString() === typed,
      'the undone revert at the host',
    );
    await api.collab.leave();
  });

  it("writes an assistant line break a revert keeps (people's text on both sides) as people's in the shared text", async () => {
    const document = await joinAndOpen('rw', 'Gwen');
    const editor = await vscode.window.showTextDocument(document);
    const start = document.getText();
    const lines = start.split('\n');
    const published = hostProposals.publish({
      path: 'notes.txt',
      reason: 'Two new lines',
      model: 'scripted',
      hunks: [{ line: 1, removed: [], added: ['A1\n', 'A2\n'] }],
    });
    const id = published.hunks[0].id;
    await eventually(() => !!api.panel.review.controller.proposals.findHunk(id), 'the new shared hunk');
    assert.equal(await api.panel.review.controller.acceptHunk(id), true);
    const accepted = [lines[0], 'A1', 'A2', ...lines.slice(1)].join('\n');
    await eventually(() => document.getText() === accepted, 'the accepted lines in the guest');
    const shared = () => host.document.text('notes.txt')!;
    const assistantText = () =>
      sharedAuthorshipView(shared(), host.document.authorship)
        .runs.filter((run) => run.meta.proposal === published.id)
        .map((run) => shared().toString().slice(run.start, run.end));
    await eventually(() => assistantText().join('|') === 'A1\nA2\n', 'the marks of the accepted lines');
    // Gwen types at the end of both assistant lines: each line break stays, or her words would join.
    await editor.edit((edit) => edit.insert(new vscode.Position(1, 2), 'x'));
    await editor.edit((edit) => edit.insert(new vscode.Position(2, 2), 'y'));
    const typed = [lines[0], 'A1x', 'A2y', ...lines.slice(1)].join('\n');
    await eventually(() => shared().toString() === typed, "Gwen's typing at the host");
    assert.deepEqual(assistantText(), ['A1', '\nA2', '\n']);

    const reverted = await vscode.commands.executeCommand<number>('tandem.revertAssistantEdits', {
      proposal: published.id,
      uri: uri.toString(),
    });
    assert.equal(reverted, 1);
    const after = [lines[0], 'x', 'y', ...lines.slice(1)].join('\n');
    await eventually(() => shared().toString() === after, 'the revert at the host');
    assert.equal(document.getText(), after);
    // The two line breaks kept are Gwen's now, for everyone: nothing of the proposal is left marked.
    await eventually(
      () => assistantText().length === 0,
      `no assistant mark left (still marked: ${JSON.stringify(assistantText())})`,
      5000,
    );
    // One undo step takes the whole revert back, the line breaks' marks with it.
    await vscode.commands.executeCommand('tandem.collab.undo');
    await eventually(() => shared().toString() === typed, 'the undone revert at the host');
    await eventually(
      () => assistantText().join('|') === 'A1|\nA2|\n',
      `the marks back after undo (now: ${JSON.stringify(assistantText())})`,
      5000,
    );
    await api.collab.leave();
  });

  it('writes a large revert into the shared text in several updates while the host types, byte-identical everywhere, marks right, one undo step', async function () {
    const document = await joinAndOpen('rw', 'Gwen');
    const editor = await vscode.window.showTextDocument(document);
    const shared = () => host.document.text('notes.txt')!;
    // Gwen pastes 700 lines (35 K characters: three chunks); the assistant's proposal replaces them
    // with 700 lines of its own. (700 keeps the test short; a 2,000-line accept reaching a guest is guestLargeInsert.test.ts.)
    const start = document.getText().endsWith('\n') ? document.getText() : `${document.getText()}\n`;
    const line = start.split('\n').length - 1;
    const LINES = 700;
    this.timeout(120_000);
    const people = Array.from(
      { length: LINES },
      (_, i) => `people's line ${i} of the long file, as people wrote it\n`,
    );
    const assistant = Array.from(
      { length: LINES },
      (_, i) => `assistant's line ${i} of its rewrite, as the model wrote it\n`,
    );
    await editor.edit((edit) =>
      edit.replace(
        new vscode.Range(new vscode.Position(0, 0), document.positionAt(document.getText().length)),
        start + people.join(''),
      ),
    );
    const pasted = start + people.join('');
    await eventually(() => shared().toString() === pasted, "Gwen's paste at the host", 10_000);
    const published = hostProposals.publish({
      path: 'notes.txt',
      reason: 'Rewrite the long part',
      model: 'scripted',
      hunks: [{ line, removed: people, added: assistant }],
    });
    const id = published.hunks[0].id;
    await eventually(() => !!api.panel.review.controller.proposals.findHunk(id), 'the large shared hunk');
    assert.equal(await api.panel.review.controller.acceptHunk(id), true);
    const accepted = start + assistant.join('');
    await eventually(() => document.getText() === accepted, 'the accepted rewrite in the guest', 30_000);
    const assistantText = () =>
      sharedAuthorshipView(shared(), host.document.authorship)
        .runs.filter((run) => run.meta.proposal === published.id)
        .map((run) => shared().toString().slice(run.start, run.end));
    await eventually(() => assistantText().join('').length > LINES * 20, 'the marks of the rewrite', 10_000);
    const marksBefore = assistantText();

    // The revert reaches the host as several updates; the host types between them.
    const inserted: number[] = [];
    const hostTyping = 'the host typed this meanwhile\n';
    const watch = (event: Y.YTextEvent) => {
      if (event.transaction.local) return;
      const size = event.delta.reduce(
        (sum, part) => sum + (typeof part.insert === 'string' ? part.insert.length : 0),
        0,
      );
      if (size === 0) return;
      inserted.push(size);
      if (inserted.length === 1)
        host.document.doc.transact(() => shared().insert(0, hostTyping), host.origin);
    };
    shared().observe(watch);
    try {
      const reverted = await vscode.commands.executeCommand<number>('tandem.revertAssistantEdits', {
        proposal: published.id,
        uri: uri.toString(),
      });
      assert.equal(reverted, 1, api.authorship.lastRevertMessage?.message);
      const after = hostTyping + pasted;
      await eventually(
        () => shared().toString() === after,
        'the revert (and the host typing) at the host',
        20_000,
      );
      await eventually(() => document.getText() === after, 'the same text in the guest', 10_000);
    } finally {
      shared().unobserve(watch);
    }
    const restored = people.join('').length;
    assert.ok(inserted.length >= 3, `the restored text came in ${inserted.length} updates`);
    assert.ok(
      Math.max(...inserted) <= 16_384,
      `the largest update inserted ${Math.max(...inserted)} characters`,
    );
    // Only the restored text came (what the rewrite replaced, less the ends both share), in pieces.
    const total = inserted.reduce((sum, size) => sum + size, 0);
    assert.ok(total > restored - 100 && total <= restored, `${total} characters restored of ${restored}`);
    assert.deepEqual(assistantText(), [], 'nothing of the proposal is left marked');
    // Its card says reverted, by Gwen, in her panel and at the host (it was written in chunks).
    await eventually(() => cardStatus(published.id, id) === 'reverted', "the reverted card in Gwen's panel");
    assert.equal(hostStatus(id), 'reverted by Gwen');
    assert.deepEqual(
      sharedAuthorshipView(shared(), host.document.authorship).runs.filter(
        (run) => run.meta.proposal === published.id,
      ),
      [],
    );
    // One undo step brings the whole rewrite back, marked again; the host's typing stays.
    await vscode.commands.executeCommand('tandem.collab.undo');
    await eventually(
      () => shared().toString() === hostTyping + accepted,
      'the undone revert at the host',
      20_000,
    );
    await eventually(
      () => document.getText() === hostTyping + accepted,
      'the undone revert in the guest',
      10_000,
    );
    await eventually(
      () => JSON.stringify(assistantText()) === JSON.stringify(marksBefore),
      'the marks back after undo',
      10_000,
    );
    await eventually(
      () => cardStatus(published.id, id) === 'accepted',
      "the card accepted again in Gwen's panel",
    );
    assert.equal(hostStatus(id), 'accepted');
    // The file as it was for the next test: the host takes out its line and the long part.
    host.document.doc.transact(() => {
      const text = shared();
      text.delete(hostTyping.length + start.length, text.length - hostTyping.length - start.length);
      text.delete(0, hostTyping.length);
    }, host.origin);
    await eventually(() => document.getText() === start, 'the file as it was', 30_000);
    await api.collab.leave();
  });

  it("shows a hunk Gwen's revert took back as reverted on her panel's card and at the host, and accepted again for both after her Undo", async () => {
    const link = buildInviteLink({
      serverUrl: server.url,
      room,
      token: server.createToken({ room, role: 'rw', name: 'Gwen' }),
    });
    assert.equal(await api.collab.join(link, { addFolder: false }), true);
    const card = vscode.Uri.parse(`tandem://${room}/card.txt`);
    const document = await vscode.workspace.openTextDocument(card);
    await vscode.window.showTextDocument(document);
    await eventually(() => !!api.collab.bindings?.bindingFor(card), 'card.txt to be bound');
    await eventually(() => host.document.text('card.txt') !== undefined, 'the host to share card.txt');
    const published = hostProposals.publish({
      path: 'card.txt',
      reason: 'Shout two lines',
      model: 'scripted',
      hunks: [
        { line: 1, removed: ['beta\n'], added: ['BETA\n'] },
        { line: 2, removed: ['gamma\n'], added: ['GAMMA\n'] },
      ],
    });
    const [first, second] = published.hunks.map((hunk) => hunk.id);
    await eventually(() => !!api.panel.review.controller.proposals.findHunk(second), 'the shared hunks');
    assert.equal(cardStatus(published.id, first), 'pending');
    assert.equal(await api.panel.review.controller.acceptHunk(first), true);
    assert.equal(await api.panel.review.controller.acceptHunk(second), true);
    const accepted = 'alpha\nBETA\nGAMMA\n';
    await eventually(() => document.getText() === accepted, 'the accepted hunks in the guest');
    await eventually(() => cardStatus(published.id, second) === 'accepted', 'the accepted card');
    assert.equal(hostStatus(first), 'accepted');
    await eventually(
      () => (api.authorship.session.runsOf(document)?.length ?? 0) === 2,
      "the assistant's marks in Gwen's window",
    );

    // Text Gwen deletes by hand is not a revert: the card stays accepted.
    const editor = await vscode.window.showTextDocument(document);
    await editor.edit((edit) => edit.delete(new vscode.Range(2, 0, 2, 5)));
    await eventually(
      () => host.document.text('card.txt')!.toString() === 'alpha\nBETA\n\n',
      'the deletion at the host',
    );
    await sleep(300);
    assert.equal(cardStatus(published.id, second), 'accepted');
    assert.equal(hostStatus(second), 'accepted');
    await vscode.commands.executeCommand('tandem.collab.undo');
    await eventually(() => host.document.text('card.txt')!.toString() === accepted, 'the deletion undone');

    // The revert of one hunk's proposal in this file: its card says reverted, in Gwen's panel (with
    // who and when) and at the host; the other hunk of another scope is not the question here.
    const reverted = await vscode.commands.executeCommand<number>('tandem.revertAssistantEdits', {
      scope: 'file',
      uri: card.toString(),
    });
    assert.equal(reverted, 2, api.authorship.lastRevertMessage?.message);
    await eventually(
      () => host.document.text('card.txt')!.toString() === 'alpha\nbeta\ngamma\n',
      'the revert at the host',
    );
    await eventually(
      () => cardStatus(published.id, first) === 'reverted',
      "the reverted card in Gwen's panel",
    );
    assert.equal(cardStatus(published.id, second), 'reverted');
    const view = api.panel.view
      .proposalViews()
      .find((proposal) => proposal.id === published.id)!
      .files[0].hunks.find((hunk) => hunk.id === first)!;
    assert.match(view.note ?? '', /^accepted by you · reverted by you (at|on) /);
    assert.equal(view.undoable, undefined, 'no undo of an accept whose text is gone');
    assert.equal(hostStatus(first), 'reverted by Gwen');
    assert.equal(hostStatus(second), 'reverted by Gwen');
    // The summary and the hover of the file stay right: nothing of the assistant's is left.
    const summary = () => {
      const sent = api.panel.view.lastAuthorship?.summary;
      return sent?.uri === card.toString() ? sent : undefined;
    };
    await eventually(() => summary()?.characters === 0, 'an empty summary after the revert', 5000);
    assert.ok(!(await hoverOn(card, 1, 1)).includes('Written by the assistant'));

    // Gwen's Undo of the revert: accepted again, for her and at the host.
    await vscode.commands.executeCommand('tandem.collab.undo');
    await eventually(() => document.getText() === accepted, 'the undone revert in the guest');
    await eventually(
      () => host.document.text('card.txt')!.toString() === accepted,
      'the undone revert at the host',
    );
    await eventually(() => cardStatus(published.id, first) === 'accepted', 'the card accepted again');
    assert.equal(cardStatus(published.id, second), 'accepted');
    assert.equal(hostStatus(first), 'accepted');
    assert.equal(hostStatus(second), 'accepted');
    // The marks went with the same undo step (not only outweighed by the characters being back).
    for (const hunk of [first, second])
      assert.equal(
        host.document
          .text('card.txt')!
          .getAttribute(REVERT_MARK_PREFIX + outcomeOf(host.document, hunk).applied!.edit!),
        undefined,
      );
    await eventually(() => summary()?.characters === 'BETAGAMMA'.length, 'the summary after Undo', 5000);
    assert.match(await hoverOn(card, 1, 1), /Written by the assistant/);

    // The revert of one proposal, from the panel's summary: the same, through that scope.
    assert.equal(
      await vscode.commands.executeCommand<number>('tandem.revertAssistantEdits', {
        proposal: published.id,
        uri: card.toString(),
      }),
      2,
    );
    await eventually(() => hostStatus(first) === 'reverted by Gwen', 'the reverted card at the host');
    await eventually(
      () => cardStatus(published.id, second) === 'reverted',
      "the reverted card in Gwen's panel",
    );
    await vscode.commands.executeCommand('tandem.collab.undo');
    await eventually(() => hostStatus(second) === 'accepted', 'accepted again at the host');
    await eventually(() => cardStatus(published.id, first) === 'accepted', "accepted again in Gwen's panel");
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await api.collab.leave();
  });

  it('tells a read-only guest plainly that they cannot revert the assistant’s edits, and changes nothing', async () => {
    // The host accepts a proposal of its own: assistant text the read-only guest can see.
    const published = hostProposals.publish({
      path: 'notes.txt',
      reason: 'Shout the first line',
      model: 'scripted',
      hunks: [{ line: 0, removed: ['one\n'], added: ['ONE\n'] }],
    });
    hostProposals.decide(published.hunks[0].id, 'accept');
    await eventually(
      () => host.document.text('notes.txt')!.toString().startsWith('ONE\n'),
      'the accept at the host',
    );
    const document = await joinAndOpen('ro', 'Rita');
    await eventually(() => document.getText().startsWith('ONE\n'), 'the accepted text at the guest');
    await eventually(
      async () => /Written by the assistant/.test(await hoverAt(0, 1)),
      'the mark at the guest',
    );
    const before = document.getText();
    const reverted = await vscode.commands.executeCommand<number>('tandem.revertAssistantEdits', {
      scope: 'file',
      uri: uri.toString(),
    });
    assert.equal(reverted, 0);
    assert.equal(api.authorship.lastRevertMessage?.kind, 'error');
    assert.match(
      api.authorship.lastRevertMessage!.message,
      /cannot revert: you joined this session read-only/,
    );
    assert.equal(document.getText(), before);
    assert.equal(host.document.text('notes.txt')!.toString(), before);
    const hover = await hoverAt(0, 1);
    assert.match(hover, /Written by the assistant/);
    // The hover offers no revert link to a read-only participant: it says why instead.
    assert.match(hover, /You cannot revert it here: you joined this session read-only/);
    assert.ok(!hover.includes('command:tandem.revertAssistantEdits'), hover);
    // The other ways in are refused the same: the proposal (as the panel's summary asks), everything
    // the host asked for, and the palette's own choices.
    const lastMessage = (): string => api.authorship.lastRevertMessage?.message ?? '';
    const refusedWith = async (what: string, revert: () => Thenable<number | undefined>) => {
      api.authorship.lastRevertMessage = undefined;
      assert.equal(await revert(), 0, what);
      assert.match(lastMessage(), /cannot revert: you joined this session read-only/, what);
      assert.equal(document.getText(), before, what);
      assert.equal(host.document.text('notes.txt')!.toString(), before, what);
    };
    await refusedWith('one proposal', () =>
      vscode.commands.executeCommand<number>('tandem.revertAssistantEdits', { proposal: published.id }),
    );
    await refusedWith('one person', () =>
      vscode.commands.executeCommand<number>('tandem.revertAssistantEdits', { askedBy: 'Host' }),
    );
    for (const choice of [0, 1, 2])
      await refusedWith(`the palette's choice ${choice}`, async () => {
        const running = vscode.commands.executeCommand<number>('tandem.revertAssistantEdits');
        let done = false;
        void running.then(() => (done = true));
        await sleep(500);
        for (let step = 0; step < choice; step++)
          await vscode.commands.executeCommand('workbench.action.quickOpenSelectNext');
        for (let attempt = 0; attempt < 20 && !done; attempt++) {
          await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
          await sleep(250);
        }
        return running;
      });
    await api.collab.leave();
  });
});
