import { secretNameKind, type AssignedKind } from './secretNames';
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
  /** What the name says the value is: password, token, api_key, secret_key, secret or credential. */
  readonly kind: AssignedKind;
}

// The words a secret name contains, grouped by first letter. Found by a character loop: an
// alternation regex is tried at every position and costs several times more on a large file.
const KEYWORD_LIST: readonly string[] = [
  'pass',
  'pwd',
  'secret',
  'sas',
  'token',
  'key',
  'auth',
  'credential',
  'bearer',
];
/** 1 for the lower-case first two letters of some keyword, indexed by (first << 7) | second. */
const KEYWORD_BIGRAM = new Uint8Array(128 * 128);
for (const word of KEYWORD_LIST) KEYWORD_BIGRAM[(word.charCodeAt(0) << 7) | word.charCodeAt(1)] = 1;

/** The next keyword at or after `from`: its start and end. Case-insensitive, ASCII. */
function nextKeyword(text: string, from: number): { start: number; end: number } | undefined {
  const last = text.length - 2;
  let previous = from < text.length ? text.charCodeAt(from) | 0x20 : 0;
  for (let index = from; index <= last; index++) {
    const next = text.charCodeAt(index + 1) | 0x20;
    if (previous < 128 && next < 128 && KEYWORD_BIGRAM[(previous << 7) | next] === 1) {
      for (const word of KEYWORD_LIST) {
        if (word.charCodeAt(0) !== previous || word.charCodeAt(1) !== next) continue;
        let offset = 2;
        while (offset < word.length && (text.charCodeAt(index + offset) | 0x20) === word.charCodeAt(offset))
          offset++;
        if (offset === word.length) return { start: index, end: index + offset };
      }
    }
    previous = next;
  }
  return undefined;
}

/** [A-Za-z0-9_.$-] by char code: called for every character around every keyword. */
function isNameChar(code: number): boolean {
  return (
    (code >= 97 && code <= 122) ||
    (code >= 65 && code <= 90) ||
    (code >= 48 && code <= 57) ||
    code === 95 ||
    code === 46 ||
    code === 36 ||
    code === 45
  );
}

const PAIR_NAME = /(?:name|key|id)["']?[ \t]*[:=][ \t]*["']?$/i;

/** Cheap test of what follows a name, run before the name itself is judged. */
function mayBeAssigned(text: string, start: number, end: number): boolean {
  let at = end;
  const quote = text.charCodeAt(at);
  if (quote === 34 || quote === 39 || quote === 96) at++;
  while (text.charCodeAt(at) === 32 || text.charCodeAt(at) === 9) at++;
  const next = text[at];
  if (next !== undefined && ':=,(>'.includes(next)) return true;
  if (at > end && (next === '"' || next === "'")) return true; // SQL: PASSWORD 'x'; --flag value
  if (text.startsWith('--', start)) return true;
  // A name/value pair: `- name: DB_PASSWORD` then `value: ...`, `key="ApiKey" value="..."`
  return isPairName(text, start, 0);
}

/** Whether the name at `start` is the value of a `name:`/`key=`/`id:` field (of a name/value pair). */
function isPairName(text: string, start: number, from: number): boolean {
  let at = start - 1;
  const quote = text.charCodeAt(at);
  if (quote === 34 || quote === 39) at--;
  while (text.charCodeAt(at) === 32 || text.charCodeAt(at) === 9) at--;
  const operator = text.charCodeAt(at);
  if (operator !== 58 && operator !== 61) return false; // ':' or '='
  return PAIR_NAME.test(text.slice(Math.max(from, start - 30), start));
}

// After the name: a closing quote, spaces, then the operator. Whitespace alone is an operator only
// for `--flag value`; `(` only when a string literal follows.
// Up to 32 spaces before the operator: aligned columns (`db_password       = "..."`) are common.
// After it, an optional Python bytes/raw prefix (`b"..."`) or the `[` of a one-element list.
const OPERATOR = /["'`]?[ \t]{0,32}(:=|=>|\?\?=|=|:|,|\(|>)[ \t]{0,4}(?:[bru](?=["'])|\[[ \t]?(?=["']))?/y;
const TYPED_ASSIGNMENT = /[ \t]*:[ \t]*[\w$&<>[\]|.?, ]{1,40}?[ \t]*=[ \t]*(?=["'`])/y;
const FLAG_SPACE = /[ \t]{1,4}/y;
const PAIR_VALUE = /["']?[ \t]*(?:,|;)?[ \t]*(?:\r?\n[ \t]*-?[ \t]*)?["']?value["']?[ \t]*[:=][ \t]*/iy;
const AUTH_SCHEME = /(?:Bearer|Basic|Token|token|Digest|ApiKey|Key)[ \t]+/y;
const QUOTES = '"\'`';
/** Where an unquoted value ends: whitespace, quotes and the punctuation that closes it. */
const UNQUOTED_END = new Set([...' \t\r\n\f\v"\'`;,&<>)]}'].map((char) => char.charCodeAt(0)));

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
  while (index < limit && !UNQUOTED_END.has(text.charCodeAt(index))) index++;
  if (index === at) return undefined;
  return { start: at, end: index, quoted: false };
}

export function findSecretAssignments(text: string): AssignmentFinding[] {
  const findings: AssignmentFinding[] = [];
  let searchFrom = 0;
  let hit: { start: number; end: number } | undefined;
  while ((hit = nextKeyword(text, searchFrom)) !== undefined) {
    let { start, end } = hit;
    while (start > 0 && isNameChar(text.charCodeAt(start - 1))) start--;
    while (end < text.length && isNameChar(text.charCodeAt(end))) end++;
    searchFrom = end;
    // Trailing dots or dashes belong to the syntax around the name, not to it.
    while (end > start && (text.charCodeAt(end - 1) === 46 || text.charCodeAt(end - 1) === 45)) end--;
    if (!mayBeAssigned(text, start, end)) continue;
    // Inside a colon-separated token (`arn:aws:...:secret:name`, `urn:x:token`) it is not a name.
    // PowerShell's `$env:NAME` is a name.
    if (
      text.charCodeAt(start - 1) === 58 &&
      /\w/.test(text[start - 2] ?? '') &&
      !/\$env$/i.test(text.slice(Math.max(0, start - 5), start - 1))
    )
      continue;
    const name = text.slice(start, end);
    if (secretNameKind(name) === undefined) continue;
    const finding = valueAfterName(text, start, end, name);
    if (finding) {
      findings.push(finding);
      searchFrom = Math.max(searchFrom, finding.end);
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
  // Looks back at most 30 characters (a minified file may have no line break to stop at).
  let lineStart = start;
  while (lineStart > 0 && lineStart > start - 30 && text.charCodeAt(lineStart - 1) !== 10) lineStart--;
  if (isPairName(text, start, lineStart)) {
    PAIR_VALUE.lastIndex = end;
    if (PAIR_VALUE.test(text)) {
      const value = readValue(text, PAIR_VALUE.lastIndex, true);
      return value && accept(text, value, name);
    }
    return undefined;
  }

  // A type between name and value: `password: string = "..."`, `let token: &str = "..."`.
  TYPED_ASSIGNMENT.lastIndex = end;
  const typed = TYPED_ASSIGNMENT.exec(text);
  OPERATOR.lastIndex = end;
  const operatorMatch = typed ? undefined : OPERATOR.exec(text);
  let operator: string | undefined;
  let at: number;
  if (typed) {
    operator = '=';
    at = TYPED_ASSIGNMENT.lastIndex;
  } else if (operatorMatch) {
    operator = operatorMatch[1];
    at = OPERATOR.lastIndex;
  } else if (
    (/^(?:password|passwd)$/i.test(name) ||
      /#define[ \t]+$/.test(text.slice(Math.max(0, start - 12), start))) &&
    /^[ \t]{1,4}['"]/.test(text.slice(end, end + 6))
  ) {
    // SQL: CREATE USER app WITH PASSWORD 'value'; C: #define API_KEY "value"
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
  // A call has its `(` right after the name; `a bot token (`xoxb-…`)` is prose.
  if (operator === '(' && /^["'`]?[ \t]/.test(text.slice(end, end + 2))) return undefined;

  const quote = QUOTES.includes(text[at] ?? '') ? text[at] : undefined;
  if (!quote && (operator === ',' || operator === '(')) return undefined;
  // `Authorization: Bearer abc`, `"Authorization": "Bearer abc"`: the token follows the scheme.
  AUTH_SCHEME.lastIndex = quote ? at + 1 : at;
  const scheme = AUTH_SCHEME.test(text) ? AUTH_SCHEME.lastIndex : undefined;
  const value = quote ? readValue(text, at, false) : readValue(text, scheme ?? at, true);
  if (!value) return undefined;
  if (operator === ':' && !quote && isTypeAnnotation(text.slice(value.start, value.end), name))
    return undefined;
  if (quote && scheme !== undefined && scheme < value.end) value.start = scheme;
  return accept(text, value, name);
}

/** Identifiers in PascalCase, acronyms allowed: `RefreshTokenEntity`, `OAuthClientDto`. */
const PASCAL_CASE_NAME = /^[A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]*$/;
/** Last words of type names in code: `TokenDto`, `CredentialsConfig`, `SecretValueType`. */
const TYPE_NAME_ENDING =
  /[a-z0-9](?:Entity|Dto|DTO|Type|Model|Interface|Service|Repository|Options|Config|Configuration|Provider|Schema|Record|Info|Data|Response|Request|Payload|Factory|Input|Output|Result|Props|State|Store|Handler|Document|Details|Params|Args|Context|Manager|Class|Enum)$/;
/** A secret word as a word of a PascalCase name (`RefreshTokenEntity`), not letters inside a token. */
const SECRET_WORD_IN_NAME =
  /(?:Token|Key|Pass|Password|Secret|Auth|Credential|Credentials|Pwd|Bearer)(?=[A-Z]|$)/g;

/**
 * Whether an unquoted value after `name:` is a type annotation (TypeScript, Python, Kotlin, Rust),
 * not a value: `refreshToken: RefreshTokenEntity`, `credentials: AwsCredentialsConfig`. A type name
 * ends like one, or repeats a secret word of the name as one of its words (and has no digits); a
 * passphrase (`CorrectHorseBatteryStaple`) or a random token does neither.
 */
function isTypeAnnotation(value: string, name: string): boolean {
  if (!PASCAL_CASE_NAME.test(value) || !/[A-Z].*[A-Z]/.test(value)) return false;
  if (TYPE_NAME_ENDING.test(value)) return true;
  if (/\d/.test(value)) return false;
  const lowerName = name.toLowerCase();
  return [...value.matchAll(SECRET_WORD_IN_NAME)].some(([word]) => lowerName.includes(word.toLowerCase()));
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
  return { start: value.start, end, name, kind: secretNameKind(name) ?? 'secret' };
}
