// A shared accepted hunk that Revert Assistant Edits took back shows as reverted (and by whom) to
// every peer, from the session document alone; the reverter's Undo of the revert brings it back to
// accepted for everyone; text people deleted by hand, or a mark written without taking the text
// back, never shows as reverted (src/authorship/revertMarks.ts).
import * as assert from 'node:assert/strict';
import * as Y from 'yjs';
import { planRevert } from '../../../../src/authorship/revertPlan';
import {
  applySharedRevert,
  applySharedRevertInChunks,
  sharedAuthorshipView,
} from '../../../../src/authorship/sharedAuthorship';
import {
  editsWithText,
  markReverted,
  REVERT_MARK_PREFIX,
  revertMarkOf,
} from '../../../../src/authorship/revertMarks';
import { SessionProposalStore } from '../../../../src/proposals/sessionProposalStore';
import { outcomeOf } from '../../../../src/proposals/shared/sharedState';
import { CONTENT, FILE, makeSession, proposeTwoWords, syncAll, type Peer } from './peers';

const ACCEPTED = 'alpha\nBETA\ngamma\nDELTA\nDELTA AGAIN\nepsilon\n';

/** Alice asks, Bob accepts both hunks; the host's applier writes them. */
function acceptedSession() {
  const { host, peers } = makeSession(CONTENT, ['Alice', 'Bob']);
  const [alice, bob] = peers;
  const record = proposeTwoWords(alice);
  syncAll([host, alice, bob]);
  const [first, second] = record.hunks.map((hunk) => hunk.id);
  bob.shared.decide(first, 'accept');
  bob.shared.decide(second, 'accept');
  syncAll([host, alice, bob]);
  assert.equal(host.text(), ACCEPTED);
  return { host, alice, bob, all: [host, alice, bob], proposal: record.id, first, second };
}

/** The reverted mark a peer's view gives a hunk: [who, clientId], or undefined. */
function revertedOf(peer: Peer, hunkId: string): [string, number] | undefined {
  const status = peer.shared.hunk(hunkId)?.status;
  assert.equal(status?.state, 'accepted', `${peer.name}: ${JSON.stringify(status)}`);
  const reverted = status.state === 'accepted' ? status.reverted : undefined;
  return reverted ? [reverted.by.name, reverted.by.clientId] : undefined;
}

/** A peer's revert of the edits `choose` picks, as a guest writes it (no records), with `origin`. */
function revert(peer: Peer, choose: (proposal: string, edit: string) => boolean, origin: unknown): void {
  const text = peer.session.text(FILE)!;
  const plan = planRevert(
    sharedAuthorshipView(text, peer.session.authorship),
    (meta) => choose(meta.proposal, meta.edit),
    text.toString(),
  );
  assert.ok(plan.edits.length > 0, 'something to revert');
  peer.doc.transact(() => {
    for (const { offset, length, text: restored } of [...plan.replacements].reverse()) {
      if (length > 0) text.delete(offset, length);
      if (restored) text.insert(offset, restored);
    }
    markReverted(text, plan.takenBack, peer.name);
  }, origin);
}

const editOf = (peer: Peer, hunkId: string) => outcomeOf(peer.session, hunkId).applied!.edit!;

describe('shared proposals: a hunk that Revert Assistant Edits took back', () => {
  it("shows as reverted by the reverter in every peer's view, and accepted again for everyone after the reverter's Undo (and reverted after Redo)", () => {
    const { host, alice, bob, all, first, second } = acceptedSession();
    const bobText = bob.session.text(FILE)!;
    const undo = new Y.UndoManager(bobText, { trackedOrigins: new Set(['bob']), captureTimeout: 0 });
    const edit = editOf(bob, first);
    revert(bob, (_, id) => id.startsWith(edit), 'bob');
    syncAll(all);
    for (const peer of all) {
      assert.equal(peer.text(), CONTENT.replace('delta\n', 'DELTA\nDELTA AGAIN\n'));
      assert.deepEqual(revertedOf(peer, first), ['Bob', bob.doc.clientID], peer.name);
      assert.equal(revertedOf(peer, second), undefined, `${peer.name}: the other hunk stays accepted`);
    }
    // The panel's store: the card says who reverted it, and offers no undo of an accept with nothing left.
    const hostStore = new SessionProposalStore(
      host.shared,
      (path) => path,
      () => true,
    );
    const bobStore = new SessionProposalStore(
      bob.shared,
      (path) => path,
      () => true,
    );
    const infoIn = (store: SessionProposalStore, id: string) => store.infoOf(store.findHunk(id)!.hunk);
    assert.equal(infoIn(hostStore, first)?.reverted, true);
    assert.match(infoIn(hostStore, first)!.note!, /^accepted by Bob · reverted by Bob at /);
    assert.match(infoIn(bobStore, first)!.note!, /^accepted by you · reverted by you at /);
    assert.equal(infoIn(bobStore, first)?.undoable, false);
    assert.equal(infoIn(bobStore, second)?.reverted, undefined);
    assert.equal(infoIn(bobStore, second)?.undoable, true);

    assert.ok(undo.undo(), "Bob's Undo of the revert");
    syncAll(all);
    for (const peer of all) {
      assert.equal(peer.text(), ACCEPTED, peer.name);
      assert.equal(revertedOf(peer, first), undefined, `${peer.name}: accepted again after the Undo`);
      // The mark went with the same undo step, not only hidden by the characters being back.
      assert.equal(peer.session.text(FILE)!.getAttribute(REVERT_MARK_PREFIX + edit), undefined);
    }
    assert.equal(infoIn(hostStore, first)?.reverted, undefined);
    assert.match(infoIn(hostStore, first)!.note!, /^accepted by Bob$/);

    assert.ok(undo.redo(), "Bob's Redo of the revert");
    syncAll([host, alice, bob]);
    for (const peer of all) assert.deepEqual(revertedOf(peer, first), ['Bob', bob.doc.clientID], peer.name);
    hostStore.dispose();
    bobStore.dispose();
  });

  it('never shows text people deleted by hand as reverted, even after an undone revert of it', () => {
    const { alice, all, first } = acceptedSession();
    const aliceText = alice.session.text(FILE)!;
    aliceText.delete(aliceText.toString().indexOf('BETA'), 'BETA'.length);
    syncAll(all);
    for (const peer of all) assert.equal(revertedOf(peer, first), undefined, peer.name);

    // A revert Bob undid leaves no mark behind: Alice deleting the text afterwards is still hers.
    const again = acceptedSession();
    const bobText = again.bob.session.text(FILE)!;
    const undo = new Y.UndoManager(bobText, { trackedOrigins: new Set(['bob']), captureTimeout: 0 });
    const edit = editOf(again.bob, again.first);
    revert(again.bob, (_, id) => id.startsWith(edit), 'bob');
    undo.undo();
    syncAll(again.all);
    const text = again.alice.session.text(FILE)!;
    text.delete(text.toString().indexOf('BETA'), 'BETA'.length);
    syncAll(again.all);
    for (const peer of again.all) assert.equal(revertedOf(peer, again.first), undefined, peer.name);
  });

  it('ignores a mark written without taking the text back, or under another client id than it names', () => {
    const { bob, alice, all, first } = acceptedSession();
    const edit = editOf(bob, first);
    const bobText = bob.session.text(FILE)!;
    // A mark by hand, the assistant's text still there.
    bobText.setAttribute(REVERT_MARK_PREFIX + edit, {
      by: { name: 'Bob', clientId: bob.doc.clientID },
      at: 1,
    });
    syncAll(all);
    for (const peer of all) assert.equal(revertedOf(peer, first), undefined, peer.name);
    // Alice deletes the text and writes a mark that names Bob: it is not under Bob's client id.
    const aliceText = alice.session.text(FILE)!;
    alice.doc.transact(() => {
      aliceText.delete(aliceText.toString().indexOf('BETA'), 'BETA'.length);
      aliceText.setAttribute(REVERT_MARK_PREFIX + edit, {
        by: { name: 'Bob', clientId: bob.doc.clientID },
        at: 1,
      });
    });
    syncAll(all);
    for (const peer of all) assert.equal(revertedOf(peer, first), undefined, peer.name);
    // Malformed marks are ignored.
    aliceText.setAttribute(REVERT_MARK_PREFIX + edit, 'reverted');
    assert.equal(revertMarkOf(aliceText, edit), undefined);
  });

  it('marks a chunked revert in its first transaction, the one that removes the text, and its one Undo step takes the mark back', async () => {
    const { host, bob, all, first } = acceptedSession();
    const bobText = bob.session.text(FILE)!;
    const undo = new Y.UndoManager(bobText, { trackedOrigins: new Set(['bob']), captureTimeout: 0 });
    const edit = editOf(bob, first);
    const plan = planRevert(
      sharedAuthorshipView(bobText, bob.session.authorship),
      (meta) => meta.edit.startsWith(edit),
      bobText.toString(),
    );
    // Restores "beta" two characters per chunk: several transactions, the host looks between them.
    const seen: [boolean, boolean][] = [];
    const transactions = await applySharedRevertInChunks(bobText, undefined, plan.replacements, plan.edits, {
      origin: 'bob',
      undo,
      maxChunkChars: 2,
      reverted: { by: 'Bob', edits: plan.takenBack },
      pause: async () => {
        syncAll([host, bob]);
        const text = host.session.text(FILE)!;
        seen.push([editsWithText(text).has(edit), revertedOf(host, first) !== undefined]);
      },
    });
    assert.ok(transactions > 1, `${transactions} transactions`);
    assert.ok(seen.length > 0);
    // Never reverted while the assistant's text is there, and never the text gone without the mark.
    for (const [withText, reverted] of seen) assert.equal(reverted, !withText);
    assert.ok(seen.every(([, reverted]) => reverted));
    syncAll(all);
    for (const peer of all) assert.equal(peer.text(), CONTENT.replace('delta\n', 'DELTA\nDELTA AGAIN\n'));
    for (const peer of all) assert.deepEqual(revertedOf(peer, first), ['Bob', bob.doc.clientID]);
    undo.undo();
    syncAll(all);
    for (const peer of all) {
      assert.equal(peer.text(), ACCEPTED);
      assert.equal(revertedOf(peer, first), undefined);
    }
  });

  it('leaves no mark when a chunked revert is refused before it writes', async () => {
    const { host, bob, all, first } = acceptedSession();
    const bobText = bob.session.text(FILE)!;
    const edit = editOf(bob, first);
    await assert.rejects(
      applySharedRevertInChunks(bobText, undefined, [{ offset: 5, length: 10_000, text: 'x' }], [edit], {
        reverted: { by: 'Bob', edits: [edit] },
      }),
      /cannot replace/,
    );
    syncAll(all);
    assert.equal(host.text(), ACCEPTED);
    assert.equal(bobText.getAttribute(REVERT_MARK_PREFIX + edit), undefined);
    assert.equal(revertedOf(host, first), undefined);
  });

  it('shows a reverted hunk that only deleted text as reverted, and accepted after Undo', () => {
    const { host, peers } = makeSession(CONTENT, ['Alice', 'Bob']);
    const [alice, bob] = peers;
    const record = alice.shared.publish({
      path: FILE,
      reason: 'drop a line',
      model: 'test-model',
      hunks: [{ line: 2, removed: ['gamma\n'], added: [] }],
    });
    syncAll([host, alice, bob]);
    const id = record.hunks[0].id;
    bob.shared.decide(id, 'accept');
    syncAll([host, alice, bob]);
    assert.equal(host.text(), 'alpha\nbeta\ndelta\nepsilon\n');
    const hostText = host.session.text(FILE)!;
    const undo = new Y.UndoManager(hostText, { trackedOrigins: new Set(['me']), captureTimeout: 0 });
    const plan = planRevert(
      sharedAuthorshipView(hostText, host.session.authorship),
      () => true,
      hostText.toString(),
    );
    applySharedRevert(hostText, host.session.authorship, plan.replacements, plan.edits, 'me', {
      by: 'Host',
      edits: plan.takenBack,
    });
    syncAll([host, alice, bob]);
    for (const peer of [host, alice, bob]) {
      assert.equal(peer.text(), CONTENT);
      assert.deepEqual(revertedOf(peer, id), ['Host', host.doc.clientID], peer.name);
    }
    undo.undo();
    syncAll([host, alice, bob]);
    for (const peer of [host, alice, bob]) {
      assert.equal(peer.text(), 'alpha\nbeta\ndelta\nepsilon\n');
      assert.equal(revertedOf(peer, id), undefined, peer.name);
    }
  });

  it('does not mark a deletion the revert could not put back (someone typed where it deleted), while the rest of the revert reads reverted', () => {
    const { host, peers } = makeSession(CONTENT, ['Alice', 'Bob']);
    const [alice, bob] = peers;
    const record = alice.shared.publish({
      path: FILE,
      reason: 'shout one, drop one',
      model: 'test-model',
      hunks: [
        { line: 1, removed: ['beta\n'], added: ['BETA\n'] },
        { line: 2, removed: ['gamma\n'], added: [] },
      ],
    });
    syncAll([host, alice, bob]);
    const [shouted, dropped] = record.hunks.map((hunk) => hunk.id);
    bob.shared.decide(shouted, 'accept');
    bob.shared.decide(dropped, 'accept');
    syncAll([host, alice, bob]);
    assert.equal(host.text(), 'alpha\nBETA\ndelta\nepsilon\n');
    // Alice types where the assistant deleted "gamma".
    const aliceText = alice.session.text(FILE)!;
    aliceText.insert(aliceText.toString().indexOf('delta'), 'mine\n');
    syncAll([host, alice, bob]);
    const hostText = host.session.text(FILE)!;
    const plan = planRevert(
      sharedAuthorshipView(hostText, host.session.authorship),
      () => true,
      hostText.toString(),
    );
    assert.equal(plan.edits.length, 2);
    assert.deepEqual(plan.takenBack, [editOf(host, shouted)]);
    applySharedRevert(hostText, host.session.authorship, plan.replacements, plan.edits, 'me', {
      by: 'Host',
      edits: plan.takenBack,
    });
    syncAll([host, alice, bob]);
    for (const peer of [host, alice, bob]) {
      assert.equal(peer.text(), 'alpha\nbeta\nmine\ndelta\nepsilon\n');
      assert.deepEqual(revertedOf(peer, shouted), ['Host', host.doc.clientID], peer.name);
      assert.equal(revertedOf(peer, dropped), undefined, `${peer.name}: its deletion stands`);
    }
  });

  it('keeps the mark out of the text: its content, its formatting and the authorship view are unchanged', () => {
    const { bob, all, first, second } = acceptedSession();
    const bobText = bob.session.text(FILE)!;
    const edit = editOf(bob, first);
    const plan = planRevert(
      sharedAuthorshipView(bobText, bob.session.authorship),
      (meta) => meta.edit.startsWith(edit),
      bobText.toString(),
    );
    const unmarked = new Y.Doc();
    Y.applyUpdate(unmarked, Y.encodeStateAsUpdate(bob.doc));
    const plain = unmarked.getMap<Y.Text>('texts').get(FILE)!;
    applySharedRevert(plain, unmarked.getMap('authorship'), plan.replacements, plan.edits, 'x');
    revert(bob, (_, id) => id.startsWith(edit), 'bob');
    syncAll(all);
    assert.equal(bobText.toString(), plain.toString());
    assert.deepEqual(bobText.toDelta(), plain.toDelta());
    assert.deepEqual(
      sharedAuthorshipView(bobText, bob.session.authorship).runs,
      sharedAuthorshipView(plain, unmarked.getMap('authorship')).runs,
    );
    assert.equal(revertedOf(bob, second), undefined);
  });
});
