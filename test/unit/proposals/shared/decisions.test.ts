import * as assert from 'node:assert/strict';
import * as Y from 'yjs';
import { HostApplier } from '../../../../src/proposals/shared/hostApplier';
import { DECISIONS_ROOT } from '../../../../src/proposals/shared/records';
import {
  changesSince,
  CONTENT,
  FILE,
  makePeer,
  makeSession,
  permutations,
  proposeTwoWords,
  syncAll,
} from './peers';

function occurrences(text: string, word: string): number {
  return text.split(word).length - 1;
}

describe('shared proposals: one decision for everyone, applied once', () => {
  it('applies a hunk exactly once when three peers accept it at the same moment, whatever order the host sees', () => {
    for (const order of permutations([0, 1, 2])) {
      const { host, peers } = makeSession(CONTENT, ['Alice', 'Bob', 'Carol']);
      const proposal = proposeTwoWords(peers[0]);
      syncAll([host, ...peers]);
      const base = Y.encodeStateVector(host.doc);
      // Three clicks before anyone hears of the others; Carol also rejects hunk 2 while Alice accepts it.
      peers.forEach((peer, i) => {
        peer.clock = 5000 + i;
        peer.shared.decide(proposal.hunks[0].id, 'accept');
      });
      peers[2].shared.decide(proposal.hunks[1].id, 'reject');
      peers[0].shared.decide(proposal.hunks[1].id, 'accept');
      const updates = peers.map((peer) => changesSince(peer, base));
      // The host hears them one at a time, in this order.
      for (const index of order) Y.applyUpdate(host.doc, updates[index]);
      syncAll([host, ...peers]);

      const first = peers[order[0]];
      for (const peer of [host, ...peers]) {
        assert.equal(peer.text(), host.text(), `${peer.name} has the host's text`);
        const view = peer.shared.proposal(proposal.id)!;
        const [one, two] = view.hunks;
        assert.deepEqual(one.status, {
          state: 'accepted',
          by: first.shared.self(),
          at: first.clock,
          partial: false,
        });
        assert.deepEqual(
          one.log.map((entry) => `${entry.by.name}:${entry.result}`),
          order.map((i, n) => `${peers[i].name}:${n === 0 ? 'applied' : 'superseded'}`),
        );
        assert.match(one.log[1].reason ?? '', new RegExp(`already accepted by ${first.name}`));
        assert.equal(one.waiting.length, 0);
        // Hunk 2: whichever of Carol's reject and Alice's accept the host saw first.
        const carolFirst = order.indexOf(2) < order.indexOf(0);
        assert.equal(two.status.state, carolFirst ? 'rejected' : 'accepted');
      }
      const text = host.text();
      assert.equal(occurrences(text, 'BETA'), 1, `order ${order}: hunk 1 applied once`);
      assert.equal(occurrences(text, 'beta'), 0);
      const carolFirst = order.indexOf(2) < order.indexOf(0);
      assert.equal(occurrences(text, 'DELTA AGAIN'), carolFirst ? 0 : 1);
    }
  });

  it('decides ties in one update by time, then client id, the same on every run', () => {
    const { host, peers } = makeSession(CONTENT, ['Alice', 'Bob', 'Carol']);
    const proposal = proposeTwoWords(peers[0]);
    syncAll([host, ...peers]);
    const base = Y.encodeStateVector(host.doc);
    const clocks = [7003, 7001, 7002];
    peers.forEach((peer, i) => {
      peer.clock = clocks[i];
      peer.shared.decide(proposal.hunks[0].id, i === 1 ? 'reject' : 'accept');
    });
    // One merged update, as a server batch or a reconnect delivers it.
    Y.applyUpdate(host.doc, Y.mergeUpdates(peers.map((peer) => changesSince(peer, base))));
    syncAll([host, ...peers]);
    const hunk = peers[2].shared.hunk(proposal.hunks[0].id)!;
    assert.deepEqual(hunk.status, { state: 'rejected', by: peers[1].shared.self(), at: 7001 });
    assert.deepEqual(
      hunk.log.map((entry) => `${entry.by.name}:${entry.result}`),
      ['Bob:applied', 'Carol:superseded', 'Alice:superseded'],
    );
    assert.equal(host.text(), CONTENT, 'a rejection changes no text');
  });

  it('shows a decision as waiting until the host has handled it, and handles those made while the host was away', () => {
    const { host, peers } = makeSession(CONTENT, ['Alice', 'Bob']);
    const [alice, bob] = peers;
    const proposal = proposeTwoWords(alice);
    syncAll([host, ...peers]);
    host.applier!.dispose();
    bob.shared.decide(proposal.hunks[0].id, 'accept');
    syncAll([host, ...peers]);
    const waiting = alice.shared.hunk(proposal.hunks[0].id)!;
    assert.equal(waiting.status.state, 'pending');
    assert.deepEqual(
      waiting.waiting.map((decision) => decision.by.name),
      ['Bob'],
    );
    assert.equal(host.text(), CONTENT);
    // The host comes back: a new applier handles what it missed, once.
    const applier = new HostApplier(host.session);
    applier.start();
    applier.start();
    syncAll([host, ...peers]);
    assert.equal(alice.text(), CONTENT.replace('beta', 'BETA'));
    assert.equal(alice.shared.hunk(proposal.hunks[0].id)!.status.state, 'accepted');
    // A second applier on the same document (a host window reloaded) finds nothing left to do.
    const again = new HostApplier(host.session);
    again.start();
    assert.equal(host.text(), CONTENT.replace('beta', 'BETA'));
    applier.dispose();
    again.dispose();
  });

  it('handles a decision that reaches the host before the proposal it is about', () => {
    const host = makePeer('Host');
    host.session.seed(FILE, CONTENT, { eol: '\n', bom: false });
    const alice = makePeer('Alice');
    const bob = makePeer('Bob');
    syncAll([host, alice, bob]);
    const base = Y.encodeStateVector(host.doc);
    const proposal = proposeTwoWords(alice);
    syncAll([alice, bob]);
    const afterProposal = Y.encodeStateVector(alice.doc);
    bob.shared.decide(proposal.hunks[1].id, 'accept');
    host.applier = new HostApplier(host.session);
    host.applier.start();
    // Bob's decision first, Alice's proposal after (they are independent entries).
    Y.applyUpdate(host.doc, Y.encodeStateAsUpdate(bob.doc, afterProposal));
    assert.equal(host.text(), CONTENT);
    Y.applyUpdate(host.doc, changesSince(alice, base));
    assert.equal(host.text(), CONTENT.replace('delta\n', 'DELTA\nDELTA AGAIN\n'));
    host.applier.dispose();
  });

  it('refuses to apply an accept on a hunk that went stale before the host saw it', () => {
    const { host, peers } = makeSession(CONTENT, ['Alice', 'Bob', 'Carol']);
    const [alice, bob, carol] = peers;
    const proposal = proposeTwoWords(alice);
    syncAll([host, ...peers]);
    const base = Y.encodeStateVector(host.doc);
    bob.shared.decide(proposal.hunks[0].id, 'accept');
    const ytext = carol.session.text(FILE)!;
    ytext.insert(ytext.toString().indexOf('beta') + 4, ' carol');
    Y.applyUpdate(host.doc, changesSince(carol, base));
    Y.applyUpdate(host.doc, changesSince(bob, base));
    syncAll([host, ...peers]);
    const hunk = alice.shared.hunk(proposal.hunks[0].id)!;
    assert.equal(hunk.status.state, 'stale');
    assert.equal(hunk.log[0].result, 'refused');
    assert.match(hunk.log[0].reason ?? '', /edited since \(stale\)/);
    assert.equal(alice.text(), CONTENT.replace('beta', 'beta carol'));
    // A stale hunk can still be rejected.
    alice.shared.decide(proposal.hunks[0].id, 'reject');
    syncAll([host, ...peers]);
    assert.equal(bob.shared.hunk(proposal.hunks[0].id)!.status.state, 'rejected');
  });

  it('accepts some lines of a hunk and leaves the rest to review', () => {
    const { host, peers } = makeSession(CONTENT, ['Alice', 'Bob']);
    const [alice, bob] = peers;
    const proposal = proposeTwoWords(alice);
    syncAll([host, ...peers]);
    // Hunk 2: take "DELTA AGAIN" only, keep "delta".
    bob.shared.decide(proposal.hunks[1].id, 'accept', { removed: [], added: [1] });
    syncAll([host, ...peers]);
    assert.equal(alice.text(), 'alpha\nbeta\ngamma\ndelta\nDELTA AGAIN\nepsilon\n');
    const view = alice.shared.proposal(proposal.id)!;
    assert.deepEqual(
      view.hunks.map((hunk) => [hunk.id, hunk.status.state]),
      [
        [proposal.hunks[0].id, 'pending'],
        [proposal.hunks[1].id, 'accepted'],
        [`${proposal.hunks[1].id}.0`, 'pending'],
      ],
    );
    const rest = view.hunks[2];
    assert.deepEqual(
      [rest.removed, rest.added, rest.parent],
      [['delta\n'], ['DELTA\n'], proposal.hunks[1].id],
    );
    assert.equal(rest.range?.line, 3);
    alice.shared.decide(rest.id, 'accept');
    syncAll([host, ...peers]);
    assert.equal(bob.text(), 'alpha\nbeta\ngamma\nDELTA\nDELTA AGAIN\nepsilon\n');
    assert.throws(
      () => bob.shared.decide(proposal.hunks[1].id, 'reject', { removed: [0], added: [] }),
      /already accepted/,
    );
  });

  it('lets the author withdraw a proposal for everyone, and nobody else but the host', () => {
    const { host, peers } = makeSession(CONTENT, ['Alice', 'Bob']);
    const [alice, bob] = peers;
    const proposal = proposeTwoWords(alice);
    syncAll([host, ...peers]);
    assert.throws(() => bob.shared.withdraw(proposal.id), /only Alice, who asked for it, or the host/);
    alice.shared.withdraw(proposal.id);
    syncAll([host, ...peers]);
    for (const peer of [host, ...peers]) assert.deepEqual(peer.shared.list(), [], peer.name);
    assert.throws(
      () => bob.shared.decide(proposal.hunks[0].id, 'accept'),
      /no longer part of a shared proposal/,
    );
  });

  it('ignores records a peer wrote wrong, and keeps working for the right ones', () => {
    const { host, peers } = makeSession(CONTENT, ['Alice', 'Mallory']);
    const [alice, mallory] = peers;
    const proposal = proposeTwoWords(alice);
    const hunk = proposal.hunks[0].id;
    const { proposals, decisions } = mallory.session;
    proposals.set('junk-1', 'not a record');
    proposals.set('junk-2', { ...proposal, id: 'junk-2', path: '../../etc/passwd' });
    proposals.set('junk-3', { ...proposal, id: 'other-id' });
    proposals.set('junk-4', { ...proposal, id: 'junk-4', hunks: [{ id: 'junk-4/0', start: 1, end: null }] });
    decisions.set('d1', { hunk, action: 'explode', by: mallory.shared.self(), at: 1 });
    decisions.set('d2', { hunk, action: 'accept', by: { name: 42 }, at: 1 });
    decisions.set('d3', {
      hunk,
      action: 'accept',
      by: mallory.shared.self(),
      at: 1,
      selection: { removed: [-1] },
    });
    decisions.set('d4', {
      hunk,
      action: 'accept',
      by: mallory.shared.self(),
      at: 1,
      selection: { removed: [], added: [9] },
    });
    decisions.set('d5', { hunk: 'nowhere/0', action: 'accept', by: mallory.shared.self(), at: 1 });
    syncAll([host, ...peers]);
    assert.deepEqual(
      alice.shared.list().map((view) => view.id),
      [proposal.id],
    );
    assert.equal(host.text(), CONTENT);
    const view = alice.shared.hunk(hunk)!;
    assert.equal(view.status.state, 'pending');
    assert.deepEqual(
      view.log.map((entry) => [entry.key, entry.result, entry.reason]),
      [['d4', 'refused', 'the selected lines are not part of the change']],
    );
    alice.shared.decide(hunk, 'accept');
    syncAll([host, ...peers]);
    assert.equal(mallory.text(), CONTENT.replace('beta', 'BETA'));
  });

  it('keeps read-only participants from deciding', () => {
    const { host, peers } = makeSession(CONTENT, ['Alice']);
    const proposal = proposeTwoWords(peers[0]);
    const reader = makePeer('Rita', { canWrite: false });
    syncAll([host, peers[0], reader]);
    assert.equal(reader.shared.list(FILE).length, 1, 'a reader sees the proposal');
    assert.throws(
      () => reader.shared.decide(proposal.hunks[0].id, 'accept'),
      /read-only participants cannot/,
    );
    assert.equal(reader.doc.getMap(DECISIONS_ROOT).size, 0);
  });
});

describe('shared proposals: undo', () => {
  function accepted() {
    const { host, peers } = makeSession(CONTENT, ['Alice', 'Bob', 'Carol']);
    const [alice, bob] = peers;
    const proposal = proposeTwoWords(alice);
    syncAll([host, ...peers]);
    bob.shared.decide(proposal.hunks[1].id, 'accept');
    syncAll([host, ...peers]);
    assert.equal(host.text(), 'alpha\nbeta\ngamma\nDELTA\nDELTA AGAIN\nepsilon\n');
    return { host, peers, proposal, hunkId: proposal.hunks[1].id };
  }

  it('lets whoever accepted undo it; the hunk is pending again and can be decided anew', () => {
    const { host, peers, hunkId } = accepted();
    const [alice, bob, carol] = peers;
    // Others' edits before and after the hunk are not touched by the undo.
    carol.session.text(FILE)!.insert(0, 'top\n');
    const text = carol.session.text(FILE)!;
    text.insert(text.length, 'bottom\n');
    syncAll([host, ...peers]);
    // The outcome does not repeat the accepted lines, which the hunk holds (the undo reads them there).
    const stored = host.session.outcomes.get(hunkId) as { applied: { text: string; fromHunk?: boolean } };
    assert.deepEqual([stored.applied.text, stored.applied.fromHunk], ['', true]);
    bob.shared.undo(hunkId);
    syncAll([host, ...peers]);
    assert.equal(alice.text(), `top\n${CONTENT}bottom\n`);
    assert.equal(alice.shared.hunk(hunkId)!.status.state, 'pending');
    alice.shared.decide(hunkId, 'accept');
    syncAll([host, ...peers]);
    assert.equal(carol.text(), 'top\nalpha\nbeta\ngamma\nDELTA\nDELTA AGAIN\nepsilon\nbottom\n');
    assert.equal(carol.shared.hunk(hunkId)!.status.state, 'accepted');
  });

  it("refuses anyone else's undo, also one written straight into the document", () => {
    const { host, peers, hunkId } = accepted();
    const [, bob, carol] = peers;
    assert.throws(() => carol.shared.undo(hunkId), /only Bob, who accepted it, can undo it/);
    // Carol's client skips its own check and records the undo anyway.
    carol.session.decisions.set('forged-undo', {
      hunk: hunkId,
      action: 'undo',
      by: carol.shared.self(),
      at: 1,
    });
    syncAll([host, ...peers]);
    assert.equal(bob.text(), 'alpha\nbeta\ngamma\nDELTA\nDELTA AGAIN\nepsilon\n');
    const hunk = bob.shared.hunk(hunkId)!;
    assert.equal(hunk.status.state, 'accepted');
    assert.deepEqual(
      hunk.log.map((entry) => [entry.by.name, entry.action, entry.result]),
      [
        ['Bob', 'accept', 'applied'],
        ['Carol', 'undo', 'refused'],
      ],
    );
  });

  it('undoes a partial accept as a whole, and what was left of it goes with it', () => {
    const { host, peers } = makeSession(CONTENT, ['Alice', 'Bob']);
    const [alice, bob] = peers;
    const proposal = proposeTwoWords(alice);
    syncAll([host, ...peers]);
    const id = proposal.hunks[1].id;
    bob.shared.decide(id, 'accept', { removed: [0], added: [0] });
    syncAll([host, ...peers]);
    assert.equal(alice.text(), 'alpha\nbeta\ngamma\nDELTA\nepsilon\n');
    assert.deepEqual(
      alice.shared.proposal(proposal.id)!.hunks.map((hunk) => hunk.id),
      [proposal.hunks[0].id, id, `${id}.0`],
    );
    bob.shared.undo(id);
    syncAll([host, ...peers]);
    assert.equal(alice.text(), CONTENT);
    assert.deepEqual(
      alice.shared.proposal(proposal.id)!.hunks.map((hunk) => [hunk.id, hunk.status.state]),
      [
        [proposal.hunks[0].id, 'pending'],
        [id, 'pending'],
      ],
    );
  });

  it("never reverts a teammate's edit: an undo of text edited since is refused with the reason", () => {
    const { host, peers, hunkId } = accepted();
    const [alice, bob, carol] = peers;
    const text = carol.session.text(FILE)!;
    text.insert(text.toString().indexOf('DELTA AGAIN') + 'DELTA AGAIN'.length, ' (carol)');
    syncAll([host, ...peers]);
    bob.shared.undo(hunkId);
    syncAll([host, ...peers]);
    assert.equal(alice.text(), 'alpha\nbeta\ngamma\nDELTA\nDELTA AGAIN (carol)\nepsilon\n');
    const hunk = alice.shared.hunk(hunkId)!;
    assert.equal(hunk.status.state, 'accepted');
    assert.match(
      hunk.log[hunk.log.length - 1].reason ?? '',
      /edited since; undoing it would revert that edit/,
    );
  });
});
