import { randomBytes } from 'node:crypto';
import { normalizePath, virtualRootOf } from '../exclusion/paths';
import { scanForSecrets, type SecretFinding } from './secretScanner';

/** One replaced secret, for the request log: where it was and what now stands in its place. */
export interface Redaction {
  readonly kind: string;
  readonly placeholder: string;
  /** Range of the secret in the original text. */
  readonly start: number;
  readonly end: number;
  /** Range of the placeholder in the redacted text. */
  readonly sentStart: number;
  readonly sentEnd: number;
}

export interface RedactedText {
  readonly text: string;
  readonly redactions: readonly Redaction[];
}

export interface RestoreResult {
  readonly text: string;
  /** Placeholders that were written back to their original values. */
  readonly restored: readonly { placeholder: string; kind: string }[];
  /** Placeholder-shaped strings this vault never issued (left as they are). */
  readonly unknown: readonly string[];
  /** Placeholders this vault issued for a secret from another document or session (left as they are). */
  readonly withheld: readonly string[];
}

/**
 * Where a secret was found, which decides where it may be written back: `trusted` for the user's own
 * words (anywhere), otherwise the file's path. A file of a shared session counts as the whole session.
 */
export type SecretOrigin = 'trusted' | { readonly path: string };

/** A value shorter than this is not searched for by value (it would match ordinary words). */
const MIN_KNOWN_VALUE = 6;

const PLACEHOLDER_PREFIX = 'TANDEM_REDACTED_';
const MAX_ENTRIES = 20_000;

/**
 * Holds, for this window's lifetime and in memory only, the secrets taken out of outgoing text and
 * the placeholder that replaced each. The same value always gets the same placeholder, so a model
 * sees a consistent name across requests and any proposal that writes a placeholder back can be
 * restored locally. Placeholders carry a per-vault tag so text that happens to contain an old
 * placeholder can never be confused with one this vault issued.
 */
export class SecretVault {
  readonly tag: string;
  private readonly byValue = new Map<string, string>();
  private readonly byPlaceholder = new Map<string, { value: string; kind: string; scopes: Set<string> }>();
  /** Every known value as one alternation, longest first; rebuilt after a value is added or forgotten. */
  private knownPattern: RegExp | undefined | null = null;
  private readonly counters = new Map<string, number>();
  private readonly pattern: RegExp;

  constructor(tag = randomBytes(3).toString('hex').slice(0, 4)) {
    if (!/^[a-z0-9]{4}$/.test(tag))
      throw new Error(`A vault tag is 4 lowercase letters or digits, got "${tag}"`);
    this.tag = tag;
    this.pattern = new RegExp(`${PLACEHOLDER_PREFIX}([A-Z0-9_]+?)_(\\d+)_${tag}(?![A-Za-z0-9])`, 'g');
  }

  /** Number of secrets held. */
  get size(): number {
    return this.byPlaceholder.size;
  }

  /** The placeholder standing for `value`, issuing one the first time it is seen. */
  placeholderFor(value: string, kind: string, origin: SecretOrigin = 'trusted'): string {
    const scope = scopeOf(origin);
    const existing = this.byValue.get(value);
    if (existing) {
      this.byPlaceholder.get(existing)?.scopes.add(scope);
      return existing;
    }
    this.knownPattern = null;
    if (this.byPlaceholder.size >= MAX_ENTRIES) {
      // Forget the oldest: earlier proposals can no longer restore it, but memory stays bounded.
      const [oldest] = this.byPlaceholder.keys();
      const entry = this.byPlaceholder.get(oldest);
      this.byPlaceholder.delete(oldest);
      if (entry) this.byValue.delete(entry.value);
      this.knownPattern = null;
    }
    const label = kind.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
    const count = (this.counters.get(label) ?? 0) + 1;
    this.counters.set(label, count);
    const placeholder = `${PLACEHOLDER_PREFIX}${label}_${count}_${this.tag}`;
    this.byValue.set(value, placeholder);
    this.byPlaceholder.set(placeholder, { value, kind, scopes: new Set([scope]) });
    return placeholder;
  }

  /**
   * Where values this vault already holds occur in `text`: a secret once found by its name (a
   * password) is found again wherever it is repeated without the name, e.g. quoted back in an answer
   * that the next turn sends as history.
   */
  knownValues(text: string): SecretFinding[] {
    if (this.knownPattern === null) {
      const values = [...this.byValue.keys()]
        .filter((value) => value.length >= MIN_KNOWN_VALUE)
        .sort((a, b) => b.length - a.length)
        .map((value) => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
      this.knownPattern = values.length ? new RegExp(values.join('|'), 'g') : undefined;
    }
    const pattern = this.knownPattern;
    if (!pattern) return [];
    const findings: SecretFinding[] = [];
    pattern.lastIndex = 0;
    for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
      const placeholder = this.byValue.get(match[0]);
      const kind = placeholder ? (this.byPlaceholder.get(placeholder)?.kind ?? 'secret') : 'secret';
      findings.push({ start: match.index, end: match.index + match[0].length, kind });
    }
    return findings;
  }

  /**
   * Replaces every secret in `text` with its placeholder. A finding may name the whole `value` it is
   * part of (a secret cut by a window's edge), so every window names that secret the same way.
   */
  redact(
    text: string,
    scanned: readonly (SecretFinding & { value?: string })[] = scanForSecrets(text),
    origin: SecretOrigin = 'trusted',
  ): RedactedText {
    const findings = withKnownValues(scanned, this.knownValues(text));
    if (findings.length === 0) return { text, redactions: [] };
    const parts: string[] = [];
    const redactions: Redaction[] = [];
    let cursor = 0;
    let sentLength = 0;
    for (const finding of findings) {
      const before = text.slice(cursor, finding.start);
      parts.push(before);
      sentLength += before.length;
      const placeholder = this.placeholderFor(
        ('value' in finding ? finding.value : undefined) ?? text.slice(finding.start, finding.end),
        finding.kind,
        origin,
      );
      parts.push(placeholder);
      redactions.push({
        kind: finding.kind,
        placeholder,
        start: finding.start,
        end: finding.end,
        sentStart: sentLength,
        sentEnd: sentLength + placeholder.length,
      });
      sentLength += placeholder.length;
      cursor = finding.end;
    }
    parts.push(text.slice(cursor));
    return { text: parts.join(''), redactions };
  }

  /**
   * Writes placeholders this vault issued back to the original values. Local only. With `target` (the
   * path of the document the text goes into), only secrets that came from that document, from the same
   * shared session, or from the user's own words are written back; the others stay placeholders, so a
   * secret from one file (a guest's private file) never lands in another (a shared one).
   */
  restore(text: string, target?: string): RestoreResult {
    if (!text.includes(PLACEHOLDER_PREFIX)) return { text, restored: [], unknown: [], withheld: [] };
    const restored: { placeholder: string; kind: string }[] = [];
    const withheld: string[] = [];
    const targetScope = target === undefined ? undefined : scopeOf({ path: target });
    this.pattern.lastIndex = 0;
    const result = text.replace(this.pattern, (placeholder) => {
      const entry = this.byPlaceholder.get(placeholder);
      if (!entry) return placeholder;
      if (targetScope !== undefined && !entry.scopes.has(TRUSTED) && !entry.scopes.has(targetScope)) {
        withheld.push(placeholder);
        return placeholder;
      }
      restored.push({ placeholder, kind: entry.kind });
      return entry.value;
    });
    const unknown = [...result.matchAll(/TANDEM_REDACTED_[A-Z0-9_]+_\d+_[a-z0-9]{4}/g)]
      .map((match) => match[0])
      .filter((placeholder) => !this.byPlaceholder.has(placeholder));
    return { text: result, restored, unknown, withheld };
  }

  /** The original value behind a placeholder, if this vault issued it. */
  valueOf(placeholder: string): string | undefined {
    return this.byPlaceholder.get(placeholder)?.value;
  }

  /** A restorer for streamed text: holds back a placeholder split across chunks until it is whole. */
  streamRestorer(target?: string): PlaceholderStreamRestorer {
    return new PlaceholderStreamRestorer(this, target);
  }

  /** Forgets every secret (e.g. when the user clears the request log). */
  clear(): void {
    this.knownPattern = null;
    this.byValue.clear();
    this.byPlaceholder.clear();
    this.counters.clear();
  }
}

const TRUSTED = 'trusted';

/** The scope a secret may be restored into: its file, or the whole session for a session's file. */
function scopeOf(origin: SecretOrigin): string {
  if (origin === 'trusted') return TRUSTED;
  const normalized = normalizePath(origin.path);
  return virtualRootOf(normalized) ?? `file:${normalized}`;
}

/** The scanner's findings plus known values that do not overlap any of them, in text order. */
function withKnownValues<T extends SecretFinding>(
  scanned: readonly T[],
  known: readonly SecretFinding[],
): readonly (T | SecretFinding)[] {
  if (known.length === 0) return scanned;
  const extra = known.filter((finding) =>
    scanned.every((other) => finding.end <= other.start || finding.start >= other.end),
  );
  if (extra.length === 0) return scanned;
  return [...scanned, ...extra].sort((a, b) => a.start - b.start);
}

/** Restores placeholders in a stream of text chunks; call `push` per chunk and `flush` at the end. */
export class PlaceholderStreamRestorer {
  private pending = '';

  constructor(
    private readonly vault: SecretVault,
    private readonly target?: string,
  ) {}

  push(chunk: string): string {
    const text = this.pending + chunk;
    const hold = heldBackFrom(text, this.vault.tag);
    this.pending = text.slice(hold);
    return this.vault.restore(text.slice(0, hold), this.target).text;
  }

  flush(): string {
    const rest = this.vault.restore(this.pending, this.target).text;
    this.pending = '';
    return rest;
  }
}

/** Index from which the end of `text` could still grow into a placeholder. */
function heldBackFrom(text: string, tag: string): number {
  // The earliest start wins: "TANDEM_REDACT" must be held from its first T, not its last.
  for (
    let index = text.indexOf('T', Math.max(0, text.length - 120));
    index >= 0;
    index = text.indexOf('T', index + 1)
  ) {
    if (couldBecomePlaceholder(text.slice(index), tag)) return index;
  }
  return text.length;
}

function couldBecomePlaceholder(tail: string, tag: string): boolean {
  if (tail.length <= PLACEHOLDER_PREFIX.length) return PLACEHOLDER_PREFIX.startsWith(tail);
  if (!tail.startsWith(PLACEHOLDER_PREFIX)) return false;
  // LABEL_n_ then a partial tag; a complete placeholder is released at once.
  const rest = tail.slice(PLACEHOLDER_PREFIX.length);
  if (new RegExp(`^[A-Z0-9_]+_\\d+_${tag}`).test(rest)) return false;
  return /^[A-Z0-9_]*(?:_\d*(?:_[a-z0-9]{0,3})?)?$/.test(rest);
}
