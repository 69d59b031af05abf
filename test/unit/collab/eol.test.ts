import * as assert from 'node:assert/strict';
import {
  changeToOperation,
  detectEol,
  docOffsetAt,
  type DocumentContentChange,
  type Eol,
  fromLf,
  lfLength,
  minimalReplacement,
  operationToEdits,
  stringLineLookup,
  toLf,
} from '../../../src/collab/eol';
import { TextOperation } from '../../../src/collab/textOperation';

/** A content change as VS Code reports it for replacing [offset, offset + length) of `text`. */
function changeOf(text: string, offset: number, length: number, inserted: string): DocumentContentChange {
  const position = (at: number) => {
    const before = text.slice(0, at);
    const line = before.split(/\r\n|\n/).length - 1;
    const lineStart = Math.max(before.lastIndexOf('\n') + 1, 0);
    return { line, character: at - lineStart };
  };
  return {
    range: { start: position(offset), end: position(offset + length) },
    rangeOffset: offset,
    rangeLength: length,
    text: inserted,
  };
}

/** Applies a document change to the document text and, through the mapping, to its LF form. */
function both(doc: string, eol: Eol, offset: number, length: number, inserted: string) {
  const normalised = inserted.replace(/\r\n|\n/g, eol);
  const change = changeOf(doc, offset, length, normalised);
  const operation = changeToOperation(change, eol, toLf(doc).length);
  const newDoc = doc.slice(0, offset) + normalised + doc.slice(offset + length);
  return { lf: operation.apply(toLf(doc)), expected: toLf(newDoc) };
}

describe('collab offset mapping (eol)', () => {
  it('converts line ends both ways and detects the dominant one', () => {
    assert.equal(toLf('a\r\nb\rc\nd'), 'a\nb\nc\nd');
    assert.equal(fromLf('a\nb\n', '\r\n'), 'a\r\nb\r\n');
    assert.equal(fromLf('a\nb', '\n'), 'a\nb');
    assert.equal(detectEol('a\r\nb\r\nc\n'), '\r\n');
    assert.equal(detectEol('a\nb\r\nc\n'), '\n');
    assert.equal(detectEol('no breaks'), '\n');
    assert.equal(lfLength('a\r\nb\r\nc'.length, 3, '\r\n'), 5);
  });

  it('maps CRLF document changes onto the LF text', () => {
    const doc = 'first\r\nsecond\r\nthird';
    // Insert on the second line, replace across a line end, delete a whole line end.
    for (const [offset, length, text] of [
      [9, 0, 'X'],
      [3, 6, 'Y'],
      [5, 2, ''],
      [7, 0, 'new\nlines\n'],
      [0, doc.length, 'all\ngone'],
    ] as const) {
      const { lf, expected } = both(doc, '\r\n', offset, length, text);
      assert.equal(lf, expected, `change at ${offset}+${length}`);
    }
  });

  it('maps edits at both ends of the document', () => {
    for (const eol of ['\n', '\r\n'] as const) {
      const doc = fromLf('alpha\nbeta\n', eol);
      assert.equal(both(doc, eol, 0, 0, '>>').lf, toLf('>>' + doc));
      assert.equal(both(doc, eol, doc.length, 0, 'tail').lf, toLf(doc + 'tail'));
      assert.equal(both(doc, eol, 0, 1, '').lf, toLf(doc.slice(1)));
      assert.equal(both(doc, eol, doc.length - eol.length, eol.length, '').lf, 'alpha\nbeta');
      assert.equal(both('', eol, 0, 0, 'x\ny').lf, 'x\ny');
    }
  });

  it('keeps surrogate pairs intact in both directions', () => {
    const doc = '😀a\r\n𝒳b\r\n';
    const { lf, expected } = both(doc, '\r\n', 5, 2, '🎉');
    assert.equal(lf, expected);
    assert.equal(lf, '😀a\n🎉b\n');
    const lookup = stringLineLookup(doc, '\r\n');
    // LF offset 5 is the start of line 1 ("𝒳b"): document offset 6 (after "😀a\r\n").
    assert.equal(docOffsetAt(5, lookup), 6);
    assert.equal(docOffsetAt(7, lookup), 8);
    assert.equal(docOffsetAt(toLf(doc).length, lookup), doc.length);
  });

  it('turns LF operations into document edits for LF and CRLF documents', () => {
    const lf = 'one\ntwo\nthree';
    const operation = new TextOperation().insert('0\n').retain(4).delete(3).insert('2').retain(6);
    for (const eol of ['\n', '\r\n'] as const) {
      const doc = fromLf(lf, eol);
      const edits = operationToEdits(operation, stringLineLookup(doc, eol));
      let result = doc;
      for (const edit of [...edits].reverse())
        result = result.slice(0, edit.offset) + edit.text + result.slice(edit.offset + edit.length);
      assert.equal(result, fromLf(operation.apply(lf), eol), `eol ${JSON.stringify(eol)}`);
    }
  });

  it('maps every LF offset of a CRLF text to the right document offset', () => {
    const doc = 'a\r\n\r\nbc\r\n😀\r\n';
    const lookup = stringLineLookup(doc, '\r\n');
    const lf = toLf(doc);
    for (let offset = 0; offset <= lf.length; offset++) {
      const docOffset = docOffsetAt(offset, lookup);
      assert.equal(toLf(doc.slice(0, docOffset)), lf.slice(0, offset), `LF offset ${offset}`);
    }
  });

  it('finds the minimal replacement without splitting a surrogate pair', () => {
    assert.deepEqual(minimalReplacement('hello world', 'hello there world').replacements(), [
      { from: 6, to: 6, insert: 'there ' },
    ]);
    // Same high surrogate, different low one: the whole pair is replaced.
    const from = 'x😀y';
    const to = 'x😁y';
    const replacement = minimalReplacement(from, to);
    assert.equal(replacement.apply(from), to);
    assert.deepEqual(replacement.replacements(), [{ from: 1, to: 3, insert: '😁' }]);
    assert.ok(minimalReplacement('same', 'same').isNoop());
  });
});
