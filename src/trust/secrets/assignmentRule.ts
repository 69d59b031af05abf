import { looksLikeSecretValue } from './valueShape';

/**
 * Finds values assigned to secret-sounding names, in the syntaxes config and code use:
 * `.env`/shell (`NAME=value`), YAML (`name: value`), JSON (`"name": "value"`), TOML/INI/properties,
 * code (`name = "..."`, `name := "..."`, `'name' => '...'`, `name: "..."`, `f("name", "...")`,
 * `.name("...")`), CLI flags (`--password value`), XML (`<password>v</password>`), HTTP headers
 * (`Authorization: Bearer v`), and name/value pairs (`- name: DB_PASSWORD` / `value: ...`,
 * `<add key="ApiKey" value="..."/>`).
 *
 * It searches for keywords first and parses around each hit, which keeps a 10,000-line file in the
 * low milliseconds; a single regex anchored on the name would be tried at every character.
 */

export interface AssignmentFinding {
  readonly start: number;
  readonly end: number;
  readonly name: string;
}

const KEYWORD = /pass|pwd|secret|token|key|auth|credential|bearer|sas/gi;
const NAME_CHAR = /[A-Za-z0-9_.$-]/;

/** The last word (after neutral suffixes are dropped) that makes a name secret. */
const SECRET_WORDS = new Set([
  'password',
  'passwd',
  'pwd',
  'pass',
  'passphrase',
  'passcode',
  'secret',
  'token',
  'apikey',
  'credential',
  'credentials',
  'auth',
  'authorization',
  'bearer',
  'sas',
]);
/** Two last words that make a name secret (`api key`, `client secret` is covered by `secret`). */
const SECRET_PAIRS = new Set(
  [
    'api key',
    'access key',
    'secret key',
    'private key',
    'signing key',
    'encryption key',
    'master key',
    'client key',
    'auth key',
    'account key',
    'app key',
    'application key',
    'service key',
    'license key',
    'shared key',
    'session key',
    'storage key',
    'subscription key',
    'primary key',
    'secondary key',
    'admin key',
    'hmac key',
  ].map((pair) => pair.replace(' ', '')),
);
/** Names written as one word: PGPASSWORD, APIKEY, AUTHTOKEN. */
const SECRET_ENDINGS = [
  'password',
  'passwd',
  'secret',
  'token',
  'apikey',
  'passphrase',
  'secretkey',
  'privatekey',
  'accesskey',
];
/** Words that qualify a secret name without changing what it is: DB_PASSWORD_PROD, API_KEY_B64. */
const NEUTRAL_SUFFIXES = new Set([
  'value',
  'val',
  'str',
  'string',
  'raw',
  'b64',
  'base64',
  'hex',
  'plain',
  'plaintext',
  'encoded',
  'enc',
  'prod',
  'production',
  'dev',
  'development',
  'staging',
  'stage',
  'live',
  'test',
  'local',
  'default',
  'base',
  'data',
  'new',
  'old',
  'current',
]);

function nameWords(name: string): string[] {
  return name
    .replace(/^[-$]+/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[\s_.$-]+/)
    .filter((word) => word && !/^v?\d+$/.test(word));
}

/** Whether a variable/key name says it holds a secret. */
export function isSecretName(name: string): boolean {
  const words = nameWords(name);
  while (words.length > 1 && NEUTRAL_SUFFIXES.has(words[words.length - 1])) words.pop();
  const last = words[words.length - 1];
  if (!last) return false;
  if (SECRET_WORDS.has(last)) return true;
  if (words.length >= 2 && SECRET_PAIRS.has(words[words.length - 2] + last)) return true;
  if (last.length > 6 && SECRET_ENDINGS.some((ending) => last.endsWith(ending))) return true;
  return false;
}

// After the name: a closing quote, spaces, then the operator. Whitespace alone is an operator only
// for `--flag value`; `(` only when a string literal follows.
const OPERATOR = /["'`]?[ \t]{0,4}(:=|=>|\?\?=|=|:|,|\(|>)[ \t]{0,4}/y;
const FLAG_SPACE = /[ \t]{1,4}/y;
const PAIR_VALUE = /["']?[ \t]*(?:,|;)?[ \t]*(?:\r?\n[ \t]*-?[ \t]*)?["']?value["']?[ \t]*[:=][ \t]*/iy;
const AUTH_SCHEME = /(?:Bearer|Basic|Token|token|Digest|ApiKey|Key)[ \t]+/y;
const QUOTES = '"\'`';
const UNQUOTED_END = /[\s"'`;,&<>)\]}]/;

/** Reads the value at `at`: a quoted string or an unquoted run. */
function readValue(
  text: string,
  at: number,
  allowUnquoted: boolean,
): { start: number; end: number; quoted: boolean } | undefined {
  const first = text[at];
  if (first !== undefined && QUOTES.includes(first)) {
    let index = at + 1;
    const limit = Math.min(text.length, at + 600);
    while (index < limit) {
      const char = text[index];
      if (char === '\\') index += 2;
      else if (char === first) return { start: at + 1, end: index, quoted: true };
      else if (char === '\n') return undefined;
      else index++;
    }
    return undefined;
  }
  if (!allowUnquoted) return undefined;
  let index = at;
  const limit = Math.min(text.length, at + 600);
  while (index < limit && !UNQUOTED_END.test(text[index])) index++;
  if (index === at) return undefined;
  return { start: at, end: index, quoted: false };
}

export function findSecretAssignments(text: string): AssignmentFinding[] {
  const findings: AssignmentFinding[] = [];
  KEYWORD.lastIndex = 0;
  let match: RegExpExecArray | null;
  while ((match = KEYWORD.exec(text)) !== null) {
    let start = match.index;
    let end = match.index + match[0].length;
    while (start > 0 && NAME_CHAR.test(text[start - 1])) start--;
    while (end < text.length && NAME_CHAR.test(text[end])) end++;
    KEYWORD.lastIndex = end;
    // Trailing dots or dashes belong to the syntax around the name, not to it.
    while (end > start && /[.-]/.test(text[end - 1])) end--;
    const name = text.slice(start, end);
    if (!isSecretName(name)) continue;
    const finding = valueAfterName(text, start, end, name);
    if (finding) {
      findings.push(finding);
      KEYWORD.lastIndex = Math.max(KEYWORD.lastIndex, finding.end);
    }
  }
  return findings;
}

function valueAfterName(
  text: string,
  start: number,
  end: number,
  name: string,
): AssignmentFinding | undefined {
  const before = text[start - 1];
  const nameQuoted = before !== undefined && QUOTES.includes(before);

  // `- name: DB_PASSWORD` + `value: ...`, `<add key="ApiKey" value="..."/>`
  const lineStart = text.lastIndexOf('\n', start) + 1;
  if (
    /(?:name|key|id)["']?[ \t]*[:=][ \t]*["']?$/i.test(text.slice(Math.max(lineStart, start - 30), start))
  ) {
    PAIR_VALUE.lastIndex = end;
    if (PAIR_VALUE.test(text)) {
      const value = readValue(text, PAIR_VALUE.lastIndex, true);
      return value && accept(text, value, name);
    }
    return undefined;
  }

  OPERATOR.lastIndex = end;
  const operatorMatch = OPERATOR.exec(text);
  let operator: string | undefined;
  let at: number;
  if (operatorMatch) {
    operator = operatorMatch[1];
    at = OPERATOR.lastIndex;
  } else if (/^(?:password|passwd)$/i.test(name) && /^[ \t]{1,4}['"]/.test(text.slice(end, end + 6))) {
    // SQL: CREATE USER app WITH PASSWORD 'value'
    at = end + /^[ \t]*/.exec(text.slice(end, end + 6))![0].length;
  } else if (name.startsWith('--')) {
    FLAG_SPACE.lastIndex = end;
    if (!FLAG_SPACE.test(text)) return undefined;
    at = FLAG_SPACE.lastIndex;
  } else {
    return undefined;
  }
  if (operator === '>' && before !== '<') return undefined; // only XML elements: <password>v</password>
  if (operator === ',' && !nameQuoted) return undefined; // only f("password", "v")
  if (operator === '(' && !QUOTES.includes(text[at] ?? '')) return undefined;

  const quote = QUOTES.includes(text[at] ?? '') ? text[at] : undefined;
  if (!quote && (operator === ',' || operator === '(')) return undefined;
  // `Authorization: Bearer abc`, `"Authorization": "Bearer abc"`: the token follows the scheme.
  AUTH_SCHEME.lastIndex = quote ? at + 1 : at;
  const scheme = AUTH_SCHEME.test(text) ? AUTH_SCHEME.lastIndex : undefined;
  const value = quote ? readValue(text, at, false) : readValue(text, scheme ?? at, true);
  if (!value) return undefined;
  if (quote && scheme !== undefined && scheme < value.end) value.start = scheme;
  return accept(text, value, name);
}

function accept(
  text: string,
  value: { start: number; end: number; quoted: boolean },
  name: string,
): AssignmentFinding | undefined {
  let { end } = value;
  if (!value.quoted) {
    // `password = compute(x)` or `token: someObject.field` is code, not a value.
    const raw = text.slice(value.start, end);
    if (/[([{]/.test(raw)) return undefined;
    while (end > value.start && /[.,;:]/.test(text[end - 1])) end--;
  }
  const candidate = text.slice(value.start, end);
  if (!looksLikeSecretValue(candidate)) return undefined;
  return { start: value.start, end, name };
}
