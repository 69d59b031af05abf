import * as assert from 'node:assert/strict';
import { diffLines, type LineChange } from '../../../src/proposals/lineDiff';

/** Rebuilds b from a and the changes; fails the test if the changes are out of order or overlap. */
function rebuild(a: string[], b: string[], changes: LineChange[]): string[] {
  const out: string[] = [];
  let ai = 0;
  let bi = 0;
  for (const change of changes) {
    assert.ok(change.aStart >= ai && change.bStart >= bi, 'changes are ordered and disjoint');
    assert.equal(change.aStart - ai, change.bStart - bi, 'equal runs have the same length on both sides');
    for (; ai < change.aStart; ai++, bi++) {
      assert.equal(a[ai], b[bi], `unchanged line ${ai} is equal on both sides`);
      out.push(a[ai]);
    }
    out.push(...b.slice(change.bStart, change.bEnd));
    ai = change.aEnd;
    bi = change.bEnd;
  }
  assert.equal(a.length - ai, b.length - bi);
  out.push(...a.slice(ai));
  return out;
}

/** Length of a longest common subsequence (the minimal diff keeps exactly this many lines). */
function lcs(a: string[], b: string[]): number {
  const row = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = 0;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = a[i - 1] === b[j - 1] ? diagonal + 1 : Math.max(row[j], row[j - 1]);
      diagonal = above;
    }
  }
  return row[b.length];
}

function kept(a: string[], changes: LineChange[]): number {
  return a.length - changes.reduce((sum, change) => sum + change.aEnd - change.aStart, 0);
}

/** A small deterministic generator so failures reproduce. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('proposals: line diff', () => {
  it('finds nothing between equal texts and everything against an empty one', () => {
    assert.deepEqual(diffLines(['a', 'b'], ['a', 'b']), []);
    assert.deepEqual(diffLines([], ['a', 'b']), [{ aStart: 0, aEnd: 0, bStart: 0, bEnd: 2 }]);
    assert.deepEqual(diffLines(['a', 'b'], []), [{ aStart: 0, aEnd: 2, bStart: 0, bEnd: 0 }]);
  });

  it('reports a replaced line, an insertion and a deletion as separate changes', () => {
    const a = ['one', 'two', 'three', 'four', 'five', 'six'];
    const b = ['one', 'TWO', 'three', 'four', 'inserted', 'five'];
    assert.deepEqual(diffLines(a, b), [
      { aStart: 1, aEnd: 2, bStart: 1, bEnd: 2 },
      { aStart: 4, aEnd: 4, bStart: 4, bEnd: 5 },
      { aStart: 5, aEnd: 6, bStart: 6, bEnd: 6 },
    ]);
  });

  it('rebuilds the new text exactly, and is minimal without patience anchors (pure Myers)', () => {
    const next = random(7);
    for (let round = 0; round < 300; round++) {
      // Few distinct lines: repeated lines leave no patience anchors, so Myers does all the work.
      const alphabet = ['x', 'y', 'z', '}', ''];
      const a = Array.from({ length: Math.floor(next() * 30) }, () => alphabet[Math.floor(next() * 5)]);
      const b = a
        .filter(() => next() > 0.2)
        .map((line) => (next() > 0.85 ? alphabet[Math.floor(next() * 5)] : line));
      if (next() > 0.5) b.splice(Math.floor(next() * b.length), 0, 'new');
      assert.deepEqual(rebuild(a, b, diffLines(a, b)), b);
      const minimal = diffLines(a, b, { patience: false });
      assert.deepEqual(rebuild(a, b, minimal), b);
      assert.equal(kept(a, minimal), lcs(a, b), `round ${round}`);
    }
  });

  it('rebuilds the new text exactly on code-like edits (patience anchors)', () => {
    const next = random(11);
    for (let round = 0; round < 100; round++) {
      const a = Array.from({ length: 200 }, (_, i) =>
        i % 7 === 0 ? '}' : `line ${i} ${Math.floor(next() * 50)}`,
      );
      const b = [...a];
      for (let edit = 0; edit < 10; edit++) {
        const at = Math.floor(next() * b.length);
        const kind = next();
        if (kind < 0.33) b.splice(at, 1);
        else if (kind < 0.66) b.splice(at, 0, `added ${edit}`);
        else b[at] = `changed ${edit}`;
      }
      assert.deepEqual(rebuild(a, b, diffLines(a, b)), b);
    }
  });

  it('moves a block as a deletion plus an insertion, not a rewrite of everything between', () => {
    const a = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    const b = ['a', 'e', 'f', 'b', 'c', 'd', 'g'];
    const changes = diffLines(a, b);
    assert.deepEqual(rebuild(a, b, changes), b);
    assert.equal(kept(a, changes), lcs(a, b));
  });

  it('gives up on a gap past maxCost with one replacement that still rebuilds the text', () => {
    const a = Array.from({ length: 50 }, (_, i) => (i % 2 ? 'p' : 'q'));
    const b = Array.from({ length: 50 }, (_, i) => (i % 3 ? 'p' : 'q'));
    const changes = diffLines(a, b, { maxCost: 3 });
    assert.deepEqual(rebuild(a, b, changes), b);
  });

  it('compares through a key when given one', () => {
    assert.deepEqual(diffLines(['  a', 'b '], ['a', 'b'], { key: (line) => line.trim() }), []);
  });
});
