/**
 * Builds what a completion request says about the code, within a token budget: the text before and
 * after the cursor, the file's path and language, and snippets of related code (recent edits, recently
 * viewed ranges, similar windows of other open files). Reads only lines of documents already in memory.
 */
import { estimateTokens } from '../tokenEstimate';
import type { CursorPosition, DocumentText } from '../documentText';
import { jaccard, SimilarityIndex, wordsOf, WINDOW_LINES } from './similarity';
import { RecentRanges } from './recentRanges';

export type SnippetSource = 'edited' | 'viewed' | 'similar';

export interface ContextSnippet {
  readonly docKey: string;
  readonly path: string;
  readonly languageId: string;
  readonly startLine: number;
  /** Exclusive. */
  readonly endLine: number;
  readonly text: string;
  readonly source: SnippetSource;
  readonly score: number;
  readonly tokens: number;
}

export interface CompletionContext {
  readonly docKey: string;
  readonly path: string;
  readonly languageId: string;
  readonly prefix: string;
  readonly suffix: string;
  /** First line of the document the prefix starts on. */
  readonly prefixStartLine: number;
  /** Last line the suffix reaches (inclusive). */
  readonly suffixEndLine: number;
  /** Best first. */
  readonly snippets: readonly ContextSnippet[];
  readonly tokens: { prefix: number; suffix: number; snippets: number; total: number };
}

export interface ContextSources {
  readonly similarity?: SimilarityIndex;
  readonly edits?: RecentRanges;
  readonly views?: RecentRanges;
  /** An open document by key; snippets come only from documents in memory. */
  openDocument(key: string): DocumentText | undefined;
  /** Files the trust gate never sends (their snippets are not even considered). */
  isExcluded(path: string): boolean;
}

export interface ContextBudget {
  maxPromptTokens: number;
  /** Share of the budget the suffix may take. */
  suffixShare?: number;
  /** Share of the budget snippets may take. */
  snippetShare?: number;
}

/** Room left for the FIM template's special tokens, the file header and each snippet's header. */
const TEMPLATE_TOKENS = 24;
const SNIPPET_HEADER_TOKENS = 12;
const QUERY_LINES = 20;
const MAX_SNIPPETS = 6;
/** Lines shown around an edited or viewed range. */
const RANGE_PADDING = 4;

export function buildCompletionContext(
  doc: DocumentText,
  pos: CursorPosition,
  budget: ContextBudget,
  sources?: ContextSources,
): CompletionContext {
  const header = TEMPLATE_TOKENS + estimateTokens(doc.path) + estimateTokens(doc.languageId);
  const available = Math.max(64, budget.maxPromptTokens - header);
  const cursorLine = doc.lineAt(pos.line);

  // Suffix: the rest of the cursor line, then whole lines, up to its share.
  const suffixBudget = Math.floor(available * (budget.suffixShare ?? 0.15));
  const suffixLines = [cursorLine.slice(pos.character)];
  let suffixTokens = estimateTokens(suffixLines[0]);
  let suffixEndLine = pos.line;
  for (let line = pos.line + 1; line < doc.lineCount; line++) {
    const cost = estimateTokens(doc.lineAt(line)) + 1;
    if (suffixTokens + cost > suffixBudget) break;
    suffixLines.push(doc.lineAt(line));
    suffixTokens += cost;
    suffixEndLine = line;
  }

  // Prefix candidates: walk back as far as the whole remaining budget could reach; cut later.
  const prefixBudgetMax = available - suffixTokens;
  let cursorPrefix = cursorLine.slice(0, pos.character);
  let cursorPrefixTokens = estimateTokens(cursorPrefix);
  if (cursorPrefixTokens > prefixBudgetMax) {
    // A huge single line (minified code): keep as much of its end as fits.
    let chars = prefixBudgetMax * 4;
    do {
      cursorPrefix = cursorPrefix.slice(Math.max(0, cursorPrefix.length - chars));
      cursorPrefixTokens = estimateTokens(cursorPrefix);
      chars = Math.floor((chars * prefixBudgetMax) / cursorPrefixTokens) - 1;
    } while (cursorPrefixTokens > prefixBudgetMax && chars > 0);
  }
  const prefixLines: string[] = [];
  const prefixCost: number[] = [];
  let reach = cursorPrefixTokens;
  for (let line = pos.line - 1; line >= 0; line--) {
    const text = doc.lineAt(line);
    const cost = estimateTokens(text) + 1;
    if (reach + cost > prefixBudgetMax) break;
    prefixLines.push(text);
    prefixCost.push(cost);
    reach += cost;
  }
  const prefixReachLine = pos.line - prefixLines.length;

  // Snippets, within their share, never repeating what the prefix or suffix already shows.
  const snippetBudget = Math.floor(available * (budget.snippetShare ?? 0.25));
  const snippets = sources
    ? chooseSnippets(doc, prefixLines, cursorPrefix, sources, snippetBudget, {
        startLine: prefixReachLine,
        endLine: suffixEndLine,
      })
    : [];
  const snippetTokens = snippets.reduce((sum, snippet) => sum + snippet.tokens + SNIPPET_HEADER_TOKENS, 0);

  // The prefix takes everything left.
  const prefixBudget = available - suffixTokens - snippetTokens;
  let prefixTokens = cursorPrefixTokens;
  let kept = 0;
  while (kept < prefixLines.length && prefixTokens + prefixCost[kept] <= prefixBudget) {
    prefixTokens += prefixCost[kept];
    kept++;
  }
  const prefix =
    kept > 0 ? prefixLines.slice(0, kept).reverse().join('\n') + '\n' + cursorPrefix : cursorPrefix;

  return {
    docKey: doc.key,
    path: doc.path,
    languageId: doc.languageId,
    prefix,
    suffix: suffixLines.join('\n'),
    prefixStartLine: pos.line - kept,
    suffixEndLine,
    snippets,
    tokens: {
      prefix: prefixTokens,
      suffix: suffixTokens,
      snippets: snippetTokens,
      total: header + prefixTokens + suffixTokens + snippetTokens,
    },
  };
}

interface Candidate {
  doc: DocumentText;
  startLine: number;
  endLine: number;
  source: SnippetSource;
  score: number;
}

/** Recency counts for edits and views on top of their similarity to the code at the cursor. */
const SOURCE_BONUS: Record<SnippetSource, number> = { edited: 0.2, viewed: 0.05, similar: 0 };
const MIN_SCORE: Record<SnippetSource, number> = { edited: 0, viewed: 0.08, similar: 0.1 };

function chooseSnippets(
  doc: DocumentText,
  prefixLinesReversed: readonly string[],
  cursorPrefix: string,
  sources: ContextSources,
  budget: number,
  shown: { startLine: number; endLine: number },
): ContextSnippet[] {
  if (budget < SNIPPET_HEADER_TOKENS + 8) return [];
  const queryText = prefixLinesReversed.slice(0, QUERY_LINES).join('\n') + '\n' + cursorPrefix;
  const queryWords = wordsOf(queryText);
  if (queryWords.size === 0) return [];

  const candidates: Candidate[] = [];
  const overlapsShown = (key: string, start: number, end: number) =>
    key === doc.key && start <= shown.endLine && end > shown.startLine;
  const addRange = (source: SnippetSource, key: string, startLine: number, endLine: number) => {
    const target = key === doc.key ? doc : sources.openDocument(key);
    if (!target || sources.isExcluded(target.path)) return;
    // The range with a few lines around it; a long one is cut to a window centred on it.
    let start = Math.max(0, startLine - RANGE_PADDING);
    let end = Math.min(target.lineCount, endLine + 1 + RANGE_PADDING);
    if (end - start > WINDOW_LINES) {
      start = Math.max(0, Math.floor((startLine + endLine) / 2) - WINDOW_LINES / 2);
      end = Math.min(target.lineCount, start + WINDOW_LINES);
    }
    if (overlapsShown(key, start, end)) return;
    candidates.push({ doc: target, startLine: start, endLine: end, source, score: 0 });
  };
  for (const range of sources.edits?.recent() ?? [])
    addRange('edited', range.docKey, range.startLine, range.endLine);
  for (const range of sources.views?.recent() ?? [])
    addRange('viewed', range.docKey, range.startLine, range.endLine);
  for (const candidate of candidates) {
    const words = wordsOf(linesOf(candidate.doc, candidate.startLine, candidate.endLine));
    candidate.score = jaccard(queryWords, words);
  }
  if (sources.similarity) {
    const query = sources.similarity.query(queryWords);
    for (const found of sources.similarity.search(query, {
      excludeKey: doc.key,
      limit: MAX_SNIPPETS * 2,
      minScore: MIN_SCORE.similar,
    })) {
      if (sources.isExcluded(found.doc.path)) continue;
      candidates.push({ ...found, source: 'similar' });
    }
  }

  const ranked = candidates
    .filter((candidate) => candidate.score >= MIN_SCORE[candidate.source])
    .map((candidate) => ({ ...candidate, score: candidate.score + SOURCE_BONUS[candidate.source] }))
    .sort((a, b) => b.score - a.score);

  const chosen: ContextSnippet[] = [];
  let used = 0;
  for (const candidate of ranked) {
    if (chosen.length >= MAX_SNIPPETS) break;
    const overlaps = chosen.some(
      (other) =>
        other.docKey === candidate.doc.key &&
        candidate.startLine < other.endLine &&
        candidate.endLine > other.startLine,
    );
    if (overlaps) continue;
    let { startLine, endLine } = candidate;
    while (startLine < endLine && candidate.doc.lineAt(startLine).trim() === '') startLine++;
    while (endLine > startLine && candidate.doc.lineAt(endLine - 1).trim() === '') endLine--;
    if (startLine === endLine) continue;
    const text = linesOf(candidate.doc, startLine, endLine);
    const tokens = estimateTokens(text) + 1;
    if (used + tokens + SNIPPET_HEADER_TOKENS > budget) continue;
    used += tokens + SNIPPET_HEADER_TOKENS;
    chosen.push({
      docKey: candidate.doc.key,
      path: candidate.doc.path,
      languageId: candidate.doc.languageId,
      startLine,
      endLine,
      text,
      source: candidate.source,
      score: candidate.score,
      tokens,
    });
  }
  return chosen;
}

function linesOf(doc: DocumentText, start: number, end: number): string {
  const lines: string[] = [];
  for (let line = start; line < Math.min(end, doc.lineCount); line++) lines.push(doc.lineAt(line));
  return lines.join('\n');
}
