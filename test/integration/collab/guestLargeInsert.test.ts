// A large accepted proposal reaches a guest's editor in real VS Code within a generous bound (10 s;
// it takes about a second): a 2,000-line insertion, then a 2,000-line rewrite of lines the guest
// pasted. The host's applier writes both into the shared text in chunks. The rewrite used to take
// minutes: the review decorations of its pending hunk carried the whole hunk's diff as the hover of
// each of its 2,000 removed lines (about 500 MB sent to the renderer on every redraw), and the
// extension host was busy serialising that while the remote edits waited (reviewDecorationPlan.ts).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { buildInviteLink } from '../../../src/collab/invite';
import type { CollabSession } from '../../../src/collab/session';
import type { TandemApi } from '../../../src/extension';
import type { SharedProposals } from '../../../src/proposals/shared';
import type { CollabServer } from '../../../src/server';
import { eventually, tandem } from '../tandem';
import { type ProposalHost, startProposalHost } from '../collabPeers';

describe('a large accepted proposal in a guest editor', function () {
  this.timeout(120_000);
  const room = 'integration-guest-large-insert';
  const uri = vscode.Uri.parse(`tandem://${room}/big.txt`);
  let api: TandemApi;
  let server: CollabServer;
  let peers: ProposalHost;
  let host: CollabSession;
  let hostProposals: SharedProposals;

  before(async () => {
    api = await tandem();
    peers = await startProposalHost({
      room,
      secret: 'guest-large-insert-secret-0123456789',
      files: { ['big.txt']: 'first\nlast\n' },
    });
    ({ server, host, proposals: hostProposals } = peers);
  });

  /**
   * Waits for `expected` in the shared text (the host's applier writes the accepted `what` there),
   * then in the guest's editor within 10 s; a miss says how far the text and the binding got.
   */
  async function reachesGuest(
    document: vscode.TextDocument,
    expected: string,
    what: string,
    started: number,
  ): Promise<void> {
    await eventually(
      () => host.document.text('big.txt')!.toString() === expected,
      `the accepted ${what} in the shared text`,
      60_000,
    );
    const inShared = Date.now() - started;
    const binding = api.collab.bindings!.bindingFor(uri)!;
    try {
      await eventually(
        () => document.getText() === expected,
        `the accepted ${what} in the guest editor`,
        10_000,
      );
    } catch (error) {
      throw new Error(
        `${String(error)} (shared text after ${inShared} ms; binding ${JSON.stringify(binding.stats)}, idle ${binding.idle}; editor has ${document.getText().length} of ${expected.length} characters)`,
      );
    }
  }

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await api.collab.leave();
    await peers.close();
  });

  it("shows a 2,000-line accepted proposal in the guest's editor within 10 s", async () => {
    const link = buildInviteLink({
      serverUrl: server.url,
      room,
      token: server.createToken({ room, role: 'rw', name: 'Gwen' }),
    });
    assert.equal(await api.collab.join(link, { addFolder: false }), true);
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document);
    await eventually(() => !!api.collab.bindings?.bindingFor(uri), 'the document to be bound');
    await eventually(() => document.getText() === 'first\nlast\n', 'the shared text in the guest editor');

    const added = Array.from(
      { length: 2000 },
      (_, i) => `    const value${i} = compute(${i}, "a line of the assistant's proposal");\n`,
    );
    const expected = `first\n${added.join('')}last\n`;
    assert.ok(expected.length > 70_000, `${expected.length} characters`);
    hostProposals.publish({
      path: 'big.txt',
      reason: 'A long insertion',
      model: 'scripted',
      hunks: [{ line: 1, removed: [], added }],
    });
    await eventually(
      () => api.panel.review.controller.hunksIn(uri).length === 1,
      'the shared hunk in the guest window',
    );
    const [{ hunk }] = api.panel.review.controller.hunksIn(uri);
    const started = Date.now();
    assert.equal(await api.panel.review.controller.acceptHunk(hunk.id), true);
    await reachesGuest(document, expected, 'text', started);
    const binding = api.collab.bindings!.bindingFor(uri)!;
    assert.ok(binding.stats.remoteApplies > 0, JSON.stringify(binding.stats));
  });

  it("shows a 2,000-line accepted rewrite of lines the guest pasted in the guest's editor within 10 s", async () => {
    const document = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(document);
    const start = document.getText();
    const people = Array.from(
      { length: 2000 },
      (_, i) => `people's line ${i} of the long file, as people wrote it\n`,
    );
    const assistant = Array.from(
      { length: 2000 },
      (_, i) => `assistant's line ${i} of its rewrite, as the model wrote it\n`,
    );
    await editor.edit((edit) =>
      edit.replace(
        new vscode.Range(new vscode.Position(0, 0), document.positionAt(start.length)),
        start + people.join(''),
      ),
    );
    const pasted = start + people.join('');
    await eventually(
      () => host.document.text('big.txt')!.toString() === pasted,
      "the guest's paste at the host",
      20_000,
    );
    const line = start.split('\n').length - 1;
    const published = hostProposals.publish({
      path: 'big.txt',
      reason: 'Rewrite the long part',
      model: 'scripted',
      hunks: [{ line, removed: people, added: assistant }],
    });
    const id = published.hunks[0].id;
    await eventually(() => !!api.panel.review.controller.proposals.findHunk(id), 'the large shared hunk');
    const binding = api.collab.bindings!.bindingFor(uri)!;
    const before = binding.stats.remoteApplies;
    const started = Date.now();
    assert.equal(await api.panel.review.controller.acceptHunk(id), true);
    const expected = start + assistant.join('');
    await reachesGuest(document, expected, 'rewrite', started);
    assert.ok(binding.stats.remoteApplies > before, JSON.stringify(binding.stats));
  });
});
