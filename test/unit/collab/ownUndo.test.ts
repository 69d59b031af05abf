import * as assert from 'node:assert/strict';
import * as Y from 'yjs';
import { DocumentBinding } from '../../../src/collab/documentBinding';
import { OwnUndo } from '../../../src/collab/ownUndo';
import { SimulatedDocument } from '../../fuzz/simulatedDocument';

function connected(): [Y.Doc, Y.Doc] {
  const a = new Y.Doc();
  const b = new Y.Doc();
  a.on(
    'update',
    (update: Uint8Array, origin: unknown) => origin !== 'relay' && Y.applyUpdate(b, update, 'relay'),
  );
  b.on(
    'update',
    (update: Uint8Array, origin: unknown) => origin !== 'relay' && Y.applyUpdate(a, update, 'relay'),
  );
  return [a, b];
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 30));

describe('collab OwnUndo', () => {
  it('undoes only your own edits, leaving a teammate’s text alone', () => {
    const [alice, bob] = connected();
    const aliceOrigin = { who: 'alice' };
    const bobOrigin = { who: 'bob' };
    alice.getText('t').insert(0, 'base');
    const aliceUndo = new OwnUndo(aliceOrigin, 0);
    const bobUndo = new OwnUndo(bobOrigin, 0);
    aliceUndo.managerFor(alice.getText('t'));
    bobUndo.managerFor(bob.getText('t'));
    alice.transact(() => alice.getText('t').insert(4, ' alice'), aliceOrigin);
    bob.transact(() => bob.getText('t').insert(0, 'bob '), bobOrigin);
    assert.equal(alice.getText('t').toString(), 'bob base alice');
    assert.ok(aliceUndo.undo(alice.getText('t')));
    assert.equal(bob.getText('t').toString(), 'bob base');
    assert.equal(aliceUndo.undo(alice.getText('t')), false, 'nothing else of Alice’s to undo');
    assert.ok(aliceUndo.redo(alice.getText('t')));
    assert.equal(bob.getText('t').toString(), 'bob base alice');
    assert.ok(bobUndo.undo(bob.getText('t')));
    assert.equal(alice.getText('t').toString(), 'base alice');
    aliceUndo.dispose();
    bobUndo.dispose();
  });

  it('undoes edits typed in the editor through the binding, and the editor follows', async () => {
    const ydoc = new Y.Doc();
    const text = ydoc.getText('t');
    text.insert(0, 'hello');
    const origin = { who: 'me' };
    const undo = new OwnUndo(origin, 0);
    undo.managerFor(text);
    const doc = new SimulatedDocument({ text: 'hello', eol: '\r\n', latency: () => 1 });
    const binding = new DocumentBinding(text, doc, { origin });
    doc.onDidChange((changes, version) => binding.handleDocumentChange(changes, version));
    doc.userEdit(5, 0, ' world');
    await settle();
    ydoc.transact(() => text.insert(0, '> '), 'peer');
    await settle();
    assert.equal(doc.mainText, '> hello world');
    assert.ok(undo.undo(text));
    await settle();
    assert.equal(doc.mainText, '> hello');
    assert.equal(text.toString(), '> hello');
    binding.dispose();
    undo.dispose();
  });
});
