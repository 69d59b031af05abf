import * as assert from 'node:assert/strict';
import { LineDocument, type CursorPosition } from '../../../src/completion/documentText';
import { cleaningContextOf, cursorStateOf } from '../../../src/completion/fillRequest';
import { nextLinePlaces } from '../../../src/completion/nextLines';
import { ANCHOR_CHARS, SuggestionCache } from '../../../src/completion/suggestionCache';

const source = ['export function total(items: Item[]): number {', '  let sum = 0;', '  ', '}', ''].join('\n');

function place(text: string, pos: CursorPosition) {
  const doc = new LineDocument('file:///work/t.ts', '/work/t.ts', 'typescript', text);
  const cursor = cursorStateOf(doc, pos);
  const request = { ...cursor, anchor: cursor.before.slice(-ANCHOR_CHARS) };
  const cleaning = cleaningContextOf({ doc, pos, indentUnit: '  ', tabSize: 2 });
  return { doc, request, cleaning };
}

/** Types `text` at `pos` as the user would (Enter inserts the newline and the indentation after it). */
function typeInto(doc: LineDocument, pos: CursorPosition, text: string): CursorPosition {
  for (const char of text) pos = doc.insert(pos, char);
  return pos;
}

describe('completion: the lines a request brings after its own line', () => {
  const raw = 'for (const item of items) sum += item.price;\n  sum = round(sum);\n  return sum;\n}\n';

  it('are what the cache shows after the user types the line and presses Enter, with no request', () => {
    const { doc, request, cleaning } = place(source, { line: 2, character: 2 });
    const places = nextLinePlaces(request, cleaning, raw, 3);
    assert.deepEqual(
      places.map((p) => p.suggestion),
      ['sum = round(sum);', 'return sum;'],
      'the closing brace is a line the cleaning drops (the file has it): the lines stop there',
    );
    const cache = new SuggestionCache();
    for (const p of places) cache.add(p.anchor, [p.suggestion], true);

    let pos = typeInto(doc, { line: 2, character: 2 }, 'for (const item of items) sum += item.price;\n  ');
    assert.deepEqual(cache.lookup(cursorStateOf(doc, pos))?.remaining, ['sum = round(sum);']);
    pos = typeInto(doc, pos, 'sum = ');
    assert.deepEqual(cache.lookup(cursorStateOf(doc, pos))?.remaining, ['round(sum);'], 'type-along');
    pos = typeInto(doc, pos, 'round(sum);\n  ');
    assert.deepEqual(cache.lookup(cursorStateOf(doc, pos))?.remaining, ['return sum;']);
  });

  it('are not shown when the user typed something else, or Enter indented differently', () => {
    const { doc, request, cleaning } = place(source, { line: 2, character: 2 });
    const cache = new SuggestionCache();
    for (const p of nextLinePlaces(request, cleaning, raw, 3)) cache.add(p.anchor, [p.suggestion], true);
    const other = typeInto(doc, { line: 2, character: 2 }, 'for (const item of items) sum += item.cost;\n  ');
    assert.equal(cache.lookup(cursorStateOf(doc, other)), undefined);

    const again = place(source, { line: 2, character: 2 });
    const cache2 = new SuggestionCache();
    for (const p of nextLinePlaces(again.request, again.cleaning, raw, 3))
      cache2.add(p.anchor, [p.suggestion]);
    const deeper = typeInto(
      again.doc,
      { line: 2, character: 2 },
      'for (const item of items) sum += item.price;\n    ',
    );
    assert.equal(cache2.lookup(cursorStateOf(again.doc, deeper)), undefined);
  });

  it('count only lines the model ended, up to the limit', () => {
    const { request, cleaning } = place(source, { line: 2, character: 2 });
    assert.deepEqual(
      nextLinePlaces(request, cleaning, 'sum += 1;\n  sum = round(sum);\n  return su', 3).map(
        (p) => p.suggestion,
      ),
      ['sum = round(sum);'],
    );
    assert.deepEqual(
      nextLinePlaces(request, cleaning, raw, 1).map((p) => p.suggestion),
      ['sum = round(sum);'],
    );
    assert.deepEqual(nextLinePlaces(request, cleaning, 'sum += 1;', 3), []);
  });

  it('stop at a blank line and at an empty block start, where a request asks for the whole block', () => {
    const { request, cleaning } = place(source, { line: 2, character: 2 });
    assert.deepEqual(nextLinePlaces(request, cleaning, 'sum += 1;\n\n  return sum;\n', 3), []);
    assert.deepEqual(
      nextLinePlaces(request, cleaning, 'sum += 1;\n  if (sum > 10) {\n    sum = 10;\n  }\n', 3).map(
        (p) => p.suggestion,
      ),
      ['if (sum > 10) {'],
      'the line after the opener is a block start',
    );
  });

  it('stop where the cleaning changes a line: what the user types then differs from what the model went on from', () => {
    const { request, cleaning } = place(source, { line: 2, character: 2 });
    // `let sum = 0;` is the line above: a repeat of it is cut to nothing.
    assert.deepEqual(nextLinePlaces(request, cleaning, 'let sum = 0;\n  return sum;\n', 3), []);
    assert.deepEqual(
      nextLinePlaces(request, cleaning, 'sum += 1;\n  return sum;))\n  x();\n', 3).map((p) => p.suggestion),
      [],
      'an unbalanced closer is cut from the second line',
    );
  });

  it('follow a line the model ended at once: Enter at the end of a finished line gets the next one', () => {
    const text = source.replace('  \n', '  let count = items.length;\n');
    const { doc, request, cleaning } = place(text, { line: 2, character: 27 });
    const places = nextLinePlaces(request, cleaning, '\n  return sum / count;\n', 3);
    assert.deepEqual(
      places.map((p) => p.suggestion),
      ['return sum / count;'],
    );
    const cache = new SuggestionCache();
    for (const p of places) cache.add(p.anchor, [p.suggestion], true);
    const pos = typeInto(doc, { line: 2, character: 27 }, '\n  ');
    assert.deepEqual(cache.lookup(cursorStateOf(doc, pos))?.remaining, ['return sum / count;']);
  });

  it('are none where text follows the cursor on its line', () => {
    const text = source.replace('  \n', '  sum += ;\n');
    const { request, cleaning } = place(text, { line: 2, character: 9 });
    assert.deepEqual(nextLinePlaces(request, cleaning, '1\n  return sum;\n', 3), []);
  });
});
