import { findSecretAssignments } from './assignmentRule';
import { PROVIDER_RULES, type ProviderRule } from './providerRules';
import { notMasked } from './valueShape';

/** One secret found in a text: the half-open range [start, end) to replace, and what it is. */
export interface SecretFinding {
  readonly start: number;
  readonly end: number;
  /**
   * A known format (`github_token`, `private_key`, `url_password`, ...), or for a random value
   * assigned to a secret-sounding name what the name says: `password`, `token`, `api_key`,
   * `secret_key`, `secret`, `credential`.
   */
  readonly kind: string;
}

const TOKEN_CHAR = /[A-Za-z0-9_-]/;

function runProviderRule(rule: ProviderRule, text: string, into: SecretFinding[]): void {
  if (rule.scan) {
    for (const span of rule.scan(text)) {
      if ((rule.accept ?? notMasked)(text.slice(span.start, span.end)))
        into.push({ start: span.start, end: span.end, kind: span.kind ?? rule.kind });
    }
    return;
  }
  const pattern = rule.pattern;
  if (!pattern) return;
  pattern.lastIndex = 0;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(text)) !== null) {
    if (match[0].length === 0) {
      pattern.lastIndex++;
      continue;
    }
    if (rule.boundary !== false && match.index > 0 && TOKEN_CHAR.test(text[match.index - 1])) continue;
    let start = match.index;
    let secret = match[0];
    const groups = match.indices?.groups;
    const named = groups && Object.values(groups).find((range) => range !== undefined);
    if (named) {
      start = named[0];
      secret = text.slice(named[0], named[1]);
    }
    if (rule.kind === 'private_key') {
      // A PEM body keeps its line breaks (real or JSON-escaped) around the placeholder.
      const lead = /^(?:\s|\\[nr])*/.exec(secret)?.[0].length ?? 0;
      const body = secret.slice(lead).replace(/(?:\s|\\[nr])+$/, '');
      if (!body) continue;
      start += lead;
      secret = body;
    }
    if (!(rule.accept ?? notMasked)(secret)) continue;
    into.push({ start, end: start + secret.length, kind: rule.kind });
  }
}

/**
 * Every secret in `text`, sorted, without overlaps. Where a known format and a secret name both
 * match, the spans are merged and the known format names it.
 */
export function scanForSecrets(text: string): SecretFinding[] {
  const found: SecretFinding[] = [];
  for (const rule of PROVIDER_RULES) runProviderRule(rule, text, found);
  const specific = found.length;
  for (const assignment of findSecretAssignments(text)) {
    found.push({ start: assignment.start, end: assignment.end, kind: assignment.kind });
  }
  if (found.length === 0) return found;
  const isSpecific = new Set(found.slice(0, specific));
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: SecretFinding[] = [];
  for (const finding of found) {
    const last = merged[merged.length - 1];
    if (last && finding.start < last.end) {
      // The known format names the merged span.
      const kind = !isSpecific.has(last) && isSpecific.has(finding) ? finding.kind : last.kind;
      merged[merged.length - 1] = { start: last.start, end: Math.max(last.end, finding.end), kind };
    } else {
      merged.push(finding);
    }
  }
  return merged;
}
