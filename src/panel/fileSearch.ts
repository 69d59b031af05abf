/**
 * Ranking workspace paths for @ mentions: every character of the query must appear in order; matches
 * in the file name, at word starts and in a row rank higher, shorter paths break ties.
 */
export function rankPaths(paths: readonly string[], query: string, limit: number): string[] {
  const needle = query.trim().toLowerCase();
  if (needle === '') return paths.slice(0, limit);
  const scored: Array<{ path: string; score: number }> = [];
  for (const path of paths) {
    const score = scorePath(path, needle);
    if (score > 0) scored.push({ path, score });
  }
  scored.sort((a, b) => b.score - a.score || a.path.length - b.path.length || a.path.localeCompare(b.path));
  return scored.slice(0, limit).map((entry) => entry.path);
}

export function scorePath(path: string, needle: string): number {
  const haystack = path.toLowerCase();
  const nameStart = haystack.lastIndexOf('/') + 1;
  const exactName = haystack.indexOf(needle, nameStart);
  if (exactName >= 0) return 1000 - (exactName - nameStart) - path.length / 100;
  const contiguous = haystack.indexOf(needle);
  if (contiguous >= 0) return 500 - path.length / 100;
  let score = 0;
  let at = 0;
  let previous = -2;
  for (const char of needle) {
    const found = haystack.indexOf(char, at);
    if (found < 0) return 0;
    score += 1;
    if (found === previous + 1) score += 2;
    if (found === 0 || '/._-'.includes(haystack[found - 1])) score += 3;
    if (found >= nameStart) score += 1;
    previous = found;
    at = found + 1;
  }
  return score;
}
