/**
 * Makes a suggestion's indentation match the file: tabs or spaces as the file writes them, the file's
 * step between levels, and no second copy of the indentation the cursor line already has.
 */
import type { BlockStart } from './blockShape';
import {
  type CleaningContext,
  indentString,
  indentWidth,
  isBlank,
  lastNonBlank,
  leadingWhitespace,
} from './cleaningContext';

export function fixIndentation(
  lines: readonly string[],
  context: CleaningContext,
  block: BlockStart | undefined,
): string[] {
  const { tabSize } = context;
  const unitWidth = context.indentUnit === '\t' ? tabSize : context.indentUnit.length;
  const cursorAtIndentation = isBlank(context.linePrefix);
  const result = [...lines];

  // The first line starts at the cursor. When the cursor line holds only indentation and the model
  // wrote indentation again, keep only what the code's expected depth still needs.
  if (cursorAtIndentation && result.length > 0) {
    const typed = indentWidth(context.linePrefix, tabSize);
    const extra = indentWidth(result[0], tabSize);
    if (typed > 0 && extra > 0) {
      const reference = lastNonBlank(context.linesAbove);
      const expected = block
        ? block.openerIndent + unitWidth
        : reference !== undefined
          ? indentWidth(reference, tabSize)
          : 0;
      const target = Math.max(expected, typed);
      const keep = Math.max(0, target - typed);
      if (keep < extra) result[0] = ' '.repeat(keep) + result[0].slice(leadingWhitespace(result[0]).length);
    }
  }

  // Lines after the first (and the first, when the cursor is at column 0) carry absolute indentation.
  // Re-express it in the file's style, and rescale the model's step (say 2 spaces) to the file's (say
  // 4) when the first level is one step and every line is a whole number of steps.
  const first = cursorAtIndentation && context.linePrefix === '' ? 0 : 1;
  if (result.length <= first) return result;
  const base = block ? block.openerIndent : indentWidth(context.linePrefix, tabSize);
  const widths = result.map((line, i) => (i < first || isBlank(line) ? -1 : indentWidth(line, tabSize)));
  // The first line's depth (indentation typed plus any the model added) tells the model's step too.
  const firstWidth =
    first === 1 && cursorAtIndentation && !isBlank(result[0])
      ? indentWidth(context.linePrefix + result[0], tabSize)
      : -1;
  const depths = [firstWidth, ...widths];
  const step = modelStep(depths, base);
  const smallest = Math.min(...depths.filter((w) => w > base).map((w) => w - base));
  const rescale =
    block !== undefined &&
    step > 0 &&
    step !== unitWidth &&
    smallest === step &&
    step <= 8 &&
    depths.every((w) => w < 0 || (w >= base && (w - base) % step === 0));
  for (let i = first; i < result.length; i++) {
    if (widths[i] < 0) {
      if (isBlank(result[i])) result[i] = '';
      continue;
    }
    const width = rescale ? base + ((widths[i] - base) / step) * unitWidth : widths[i];
    result[i] = indentString(width, context) + result[i].slice(leadingWhitespace(result[i]).length);
  }
  return result;
}

/** The greatest common step of the lines' indentation above `base`, or 0 when there is none. */
function modelStep(widths: readonly number[], base: number): number {
  let step = 0;
  for (const width of widths) if (width > base) step = gcd(step, width - base);
  return step;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}
