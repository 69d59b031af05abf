import * as assert from 'node:assert/strict';
import type { NextEdit } from '../../../src/nextEdit/types';

/** The text with the edits applied (document order, non-overlapping). */
export function applyEdits(text: string, edits: readonly NextEdit[]): string {
  const lines = text.split('\n');
  const offset = (line: number, character: number) => {
    let at = 0;
    for (let i = 0; i < line; i++) at += lines[i].length + 1;
    return at + character;
  };
  let result = text;
  for (const edit of [...edits].reverse()) {
    const start = offset(edit.range.start.line, edit.range.start.character);
    const end = offset(edit.range.end.line, edit.range.end.character);
    assert.equal(text.slice(start, end), edit.oldText, 'an edit replaces exactly the text it says');
    result = result.slice(0, start) + edit.text + result.slice(end);
  }
  return result;
}
