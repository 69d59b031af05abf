import * as assert from 'node:assert/strict';
import { matchSearchBlock } from '../../../src/proposals/matchSearchBlock';

describe('proposals: matcher stages', () => {
  const file = ['function f() {', '    const a = 1;   ', '    return a;', '}'];

  it('tries exact, then trailing whitespace, then indentation, then fuzzy', () => {
    const strategy = (search: string[]) => {
      const result = matchSearchBlock(file, search, ['x']);
      return result.ok ? result.strategy : result.reason;
    };
    assert.equal(strategy(['    return a;']), 'exact');
    assert.equal(strategy(['    const a = 1;', '    return a;']), 'whitespace');
    assert.equal(strategy(['const a = 1;', 'return a;']), 'indentation');
    assert.equal(strategy(['function f() {', '  const a = 2;', '  return a;', '}']), 'fuzzy');
  });

  it('does not run the fuzzy stage for blocks under three lines (their anchors are the whole block)', () => {
    const result = matchSearchBlock(file, ['function f() {', '  const b = 2;'], ['x']);
    assert.equal(result.ok, false);
  });

  it('refuses to guess when the anchors are so common that every candidate cannot be weighed', () => {
    const lines = Array.from({ length: 50_000 }, (_, i) => (i % 2 ? '}' : '{'));
    const result = matchSearchBlock(lines, ['}', 'a line that is nowhere', '}', '{', '}'], ['}']);
    assert.equal(result.ok, false);
    assert.equal(
      !result.ok && result.reason,
      'SEARCH text could be at too many places to decide (its first and last lines are very common); include more distinctive lines',
    );
  });

  it('re-indents only the new lines and keeps the lines the block keeps exactly as the file has them', () => {
    const source = ['class A {', '\tm() {', '\t\tone();   ', '\t\ttwo();', '\t}', '}'];
    const result = matchSearchBlock(
      source,
      ['m() {', '    one();', '    two();', '}'],
      ['m() {', '    one();', '    if (x) {', '        two();', '    }', '}'],
    );
    assert.ok(result.ok);
    assert.equal(result.strategy, 'indentation');
    assert.deepEqual(result.replacement, [
      '\tm() {',
      '\t\tone();   ',
      '\t\tif (x) {',
      '\t\t\ttwo();',
      '\t\t}',
      '\t}',
    ]);
  });
});
