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
const NETRC_FILE = /^[ \t]*(?:machine|default)\b/m;
const NETRC_PASSWORD = /\bpassword[ \t]+(\S+)/g;
// .pgpass: host:port:database:user:password (`*` wildcards; the password runs to the line end).
const PGPASS_LINE = /^[^\s:#]+:(?:\d{2,5}|\*):[^\s:]+:[^\s:]+:([^\r\n]+)$/gm;
// Postfix sasl_passwd: `[smtp.host]:587 user:password`.
const SASL_LINE = /^\[?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+\]?(?::\d+)?[ \t]+[^\s:]+:(\S+)[ \t]*$/gm;
// WordPress keys and salts: define( 'AUTH_KEY', '...' ).
const WORDPRESS_SALT =
  /define\([ \t]*['"](?:SECURE_AUTH|AUTH|LOGGED_IN|NONCE)_(?:KEY|SALT)['"][ \t]*,[ \t]*('[^'\n]{16,200}'|"[^"\n]{16,200}")[ \t]*\)/g;
// A Rails master.key (and the like): the whole file is one 32-byte hex key.
const KEY_FILE = /^[ \t]*([0-9a-f]{32})[ \t]*\r?\n?$/;

// Commands: mysql-family `-pSECRET` (attached), `-p SECRET` after commands where -p means password,
// `-a SECRET` for redis-cli, `-u user:SECRET` / `--user user:SECRET` (curl and friends).
const MYSQL_ATTACHED = new RegExp(
  `\\bmysql(?:dump|admin|import|show|slap)?\\b[^\\n]*?[ \\t]-p(?!\\s)${QUOTED_OR_BARE}`,
  'g',
);
const PASSWORD_FLAG = new RegExp(
  `\\b(?:sshpass|login|rabbitmqadmin|vsce|ovsx|publish)\\b[^\\n]*?[ \\t](?:-p|--password|--pat)[ \\t]+${QUOTED_OR_BARE}`,
  'g',
);
const REDIS_AUTH = new RegExp(`\\bredis-cli\\b[^\\n]*?[ \\t]-a[ \\t]+${QUOTED_OR_BARE}`, 'g');
const USER_COLON_PASSWORD = /(?:^|[ \t])(?:-u|--user)[ \t]+["']?[^\s:'"$]+:([^\s'"]+)/gm;
const NET_USE = /\bnet[ \t]+use\b[^\n]*?\/user:\S+[ \t]+("[^"\n]*"|[^\s/"]\S*)/gi;
const SECURE_STRING = /ConvertTo-SecureString[ \t]+(?:-String[ \t]+)?("[^"\n]*"|'[^'\n]*')/g;
const SETX = /\bsetx[ \t]+([A-Za-z_][\w]*)[ \t]+("[^"\n]*"|[^\s"]+)/gi;
const AWS_CONFIGURE_SET = /\baws[ \t]+configure[ \t]+set[ \t]+([\w.]+)[ \t]+(\S+)/g;

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

function scanCredentialFiles(text: string): Span[] {
  const spans: Span[] = [];
  if (NETRC_FILE.test(text)) spans.push(...spansOf(text, NETRC_PASSWORD, 1, isGivenPassword));
  if (text.includes(':')) {
    spans.push(...spansOf(text, PGPASS_LINE, 1, (value) => value !== '*' && isGivenPassword(value)));
    spans.push(...spansOf(text, SASL_LINE, 1, isGivenPassword));
  }
  if (text.includes('define(')) {
    spans.push(
      // Salts are random printable text (`<`, `>`, spaces included); the sample file's are words.
      ...spansOf(
        text,
        WORDPRESS_SALT,
        1,
        (value) => !/^[A-Za-z ]+$/.test(value) && shannonEntropy(value) >= 3.5,
      ),
    );
  }
  if (text.length <= 40) {
    const key = KEY_FILE.exec(text);
    if (key)
      spans.push({ start: key.index + key[0].indexOf(key[1]), end: key.index + key[0].indexOf(key[1]) + 32 });
  }
  return spans;
}

function scanCommandLines(text: string): Span[] {
  const spans: Span[] = [];
  if (text.includes('mysql')) spans.push(...spansOf(text, MYSQL_ATTACHED, 1, isGivenPassword));
  if (text.includes(' -p') || text.includes(' --pass'))
    spans.push(...spansOf(text, PASSWORD_FLAG, 1, isGivenPassword));
  if (text.includes('redis-cli')) spans.push(...spansOf(text, REDIS_AUTH, 1, isGivenPassword));
  if (text.includes('-u') || text.includes('--user')) {
    spans.push(...spansOf(text, USER_COLON_PASSWORD, 1, isGivenPassword));
  }
  if (/net[ \t]+use/i.test(text)) spans.push(...spansOf(text, NET_USE, 1, isGivenPassword));
  if (text.includes('ConvertTo-SecureString'))
    spans.push(...spansOf(text, SECURE_STRING, 1, isGivenPassword));
  if (/setx/i.test(text)) spans.push(...namedValueSpans(text, SETX));
  if (text.includes('configure')) spans.push(...namedValueSpans(text, AWS_CONFIGURE_SET));
  return spans;
}

export const CREDENTIAL_SYNTAX_RULES: readonly ProviderRule[] = [
  { kind: 'password', scan: scanCredentialFiles, accept: () => true },
  { kind: 'password', scan: scanCommandLines, accept: () => true },
];
