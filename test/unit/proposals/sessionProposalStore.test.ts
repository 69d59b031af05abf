import * as assert from 'node:assert/strict';
import { Proposal, ProposalSet } from '../../../src/proposals/proposal';
import { ReviewProposals } from '../../../src/proposals/proposalStore';
import { SessionProposalStore } from '../../../src/proposals/sessionProposalStore';
import { SharedProposalError } from '../../../src/proposals/shared';
import { FILE, makePeer, makeSession, numberedLines, syncAll } from './shared/peers';

const storeOf = (peer: ReturnType<typeof makePeer>, canDecide = true) =>
  new SessionProposalStore(
    peer.shared,
    (path) => `tandem://room/${path}`,
    () => canDecide,
  );

describe('proposals: the session as a proposal store', () => {
  it('shows a proposal a peer shared, with its hunks on the lines where they are now, in every window', () => {
    const { host, peers } = makeSession(numberedLines(10), ['Alice', 'Bob']);
    const [alice, bob] = peers;
    const aliceStore = storeOf(alice);
    const bobStore = storeOf(bob);
    let bobChanges = 0;
    bobStore.onDidChange(() => bobChanges++);
    const shared = aliceStore.share({
      path: FILE,
      reason: 'Shout two lines',
      model: 'scripted',
      hunks: [
        { line: 2, removed: ['line 2\n'], added: ['LINE 2\n'] },
        { line: 6, removed: ['line 6\n'], added: ['LINE 6\n'] },
      ],
    });
    syncAll([host, alice, bob]);
    assert.ok(bobChanges > 0, "Bob's review was told");
    const seen = bobStore.get(shared.id);
    assert.ok(seen, 'Bob sees the proposal');
    assert.equal(seen.files[0].address, `tandem://room/${FILE}`);
    assert.ok(seen.files[0].shared);
    assert.deepEqual(
      seen.files[0].hunks.map((hunk) => [hunk.line, hunk.status, hunk.added.join('')]),
      [
        [2, 'pending', 'LINE 2\n'],
        [6, 'pending', 'LINE 6\n'],
      ],
    );
    assert.deepEqual(bobStore.originOf(seen), { askedBy: 'Alice', model: 'scripted', mine: false });
    assert.equal(aliceStore.originOf(aliceStore.get(shared.id)!)?.mine, true);

    // Bob types two lines above: both windows show the hunks two lines lower.
    bob.session.text(FILE)!.insert(0, 'new a\nnew b\n');
    syncAll([host, alice, bob]);
    for (const store of [aliceStore, bobStore])
      assert.deepEqual(
        store.get(shared.id)!.files[0].hunks.map((hunk) => hunk.line),
        [4, 8],
      );

    // Bob accepts hunk 1, Alice rejects hunk 2: the host applies, everyone sees who decided.
    const [first, second] = bobStore.get(shared.id)!.files[0].hunks;
    bobStore.decide(first.id, 'accept');
    aliceStore.decide(second.id, 'reject');
    syncAll([host, alice, bob]);
    for (const [store, self] of [
      [aliceStore, 'Alice'],
      [bobStore, 'Bob'],
    ] as const) {
      const hunks = store.get(shared.id)!.files[0].hunks;
      assert.deepEqual(
        hunks.map((hunk) => hunk.status),
        ['accepted', 'rejected'],
      );
      assert.equal(store.infoOf(hunks[0])?.note, `accepted by ${self === 'Bob' ? 'you' : 'Bob'}`);
      assert.equal(store.infoOf(hunks[1])?.note, `rejected by ${self === 'Alice' ? 'you' : 'Alice'}`);
      assert.equal(store.infoOf(hunks[0])?.undoable, self === 'Bob', 'only who accepted may undo');
      assert.equal(store.pendingHunks().length, 0);
    }
    assert.equal(host.text(), `new a\nnew b\n${numberedLines(10).replace('line 2\n', 'LINE 2\n')}`);
    assert.equal(alice.text(), host.text());
    assert.equal(bob.text(), host.text());
    // Alice may not undo Bob's accept; Bob may.
    assert.throws(() => aliceStore.undo(first.id), SharedProposalError);
    bobStore.undo(first.id);
    syncAll([host, alice, bob]);
    assert.equal(host.text(), `new a\nnew b\n${numberedLines(10)}`);
    aliceStore.dispose();
    bobStore.dispose();
  });

  it('lets a read-only participant see a shared proposal but not decide on it', () => {
    const { host, peers } = makeSession(numberedLines(4), ['Alice']);
    const reader = makePeer('Rita', { canWrite: false });
    syncAll([host, peers[0], reader]);
    const shared = storeOf(peers[0]).share({
      path: FILE,
      reason: '',
      model: 'm',
      hunks: [{ line: 1, removed: ['line 1\n'], added: ['one\n'] }],
    });
    syncAll([host, peers[0], reader]);
    const readerStore = storeOf(reader, false);
    const hunk = readerStore.get(shared.id)!.files[0].hunks[0];
    assert.equal(hunk.status, 'pending');
    assert.equal(readerStore.canDecide(), false);
    assert.throws(() => readerStore.decide(hunk.id, 'accept'), /read-only/);
    assert.throws(
      () => storeOf(reader, false).share({ path: FILE, reason: '', model: 'm', hunks: [] }),
      /read-only/,
    );
  });

  it("shows this window's proposals and the session's together, and forgets the session's when it ends", () => {
    const { host, peers } = makeSession(numberedLines(4), ['Alice']);
    const session = storeOf(peers[0]);
    const review = new ReviewProposals<SessionProposalStore>(new ProposalSet());
    let fired = 0;
    review.onDidChange(() => fired++);
    const local = new Proposal(
      {
        rationale: '',
        changes: [
          { path: 'a.txt', kind: 'modify', original: 'a\n', proposed: 'b\n', notes: [], applied: [] },
        ],
        failures: [],
      },
      { instruction: 'x' },
    );
    review.add(local);
    review.attach(session);
    const shared = session.share({
      path: FILE,
      reason: '',
      model: 'm',
      hunks: [{ line: 0, removed: ['line 0\n'], added: ['zero\n'] }],
    });
    syncAll([host, peers[0]]);
    assert.deepEqual(
      review.all().map((proposal) => proposal.id),
      [local.id, shared.id],
    );
    assert.equal(review.pendingHunks().length, 2);
    assert.ok(review.findHunk(shared.files[0].hunks[0].id));
    assert.ok(fired >= 3, 'changes of either store reach the review');
    // Dismissing a shared proposal hides it here only: it stays in the session for the others.
    assert.ok(review.remove(shared.id));
    assert.equal(review.get(shared.id), undefined);
    assert.ok(storeOf(peers[0]).get(shared.id));
    review.attach(undefined);
    assert.deepEqual(
      review.all().map((proposal) => proposal.id),
      [local.id],
    );
  });
});
