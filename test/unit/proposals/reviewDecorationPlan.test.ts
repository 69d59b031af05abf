import * as assert from 'node:assert/strict';
import {
  HOVER_DIFF_LINES,
  hoverDiffLines,
  planReviewDecorations,
  type PlannedHunk,
} from '../../../src/proposals/reviewDecorationPlan';

const lines = (count: number, word: string) =>
  Array.from({ length: count }, (_, i) => `${word} line ${i} of a long file\n`);

describe('review decoration plan', () => {
  it('gives a 2,000-line rewrite its hover once, on one block of the lines it takes out, and a preview beside each line', () => {
    const hunk: PlannedHunk = {
      line: 5,
      removed: lines(2000, 'old'),
      added: lines(2000, 'new'),
      status: 'pending',
    };
    const plan = planReviewDecorations([hunk], 2010);
    assert.deepEqual(plan.removed, [{ startLine: 5, endLine: 2004, hunk: 0 }]);
    assert.equal(plan.added.length, 2000);
    assert.deepEqual(plan.added[0], { line: 5, text: '→ new line 0 of a long file' });
    assert.deepEqual(plan.added[1999], { line: 2004, text: '→ new line 1999 of a long file' });
    // The hover goes with the block only: no after-text of a rewrite carries it again.
    assert.equal(plan.added.filter((after) => after.hunk !== undefined).length, 0);
    assert.deepEqual(plan.stale, []);
  });

  it('summarises added lines beyond the removed ones on the last removed line', () => {
    const hunk: PlannedHunk = {
      line: 0,
      removed: ['a\n', 'b\n'],
      added: ['A\n', 'B\n', 'C\n', 'D\n'],
      status: 'pending',
    };
    const plan = planReviewDecorations([hunk], 3);
    assert.deepEqual(plan.added, [
      { line: 0, text: '→ A' },
      { line: 1, text: '→ B  (+2 more lines)' },
    ]);
  });

  it('shows a pure insertion after the line above it, with the hover there; a stale hunk as one block', () => {
    const plan = planReviewDecorations(
      [
        { line: 3, removed: [], added: ['x\n', 'y\n'], status: 'pending' },
        { line: 8, removed: ['p\n', 'q\n', 'r\n'], added: ['P\n'], status: 'stale' },
        { line: 0, removed: [], added: ['top\n'], status: 'pending' },
      ],
      9,
    );
    assert.deepEqual(plan.added, [
      { line: 2, text: '+ x  (+1 more line)', hunk: 0 },
      { line: 0, text: '+ top', hunk: 2 },
    ]);
    // Lines past the end of the document are clamped to its last line.
    assert.deepEqual(plan.stale, [{ startLine: 8, endLine: 9, hunk: 1 }]);
    assert.deepEqual(plan.removed, []);
  });

  it("keeps a hover's diff short: the first lines of a long hunk and how many more there are", () => {
    const long: PlannedHunk = {
      line: 0,
      removed: lines(2000, 'old'),
      added: lines(2000, 'new'),
      status: 'pending',
    };
    const diff = hoverDiffLines(long);
    assert.equal(diff.length, HOVER_DIFF_LINES + 1);
    assert.equal(diff[0], '-old line 0 of a long file');
    assert.equal(diff[HOVER_DIFF_LINES - 1], `-old line ${HOVER_DIFF_LINES - 1} of a long file`);
    assert.equal(diff[HOVER_DIFF_LINES], `… ${(4000 - HOVER_DIFF_LINES).toLocaleString('en-US')} more lines`);
    const short: PlannedHunk = { line: 0, removed: ['a\r\n'], added: ['b\n', 'c'], status: 'pending' };
    assert.deepEqual(hoverDiffLines(short), ['-a', '+b', '+c']);
    assert.deepEqual(hoverDiffLines(short, 2), ['-a', '+b', '… 1 more line']);
  });
});
