import * as assert from 'node:assert/strict';
import { draftProposal, formatFailure } from '../../../src/proposals/applyBlocks';
import { parseEditAnswer } from '../../../src/proposals/editFormat';
import { computeHunks, splitKeepEnds } from '../../../src/proposals/hunks';
import { loadCases } from './fixtureCases';

/** Applies hunks bottom-up to the original lines: what accepting every hunk writes. */
function applyAll(original: string, proposed: string): string {
  const lines = splitKeepEnds(original);
  for (const hunk of computeHunks(original, proposed).reverse())
    lines.splice(hunk.originalStart, hunk.removed.length, ...hunk.added);
  return lines.join('');
}

describe('proposals: parser and matcher fixture cases', () => {
  const cases = loadCases();

  it('has at least 40 cases', () => {
    assert.ok(cases.length >= 40, `${cases.length} cases`);
  });

  for (const fixture of cases) {
    it(fixture.name, () => {
      const parsed = parseEditAnswer(fixture.answer);
      const originals = new Map<string, string | undefined>(fixture.before);
      for (const block of parsed.blocks) if (!originals.has(block.path)) originals.set(block.path, undefined);
      const draft = draftProposal(parsed, originals);

      assert.deepEqual(draft.failures.map(formatFailure), fixture.failures, 'reported failures');
      const proposed = new Map(draft.changes.map((change) => [change.path, change]));
      for (const [path, expected] of fixture.after) {
        const change = proposed.get(path);
        assert.ok(change, `a change is proposed for ${path}`);
        assert.equal(change.proposed, expected, `proposed text of ${path}`);
        const before = fixture.before.get(path);
        assert.equal(change.original, before);
        assert.equal(
          change.kind,
          before === undefined ? 'create' : expected === undefined ? 'delete' : 'modify',
        );
        // Accepting every hunk writes exactly the proposed text.
        assert.equal(applyAll(before ?? '', expected ?? ''), expected ?? '');
      }
      for (const path of proposed.keys())
        assert.ok(fixture.after.has(path), `no change expected for ${path}, got one`);
    });
  }
});
