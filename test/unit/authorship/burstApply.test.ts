import * as assert from 'node:assert/strict';
import * as Y from 'yjs';
import { applyInChunks, chunkLines } from '../../../src/collab/burstApply';
import {
  applyAttributedInChunks,
  HUMAN_TEXT,
  type SharedEditRecord,
  sharedAuthorshipView,
} from '../../../src/authorship/sharedAuthorship';
import { planRevert } from '../../../src/authorship/revertPlan';
import { meta } from './authorshipModel';

const lines = (count: number) =>
  Array.from({ length: count }, (_, i) => `line ${i} of the proposal;\n`).join('');

describe('bursts: chunked writes into a shared text', () => {
  it('cuts text into whole lines no longer than the chunk size, never inside a surrogate pair', () => {
    const text = lines(100);
    const chunks = chunkLines(text, 200);
    assert.equal(chunks.join(''), text);
    assert.ok(chunks.length > 10);
    for (const chunk of chunks) {
      assert.ok(chunk.length <= 200);
      assert.ok(chunk.endsWith('\n'), 'whole lines');
    }
    const long = 'x'.repeat(9) + '😀'.repeat(20);
    const cut = chunkLines(long, 10);
    assert.equal(cut.join(''), long);
    for (const piece of cut) assert.doesNotMatch(piece, /^[\udc00-\udfff]|[\ud800-\udbff]$/);
    assert.throws(() => chunkLines('abc', 1), /at least 2/);
  });

  it("writes in small updates while a peer types in between, and the peer's keys land around it", async () => {
    const writer = new Y.Doc();
    const typist = new Y.Doc();
    const wText = writer.getText('t');
    const tText = typist.getText('t');
    wText.insert(0, 'head\nold body\ntail\n');
    Y.applyUpdate(typist, Y.encodeStateAsUpdate(writer));
    const updates: number[] = [];
    writer.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === 'ai') updates.push(update.length);
      Y.applyUpdate(typist, update, 'net');
    });
    typist.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin !== 'net') Y.applyUpdate(writer, update, 'net');
    });
    const body = lines(400);
    let keys = 0;
    const transactions = await applyInChunks(wText, 5, 9, body, {
      origin: 'ai',
      maxChunkChars: 1000,
      pause: async () => {
        // The typist types at the end of what has arrived so far and at the top of the file.
        const end = tText.toString().indexOf('tail');
        tText.insert(end, 'k');
        tText.insert(0, 'K');
        keys += 2;
        await new Promise((resolve) => setImmediate(resolve));
      },
    });
    assert.ok(transactions >= body.length / 1000, `${transactions} transactions`);
    assert.ok(Math.max(...updates) < 2000, `largest update ${Math.max(...updates)} bytes`);
    const final = wText.toString();
    assert.equal(final, tText.toString());
    assert.ok(final.includes(body), 'the written text is one unbroken stretch');
    assert.equal(final.replace(body, '').replace(/[kK]/g, ''), 'head\ntail\n');
    assert.equal((final.match(/[kK]/g) ?? []).length, keys);
  });

  it('is one undo step for the writer, however many chunks it took', async () => {
    const doc = new Y.Doc();
    const text = doc.getText('t');
    text.insert(0, 'keep\n');
    const undo = new Y.UndoManager(text, { trackedOrigins: new Set(['me']), captureTimeout: 0 });
    text.insert(5, 'typed before\n', HUMAN_TEXT);
    doc.transact(() => text.insert(0, '>'), 'me');
    const chunks = await applyInChunks(text, text.length, 0, lines(50), {
      origin: 'me',
      maxChunkChars: 100,
      undo,
    });
    assert.ok(chunks > 5);
    assert.equal(undo.captureTimeout, 0, 'restored');
    undo.undo();
    assert.equal(text.toString(), '>keep\ntyped before\n');
    undo.undo();
    assert.equal(text.toString(), 'keep\ntyped before\n');
  });

  it('makes what the writer types during the burst an undo step of its own, taken back first', async () => {
    const doc = new Y.Doc();
    const text = doc.getText('t');
    text.insert(0, 'keep\n');
    const typing = { typing: true };
    const undo = new Y.UndoManager(text, { trackedOrigins: new Set(['me', typing]), captureTimeout: 500 });
    doc.transact(() => text.insert(0, '>'), typing);
    undo.stopCapturing();
    const body = lines(50);
    let pauses = 0;
    await applyInChunks(text, text.length, 0, body, {
      origin: 'me',
      maxChunkChars: 100,
      undo,
      pause: async () => {
        // The writer types at the top, inside what the burst wrote, and deletes a character of each.
        pauses++;
        if (pauses === 2) doc.transact(() => text.insert(1, 'K'), typing);
        if (pauses === 4) doc.transact(() => text.insert(text.toString().indexOf('line 1') + 4, 'k'), typing);
        if (pauses === 6) doc.transact(() => text.delete(0, 1), typing);
        if (pauses === 8) doc.transact(() => text.delete(text.toString().indexOf('line 3'), 1), typing);
      },
    });
    assert.ok(pauses >= 8, `${pauses} pauses`);
    const written = text.toString();
    assert.equal(written, 'Kkeep\n' + body.replace('line 1', 'linek 1').replace('line 3', 'ine 3'));
    assert.equal(undo.undoStack.length, 3, 'the typing before, the burst, the typing during it');
    undo.undo();
    assert.equal(text.toString(), '>keep\n' + body, 'the typing during the burst, undone on its own');
    undo.undo();
    assert.equal(text.toString(), '>keep\n', 'then the burst');
    undo.undo();
    assert.equal(text.toString(), 'keep\n');
    undo.redo();
    undo.redo();
    undo.redo();
    assert.equal(text.toString(), written, 'and all of it redone');
  });

  it('marks every chunk as the assistant text and records what it replaced, for Revert', async () => {
    const doc = new Y.Doc();
    const text = doc.getText('t');
    const records = doc.getMap<SharedEditRecord>('authorship');
    text.insert(0, 'a\nold\nz\n');
    await applyAttributedInChunks(text, records, 2, 4, lines(30), meta('e1'), { maxChunkChars: 64 });
    const view = sharedAuthorshipView(text, records);
    assert.deepEqual(
      view.runs.map((run) => [run.start, run.end]),
      [[2, 2 + lines(30).length]],
    );
    const plan = planRevert(view, () => true);
    assert.deepEqual(plan.replacements, [{ offset: 2, length: lines(30).length, text: 'old\n' }]);
  });

  it('refuses a range outside the text, changing nothing', async () => {
    const doc = new Y.Doc();
    const text = doc.getText('t');
    text.insert(0, 'abc');
    await assert.rejects(applyInChunks(text, 2, 5, 'x'), /cannot replace 5 characters at 2/);
    assert.equal(text.toString(), 'abc');
  });
});
