/**
 * Secrets in syntaxes that are not `name = value`: credential files with a grammar of their own
 * (`.netrc`, `.pgpass`, Postfix `sasl_passwd`, WordPress salts, a Rails `master.key`), and passwords
 * given to commands (`mysql -pX`, `redis-cli -a X`, `curl -u user:X`, `sshpass -p X`,
 * `docker login -p X`, `net use ... /user:U X`, `ConvertTo-SecureString "X"`, `setx NAME X`,
 * `aws configure set NAME X`). Each search starts from a literal or a line anchor, so a large file
 * that holds none of them costs one pass per rule.
 */
import type { ProviderRule } from './providerRules';
import { secretNameKind } from './secretNames';
import { looksLikeSecretValue, looksLikeUrlPassword, shannonEntropy } from './valueShape';

type Span = { start: number; end: number };

/** A password given in a context that says it is one: weaker shape test than a free-standing value. */
function isGivenPassword(value: string): boolean {
  if (!looksLikeUrlPassword(value)) return false;
  if (/^\$[{(\w]|^%\w+%$|^`|^-/.test(value)) return false; // $VAR, ${VAR}, $(cmd), %VAR%, a flag
  if (/^[^@\s]+@[\w-]+\.[\w.-]+$/.test(value)) return false; // an e-mail (anonymous FTP convention)
  return true;
}

/** Spans of group `group` of every match of a global regex whose value passes `accept`. */
function spansOf(text: string, pattern: RegExp, group: number, accept: (value: string) => boolean): Span[] {
  const spans: Span[] = [];
  pattern.lastIndex = 0;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(text)) !== null) {
    let value = match[group];
    if (value === undefined) continue;
    let start = match.index + match[0].lastIndexOf(value);
    // A quoted value: the secret is inside the quotes.
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.length >= 2 && value.endsWith(quote)) {
      value = value.slice(1, -1);
      start++;
    }
    if (accept(value)) spans.push({ start, end: start + value.length });
  }
  return spans;
}

const QUOTED_OR_BARE = `("[^"\\n]*"|'[^'\\n]*'|[^\\s'"]+)`;

// .netrc: `machine host login user password secret`, on one line or several.
const NETRC_FILE = /^[ \t]*machine\b/m;
// The password of an entry: `machine H` and `login U` come before it, within the entry.
const NETRC_PASSWORD = /\bmachine[ \t]+\S+\s+(?:\S+[ \t]+\S+\s+){0,3}?password[ \t]+(\S+)/g;
// .pgpass: host:port:database:user:password (`*` wildcards; the password runs to the line end).
// The host is a name, an IPv4 address or `*`; a colon in the password is escaped (`\:`), so an IPv6
// address (`2001:4860:4860:0:0:0:0:8888`) is not a line of this file.
const PGPASS_LINE = /^(?:[A-Za-z0-9][\w.-]*|\*):(?:\d{2,5}|\*):[^\s:]+:[^\s:]+:((?:\\.|[^\s:\\])+)\r?$/g;
// Postfix sasl_passwd: `[smtp.host]:587 user:password`.
const SASL_LINE = /^\[?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+\]?(?::\d+)?[ \t]+[^\s:]+:(\S+)[ \t]*\r?$/g;
// WordPress keys and salts: define( 'AUTH_KEY', '...' ).
const WORDPRESS_SALT =
  /define\([ \t]*['"](?:SECURE_AUTH|AUTH|LOGGED_IN|NONCE)_(?:KEY|SALT)['"][ \t]*,[ \t]*('[^'\n]{16,200}'|"[^"\n]{16,200}")[ \t]*\)/g;
// A Rails master.key (and the like): the whole file is one 32-byte hex key.
const KEY_FILE = /^[ \t]*([0-9a-f]{32})[ \t]*\r?\n?$/;

// Commands: mysql-family `-pSECRET` (attached), `-p SECRET` after commands where -p means password,
// `-a SECRET` for redis-cli, `-u user:SECRET` / `--user user:SECRET` (curl and friends). Each is
// tried only on the lines that hold its trigger literal (see `onLinesWith`).
const MYSQL_ATTACHED = new RegExp(
  `\\bmysql(?:dump|admin|import|show|slap)?\\b.*?[ \\t]-p(?!\\s)${QUOTED_OR_BARE}`,
  'g',
);
const PASSWORD_FLAG = new RegExp(
  `\\b(?:sshpass|login|rabbitmqadmin|vsce|ovsx|publish)\\b.*?[ \\t](?:-p|--password|--pat)[ \\t]+${QUOTED_OR_BARE}`,
  'g',
);
const REDIS_AUTH = new RegExp(`\\bredis-cli\\b.*?[ \\t]-a[ \\t]+${QUOTED_OR_BARE}`, 'g');
const USER_COLON_PASSWORD = /(?:^|[ \t])(?:-u|--user)[ \t]+["']?[^\s:'"$]+:([^\s'"]+)/g;
const NET_USE = /\bnet[ \t]+use\b.*?\/user:\S+[ \t]+("[^"\n]*"|[^\s/"]\S*)/gi;
const SECURE_STRING = /ConvertTo-SecureString[ \t]+(?:-String[ \t]+)?("[^"\n]*"|'[^'\n]*')/g;
const SETX = /\bsetx[ \t]+([A-Za-z_][\w]*)[ \t]+("[^"\n]*"|[^\s"]+)/gi;
const AWS_CONFIGURE_SET = /\baws[ \t]+configure[ \t]+set[ \t]+([\w.]+)[ \t]+(\S+)/g;

/**
 * Runs `find` on each line that holds `trigger` (a literal, or a regex that starts with one), with
 * spans shifted to text offsets. A line regex tried on a few lines costs far less than one tried at
 * every position of a large file.
 */
function onLinesWith(text: string, trigger: string | RegExp, find: (line: string) => Span[]): Span[] {
  const spans: Span[] = [];
  let from = 0;
  for (;;) {
    let at: number;
    if (typeof trigger === 'string') at = text.indexOf(trigger, from);
    else {
      trigger.lastIndex = from;
      at = trigger.exec(text)?.index ?? -1;
    }
    if (at < 0) return spans;
    const lineStart = text.lastIndexOf('\n', at) + 1;
    let lineEnd = text.indexOf('\n', at);
    if (lineEnd < 0) lineEnd = text.length;
    for (const span of find(text.slice(lineStart, lineEnd))) {
      spans.push({ start: lineStart + span.start, end: lineStart + span.end });
    }
    from = lineEnd + 1;
  }
}

/** `NAME value` where the name says secret and the value looks like one. */
function namedValueSpans(text: string, pattern: RegExp): Span[] {
  const spans: Span[] = [];
  pattern.lastIndex = 0;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(text)) !== null) {
    const name = match[1].slice(match[1].lastIndexOf('.') + 1);
    if (secretNameKind(name) === undefined) continue;
    let value = match[2];
    let start = match.index + match[0].length - value.length;
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) {
      value = value.slice(1, -1);
      start++;
    }
    if (looksLikeSecretValue(value)) spans.push({ start, end: start + value.length });
  }
  return spans;
}

const PGPASS_TRIGGER = /:(?:\d{2,5}|\*):/g;
const SASL_TRIGGER = /:\d{2,5}[ \t]+[^\s:]+:/g;

function scanCredentialFiles(text: string): Span[] {
  const spans: Span[] = [];
  if (text.includes('machine') && NETRC_FILE.test(text))
    spans.push(...spansOf(text, NETRC_PASSWORD, 1, isGivenPassword));
  spans.push(
    ...onLinesWith(text, PGPASS_TRIGGER, (line) =>
      spansOf(line, PGPASS_LINE, 1, (value) => value !== '*' && isGivenPassword(value)),
    ),
  );
  spans.push(...onLinesWith(text, SASL_TRIGGER, (line) => spansOf(line, SASL_LINE, 1, isGivenPassword)));
  spans.push(
    ...onLinesWith(text, 'define(', (line) =>
      // Salts are random printable text (`<`, `>`, spaces included); the sample file's are words.
      spansOf(
        line,
        WORDPRESS_SALT,
        1,
        (value) => !/^[A-Za-z ]+$/.test(value) && shannonEntropy(value) >= 3.5,
      ),
    ),
  );
  if (text.length <= 40) {
    const key = KEY_FILE.exec(text);
    if (key)
      spans.push({ start: key.index + key[0].indexOf(key[1]), end: key.index + key[0].indexOf(key[1]) + 32 });
  }
  return spans;
}

function scanCommandLines(text: string): Span[] {
  return [
    ...onLinesWith(text, 'mysql', (line) => spansOf(line, MYSQL_ATTACHED, 1, isGivenPassword)),
    ...onLinesWith(text, ' -p', (line) => spansOf(line, PASSWORD_FLAG, 1, isGivenPassword)),
    ...onLinesWith(text, ' --pa', (line) => spansOf(line, PASSWORD_FLAG, 1, isGivenPassword)),
    ...onLinesWith(text, 'redis-cli', (line) => spansOf(line, REDIS_AUTH, 1, isGivenPassword)),
    ...onLinesWith(text, '-u', (line) => spansOf(line, USER_COLON_PASSWORD, 1, isGivenPassword)),
    ...onLinesWith(text, '/user:', (line) => spansOf(line, NET_USE, 1, isGivenPassword)),
    ...onLinesWith(text, 'ConvertTo-SecureString', (line) =>
      spansOf(line, SECURE_STRING, 1, isGivenPassword),
    ),
    ...onLinesWith(text, 'setx', (line) => namedValueSpans(line, SETX)),
    ...onLinesWith(text, 'configure', (line) => namedValueSpans(line, AWS_CONFIGURE_SET)),
  ];
}

export const CREDENTIAL_SYNTAX_RULES: readonly ProviderRule[] = [
  { kind: 'password', scan: scanCredentialFiles, accept: () => true },
  { kind: 'password', scan: scanCommandLines, accept: () => true },
];
