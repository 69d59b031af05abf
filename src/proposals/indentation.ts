/** Indentation arithmetic for re-indenting a replacement to the style of the file it lands in. */

const TAB_COLUMNS = 4;

export function leadingWhitespace(line: string): string {
  const match = /^[ \t]*/.exec(line);
  return match ? match[0] : '';
}

export function columns(whitespace: string): number {
  let width = 0;
  for (const char of whitespace) width += char === '\t' ? TAB_COLUMNS : 1;
  return width;
}

/**
 * The file's indentation step: a tab when most indented lines start with one, otherwise the most
 * common increase of indentation between consecutive lines (2, 4, ...). Block-comment continuation
 * lines (` * text`) are skipped: their one-space offset is not an indentation step.
 */
export function detectIndentUnit(lines: readonly string[]): string | undefined {
  let tabs = 0;
  let spaces = 0;
  const steps = new Map<number, number>();
  let previous: number | undefined;
  for (const line of lines) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('*')) continue;
    const indent = leadingWhitespace(line);
    if (indent.startsWith('\t')) tabs++;
    else if (indent.length > 0) spaces++;
    const width = columns(indent);
    if (!indent.includes('\t') && previous !== undefined && width > previous) {
      const step = width - previous;
      steps.set(step, (steps.get(step) ?? 0) + 1);
    }
    previous = width;
  }
  if (tabs === 0 && spaces === 0) return undefined;
  if (tabs > spaces) return '\t';
  let best = 0;
  let bestCount = 0;
  for (const [step, count] of steps) {
    if (step === 1 && steps.size > 1) continue;
    if (count > bestCount || (count === bestCount && step < best)) {
      best = step;
      bestCount = count;
    }
  }
  return best > 0 ? ' '.repeat(Math.min(best, 8)) : undefined;
}

/** Maps indentation from one base and step (the SEARCH text's) to another (the file's). */
export interface IndentMapping {
  fromBase: string;
  toBase: string;
  fromUnit: string;
  toUnit: string;
}

function indentOfColumns(width: number, unit: string): string {
  if (width <= 0) return '';
  if (unit === '\t') return '\t'.repeat(Math.floor(width / TAB_COLUMNS)) + ' '.repeat(width % TAB_COLUMNS);
  return ' '.repeat(width);
}

export function reindentLine(line: string, mapping: IndentMapping): string {
  const { fromBase, toBase, fromUnit, toUnit } = mapping;
  if (fromBase === toBase && fromUnit === toUnit) return line;
  if (line.trim() === '') return '';
  const indent = leadingWhitespace(line);
  const content = line.slice(indent.length);
  const fromStep = Math.max(1, columns(fromUnit));
  const relative = columns(indent) - columns(fromBase);
  if (relative >= 0) {
    const levels = Math.floor(relative / fromStep);
    const rest = relative % fromStep;
    return toBase + toUnit.repeat(levels) + ' '.repeat(rest) + content;
  }
  const levels = Math.ceil(-relative / fromStep);
  return indentOfColumns(columns(toBase) - levels * columns(toUnit), toUnit) + content;
}
