import * as assert from 'node:assert/strict';
import {
  LineDocument,
  textAfter,
  textBefore,
  type CursorPosition,
} from '../../../src/completion/documentText';
import {
  AFTER_CHARS,
  ANCHOR_CHARS,
  SuggestionCache,
  type CursorState,
} from '../../../src/completion/suggestionCache';

function cursorOf(doc: LineDocument, pos: CursorPosition): CursorState {
  return {
    docKey: doc.key,
    offset: doc.offsetAt(pos.line, pos.character),
    before: textBefore(doc, pos, ANCHOR_CHARS + 2000),
    after: textAfter(doc, pos, AFTER_CHARS),
  };
}

function anchorOf(doc: LineDocument, pos: CursorPosition) {
  const cursor = cursorOf(doc, pos);
  return { ...cursor, anchor: cursor.before.slice(-ANCHOR_CHARS) };
}

const source = [
  'import { readFile } from "node:fs/promises";',
  '',
  'export async function loadConfig(path: string) {',
  '  const text = await ',
  '}',
].join('\n');

describe('completion suggestion cache', () => {
  it('serves the rest of a suggestion while the user types it, with no new request', () => {
    const doc = new LineDocument('file:///a.ts', '/a.ts', 'typescript', source);
    const cache = new SuggestionCache();
    let pos = { line: 3, character: 21 };
    cache.add(anchorOf(doc, pos), ['readFile(path, "utf8");']);
    for (const char of 'readF') {
      pos = doc.insert(pos, char);
      const hit = cache.lookup(cursorOf(doc, pos));
      assert.ok(hit, `hit after typing up to "${char}"`);
    }
    const hit = cache.lookup(cursorOf(doc, pos))!;
    assert.equal(hit.typed, 'readF');
    assert.deepEqual(hit.remaining, ['ile(path, "utf8");']);
  });

  it('finds the earlier result again after Backspace', () => {
    const doc = new LineDocument('file:///a.ts', '/a.ts', 'typescript', source);
    const cache = new SuggestionCache();
    let pos = { line: 3, character: 21 };
    cache.add(anchorOf(doc, pos), ['readFile(path, "utf8");']);
    pos = doc.insert(pos, 'JSON.');
    cache.add(anchorOf(doc, pos), ['parse(text);']);
    assert.deepEqual(cache.lookup(cursorOf(doc, pos))!.remaining, ['parse(text);']);
    pos = doc.deleteBefore(pos, 5);
    assert.deepEqual(cache.lookup(cursorOf(doc, pos))!.remaining, ['readFile(path, "utf8");']);
  });

  it('misses when the typed text leaves the suggestion', () => {
    const doc = new LineDocument('file:///a.ts', '/a.ts', 'typescript', source);
    const cache = new SuggestionCache();
    let pos = { line: 3, character: 21 };
    cache.add(anchorOf(doc, pos), ['readFile(path, "utf8");']);
    pos = doc.insert(pos, 'fetch');
    assert.equal(cache.lookup(cursorOf(doc, pos)), undefined);
  });

  it('checks the text after the cursor', () => {
    const doc = new LineDocument('file:///a.ts', '/a.ts', 'typescript', source);
    const cache = new SuggestionCache();
    const pos = { line: 3, character: 21 };
    cache.add(anchorOf(doc, pos), ['readFile(path, "utf8");']);
    // Same text before the cursor, different text after it (the closing brace went away).
    const edited = new LineDocument('file:///a.ts', '/a.ts', 'typescript', source.replace(/\}$/, ''));
    assert.equal(cache.lookup(cursorOf(edited, pos)), undefined);
  });

  it('checks the text before the cursor, not just the offset', () => {
    const doc = new LineDocument('file:///a.ts', '/a.ts', 'typescript', source);
    const cache = new SuggestionCache();
    const pos = { line: 3, character: 21 };
    cache.add(anchorOf(doc, pos), ['readFile(path, "utf8");']);
    const renamed = new LineDocument(
      'file:///a.ts',
      '/a.ts',
      'typescript',
      source.replace('loadConfig', 'readConfig'),
    );
    assert.equal(cache.lookup(cursorOf(renamed, pos)), undefined);
    const otherFile = new LineDocument('file:///b.ts', '/b.ts', 'typescript', source);
    assert.equal(cache.lookup(cursorOf(otherFile, pos)), undefined);
  });

  it('types along across the lines of a multi-line suggestion', () => {
    const doc = new LineDocument('file:///a.py', '/a.py', 'python', 'def area(r):\n    \n');
    const cache = new SuggestionCache();
    let pos = { line: 1, character: 4 };
    cache.add(anchorOf(doc, pos), ['if r < 0:\n        raise ValueError(r)\n    return math.pi * r * r']);
    pos = doc.insert(pos, 'if r < 0:\n        raise');
    assert.deepEqual(cache.lookup(cursorOf(doc, pos))!.remaining, [
      ' ValueError(r)\n    return math.pi * r * r',
    ]);
  });

  it('keeps the candidates that still match, and never serves whitespace only', () => {
    const doc = new LineDocument('file:///a.go', '/a.go', 'go', 'func main() {\n\tfmt.\n}\n');
    const cache = new SuggestionCache();
    let pos = { line: 1, character: 5 };
    cache.add(anchorOf(doc, pos), ['Println("hi")', 'Printf("%d", n)', 'Errorf("bad")', 'Print ']);
    pos = doc.insert(pos, 'Print');
    assert.deepEqual(cache.lookup(cursorOf(doc, pos))!.remaining, ['ln("hi")', 'f("%d", n)']);
  });

  it('knows a line is complete where a one-line suggestion the model ended there was typed out', () => {
    const doc = new LineDocument('file:///a.ts', '/a.ts', 'typescript', source);
    const cache = new SuggestionCache();
    let pos = { line: 3, character: 21 };
    cache.add(anchorOf(doc, pos), ["readFile(path, 'utf8');"], true);
    pos = doc.insert(pos, "readFile(path, 'utf8')");
    assert.equal(cache.completedHere(cursorOf(doc, pos)), false, 'not at its end yet');
    pos = doc.insert(pos, ';');
    assert.equal(cache.completedHere(cursorOf(doc, pos)), true);
    assert.equal(cache.lookup(cursorOf(doc, pos)), undefined, 'nothing left to show');
    const cut = new SuggestionCache();
    cut.add(anchorOf(doc, { line: 3, character: 21 }), ["readFile(path, 'utf8');"], false);
    assert.equal(
      cut.completedHere(cursorOf(doc, pos)),
      false,
      'an answer cut by the token limit says nothing',
    );
  });

  it('forgets the least recently used entries beyond its capacity', () => {
    const doc = new LineDocument('file:///a.ts', '/a.ts', 'typescript', source);
    const cache = new SuggestionCache(2);
    const first = { line: 0, character: 6 };
    cache.add(anchorOf(doc, first), ['first']);
    cache.add(anchorOf(doc, { line: 2, character: 6 }), ['second']);
    assert.ok(cache.lookup(cursorOf(doc, first)), 'the first is used again and becomes recent');
    cache.add(anchorOf(doc, { line: 3, character: 21 }), ['third']);
    assert.equal(cache.size, 2);
    assert.ok(cache.lookup(cursorOf(doc, first)));
    assert.equal(cache.lookup(cursorOf(doc, { line: 2, character: 6 })), undefined);
  });
});
