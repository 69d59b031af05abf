import * as assert from 'node:assert/strict';
import { answerToEdits } from '../../../src/nextEdit/answerToEdits';
import { chooseRegion } from '../../../src/nextEdit/region';
import { answerCases, PATH } from '../../fixtures/nextEdit/answerCases';
import { applyEdits } from './applyEdits';

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
