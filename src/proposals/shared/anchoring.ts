/**
 * Where a shared hunk sits in its file's Y.Text. A hunk's region is a pair of Yjs relative positions:
 * the start sticks to the region's first character and the end to its last, so text typed just before
 * or just after the region stays outside it while text typed inside moves with it. An empty region
 * (a pure insertion) has both ends on the character after it.
 */
import * as Y from 'yjs';
import type { AnchorJSON } from './records';

/** A region as LF offsets [from, to) into the text now. */
export interface ResolvedRegion {
  readonly from: number;
  readonly to: number;
}

/** Offset of the start of 0-based `line` in `text`, or undefined past the end. */
export function lineStartOffset(text: string, line: number): number | undefined {
  if (line < 0) return undefined;
  let offset = 0;
  for (let i = 0; i < line; i++) {
    const newline = text.indexOf('\n', offset);
    if (newline < 0) return undefined;
    offset = newline + 1;
  }
  return offset;
}

/** 0-based line of `offset` in `text`. */
export function lineOfOffset(text: string, offset: number): number {
  let line = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** Anchors the region [from, to) of `text`. */
export function anchorRegion(text: Y.Text, from: number, to: number): { start: AnchorJSON; end: AnchorJSON } {
  const start = Y.createRelativePositionFromTypeIndex(text, from, 0);
  const end = from === to ? start : Y.createRelativePositionFromTypeIndex(text, to, -1);
  return {
    start: Y.relativePositionToJSON(start) as AnchorJSON,
    end: Y.relativePositionToJSON(end) as AnchorJSON,
  };
}

function absolute(text: Y.Text, anchor: AnchorJSON): number | undefined {
  if (!text.doc) return undefined;
  try {
    const position = Y.createAbsolutePositionFromRelativePosition(
      Y.createRelativePositionFromJSON(anchor),
      text.doc,
    );
    return position && position.type === text ? position.index : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Where the region is in `text` now; undefined when an anchor does not point into this text (the
 * file's shared text was replaced, or a peer wrote nonsense).
 */
export function resolveRegion(
  text: Y.Text,
  region: { readonly start: AnchorJSON; readonly end: AnchorJSON },
): ResolvedRegion | undefined {
  const from = absolute(text, region.start);
  const to = absolute(text, region.end);
  if (from === undefined || to === undefined) return undefined;
  // Everything in the region deleted and retyped elsewhere can leave the end before the start.
  return { from, to: Math.max(from, to) };
}
