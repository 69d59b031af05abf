/** What the cleaning rules know about the place a suggestion will be inserted. */
export interface CleaningContext {
  readonly languageId: string;
  /** Text of the cursor line before the cursor. */
  readonly linePrefix: string;
  /** Text of the cursor line after the cursor. */
  readonly lineSuffix: string;
  /** Lines above the cursor line, nearest last (the rules look at up to 100). */
  readonly linesAbove: readonly string[];
  /** Lines below the cursor line, nearest first (the rules look at up to 100). */
  readonly linesBelow: readonly string[];
  /** One level of indentation in this file: "\t" or a run of spaces. */
  readonly indentUnit: string;
  /** Columns a tab takes. */
  readonly tabSize: number;
}

export function leadingWhitespace(line: string): string {
  return /^[ \t]*/.exec(line)![0];
}

/** Columns taken by leading whitespace. */
export function indentWidth(line: string, tabSize: number): number {
  let width = 0;
  for (const char of leadingWhitespace(line)) width += char === '\t' ? tabSize - (width % tabSize) : 1;
  return width;
}

/** Leading whitespace of `width` columns written the way the file writes it. */
export function indentString(
  width: number,
  context: Pick<CleaningContext, 'indentUnit' | 'tabSize'>,
): string {
  if (width <= 0) return '';
  if (context.indentUnit !== '\t') return ' '.repeat(width);
  return '\t'.repeat(Math.floor(width / context.tabSize)) + ' '.repeat(width % context.tabSize);
}

export function isBlank(line: string): boolean {
  return line.trim() === '';
}

export function lastNonBlank(lines: readonly string[]): string | undefined {
  for (let i = lines.length - 1; i >= 0; i--) if (!isBlank(lines[i])) return lines[i];
  return undefined;
}

export function firstNonBlank(lines: readonly string[]): string | undefined {
  return lines.find((line) => !isBlank(line));
}

/**
 * The indentation used by this file, detected from the lines around the cursor: tabs if most indented
 * lines start with a tab, else the most common step between successive indentation widths.
 */
export function detectIndentUnit(lines: readonly string[], fallback = '    '): string {
  let tabs = 0;
  let spaces = 0;
  const steps = new Map<number, number>();
  let previous = 0;
  for (const line of lines) {
    if (isBlank(line)) continue;
    const lead = leadingWhitespace(line);
    if (lead.startsWith('\t')) tabs++;
    else if (lead.length > 0) spaces++;
    const width = lead.startsWith('\t') ? 0 : lead.length;
    const step = Math.abs(width - previous);
    if (step >= 2 && step <= 8) steps.set(step, (steps.get(step) ?? 0) + 1);
    previous = width;
  }
  if (tabs > spaces) return '\t';
  let best = 0;
  let bestCount = 0;
  for (const [step, count] of steps) if (count > bestCount) [best, bestCount] = [step, count];
  return best ? ' '.repeat(best) : fallback;
}
