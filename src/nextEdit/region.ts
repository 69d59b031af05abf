/**
 * The editable region: the lines around the cursor the model may rewrite, and the lines around it that
 * it only reads. A model trained on a fixed window (Sweep: the cursor line and 10 on each side) gets
 * that window; the others get more room below than above, where the next edit usually is (the rename on
 * line 10 whose use is on line 42), cut to a character budget that keeps the rewrite quick.
 */
import type { Position } from './types';

export interface RegionShape {
  readonly linesAbove: number;
  readonly linesBelow: number;
  /** The region's text may not be longer; lines are taken off below first, then above. */
  readonly maxChars: number;
  /** Lines shown, not editable, on each side of the region. */
  readonly contextLines: number;
}

export interface Region {
  /** First line of the region and the line after its last. */
  readonly startLine: number;
  readonly endLine: number;
  readonly lines: readonly string[];
  /** Where the cursor is inside the region (its line relative to `startLine`). */
  readonly cursor: Position;
  /** Read-only lines just above and below the region. */
  readonly above: readonly string[];
  readonly below: readonly string[];
  /** The region starts at the first line of the document. */
  readonly atStart: boolean;
}

export function chooseRegion(lines: readonly string[], cursor: Position, shape: RegionShape): Region {
  const cursorLine = Math.min(Math.max(0, cursor.line), Math.max(0, lines.length - 1));
  let startLine = Math.max(0, cursorLine - shape.linesAbove);
  let endLine = Math.min(lines.length, cursorLine + 1 + shape.linesBelow);
  let chars = 0;
  for (let i = startLine; i < endLine; i++) chars += lines[i].length + 1;
  // Over budget: drop lines far from the cursor, below first, never the cursor's line.
  while (chars > shape.maxChars && endLine - 1 > cursorLine) chars -= lines[--endLine].length + 1;
  while (chars > shape.maxChars && startLine < cursorLine) chars -= lines[startLine++].length + 1;
  const regionLines = lines.slice(startLine, endLine);
  return {
    startLine,
    endLine,
    lines: regionLines,
    cursor: {
      line: cursorLine - startLine,
      character: Math.min(cursor.character, (lines[cursorLine] ?? '').length),
    },
    above: lines.slice(Math.max(0, startLine - shape.contextLines), startLine),
    below: lines.slice(endLine, endLine + shape.contextLines),
    atStart: startLine === 0,
  };
}

/** The region's text with `marker` at the cursor. */
export function regionWithCursor(region: Region, marker: string): string {
  const lines = region.lines.slice();
  const line = lines[region.cursor.line] ?? '';
  lines[region.cursor.line] =
    line.slice(0, region.cursor.character) + marker + line.slice(region.cursor.character);
  return lines.join('\n');
}
