import * as assert from 'node:assert/strict';
import {
  sharedAuthorshipView,
  insertHumanText,
  applySharedRevert,
} from '../../../../src/authorship/sharedAuthorship';
import { planRevert } from '../../../../src/authorship/revertPlan';
import { CONTENT, FILE, makeSession, proposeTwoWords, syncAll, type Peer } from './peers';

/** The assistant's characters as every peer sees them: [text, askedBy, model, proposal]. */
function marked(peer: Peer): [string, string, string, string][] {
  const text = peer.session.text(FILE)!;
  const content = text.toString();
  return sharedAuthorshipView(text, peer.session.authorship).runs.map((run) => [
    content.slice(run.start, run.end),
    run.meta.askedBy,
    run.meta.model,
    run.meta.proposal,
  ]);
}

describe('shared proposals: authorship of accepted text', () => {
  it("marks what the host's applier writes with who asked, the model and the proposal, for every peer", () => {
    const { host, peers } = makeSession(CONTENT, ['Alice', 'Bob']);
    const [alice, bob] = peers;
    const proposal = proposeTwoWords(alice);
    syncAll([host, ...peers]);
    bob.shared.decide(proposal.hunks[0].id, 'accept');
    bob.shared.decide(proposal.hunks[1].id, 'accept');
    syncAll([host, ...peers]);
    for (const peer of [host, alice, bob]) {
      assert.equal(peer.text(), 'alpha\nBETA\ngamma\nDELTA\nDELTA AGAIN\nepsilon\n');
      assert.deepEqual(marked(peer), [
        // Only what it changed: the line break each line kept is people's text.
        ['BETA', 'Alice', 'test-model', proposal.id],
        ['DELTA\nDELTA AGAIN', 'Alice', 'test-model', proposal.id],
      ]);
      // One record per accepted hunk, keeping what it replaced.
      const view = sharedAuthorshipView(peer.session.text(FILE)!, peer.session.authorship);
      assert.deepEqual([...view.edits.values()].map((edit) => edit.replaced).sort(), ['beta', 'delta']);
    }
  });

  it("keeps only the assistant's characters marked when a teammate types inside, and a revert takes back exactly those", () => {
    const { host, peers } = makeSession(CONTENT, ['Alice', 'Bob']);
    const [alice, bob] = peers;
    const proposal = proposeTwoWords(alice);
    syncAll([host, ...peers]);
    bob.shared.decide(proposal.hunks[1].id, 'accept');
    syncAll([host, ...peers]);
    // Alice types inside the accepted text ("DEL|TA").
    const at = alice.text().indexOf('DELTA') + 3;
    insertHumanText(alice.session.text(FILE)!, at, 'xyz');
    syncAll([host, ...peers]);
    assert.deepEqual(
      marked(bob).map(([text]) => text),
      ['DEL', 'TA\nDELTA AGAIN'],
    );
    // Reverting on the host removes the assistant's surviving characters, keeps Alice's.
    const text = host.session.text(FILE)!;
    const plan = planRevert(sharedAuthorshipView(text, host.session.authorship), () => true);
    applySharedRevert(text, host.session.authorship, plan.replacements, plan.edits);
    syncAll([host, ...peers]);
    for (const peer of [host, alice, bob]) {
      assert.equal(peer.text(), 'alpha\nbeta\ngamma\nxyz\nepsilon\n');
      assert.deepEqual(marked(peer), []);
      // Nothing left to offer or revert; the record stays, dormant, for an Undo of the revert.
      assert.equal(sharedAuthorshipView(peer.session.text(FILE)!, peer.session.authorship).edits.size, 0);
    }
  });

  it("undo puts the replaced text back as people's text and forgets the edit for everyone", () => {
    const { host, peers } = makeSession(CONTENT, ['Alice', 'Bob']);
    const [alice, bob] = peers;
    const proposal = proposeTwoWords(alice);
    syncAll([host, ...peers]);
    bob.shared.decide(proposal.hunks[0].id, 'accept');
    syncAll([host, ...peers]);
    assert.equal(alice.session.authorship.size, 1);
    bob.shared.undo(proposal.hunks[0].id);
    syncAll([host, ...peers]);
    for (const peer of [host, alice, bob]) {
      assert.equal(peer.text(), CONTENT);
      assert.deepEqual(marked(peer), []);
      assert.equal(peer.session.authorship.size, 0);
    }
    // Accepted again, it is marked again, under a new edit.
    alice.shared.decide(proposal.hunks[0].id, 'accept');
    syncAll([host, ...peers]);
    assert.deepEqual(marked(bob), [['BETA', 'Alice', 'test-model', proposal.id]]);
  });
});
