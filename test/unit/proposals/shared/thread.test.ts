import * as assert from 'node:assert/strict';
import * as Y from 'yjs';
import { FILE, makeSession, syncAll } from './peers';

describe('shared proposals: the shared thread', () => {
  const key = 'AKIAFAKEQ2ZRT3ML7VB2';

  it('shares the request and answer only when asked to, with secrets masked, and never a key', () => {
    const { host, peers } = makeSession('a\nb\n', ['Alice', 'Bob']);
    const [alice, bob] = peers;
    const quiet = alice.shared.publish({
      path: FILE,
      reason: 'r',
      model: 'm',
      hunks: [{ line: 0, removed: ['a\n'], added: ['A\n'] }],
    });
    const shared = alice.shared.publish({
      path: FILE,
      reason: `uses ${key}`,
      model: 'm',
      hunks: [{ line: 1, removed: ['b\n'], added: ['B\n'] }],
      thread: { request: `why does ${key} fail?`, answer: 'Rotate it.' },
    });
    syncAll([host, ...peers]);
    assert.equal(bob.shared.proposal(quiet.id)!.thread, undefined);
    const thread = bob.shared.proposal(shared.id)!.thread!;
    assert.match(thread.request, /^why does \[[^\]]+ removed\] fail\?$/);
    assert.equal(thread.answer, 'Rotate it.');
    assert.doesNotMatch(bob.shared.proposal(shared.id)!.reason, /AKIA/);
    const bytes = Buffer.from(Y.encodeStateAsUpdate(bob.doc)).toString('latin1');
    assert.equal(bytes.includes(key), false, 'the key is nowhere in the shared document');
  });
});
