/**
 * How alike two texts are, from 0 (nothing in common) to 1 (equal): 1 - edit distance / longer length.
 * Long inputs (past `maxCells` of the distance table) are compared line by line instead, which is
 * cheaper and good enough to rank candidate regions.
 */
export function similarity(a: string, b: string, maxCells = 4_000_000): number {
  if (a === b) return 1;
  const longer = Math.max(a.length, b.length);
  if (longer === 0) return 1;
  if (a.length * b.length > maxCells) return lineSimilarity(a.split('\n'), b.split('\n'));
  return 1 - editDistance(a, b) / longer;
}

/** Levenshtein distance with two rows. */
export function editDistance(a: string, b: string): number {
  if (a.length < b.length) [a, b] = [b, a];
  const m = b.length;
  let previous = new Uint32Array(m + 1);
  let current = new Uint32Array(m + 1);
  for (let j = 0; j <= m; j++) previous[j] = j;
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= m; j++) {
      const cost = ca === b.charCodeAt(j - 1) ? 0 : 1;
      const del = previous[j] + 1;
      const ins = current[j - 1] + 1;
      const sub = previous[j - 1] + cost;
      current[j] = del < ins ? (del < sub ? del : sub) : ins < sub ? ins : sub;
    }
    [previous, current] = [current, previous];
  }
  return previous[m];
}

/** Share of lines the two sides have in common (as a multiset), by the Dice coefficient. */
export function lineSimilarity(a: readonly string[], b: readonly string[]): number {
  if (a.length + b.length === 0) return 1;
  const counts = new Map<string, number>();
  for (const line of a) counts.set(line, (counts.get(line) ?? 0) + 1);
  let common = 0;
  for (const line of b) {
    const left = counts.get(line);
    if (left) {
      common++;
      counts.set(line, left - 1);
    }
  }
  return (2 * common) / (a.length + b.length);
}
