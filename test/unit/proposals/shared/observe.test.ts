import * as assert from 'node:assert/strict';
import type { SharedProposalsChange } from '../../../../src/proposals/shared/sharedProposals';
import { FILE, makeSession, syncAll } from './peers';

describe('shared proposals: observe', () => {
  it('reports proposals, decisions and outcomes, and edits to files that have proposals, until disposed', () => {
    const { host, peers } = makeSession('a\nb\n', ['Alice', 'Bob']);
    const [alice, bob] = peers;
    host.session.seed('other.ts', 'x\n', { eol: '\n', bom: false });
    syncAll([host, ...peers]);
    const seen: SharedProposalsChange[] = [];
    const stop = bob.shared.observe((change) => seen.push(change));
    bob.session.text(FILE)!.insert(0, 'before any proposal\n');
    assert.equal(seen.length, 0, 'no proposal on that file yet');
    const record = alice.shared.publish({
      path: FILE,
      reason: 'r',
      model: 'm',
      hunks: [{ line: 0, removed: ['a\n'], added: ['A\n'] }],
    });
    syncAll([host, ...peers]);
    assert.ok(seen.some((change) => change.structure));
    assert.ok(bob.shared.proposal(record.id));
    seen.length = 0;
    alice.session.text(FILE)!.insert(0, 'typed\n');
    alice.session.text('other.ts')!.insert(0, 'elsewhere ');
    syncAll([host, ...peers]);
    assert.deepEqual(
      seen.filter((change) => !change.structure).flatMap((change) => change.paths),
      [FILE],
    );
    seen.length = 0;
    alice.shared.decide(record.hunks[0].id, 'accept');
    syncAll([host, ...peers]);
    assert.ok(seen.filter((change) => change.structure).length >= 2, 'the decision, then the outcome');
    assert.equal(bob.shared.hunk(record.hunks[0].id)!.status.state, 'accepted');
    stop.dispose();
    seen.length = 0;
    alice.session.text(FILE)!.insert(0, 'more\n');
    alice.shared.withdraw(record.id);
    syncAll([host, ...peers]);
    assert.equal(seen.length, 0);
  });
});
