import * as assert from 'node:assert/strict';
import { effectOfChange, type TextChange } from '../../../src/proposals/anchors';
import { composeSelection, computeHunks, expandToGroups, pairGroups } from '../../../src/proposals/hunks';
import { reproposeHunk } from '../../../src/proposals/repropose';
import { Proposal, ProposalSet } from '../../../src/proposals/proposal';
import { FileReview } from '../../../src/proposals/review';
import { plainText } from '../../../src/proposals/plainText';

/** A document as the tests edit it: text plus the change events an editor would report. */
class TestDocument {
  version = 1;
  constructor(public text: string) {}

  offsetOf(line: number, character: number): number {
    let offset = 0;
    for (let i = 0; i < line; i++) offset = this.text.indexOf('\n', offset) + 1;
    return offset + character;
  }

  /** Replaces [start, end) and returns the change as VS Code would report it. */
  edit(startLine: number, startChar: number, endLine: number, endChar: number, text: string): TextChange {
    const from = this.offsetOf(startLine, startChar);
    const to = this.offsetOf(endLine, endChar);
    this.text = this.text.slice(0, from) + text + this.text.slice(to);
    this.version++;
    return {
      start: { line: startLine, character: startChar },
      end: { line: endLine, character: endChar },
      text,
    };
  }

  readLines = (line: number, count: number): string => {
    const from = this.offsetOf(line, 0);
    const to = this.offsetOf(line + count, 0);
    return this.text.slice(from, to < from ? undefined : to);
  };

  /** Writes an accept plan the way the editor adapter does. */
  apply(plan: { line: number; lineCount: number; text: string }): TextChange {
    return this.edit(plan.line, 0, plan.line + plan.lineCount, 0, plan.text);
  }
}

function review(original: string, proposed: string): FileReview {
  return new FileReview(
    'p1',
    { path: 'a.txt', kind: 'modify', original, proposed, notes: [], applied: [] },
    1,
  );
}

function accept(
  doc: TestDocument,
  file: FileReview,
  id: string,
  selection?: { removed: number[]; added: number[] },
) {
  const result = file.planAccept(id, doc.readLines, selection);
  assert.ok(result.ok, result.ok ? '' : result.reason);
  file.beginApply(result.plan);
  const change = doc.apply(result.plan);
  file.onDocumentChanged([change], doc.version);
  return file.finishApply(result.plan, true, doc.version);
}

const ORIGINAL = 'a\nb\nc\nd\ne\nf\ng\n';
const PROPOSED = 'a\nB\nc\nd\ne\nF1\nF2\ng\n';

describe('proposals: hunks', () => {
  it('keeps line breaks in hunks, so CRLF and a missing final newline come through', () => {
    assert.deepEqual(computeHunks('x\r\ny', 'x\r\nz'), [
      { originalStart: 1, removed: ['y'], added: ['z'], proposedStart: 1, before: ['x\r\n'], after: [] },
    ]);
    assert.deepEqual(computeHunks('x\n', 'x'), [
      { originalStart: 0, removed: ['x\n'], added: ['x'], proposedStart: 0, before: [], after: [] },
    ]);
    assert.deepEqual(computeHunks('1\n2\n3\n4\n5\n6\n', '1\n2\n3\nfour\n5\n6\n')[0], {
      originalStart: 3,
      removed: ['4\n'],
      added: ['four\n'],
      proposedStart: 3,
      before: ['2\n', '3\n'],
      after: ['5\n', '6\n'],
    });
  });

  it('composes a partial accept like git: unselected removed lines stay, then selected added lines', () => {
    const hunk = { removed: ['r0\n', 'r1\n', 'r2\n'], added: ['a0\n', 'a1\n'] };
    assert.deepEqual(composeSelection(hunk, { removed: [1], added: [1] }, '\n'), ['r0\n', 'r2\n', 'a1\n']);
    assert.deepEqual(composeSelection(hunk, { removed: [], added: [] }, '\n'), ['r0\n', 'r1\n', 'r2\n']);
    // The file's unterminated last line gets a line break once something follows it.
    assert.deepEqual(
      composeSelection({ removed: ['end'], added: ['x\n', 'y'] }, { removed: [], added: [0] }, '\r\n'),
      ['end\r\n', 'x\n'],
    );
  });

  it('pairs removed and added lines for picking on one side', () => {
    assert.deepEqual(pairGroups(2, 3), [
      { removed: [0], added: [0] },
      { removed: [1], added: [1, 2] },
    ]);
    assert.deepEqual(pairGroups(0, 2), [
      { removed: [], added: [0] },
      { removed: [], added: [1] },
    ]);
    assert.deepEqual(expandToGroups(3, 1, { removed: [2] }), { removed: [0, 1, 2], added: [0] });
    assert.deepEqual(expandToGroups(3, 3, { added: [1] }), { removed: [1], added: [1] });
    // On the proposed side of the diff every added line can be picked by itself.
    assert.deepEqual(pairGroups(2, 3, 'alone'), [
      { removed: [0], added: [0] },
      { removed: [1], added: [1] },
      { removed: [], added: [2] },
    ]);
    assert.deepEqual(expandToGroups(2, 3, { added: [2] }, 'alone'), { removed: [], added: [2] });
  });
});

describe('proposals: anchors', () => {
  const span = { line: 5, length: 2, lastLineLength: 4 };
  const at = (line: number, character: number) => ({ line, character });
  const cases: Array<[string, TextChange, string]> = [
    ['a line inserted above', { start: at(1, 0), end: at(1, 0), text: 'new\n' }, 'shift 1'],
    ['two lines deleted above', { start: at(1, 0), end: at(3, 0), text: '' }, 'shift -2'],
    ['typing on a line above', { start: at(2, 3), end: at(2, 3), text: 'x' }, 'none'],
    [
      'a full line inserted right at the hunk start',
      { start: at(5, 0), end: at(5, 0), text: 'new\n' },
      'shift 1',
    ],
    ['typing at the start of the first hunk line', { start: at(5, 0), end: at(5, 0), text: 'x' }, 'stale'],
    ['joining the line above onto the hunk', { start: at(4, 7), end: at(5, 0), text: '' }, 'stale'],
    ['typing inside the hunk', { start: at(6, 1), end: at(6, 1), text: 'x' }, 'stale'],
    ['Enter at the end of the last hunk line', { start: at(6, 4), end: at(6, 4), text: '\n' }, 'none'],
    ['typing at the end of the last hunk line', { start: at(6, 4), end: at(6, 4), text: 'x' }, 'stale'],
    ['deleting the line break after the hunk', { start: at(6, 4), end: at(7, 0), text: '' }, 'stale'],
    ['an edit below', { start: at(9, 0), end: at(12, 0), text: '' }, 'none'],
  ];
  for (const [title, change, expected] of cases) {
    it(title, () => {
      const effect = effectOfChange(span, change);
      assert.equal(effect.kind === 'shift' ? `shift ${effect.lines}` : effect.kind, expected);
    });
  }

  it('a pure insertion is stale only when an edit crosses its boundary', () => {
    const insertion = { line: 3, length: 0, lastLineLength: 0 };
    assert.equal(effectOfChange(insertion, { start: at(2, 1), end: at(2, 1), text: 'x' }).kind, 'none');
    assert.equal(effectOfChange(insertion, { start: at(3, 0), end: at(3, 2), text: '' }).kind, 'none');
    assert.equal(effectOfChange(insertion, { start: at(2, 1), end: at(3, 1), text: '' }).kind, 'stale');
  });
});

describe('proposals: file review', () => {
  it('accepts one hunk and rejects the other: exactly the accepted change is written', () => {
    const doc = new TestDocument(ORIGINAL);
    const file = review(ORIGINAL, PROPOSED);
    assert.equal(file.hunks.length, 2);
    accept(doc, file, file.hunks[1].id);
    assert.ok(file.reject(file.hunks[0].id));
    assert.equal(doc.text, 'a\nb\nc\nd\ne\nF1\nF2\ng\n');
    assert.deepEqual(
      file.hunks.map((hunk) => hunk.status),
      ['rejected', 'accepted'],
    );
  });

  it('keeps hunks on their lines while the person types elsewhere, and accepts them there', () => {
    const doc = new TestDocument(ORIGINAL);
    const file = review(ORIGINAL, PROPOSED);
    file.onDocumentChanged([doc.edit(0, 0, 0, 0, 'top 1\ntop 2\n')], doc.version);
    file.onDocumentChanged([doc.edit(4, 1, 4, 1, '!')], doc.version); // "c" -> "c!" between the hunks
    assert.deepEqual(
      file.hunks.map((hunk) => hunk.line),
      [3, 7],
    );
    accept(doc, file, file.hunks[0].id);
    accept(doc, file, file.hunks[1].id);
    assert.equal(doc.text, 'top 1\ntop 2\na\nB\nc!\nd\ne\nF1\nF2\ng\n');
  });

  it('marks a hunk whose text was edited stale, and refuses it', () => {
    const doc = new TestDocument(ORIGINAL);
    const file = review(ORIGINAL, PROPOSED);
    file.onDocumentChanged([doc.edit(1, 1, 1, 1, 'x')], doc.version); // "b" -> "bx"
    assert.equal(file.hunks[0].status, 'stale');
    const result = file.planAccept(file.hunks[0].id, doc.readLines);
    assert.deepEqual(result, {
      ok: false,
      reason: 'the text this change was made for has been edited since (stale)',
    });
    assert.equal(doc.text, 'a\nbx\nc\nd\ne\nf\ng\n');
    assert.equal(file.hunks[1].status, 'pending', 'the other hunk is still good');
  });

  it('refuses a hunk whose lines changed without a change event (checked again at apply time)', () => {
    const doc = new TestDocument(ORIGINAL);
    const file = review(ORIGINAL, PROPOSED);
    doc.text = doc.text.replace('f\n', 'f changed elsewhere\n');
    const result = file.planAccept(file.hunks[1].id, doc.readLines);
    assert.equal(result.ok, false);
    assert.equal(file.hunks[1].status, 'stale');
  });

  it('accepts only the selected lines, leaving the rest of the hunk to review', () => {
    const doc = new TestDocument(ORIGINAL);
    const file = review(ORIGINAL, PROPOSED);
    const rest = accept(doc, file, file.hunks[1].id, { removed: [0], added: [0] });
    assert.equal(doc.text, 'a\nb\nc\nd\ne\nF1\ng\n');
    assert.equal(rest.length, 1);
    assert.deepEqual([rest[0].line, rest[0].removed, rest[0].added], [6, [], ['F2\n']]);
    accept(doc, file, rest[0].id);
    assert.equal(doc.text, 'a\nb\nc\nd\ne\nF1\nF2\ng\n');
  });

  it('puts a hunk back under review when Undo takes back exactly its write, and accepts it again on Redo', () => {
    const doc = new TestDocument(ORIGINAL);
    const file = review(ORIGINAL, PROPOSED);
    const hunk = file.hunks[1];
    const rest = accept(doc, file, hunk.id, { removed: [], added: [1] });
    assert.equal(doc.text, 'a\nb\nc\nd\ne\nf\nF2\ng\n');
    assert.equal(rest.length, 1);
    // The editor's Undo replaces what was written ("f\nF2\n" at line 5) with what was there ("f\n").
    file.onDocumentChanged([doc.edit(5, 0, 7, 0, 'f\n')], doc.version, 'undo');
    assert.equal(hunk.status, 'pending');
    assert.equal(hunk.line, 5);
    assert.ok(!file.hunks.includes(rest[0]), 'what was left of it goes away with it');
    file.onDocumentChanged([doc.edit(5, 0, 6, 0, 'f\nF2\n')], doc.version, 'redo');
    assert.equal(hunk.status, 'accepted');
    // A later ordinary edit elsewhere does not bring it back.
    file.onDocumentChanged([doc.edit(0, 0, 0, 0, 'x\n')], doc.version);
    assert.equal(hunk.status, 'accepted');
  });

  it('recognises an Undo and a Redo reported as the smallest changes (as VS Code reports them)', () => {
    const doc = new TestDocument(ORIGINAL);
    const file = review(ORIGINAL, PROPOSED);
    const hunk = file.hunks[1];
    accept(doc, file, hunk.id);
    assert.equal(doc.text, 'a\nb\nc\nd\ne\nF1\nF2\ng\n');
    // "F1\nF2\n" back to "f\n", trimmed: line 6 "F2\n" removed, "F1" on line 5 becomes "f" (last first).
    file.onDocumentChanged([doc.edit(6, 0, 7, 0, ''), doc.edit(5, 0, 5, 2, 'f')], doc.version, 'undo');
    assert.equal(doc.text, ORIGINAL);
    assert.equal(hunk.status, 'pending', 'back under review');
    file.onDocumentChanged([doc.edit(5, 0, 5, 1, 'F1\nF2')], doc.version, 'redo');
    assert.equal(doc.text, 'a\nb\nc\nd\ne\nF1\nF2\ng\n');
    assert.equal(hunk.status, 'accepted', 'accepted again');
    // An undo that restores something else (or reaches outside the hunk's lines) is no undo of it.
    file.onDocumentChanged([doc.edit(5, 0, 5, 2, 'X')], doc.version, 'undo');
    assert.equal(hunk.status, 'accepted');
  });

  it('re-proposes a stale hunk against the edited text', () => {
    const doc = new TestDocument(ORIGINAL);
    const file = review(ORIGINAL, PROPOSED);
    const hunk = file.hunks[1];
    file.onDocumentChanged([doc.edit(5, 1, 5, 1, '!')], doc.version); // "f" -> "f!"
    assert.equal(hunk.status, 'stale');
    // The person's edit is inside the hunk: re-proposing finds the place again (fuzzy, by context).
    const again = reproposeHunk(hunk, doc.text);
    assert.ok(again.ok);
    assert.deepEqual(again, { ok: true, line: 5, removed: ['f!\n'], added: ['F1\n', 'F2\n'] });
    const fresh = file.replaceStale(hunk.id, again.removed, again.added, again.line, doc.version)!;
    accept(doc, file, fresh.id);
    assert.equal(doc.text, 'a\nb\nc\nd\ne\nF1\nF2\ng\n');
  });
});

describe('proposals: the set under review', () => {
  const draft = () => ({
    rationale: '',
    failures: [],
    changes: [
      { path: 'a.txt', kind: 'modify' as const, original: 'a\n', proposed: 'b\n', notes: [], applied: [] },
    ],
  });

  it('lets go of the oldest decided proposals past its size, never undecided ones', () => {
    const set = new ProposalSet(2);
    const decided = new Proposal(draft(), { instruction: 'one' });
    decided.files[0].reject(decided.files[0].hunks[0].id);
    const undecided = new Proposal(draft(), { instruction: 'two' });
    set.add(decided);
    set.add(undecided);
    const third = new Proposal(draft(), { instruction: 'three' });
    set.add(third);
    assert.deepEqual(set.all(), [undecided, third]);
    set.add(new Proposal(draft(), { instruction: 'four' }));
    assert.equal(set.all().length, 3, 'undecided proposals stay even past the size');
  });
});

describe('proposals: reasons shown as plain text (CodeLens titles)', () => {
  it('keeps the words of code spans, emphasis and links, and drops their marks', () => {
    assert.equal(
      plainText("the `language` union gets `'es'`, **and** [greet](src/greeter.ts) uses it"),
      "the language union gets 'es', and greet uses it",
    );
    assert.equal(plainText('  nothing to strip  '), 'nothing to strip');
  });
});
