// Property test: over random, seeded sequences of people's edits and assistant edits, both back
// ends mark exactly the characters the reference model says the assistant wrote and still stand,
// and Revert Assistant Edits leaves exactly the reference's text. A failure names its seed; a longer
// run: TANDEM_AUTHORSHIP_SEQUENCES=20000.
import * as assert from 'node:assert/strict';
import * as Y from 'yjs';
import type { AuthoredRun, AuthorshipMeta } from '../../../src/authorship/authorship';
import { LocalAuthorship } from '../../../src/authorship/localAuthorship';
import { applyReplacements, planRevert } from '../../../src/authorship/revertPlan';
import {
  applySharedRevert,
  applySharedRevertInChunks,
  attributeInsert,
  insertHumanText,
  type SharedEditRecord,
  sharedAuthorshipView,
} from '../../../src/authorship/sharedAuthorship';
import { seededRandom } from '../../support/seededRandom';
import { meta, ReferenceDocument } from './authorshipModel';

const SEQUENCES = Number(process.env.TANDEM_AUTHORSHIP_SEQUENCES ?? 300);
const STEPS = 30;
// BMP only: offsets are picked by UTF-16 code unit, and a real editor never splits a surrogate pair.
const alphabet = 'ab \nxé';

function owners(runs: readonly AuthoredRun[], length: number): string[] {
  const out: string[] = new Array(length).fill('');
  for (const run of runs) for (let i = run.start; i < run.end; i++) out[i] = run.meta.edit;
  return out;
}

function randomText(random: () => number, min: number, max: number): string {
  const length = min + Math.floor(random() * (max - min + 1));
  let text = '';
  for (let i = 0; i < length; i++) text += alphabet[Math.floor(random() * alphabet.length)];
  return text;
}

interface Sequence {
  reference: ReferenceDocument;
  local: LocalAuthorship;
  localText: string;
  ytext: Y.Text;
  records: Y.Map<SharedEditRecord>;
}

function run(seed: number): { sequence: Sequence; choose: (m: AuthorshipMeta) => boolean; what: string } {
  const random = seededRandom(seed);
  const initial = randomText(random, 0, 20);
  const ydoc = new Y.Doc();
  // Nested in a map, as a session's files are: a peer's copy of it is checked below.
  const ytext = new Y.Text();
  ydoc.getMap('texts').set('t', ytext);
  ytext.insert(0, initial);
  const sequence: Sequence = {
    reference: new ReferenceDocument(initial),
    local: new LocalAuthorship(),
    localText: initial,
    ytext,
    records: ydoc.getMap('authorship'),
  };
  let edits = 0;
  for (let step = 0; step < STEPS; step++) {
    const length = sequence.localText.length;
    const offset = Math.floor(random() * (length + 1));
    const deleted = Math.min(length - offset, Math.floor(random() * 5));
    const kind = random();
    if (kind < 0.35) {
      const id = `e${++edits}`;
      const text = randomText(random, 1, 8);
      const m = meta(id, `p${1 + Math.floor(random() * 3)}`, random() < 0.5 ? 'alice' : 'bob', step);
      sequence.reference.assistant(offset, deleted, text, m);
      const replaced = sequence.localText.slice(offset, offset + deleted);
      sequence.localText =
        sequence.localText.slice(0, offset) + text + sequence.localText.slice(offset + deleted);
      sequence.local.applyChange({ offset, deleted, inserted: text.length });
      sequence.local.attribute(offset, text.length, replaced, m);
      attributeInsert(ytext, sequence.records, offset, deleted, text, m);
    } else {
      const text = kind < 0.7 ? randomText(random, 1, 4) : kind < 0.85 ? '' : randomText(random, 0, 3);
      const cut = text === '' ? Math.max(1, deleted) : deleted;
      const removed = Math.min(length - offset, cut);
      if (removed === 0 && text === '') continue;
      sequence.reference.human(offset, removed, text);
      sequence.localText =
        sequence.localText.slice(0, offset) + text + sequence.localText.slice(offset + removed);
      sequence.local.applyChange({ offset, deleted: removed, inserted: text.length });
      ydoc.transact(() => {
        if (removed) ytext.delete(offset, removed);
        if (text) insertHumanText(ytext, offset, text);
      });
    }
  }
  const pick = random();
  const proposal = `p${1 + Math.floor(random() * 3)}`;
  const person = random() < 0.5 ? 'alice' : 'bob';
  if (pick < 0.4) return { sequence, choose: () => true, what: 'everything' };
  if (pick < 0.7) return { sequence, choose: (m) => m.proposal === proposal, what: `proposal ${proposal}` };
  return { sequence, choose: (m) => m.askedBy === person, what: `asked by ${person}` };
}

describe('authorship: revert against a reference model (property test)', () => {
  it(`marks and reverts exactly what the reference says, over ${SEQUENCES} seeded sequences`, async function () {
    this.timeout(120_000);
    for (let seed = 1; seed <= SEQUENCES; seed++) {
      const { sequence, choose, what } = run(seed);
      const { reference, local, localText, ytext, records } = sequence;
      const context = `seed ${seed} (${what})`;
      assert.equal(localText, reference.text, context);
      assert.equal(ytext.toString(), reference.text, context);
      assert.deepEqual(owners(local.runs, localText.length), reference.owners(), `local marks, ${context}`);
      const view = sharedAuthorshipView(ytext, records);
      assert.deepEqual(owners(view.runs, localText.length), reference.owners(), `shared marks, ${context}`);

      const expected = reference.reverted(choose);
      const localPlan = planRevert(local, choose, localText);
      assert.equal(
        applyReplacements(localText, localPlan.replacements),
        expected,
        `local revert, ${context}`,
      );
      const sharedPlan = planRevert(view, choose, ytext.toString());
      // A peer's copy (loaded from an update, as a guest's or a reloaded host's is) plans and reverts
      // on its own to the same text and the same marks (Yjs may keep a redundant format item there,
      // so marks are compared by owner, not as deltas).
      const peer = new Y.Doc();
      Y.applyUpdate(peer, Y.encodeStateAsUpdate(ytext.doc!));
      const peerText = peer.getMap('texts').get('t') as Y.Text;
      const peerRecords = peer.getMap<SharedEditRecord>('authorship');
      const peerPlan = planRevert(sharedAuthorshipView(peerText, peerRecords), choose, peerText.toString());
      applySharedRevert(peerText, peerRecords, peerPlan.replacements, peerPlan.edits);
      // The same plan written in chunks (a large revert in a session), on a twin of the document built
      // by the same sequence, gives the same text and marks as in one transaction.
      const twin = run(seed).sequence;
      await applySharedRevertInChunks(twin.ytext, twin.records, sharedPlan.replacements, sharedPlan.edits, {
        maxChunkChars: 2,
        pause: async () => {},
      });
      applySharedRevert(ytext, records, sharedPlan.replacements, sharedPlan.edits);
      assert.equal(ytext.toString(), expected, `shared revert, ${context}`);
      assert.equal(twin.ytext.toString(), expected, `chunked shared revert, ${context}`);
      assert.deepEqual(twin.ytext.toDelta(), ytext.toDelta(), `chunked shared revert's marks, ${context}`);
      // Whatever the revert restored is people's text now; the edits not chosen keep their marks.
      const left = sharedAuthorshipView(ytext, records);
      assert.equal(peerText.toString(), expected, `a peer copy's revert, ${context}`);
      assert.deepEqual(
        owners(sharedAuthorshipView(peerText, peerRecords).runs, expected.length),
        owners(left.runs, expected.length),
        `a peer copy's marks after its revert, ${context}`,
      );
      assert.ok(
        left.runs.every((r) => !choose(r.meta)),
        `no chosen edit keeps a mark, ${context}`,
      );
    }
  });
});
