import * as assert from 'node:assert/strict';
import type { AuthoredRun, AuthorshipMeta } from '../../../src/authorship/authorship';
import { deletionsOf, percentOf, summarizeAuthorship } from '../../../src/authorship/fileSummary';
import { LocalAuthorship } from '../../../src/authorship/localAuthorship';

const meta = (edit: string, proposal: string, askedBy = 'alice', model = 'm1', at = 1): AuthorshipMeta => ({
  edit,
  proposal,
  model,
  askedBy,
  at,
});

/** Runs over the given substrings of text (each found once, in order). */
function runsOver(text: string, ...parts: [string, AuthorshipMeta][]): AuthoredRun[] {
  let from = 0;
  return parts.map(([part, runMeta]) => {
    const start = text.indexOf(part, from);
    assert.ok(start >= 0, `${part} in text`);
    from = start + part.length;
    return { start, end: start + part.length, meta: runMeta };
  });
}

/** A proposal's figures when it deleted nothing on its own. */
const figures = (proposal: string, characters: number, lines: number) => ({
  proposal,
  characters,
  lines,
  removed: 0,
  removedTexts: [],
});

describe('authorship: per-file summary', () => {
  it('counts what accepted edits that only deleted text removed, per proposal and person, where they removed it', () => {
    const text = 'alpha\nBETA\ngamma\n';
    const runs = runsOver(text, ['BETA', meta('e1', 'p1', 'alice', 'm1', 10)]);
    const deletions = [
      { at: text.indexOf('gamma'), text: 'two\nlines\n', meta: meta('e2', 'p2', 'alice', 'm1', 20) },
      { at: 0, text: '\r\n', meta: meta('e3', 'p2', 'alice', 'm1', 20) },
      { at: text.length, text: 'end', meta: meta('e4', 'p3', 'bob', 'm1', 30) },
    ];
    const summary = summarizeAuthorship(text, runs, 'alice', deletions);
    assert.equal(summary.characters, 4, 'deletions leave no character of their own');
    // Counted as characters are (no carriage return): 10 + 1 + 3.
    assert.equal(summary.removed, 14);
    assert.deepEqual(
      summary.people.map((person) => [person.askedBy, person.mine, person.characters, person.removed]),
      [
        ['alice', true, 4, 11],
        ['bob', false, 0, 3],
      ],
    );
    // A deletion-only proposal is listed where it deleted, with what it removed in file order.
    assert.deepEqual(summary.people[0].proposals, [
      {
        proposal: 'p2',
        characters: 0,
        lines: 0,
        removed: 11,
        removedTexts: ['\r\n', 'two\nlines\n'],
        firstOffset: 0,
        firstLine: 0,
      },
      { ...figures('p1', 4, 1), firstOffset: 6, firstLine: 1 },
    ]);
    assert.equal(summary.people[1].proposals[0].firstLine, 3, 'the end of the text: its last line');
  });

  it('lists the deletions of a view that still stand: not touched, not empty', () => {
    const authorship = new LocalAuthorship();
    authorship.attribute(3, 0, 'gone', meta('d1', 'p1'));
    authorship.attribute(5, 0, 'typed over', meta('d2', 'p1'));
    authorship.attribute(0, 2, '', meta('w1', 'p1'));
    authorship.attribute(7, 0, '', meta('d3', 'p1'));
    // Someone types where d2 deleted: putting its text back could clash, and it no longer stands.
    authorship.applyChange({ offset: 5, deleted: 0, inserted: 1 });
    assert.deepEqual(
      deletionsOf(authorship).map((deletion) => [deletion.meta.edit, deletion.at, deletion.text]),
      [['d1', 3, 'gone']],
    );
  });

  it('counts nothing in a file without marks, and the whole file', () => {
    const summary = summarizeAuthorship('one\ntwo\n', []);
    assert.deepEqual(summary, {
      characters: 0,
      lines: 0,
      removed: 0,
      totalCharacters: 8,
      totalLines: 2,
      people: [],
    });
    assert.equal(summarizeAuthorship('one\ntwo', []).totalLines, 2);
    assert.equal(summarizeAuthorship('', []).totalLines, 1);
  });

  it("tells which share is the local participant's (their name as their marks carry it)", () => {
    const text = 'alpha\nBETA\ngamma\nDELTA\n';
    const runs = runsOver(text, ['BETA', meta('e1', 'p1', 'root')], ['DELTA', meta('e2', 'p2', 'Bob')]);
    const mine = (self?: string) =>
      summarizeAuthorship(text, runs, self).people.map((person) => [person.askedBy, person.mine]);
    assert.deepEqual(mine('root'), [
      ['Bob', false],
      ['root', true],
    ]);
    assert.deepEqual(mine('Bob'), [
      ['Bob', true],
      ['root', false],
    ]);
    assert.deepEqual(mine(), [
      ['Bob', false],
      ['root', false],
    ]);
  });

  it('counts characters and lines per proposal, per person and model, and in all', () => {
    const text = 'alpha\nBETA\ngamma\nDELTA\nEPS\nzeta\n';
    const runs = runsOver(
      text,
      ['BETA', meta('e1', 'p1', 'alice', 'm1', 10)],
      ['DELTA\nEPS\n', meta('e2', 'p2', 'bob', 'm2', 20)],
      ['ta', meta('e3', 'p3', 'alice', 'm1', 30)],
    );
    const summary = summarizeAuthorship(text, runs);
    assert.equal(summary.characters, 4 + 10 + 2);
    // Line breaks ending a run do not mark the next line: lines 1, 3, 4 and 5.
    assert.equal(summary.lines, 4);
    assert.equal(summary.totalCharacters, text.length);
    assert.equal(summary.totalLines, 6);
    assert.deepEqual(
      summary.people.map((person) => [person.askedBy, person.model, person.characters, person.lines]),
      [
        ['bob', 'm2', 10, 2],
        ['alice', 'm1', 6, 2],
      ],
    );
    // Newest proposal first, each with where its first mark is.
    assert.deepEqual(summary.people[1].proposals, [
      { ...figures('p3', 2, 1), firstOffset: text.indexOf('ta\n'), firstLine: 5 },
      { ...figures('p1', 4, 1), firstOffset: 6, firstLine: 1 },
    ]);
    assert.deepEqual(summary.people[0].proposals, [
      { ...figures('p2', 10, 2), firstOffset: text.indexOf('DELTA'), firstLine: 3 },
    ]);
  });

  it('keeps one person apart per model, and one proposal over several runs together', () => {
    const text = 'aaXXbbYYccZZ';
    const runs = runsOver(
      text,
      ['XX', meta('e1', 'p1', 'alice', 'm1')],
      ['YY', meta('e2', 'p1', 'alice', 'm1')],
      ['ZZ', meta('e3', 'p2', 'alice', 'm2')],
    );
    const summary = summarizeAuthorship(text, runs);
    assert.deepEqual(
      summary.people.map((person) => [person.model, person.characters, person.proposals.length]),
      [
        ['m1', 4, 1],
        ['m2', 2, 1],
      ],
    );
    assert.equal(summary.people[0].proposals[0].firstOffset, 2);
    assert.equal(summary.lines, 1, 'one line holds all three runs');
  });

  it('reads a CRLF file as its LF twin, and counts a surrogate pair as one character', () => {
    const lf = 'a\nB😀C\nD\n';
    const crlf = lf.replace(/\n/g, '\r\n');
    const lfSummary = summarizeAuthorship(lf, runsOver(lf, ['B😀C\nD', meta('e', 'p')]));
    const crlfSummary = summarizeAuthorship(crlf, runsOver(crlf, ['B😀C\r\nD', meta('e', 'p')]));
    assert.equal(lfSummary.characters, 5, 'B, 😀, C, line break, D');
    assert.equal(lfSummary.totalCharacters, 8);
    assert.deepEqual(
      { ...crlfSummary, people: crlfSummary.people.map((person) => person.characters) },
      { ...lfSummary, people: lfSummary.people.map((person) => person.characters) },
    );
  });

  it('shrinks as people type over the assistant text, and forgets a proposal whose text is all gone', () => {
    let text = 'keep\nAI ONE\nAI TWO\n';
    const authorship = new LocalAuthorship();
    authorship.attribute(5, 6, 'old', meta('e1', 'p1'));
    authorship.attribute(12, 6, 'old', meta('e2', 'p2', 'bob'));
    const edit = (offset: number, deleted: number, inserted: string) => {
      text = text.slice(0, offset) + inserted + text.slice(offset + deleted);
      authorship.applyChange({ offset, deleted, inserted: inserted.length });
    };
    const before = summarizeAuthorship(text, authorship.runs);
    assert.equal(before.characters, 12);
    assert.equal(before.lines, 2);
    // Someone selects "ONE" and types over it: the assistant keeps only "AI ".
    edit(8, 3, 'mine');
    const after = summarizeAuthorship(text, authorship.runs);
    assert.equal(after.characters, 9);
    assert.equal(after.people.find((person) => person.askedBy === 'alice')!.characters, 3);
    // Bob's whole line is overwritten: his proposal leaves the summary.
    edit(text.indexOf('AI TWO'), 6, 'human');
    const last = summarizeAuthorship(text, authorship.runs);
    assert.deepEqual(
      last.people.map((person) => person.askedBy),
      ['alice'],
    );
    assert.equal(last.lines, 1);
  });

  it('clips runs that reach past the text', () => {
    const summary = summarizeAuthorship('abc', [{ start: 1, end: 10, meta: meta('e', 'p') }]);
    assert.equal(summary.characters, 2);
  });

  it('rounds shares so that something is never 0 % and not everything never 100 %', () => {
    assert.equal(percentOf(0, 10), 0);
    assert.equal(percentOf(1, 1000), 1);
    assert.equal(percentOf(999, 1000), 99);
    assert.equal(percentOf(10, 10), 100);
    assert.equal(percentOf(1, 4), 25);
    assert.equal(percentOf(3, 0), 0);
  });
});
