import * as assert from 'node:assert/strict';
import * as Y from 'yjs';
import {
  lfLineCharacter,
  applySharedRevert,
  attributeInsert,
  hasAuthorshipMarks,
  insertHumanText,
  markedBefore,
  type SharedEditRecord,
  sharedAuthorshipView,
  sharedRuns,
} from '../../../src/authorship/sharedAuthorship';
import { planRevert } from '../../../src/authorship/revertPlan';
import { DocumentBinding } from '../../../src/collab/documentBinding';
import { SimulatedDocument } from '../../fuzz/simulatedDocument';
import { seededRandom } from '../../support/seededRandom';
import { meta } from './authorshipModel';

function peer(clientID: number) {
  const doc = new Y.Doc();
  doc.clientID = clientID;
  return { doc, text: doc.getText('t'), records: doc.getMap<SharedEditRecord>('authorship') };
}

function sync(a: Y.Doc, b: Y.Doc): void {
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
}

/** Live format items of a Y.Text (the boundaries every peer's formatting cleanup walks). */
function formatItems(text: Y.Text): number {
  let count = 0;
  for (let item = text._start; item !== null; item = item.right as Y.Item | null)
    if (!item.deleted && item.content instanceof Y.ContentFormat) count++;
  return count;
}

/** Which characters carry the assistant's mark, one flag per character, read from Yjs's own delta. */
function markFlags(text: Y.Text): boolean[] {
  const flags: boolean[] = [];
  for (const op of text.toDelta() as { insert: string; attributes?: Record<string, unknown> }[])
    for (let i = 0; i < op.insert.length; i++) flags.push(Boolean(op.attributes?.tandemAi));
  return flags;
}

const marked = (text: Y.Text) =>
  sharedRuns(text)
    .map((run) => text.toString().slice(run.start, run.end))
    .join('|');

describe('authorship: session files (Y.Text attributes)', () => {
  it('marks the inserted text with who asked, the model and the proposal', () => {
    const alice = peer(1);
    alice.text.insert(0, 'fn main() {}\n');
    attributeInsert(alice.text, alice.records, 10, 0, ' run(); ', meta('e1', 'p7', 'bob'));
    const [run] = sharedRuns(alice.text);
    assert.deepEqual([run.start, run.end], [10, 18]);
    assert.deepEqual(run.meta, meta('e1', 'p7', 'bob'));
    assert.ok(hasAuthorshipMarks(alice.text));
    assert.equal(hasAuthorshipMarks(peer(3).text), false);
  });

  it('keeps only the assistant characters marked when people type inside, before and after', () => {
    const alice = peer(1);
    attributeInsert(alice.text, alice.records, 0, 0, 'abcdef', meta('e1'));
    insertHumanText(alice.text, 3, 'XY');
    insertHumanText(alice.text, 0, '<');
    insertHumanText(alice.text, alice.text.length, '>');
    alice.text.delete(2, 1);
    assert.equal(alice.text.toString(), '<acXYdef>');
    assert.equal(marked(alice.text), 'ac|def');
  });

  it("inserts people's text plain unless the character before is the assistant's", () => {
    const alice = peer(1);
    alice.text.insert(0, 'human\n');
    attributeInsert(alice.text, alice.records, 6, 0, 'assistant\n', meta('e1'));
    insertHumanText(alice.text, alice.text.length, 'tail\n');
    const boundaries = formatItems(alice.text);
    assert.equal(boundaries, 2, 'the run opens and closes');
    // Before the run, at its start (after a person's character) and after the person's tail: no
    // new format boundary, and nothing marked.
    insertHumanText(alice.text, 0, '<');
    insertHumanText(alice.text, 7, '[');
    insertHumanText(alice.text, alice.text.length, '>');
    assert.equal(formatItems(alice.text), boundaries);
    assert.equal(marked(alice.text), 'assistant\n');
    // Right after the run's last character and inside it: the mark is unset for the typed text.
    insertHumanText(alice.text, alice.text.toString().indexOf('tail'), '+');
    insertHumanText(alice.text, alice.text.toString().indexOf('stant'), '|');
    assert.equal(alice.text.toString(), '<human\n[assi|stant\n+tail\n>');
    assert.equal(marked(alice.text), 'assi|stant\n');
  });

  it("knows whether the character before an offset is the assistant's, as Yjs formats it (random edits)", () => {
    const random = seededRandom(14);
    for (let round = 0; round < 30; round++) {
      const alice = peer(1);
      const bob = peer(2);
      alice.text.insert(0, 'start\n');
      sync(alice.doc, bob.doc);
      for (let step = 0; step < 40; step++) {
        const who = random() < 0.5 ? alice : bob;
        const at = Math.floor(random() * (who.text.length + 1));
        const roll = random();
        if (roll < 0.2) attributeInsert(who.text, who.records, at, 0, 'ai ai', meta(`e${round}-${step}`));
        else if (roll < 0.35 && at < who.text.length) who.text.delete(at, Math.min(3, who.text.length - at));
        else {
          const before = markFlags(who.text);
          insertHumanText(who.text, at, 'hu');
          // What a person typed is never marked; everything else keeps its mark.
          const after = markFlags(who.text);
          assert.deepEqual(after, [...before.slice(0, at), false, false, ...before.slice(at)]);
        }
        if (random() < 0.3) sync(alice.doc, bob.doc);
        const flags = markFlags(who.text);
        for (let i = 0; i <= who.text.length; i++)
          assert.equal(markedBefore(who.text, i), i > 0 && flags[i - 1], `round ${round}, offset ${i}`);
      }
      sync(alice.doc, bob.doc);
      assert.deepEqual(markFlags(alice.text), markFlags(bob.text));
    }
  });

  it('merges attribution from concurrent peers: both end with the same marks', () => {
    const alice = peer(1);
    const bob = peer(2);
    alice.text.insert(0, 'line one\nline two\n');
    sync(alice.doc, bob.doc);
    attributeInsert(alice.text, alice.records, 9, 8, 'LINE TWO', meta('e1'));
    insertHumanText(bob.text, 13, '!'); // inside what Alice's assistant replaces, concurrently
    insertHumanText(bob.text, 0, '# ');
    sync(alice.doc, bob.doc);
    assert.equal(alice.text.toString(), bob.text.toString());
    assert.deepEqual(sharedRuns(alice.text), sharedRuns(bob.text));
    assert.equal(marked(bob.text), 'LINE TWO');
    // Bob types inside the assistant text after the sync: the split shows at Alice's too.
    insertHumanText(bob.text, bob.text.toString().indexOf('TWO'), 'big ');
    sync(alice.doc, bob.doc);
    assert.equal(marked(alice.text), 'LINE |TWO');
    assert.equal(alice.text.toString(), bob.text.toString());
  });

  it('reverts in one transaction that every peer receives, keeping what people typed', () => {
    const alice = peer(1);
    const bob = peer(2);
    alice.text.insert(0, 'a = 1\nb = 2\nc = 3\n');
    sync(alice.doc, bob.doc);
    attributeInsert(alice.text, alice.records, 4, 1, '100', meta('e1'));
    attributeInsert(alice.text, alice.records, alice.text.toString().indexOf('2'), 1, '200', meta('e2'));
    attributeInsert(alice.text, alice.records, alice.text.toString().indexOf('c = 3\n'), 6, '', meta('e3'));
    sync(alice.doc, bob.doc);
    insertHumanText(bob.text, bob.text.toString().indexOf('200') + 1, '_');
    sync(alice.doc, bob.doc);
    const updates: Uint8Array[] = [];
    bob.doc.on('update', (update: Uint8Array) => updates.push(update));
    const plan = planRevert(sharedAuthorshipView(bob.text, bob.records), () => true);
    applySharedRevert(bob.text, bob.records, plan.replacements, plan.edits, 'bob');
    assert.equal(updates.length, 1, 'one transaction');
    assert.equal(bob.text.toString(), 'a = 1\nb = _\nc = 3\n');
    sync(alice.doc, bob.doc);
    assert.equal(alice.text.toString(), bob.text.toString());
    // The pure deletion's record goes; the others stay, dormant (no character carries them).
    assert.deepEqual([...alice.records.keys()].sort(), ['e1', 'e2']);
    assert.equal(sharedAuthorshipView(alice.text, alice.records).edits.size, 0);
    assert.equal(sharedRuns(alice.text).length, 0);
  });

  it('brings the marks back when the revert is undone, and a second revert takes them again', () => {
    const alice = peer(1);
    const bob = peer(2);
    alice.text.insert(0, 'a = 1\nb = 2\n');
    attributeInsert(alice.text, alice.records, 4, 1, '100', meta('e1', 'p1'));
    attributeInsert(
      alice.text,
      alice.records,
      alice.text.toString().indexOf('2'),
      1,
      '200',
      meta('e2', 'p2'),
    );
    sync(alice.doc, bob.doc);
    insertHumanText(bob.text, bob.text.toString().indexOf('200') + 1, '_');
    sync(alice.doc, bob.doc);
    // Bob reverts everything, with his own undo manager (as Ctrl+Z in a shared file uses).
    const undo = new Y.UndoManager(bob.text, { trackedOrigins: new Set(['bob']) });
    const plan = planRevert(sharedAuthorshipView(bob.text, bob.records), () => true);
    applySharedRevert(bob.text, bob.records, plan.replacements, plan.edits, 'bob');
    sync(alice.doc, bob.doc);
    assert.equal(alice.text.toString(), 'a = 1\nb = _\n');
    assert.equal(marked(alice.text), '');
    undo.undo();
    sync(alice.doc, bob.doc);
    for (const who of [alice, bob]) {
      assert.equal(who.text.toString(), 'a = 100\nb = 2_00\n');
      assert.equal(marked(who.text), '100|2|00');
      const view = sharedAuthorshipView(who.text, who.records);
      assert.deepEqual([...view.edits.keys()].sort(), ['e1', 'e2']);
      assert.deepEqual(
        view.runs.map((run) => run.meta.proposal),
        ['p1', 'p2', 'p2'],
      );
    }
    const again = planRevert(sharedAuthorshipView(alice.text, alice.records), () => true);
    applySharedRevert(alice.text, alice.records, again.replacements, again.edits, 'alice');
    sync(alice.doc, bob.doc);
    // e1 is untouched: its replaced "1" comes back; e2 was typed into: only its characters go.
    assert.equal(bob.text.toString(), 'a = 1\nb = _\n');
    undo.destroy();
  });

  it('puts a deletion back only where nobody inserted text since', () => {
    for (const [typed, expected] of [
      [undefined, 'a\nb\nc\n'],
      ['b\n', 'a\nb\nc\n'],
      ['B!\n', 'a\nB!\nc\n'],
    ] as const) {
      const alice = peer(1);
      alice.text.insert(0, 'a\nb\nc\n');
      attributeInsert(alice.text, alice.records, 2, 2, '', meta('e1'));
      if (typed) insertHumanText(alice.text, 2, typed);
      const plan = planRevert(sharedAuthorshipView(alice.text, alice.records), () => true);
      applySharedRevert(alice.text, alice.records, plan.replacements, plan.edits);
      assert.equal(alice.text.toString(), expected, `after typing ${JSON.stringify(typed)}`);
    }
  });

  it('people typing inside assistant text through the document binding are not marked', async () => {
    const alice = peer(1);
    alice.text.insert(0, 'start\n');
    const editor = new SimulatedDocument({ text: 'start\n', eol: '\n', latency: () => 0 });
    const binding = new DocumentBinding(alice.text, editor, { origin: 'editor' });
    editor.onDidChange((changes, version) => binding.handleDocumentChange(changes, version));
    attributeInsert(alice.text, alice.records, 6, 0, 'written by AI\n', meta('e1'), 'assistant');
    await binding.whenIdle();
    for (let i = 0; i < 50 && editor.getText() !== alice.text.toString(); i++)
      await new Promise((resolve) => setTimeout(resolve, 2));
    assert.equal(editor.getText(), 'start\nwritten by AI\n');
    editor.userEdit(6 + 'written'.length, 0, ' mostly');
    for (let i = 0; i < 100 && !alice.text.toString().includes('mostly'); i++)
      await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(editor.getText(), 'start\nwritten mostly by AI\n');
    assert.equal(alice.text.toString(), 'start\nwritten mostly by AI\n');
    assert.equal(marked(alice.text), 'written| by AI\n');
    // Right after the assistant's last character: the person's text is theirs.
    editor.userEdit(editor.getText().indexOf('AI') + 2, 0, '!');
    for (let i = 0; i < 100 && !alice.text.toString().includes('!'); i++)
      await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(alice.text.toString(), 'start\nwritten mostly by AI!\n');
    assert.equal(marked(alice.text), 'written| by AI|\n');
    binding.dispose();
  });
});

describe('shared authorship: session offsets to lines', () => {
  it('gives the line and character of an LF offset, so CRLF editors place marks right', () => {
    const text = 'ab\ncd\n\nef';
    assert.deepEqual(lfLineCharacter(text, 0), { line: 0, character: 0 });
    assert.deepEqual(lfLineCharacter(text, 2), { line: 0, character: 2 });
    assert.deepEqual(lfLineCharacter(text, 3), { line: 1, character: 0 });
    assert.deepEqual(lfLineCharacter(text, 6), { line: 2, character: 0 });
    assert.deepEqual(lfLineCharacter(text, 7), { line: 3, character: 0 });
    assert.deepEqual(lfLineCharacter(text, 9), { line: 3, character: 2 });
  });
});
