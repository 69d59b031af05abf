import * as assert from 'node:assert/strict';
import { splitKeepEnds } from '../../../src/proposals/hunks';
import { diffTexts } from '../../../src/proposals/textDiff';

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Rebuilds b from a and the changes, checking line numbers against character offsets on the way. */
function rebuild(a: string, b: string): string {
  const aLines = splitKeepEnds(a);
  const bLines = splitKeepEnds(b);
  let out = '';
  let at = 0;
  let line = 0;
  let bLine = 0;
  for (const change of diffTexts(a, b)) {
    assert.ok(change.aFrom >= at, 'changes are ordered and disjoint');
    assert.equal(a.slice(change.aFrom, change.aTo), aLines.slice(change.aStart, change.aEnd).join(''));
    assert.equal(b.slice(change.bFrom, change.bTo), bLines.slice(change.bStart, change.bEnd).join(''));
    assert.equal(
      change.aStart - line,
      change.bStart - bLine,
      'the equal run between changes has as many lines on both sides',
    );
    out += a.slice(at, change.aFrom) + b.slice(change.bFrom, change.bTo);
    at = change.aTo;
    line = change.aEnd;
    bLine = change.bEnd;
  }
  return out + a.slice(at);
}

describe('proposals: text diff', () => {
  it('handles empty texts, identical texts and missing final newlines', () => {
    assert.deepEqual(diffTexts('', ''), []);
    assert.deepEqual(diffTexts('a\nb\n', 'a\nb\n'), []);
    for (const [a, b] of [
      ['', 'x\n'],
      ['x\n', ''],
      ['x', 'x\n'],
      ['x\n', 'x'],
      ['x', 'x\ny'],
      ['a\nb', 'a\nc'],
      ['foo\n', 'foobar\n'],
      ['a\r\nb\r\n', 'a\r\nB\r\n'],
    ])
      assert.equal(rebuild(a, b), b, JSON.stringify([a, b]));
  });

  it('rebuilds the new text exactly after random edits of code-like files', () => {
    const next = random(99);
    for (let round = 0; round < 200; round++) {
      const lines = Array.from({ length: 20 + Math.floor(next() * 300) }, (_, i) =>
        i % 5 === 4 ? '}' : i % 7 === 0 ? '' : `stmt(${Math.floor(next() * 40)});`,
      );
      const edited = [...lines];
      const edits = 1 + Math.floor(next() * 12);
      for (let edit = 0; edit < edits; edit++) {
        const at = Math.floor(next() * (edited.length + 1));
        const kind = next();
        if (kind < 0.3) edited.splice(at, 1);
        else if (kind < 0.6)
          edited.splice(at, 0, ...Array.from({ length: 1 + Math.floor(next() * 40) }, () => '}'));
        else edited[at] = `changed(${edit});`;
      }
      const a = lines.join('\n') + (next() > 0.3 ? '\n' : '');
      const b = edited.join('\n') + (next() > 0.3 ? '\n' : '');
      assert.equal(rebuild(a, b), b, `round ${round}`);
    }
  });

  it('finds single-line changes as single-line hunks in a large file', () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `line ${i}\n`);
    const edited = [...lines];
    edited[1000] = 'changed\n';
    edited.splice(3000, 1);
    edited.splice(4000, 0, 'inserted\n');
    const changes = diffTexts(lines.join(''), edited.join(''));
    assert.deepEqual(
      changes.map(({ aStart, aEnd, bStart, bEnd }) => [aStart, aEnd, bStart, bEnd]),
      [
        [1000, 1001, 1000, 1001],
        [3000, 3001, 3000, 3000],
        [4001, 4001, 4000, 4001],
      ],
    );
  });
});
