import * as assert from 'node:assert/strict';
import { TextOperation } from '../../../src/collab/textOperation';

/** A small deterministic generator so failures reproduce. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
}

function randomOperation(text: string, next: () => number): TextOperation {
  const operation = new TextOperation();
  let index = 0;
  while (index < text.length) {
    const size = Math.min(text.length - index, 1 + Math.floor(next() * 4));
    const pick = next();
    if (pick < 0.2) operation.insert('xy😀\n'.slice(0, 1 + Math.floor(next() * 4)));
    else if (pick < 0.5) operation.delete(size);
    else operation.retain(size);
    if (pick >= 0.2) index += size;
  }
  if (next() < 0.3) operation.insert('end');
  return operation;
}

describe('collab TextOperation', () => {
  it('applies inserts, deletes and retains', () => {
    const operation = new TextOperation().retain(2).delete(3).insert('XY').retain(1);
    assert.equal(operation.apply('abcdef'), 'abXYf');
    assert.equal(operation.baseLength, 6);
    assert.equal(operation.targetLength, 5);
  });

  it('refuses a text of the wrong length', () => {
    assert.throws(() => new TextOperation().retain(3).apply('ab'), /expects a text of 3/);
  });

  it('lists its replacements in base coordinates', () => {
    const operation = new TextOperation().insert('>').retain(2).delete(1).insert('Z').retain(2).delete(1);
    assert.deepEqual(operation.replacements(), [
      { from: 0, to: 0, insert: '>' },
      { from: 2, to: 3, insert: 'Z' },
      { from: 5, to: 6, insert: '' },
    ]);
  });

  it('builds a replacement and rejects one outside the text', () => {
    assert.equal(TextOperation.replacement(5, 1, 3, 'Q').apply('hello'), 'hQlo');
    assert.throws(() => TextOperation.replacement(5, 4, 6, ''), RangeError);
  });

  it('composes to the same result as applying both', () => {
    const next = random(7);
    for (let round = 0; round < 300; round++) {
      const text = 'the quick\nbrown fox 😀 jumps';
      const a = randomOperation(text, next);
      const afterA = a.apply(text);
      const b = randomOperation(afterA, next);
      assert.equal(TextOperation.compose(a, b).apply(text), b.apply(afterA), `round ${round}`);
    }
  });

  it('transforms concurrent operations so both orders converge', () => {
    const next = random(11);
    for (let round = 0; round < 500; round++) {
      const text = 'shared text\r\nwith lines';
      const a = randomOperation(text, next);
      const b = randomOperation(text, next);
      const [aPrime, bPrime] = TextOperation.transform(a, b);
      assert.equal(bPrime.apply(a.apply(text)), aPrime.apply(b.apply(text)), `round ${round}`);
    }
  });

  it('never lets a concurrent delete remove the other side’s insert', () => {
    const text = 'abcdef';
    const deleteMiddle = TextOperation.replacement(6, 1, 5, '');
    const insertInside = TextOperation.replacement(6, 3, 3, 'NEW');
    const [deletePrime, insertPrime] = TextOperation.transform(deleteMiddle, insertInside);
    const result = deletePrime.apply(insertInside.apply(text));
    assert.equal(result, 'aNEWf');
    assert.equal(insertPrime.apply(deleteMiddle.apply(text)), result);
  });

  it('puts the first operation’s insert first on a tie', () => {
    const a = TextOperation.replacement(3, 1, 1, 'A');
    const b = TextOperation.replacement(3, 1, 1, 'B');
    const [aPrime] = TextOperation.transform(a, b);
    assert.equal(aPrime.apply(b.apply('xyz')), 'xAByz');
  });
});
