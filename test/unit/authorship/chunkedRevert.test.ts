// A large revert in a session is written into the shared text in chunks (src/collab/burstApply.ts
// `replaceInChunks`, src/authorship/sharedAuthorship.ts `applySharedRevertInChunks`): a teammate's
// keystrokes between the chunks are kept where they typed them, the reverter's Undo takes the whole
// revert back in one step (the assistant's text with its marks), and without concurrent edits the
// result is exactly the one-transaction revert's. While a window's own chunked revert is being
// written into a file, that window accepts and undoes no proposal there (DirectWrites).
import * as assert from 'node:assert/strict';
import * as Y from 'yjs';
import { planRevert } from '../../../src/authorship/revertPlan';
import {
  applySharedRevert,
  applySharedRevertInChunks,
  attributeInsert,
  insertHumanText,
  type SharedEditRecord,
  sharedAuthorshipView,
} from '../../../src/authorship/sharedAuthorship';
import { replaceInChunks } from '../../../src/collab/burstApply';
import { DirectWrites } from '../../../src/collab/directWrites';
import { SharedProposalError, SharedProposals } from '../../../src/proposals/shared/sharedProposals';
import { FILE, makeSession } from '../proposals/shared/peers';
import { meta } from './authorshipModel';

const lines = (count: number, what: string) =>
  Array.from({ length: count }, (_, i) => `${what} line ${i} of ${count};\n`).join('');

const ORIGINAL = lines(300, 'original');
const ASSISTANT = lines(300, 'assistant');

/** A doc whose text is `head\n` + the assistant's text (which replaced ORIGINAL) + `tail\n`. */
function accepted(): { doc: Y.Doc; text: Y.Text; records: Y.Map<SharedEditRecord> } {
  const doc = new Y.Doc();
  const text = doc.getText('t');
  const records = doc.getMap<SharedEditRecord>('authorship');
  text.insert(0, `head\n${ORIGINAL}tail\n`);
  attributeInsert(text, records, 5, ORIGINAL.length, ASSISTANT, meta('e1'), 'host');
  return { doc, text, records };
}

function clone(doc: Y.Doc): { doc: Y.Doc; text: Y.Text; records: Y.Map<SharedEditRecord> } {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  return { doc: copy, text: copy.getText('t'), records: copy.getMap<SharedEditRecord>('authorship') };
}

const marked = (text: Y.Text, records: Y.Map<SharedEditRecord>) =>
  sharedAuthorshipView(text, records).runs.map((run) => text.toString().slice(run.start, run.end));

describe('authorship: a large revert written in chunks', () => {
  it("writes the restored text in small updates while a teammate types between them; their keys stay, and the reverter's Undo is one step", async () => {
    const writer = accepted();
    const typist = clone(writer.doc);
    const updates: number[] = [];
    writer.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === 'me') updates.push(update.length);
      if (origin !== 'net') Y.applyUpdate(typist.doc, update, 'net');
    });
    typist.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin !== 'net') Y.applyUpdate(writer.doc, update, 'net');
    });
    const undo = new Y.UndoManager(writer.text, { trackedOrigins: new Set(['me']), captureTimeout: 0 });
    const before = writer.text.toString();
    const plan = planRevert(sharedAuthorshipView(writer.text, writer.records), () => true, before);
    assert.deepEqual(plan.replacements, [{ offset: 5, length: ASSISTANT.length, text: ORIGINAL }]);
    let keys = 0;
    const transactions = await applySharedRevertInChunks(
      writer.text,
      writer.records,
      plan.replacements,
      plan.edits,
      {
        origin: 'me',
        undo,
        maxChunkChars: 1000,
        pause: async () => {
          // The teammate types at the top, and right after what has arrived of the restored text.
          const now = typist.text.toString();
          insertHumanText(typist.text, now.indexOf('tail'), 'k');
          insertHumanText(typist.text, 0, 'K');
          keys += 2;
          await new Promise((resolve) => setImmediate(resolve));
        },
      },
    );
    assert.ok(transactions >= ORIGINAL.length / 1000, `${transactions} transactions`);
    assert.ok(Math.max(...updates) < 2000, `largest update ${Math.max(...updates)} bytes`);
    const after = writer.text.toString();
    assert.equal(after, typist.text.toString(), 'both peers hold the same text');
    assert.equal((after.match(/[kK]/g) ?? []).length, keys, "every one of the teammate's keys is there");
    assert.ok(after.includes(ORIGINAL), 'the restored text is one unbroken stretch');
    assert.equal(after.replace(/[kK]/g, ''), `head\n${ORIGINAL}tail\n`);
    assert.deepEqual(marked(writer.text, writer.records), [], 'no assistant mark is left');
    assert.deepEqual(marked(typist.text, typist.records), [], 'none at the teammate either');

    // One Undo: the assistant's text comes back with its mark, the teammate's keys stay.
    assert.equal(undo.undoStack.length, 1, 'the whole revert is one undo step');
    undo.undo();
    const undone = writer.text.toString();
    assert.equal(undone.replace(/[kK]/g, ''), before);
    assert.equal((undone.match(/[kK]/g) ?? []).length, keys);
    assert.deepEqual(marked(writer.text, writer.records), [ASSISTANT]);
    assert.equal(typist.text.toString(), undone);
    assert.equal(undo.canUndo(), false);
    undo.redo();
    assert.equal(writer.text.toString(), after);
  });

  it('gives the text and marks of the one-transaction revert, with several edits and people’s text around them', async () => {
    const one = accepted();
    // The assistant writes two more edits; Bob types inside one of them (it stays his).
    const second = lines(120, 'second original');
    const tail = one.text.toString().indexOf('tail');
    one.text.insert(tail, second);
    attributeInsert(
      one.text,
      one.records,
      tail,
      second.length,
      lines(100, 'second'),
      meta('e2', 'p2'),
      'host',
    );
    insertHumanText(one.text, tail + 40, 'typed by Bob');
    attributeInsert(one.text, one.records, 0, 4, 'HEAD', meta('e3', 'p2'), 'host');
    const chosen = (m: { proposal: string }) => m.proposal === 'p2' || m.proposal === 'p1';
    const chunked = clone(one.doc);
    const plan = planRevert(sharedAuthorshipView(one.text, one.records), chosen, one.text.toString());
    assert.ok(plan.replacements.length >= 3, JSON.stringify(plan.replacements.length));
    const transactions = await applySharedRevertInChunks(
      chunked.text,
      chunked.records,
      plan.replacements,
      plan.edits,
      { maxChunkChars: 500, pause: async () => {} },
    );
    applySharedRevert(one.text, one.records, plan.replacements, plan.edits);
    assert.ok(transactions > 1, `${transactions} transactions`);
    assert.equal(chunked.text.toString(), one.text.toString());
    assert.ok(one.text.toString().includes('typed by Bob'));
    assert.deepEqual(chunked.text.toDelta(), one.text.toDelta(), 'the same marks');
    assert.deepEqual([...chunked.records.keys()].sort(), [...one.records.keys()].sort(), 'the same records');
  });

  it('writes a revert no longer than a chunk in one transaction', async () => {
    const { text, records } = accepted();
    const plan = planRevert(sharedAuthorshipView(text, records), () => true, text.toString());
    assert.equal(
      await applySharedRevertInChunks(text, records, plan.replacements, plan.edits, {
        maxChunkChars: ORIGINAL.length,
        pause: () => Promise.reject(new Error('no pause expected')),
      }),
      1,
    );
    assert.equal(text.toString(), `head\n${ORIGINAL}tail\n`);
  });

  it('refuses replacements out of order, overlapping or outside the text, changing nothing', async () => {
    const doc = new Y.Doc();
    const text = doc.getText('t');
    text.insert(0, 'abcdef');
    const bad = [
      [
        { offset: 3, length: 1, text: 'x' },
        { offset: 0, length: 1, text: 'y' },
      ],
      [
        { offset: 0, length: 3, text: 'x' },
        { offset: 2, length: 1, text: 'y' },
      ],
      [{ offset: 4, length: 5, text: 'x' }],
    ];
    for (const replacements of bad)
      await assert.rejects(
        replaceInChunks(text, replacements),
        /cannot replace/,
        JSON.stringify(replacements),
      );
    assert.equal(text.toString(), 'abcdef');
  });

  it('refuses an accept or an undo in a file while this participant’s chunked revert is written there', () => {
    const writes = new DirectWrites();
    const { host, peers } = makeSession('alpha\nbeta\n', []);
    const shared = new SharedProposals(host.session, {
      name: () => 'Host',
      canWrite: () => true,
      busy: (path) => writes.busy(path),
    });
    try {
      const record = shared.publish({
        path: FILE,
        reason: 'shout',
        model: 'test-model',
        hunks: [{ line: 1, removed: ['beta\n'], added: ['BETA\n'] }],
      });
      const write = writes.start(FILE, "a revert of the assistant's edits", 400)!;
      assert.ok(write, 'the write starts');
      assert.equal(writes.start(FILE, 'another', 1), undefined, 'one write per file at a time');
      write.done = 100;
      assert.throws(
        () => shared.decide(record.hunks[0].id, 'accept'),
        (error: unknown) =>
          error instanceof SharedProposalError &&
          /revert.*still being written \(25% written\)/.test(error.message),
      );
      assert.equal(host.session.text(FILE)!.toString(), 'alpha\nbeta\n');
      // Another file is not held up, and once the write is in, the accept goes through.
      assert.equal(writes.busy('other.ts'), undefined);
      writes.end(FILE, write);
      shared.decide(record.hunks[0].id, 'accept');
      assert.equal(host.session.text(FILE)!.toString(), 'alpha\nBETA\n');
    } finally {
      shared.dispose();
      host.applier?.dispose();
      for (const peer of peers) peer.shared.dispose();
    }
  });
});
