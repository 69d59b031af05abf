/**
 * Stops a suggestion where the model starts looping: a block of lines repeated three times in a row,
 * a first line that only repeats the line above the cursor, or a run inside a line repeated six times
 * or more (`.then().then().then()...`, `foo_foo_foo_...`).
 */
import { type CleaningContext, isBlank, lastNonBlank } from './cleaningContext';

const MAX_BLOCK_LINES = 8;
const LINE_REPEATS = 3;
const RUN_REPEATS = 6;

export function stopAtRepetition(text: string, context: CleaningContext): string {
  let lines = text.split('\n');

  // The model copying the line just above the cursor onto an empty line.
  const above = lastNonBlank(context.linesAbove);
  const firstLine = (context.linePrefix + lines[0]).trim();
  if (
    isBlank(context.linePrefix) &&
    above !== undefined &&
    firstLine.length >= 10 &&
    firstLine === above.trim()
  )
    return '';

  // Compare the first line as it will read in the file, with the cursor line's start.
  const absolute = [context.linePrefix + lines[0], ...lines.slice(1)];
  lines = lines.slice(0, cutRepeatedBlock(absolute));
  return lines.map(cutRepeatedRun).join('\n');
}

/** How many lines to keep: through the first copy of a block repeated LINE_REPEATS times in a row. */
function cutRepeatedBlock(lines: readonly string[]): number {
  for (let start = 0; start < lines.length; start++) {
    for (let size = 1; size <= MAX_BLOCK_LINES; size++) {
      if (start + size * LINE_REPEATS > lines.length) break;
      const block = lines.slice(start, start + size);
      if (block.every(isBlank)) continue;
      let repeats = 1;
      while (
        repeats < LINE_REPEATS &&
        block.every((line, i) => line.trim() === lines[start + repeats * size + i].trim())
      )
        repeats++;
      if (repeats === LINE_REPEATS) return start + size;
    }
  }
  return lines.length;
}

function cutRepeatedRun(line: string): string {
  const match = new RegExp(`(.{1,30}?)\\1{${RUN_REPEATS - 1},}`).exec(line);
  if (!match || !/\w/.test(match[1]) || match[0].length < 12) return line;
  return line.slice(0, match.index + 2 * match[1].length).trimEnd();
}
