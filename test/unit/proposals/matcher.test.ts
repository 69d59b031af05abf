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

  it("takes windows that overlap (the block's first line also on the line above) as one place", () => {
    // The block starts at a `}` right after another `}`: windows from either anchor are one place.
    const source = [
      'function a() {',
      '  if (x) {',
      '    one();',
      '  }',
      '}',
      '',
      '/**',
      ' * Loads the thing.',
      ' * @returns {Thing}',
      ' */',
      'export const load = () => new Thing();',
      '',
      'const other = 1;',
    ];
    const search = ['}', '', '/**', ' * Loads the thing.', ' * @returns {Something}', ' */'];
    const result = matchSearchBlock(source, search, ['}', '', '/** Loads the thing. */']);
    assert.ok(result.ok, !result.ok ? result.reason : '');
    assert.equal(result.strategy, 'fuzzy');
    assert.deepEqual([result.start, result.end], [4, 10]);
  });

  it('takes the clearly most similar of two places, and reports equally similar ones as ambiguous', () => {
    const copy = (name: string, extra: string) => [
      `function ${name}(key) {`,
      '  const value = readFromTheStore(key);',
      `  checkTheValueIsWhole(value${extra});`,
      `  normaliseTheValue(value${extra});`,
      '  logTheValue(value);',
      '  storeTheValue(value);',
      '  return value;',
      '}',
      '',
    ];
    const search = [
      '  const value = readFromTheStore(key);',
      '  checkTheValueIsWhole(value);',
      '  normaliseTheValue(value);',
      "  logTheValue(value, 'debug');",
      '  storeTheValue(value);',
      '  return value;',
    ];
    // The second copy differs from the block in two lines more than the first does (twice as far).
    const clear = matchSearchBlock([...copy('load', ''), ...copy('save', ', true')], search, ['  return 1;']);
    assert.ok(clear.ok, !clear.ok ? clear.reason : '');
    assert.deepEqual([clear.start, clear.end], [1, 7]);

    const twins = matchSearchBlock([...copy('load', ''), ...copy('save', '')], search, ['  return 1;']);
    assert.equal(twins.ok, false);
    assert.equal(!twins.ok && twins.kind, 'ambiguous');
  });
});
