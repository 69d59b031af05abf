import * as assert from 'node:assert/strict';
import { type AuthorshipMeta, changedPart, describeAuthorship } from '../../../src/authorship/authorship';
import { LocalAuthorship, textHash } from '../../../src/authorship/localAuthorship';
import { applyReplacements, planRevert } from '../../../src/authorship/revertPlan';
import { meta } from './authorshipModel';

/** A text with its local authorship, edited as an editor would report the changes. */
class Doc {
  readonly authorship = new LocalAuthorship();
  constructor(public text: string) {}
  human(offset: number, deleted: number, inserted: string): void {
    this.text = this.text.slice(0, offset) + inserted + this.text.slice(offset + deleted);
    this.authorship.applyChange({ offset, deleted, inserted: inserted.length });
  }
  assistant(offset: number, deleted: number, inserted: string, id: string, proposal = 'p1'): void {
    const replaced = this.text.slice(offset, offset + deleted);
    this.human(offset, deleted, inserted);
    this.authorship.attribute(offset, inserted.length, replaced, meta(id, proposal));
  }
  marked(): string {
    return this.authorship.runs.map((run) => this.text.slice(run.start, run.end)).join('|');
  }
  revert(choose: (m: AuthorshipMeta) => boolean = () => true): string {
    const plan = planRevert(this.authorship, choose);
    return applyReplacements(this.text, plan.replacements);
  }
}

describe('authorship: local files', () => {
  it('keeps the assistant text marked when people type before and after it', () => {
    const doc = new Doc('let a = 1;\n');
    doc.assistant(8, 1, '42', 'e1');
    assert.equal(doc.marked(), '42');
    doc.human(0, 0, '// hi\n');
    doc.human(doc.text.length, 0, 'x();\n');
    doc.human(doc.text.indexOf('42') + 2, 0, '0'); // right after the run: the person's
    doc.human(doc.text.indexOf('42'), 0, '-'); // right before it: the person's
    assert.equal(doc.text, '// hi\nlet a = -420;\nx();\n');
    assert.equal(doc.marked(), '42');
  });

  it('splits a run when a person types inside it, and shrinks it when they delete from it', () => {
    const doc = new Doc('');
    doc.assistant(0, 0, 'abcdef', 'e1');
    doc.human(3, 0, 'XY');
    assert.equal(doc.text, 'abcXYdef');
    assert.equal(doc.marked(), 'abc|def');
    doc.human(1, 1, '');
    doc.human(3, 3, 'Q'); // deletes "Yde" (across the person's and the assistant's text)
    assert.equal(doc.text, 'acXQf');
    assert.equal(doc.marked(), 'ac|f');
    assert.equal(doc.authorship.runAt(2), undefined);
    assert.equal(doc.authorship.runAt(4)?.meta.edit, 'e1');
  });

  it('reverts an untouched edit to the text it replaced, and only removes an edited one', () => {
    const doc = new Doc('one\ntwo\nthree\n');
    doc.assistant(4, 4, 'TWO\n', 'e1');
    doc.assistant(doc.text.indexOf('three'), 5, 'THREE', 'e2', 'p2');
    doc.human(doc.text.indexOf('THREE') + 2, 0, '!');
    doc.human(0, 0, '0\n');
    assert.equal(doc.text, '0\none\nTWO\nTH!REE\n');
    assert.equal(doc.revert(), '0\none\ntwo\n!\n');
    assert.equal(
      doc.revert((m) => m.proposal === 'p2'),
      '0\none\nTWO\n!\n',
    );
  });

  it('counts what a revert changes: an edit people deleted entirely changes nothing', () => {
    const doc = new Doc('x = 1;\n');
    doc.assistant(4, 1, '2', 'e1');
    doc.assistant(doc.text.length, 0, 'y = 3;\n', 'e2');
    doc.human(doc.text.indexOf('y'), 7, '');
    const plan = planRevert(doc.authorship, () => true);
    assert.deepEqual([plan.edits.length, plan.effective, plan.removed, plan.restored], [2, 1, 1, 1]);
    assert.equal(applyReplacements(doc.text, plan.replacements), 'x = 1;\n');
  });

  it('puts back what a pure deletion removed, at the place it was', () => {
    const doc = new Doc('keep\ndrop\nkeep too\n');
    doc.assistant(5, 5, '', 'e1');
    doc.human(0, 0, 'top\n');
    doc.human(doc.text.length, 0, 'end\n');
    assert.equal(doc.revert(), 'top\nkeep\ndrop\nkeep too\nend\n');
  });

  it('does not put back a deletion where someone has since inserted text (typed there, or undone it)', () => {
    const undone = new Doc('keep\ndrop\nkeep too\n');
    undone.assistant(5, 5, '', 'e1');
    undone.human(5, 0, 'drop\n'); // what Undo of the deletion does
    assert.equal(undone.revert(), 'keep\ndrop\nkeep too\n', 'not restored a second time');
    const typed = new Doc('a\nb\nc\n');
    typed.assistant(2, 2, '', 'e1');
    typed.human(2, 0, 'B!\n');
    assert.equal(typed.revert(), 'a\nB!\nc\n');
    const around = new Doc('a\nb\nc\n');
    around.assistant(2, 2, '', 'e1');
    around.human(0, 2, ''); // the line before goes: the place itself is untouched
    assert.equal(around.revert(), 'b\nc\n');
  });

  it('restores its state only onto the exact text it describes', () => {
    const doc = new Doc('a\n');
    doc.assistant(2, 0, 'b\nc\n', 'e1');
    doc.human(0, 0, 'z');
    const stored = JSON.parse(JSON.stringify(doc.authorship.toStored(doc.text)));
    const restored = LocalAuthorship.fromStored(stored, doc.text);
    assert.ok(restored);
    assert.deepEqual(restored.runs, doc.authorship.runs);
    assert.deepEqual([...restored.edits], [...doc.authorship.edits]);
    assert.equal(LocalAuthorship.fromStored(stored, doc.text + ' '), undefined, 'file changed: dropped');
    assert.equal(LocalAuthorship.fromStored({ ...stored, runs: [[0, 99, 'e1']] }, doc.text), undefined);
    assert.equal(LocalAuthorship.fromStored({ ...stored, runs: [[0, 1, 'nope']] }, doc.text), undefined);
    assert.equal(LocalAuthorship.fromStored('garbage', doc.text), undefined);
    assert.equal(stored.hash, textHash(doc.text));
  });

  it('attributes only what a replacement changed', () => {
    assert.deepEqual(changedPart('const a = 1;', 'const b = 1;'), {
      offset: 6,
      replaced: 'a',
      inserted: 'b',
    });
    assert.deepEqual(changedPart('x', 'x'), { offset: 1, replaced: '', inserted: '' });
    assert.deepEqual(changedPart('a😀', 'a😃'), { offset: 1, replaced: '😀', inserted: '😃' });
    assert.match(describeAuthorship(meta('e1')), /model test-model.*asked by alice.*proposal p1/);
    // The local participant's own request reads "you" (their marks carry their name).
    assert.match(describeAuthorship(meta('e1'), 'alice'), /asked by you · proposal p1/);
    assert.match(describeAuthorship(meta('e1'), 'bob'), /asked by alice ·/);
  });
});
