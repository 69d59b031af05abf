import { detectIndentUnit, type CleaningContext } from '../../../src/completion/cleaning/cleaningContext';

/** The cursor in test sources. */
export const CURSOR = '┃';

/** A cleaning context for `source`, where ┃ marks the cursor. */
export function place(source: string, languageId: string, tabSize = 4): CleaningContext {
  const at = source.indexOf(CURSOR);
  if (at < 0) throw new Error('source has no cursor mark');
  const before = source.slice(0, at).split('\n');
  const after = source.slice(at + CURSOR.length).split('\n');
  const linesAbove = before.slice(0, -1);
  const linesBelow = after.slice(1);
  return {
    languageId,
    linePrefix: before[before.length - 1],
    lineSuffix: after[0],
    linesAbove,
    linesBelow,
    indentUnit: detectIndentUnit([...linesAbove, before[before.length - 1] + 'x', ...linesBelow]),
    tabSize,
  };
}
