import * as assert from 'node:assert/strict';
import { answerToEdits } from '../../../src/nextEdit/answerToEdits';
import { chooseRegion } from '../../../src/nextEdit/region';
import type { NextEdit } from '../../../src/nextEdit/types';
import { answerCases, PATH } from '../../fixtures/nextEdit/answerCases';

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

describe('next edit: answer to edits', () => {
  it('has at least 40 fixture cases', () => {
    assert.ok(answerCases.length >= 40, `${answerCases.length} cases`);
  });

  for (const fixture of answerCases) {
    it(fixture.name, () => {
      const lines = fixture.doc.split('\n');
      const region = chooseRegion(
        lines,
        { line: fixture.cursor[0], character: fixture.cursor[1] },
        {
          linesAbove: fixture.above ?? 3,
          linesBelow: fixture.below ?? 12,
          maxChars: 10_000,
          contextLines: 3,
        },
      );
      const result = answerToEdits(fixture.answer, {
        region,
        path: PATH,
        history: fixture.history ?? [],
        finished: fixture.finished ?? true,
      });
      for (let i = 1; i < result.edits.length; i++) {
        const previous = result.edits[i - 1].range.end;
        const next = result.edits[i].range.start;
        assert.ok(
          previous.line < next.line || (previous.line === next.line && previous.character <= next.character),
          'edits are in document order and do not overlap',
        );
      }
      assert.equal(applyEdits(fixture.doc, result.edits), fixture.expected);
      if (fixture.oldTexts)
        assert.deepEqual(
          result.edits.map((edit) => edit.oldText),
          fixture.oldTexts,
        );
    });
  }
});
