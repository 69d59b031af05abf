/**
 * Whether a variable or key name says it holds a secret, and what kind: `DB_PASSWORD`, `authToken`,
 * `x-api-key`, `aws_secret_access_key`, `clientSecret` do; `password_hash`, `token_url`,
 * `max_tokens`, `apiKeyId` do not. The last word decides, once neutral suffixes (`_PROD`, `_B64`)
 * are dropped.
 */

/** What a secret name says its value is. */
export type AssignedKind = 'password' | 'token' | 'api_key' | 'secret_key' | 'secret' | 'credential';

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
  'requirepass',
  'masterauth',
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
    'fernet key',
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

/** Splits a name into lower-case words at `_ . $ -`, spaces and camelCase humps; drops numbers. */
function nameWords(name: string): string[] {
  const words: string[] = [];
  let word = '';
  const flush = () => {
    if (word && !/^v?\d+$/.test(word)) words.push(word.toLowerCase());
    word = '';
  };
  for (let index = 0; index < name.length; index++) {
    const char = name[index];
    if (char === '_' || char === '.' || char === '$' || char === '-' || char === ' ') {
      flush();
      continue;
    }
    const isUpper = char >= 'A' && char <= 'Z';
    if (isUpper && word) {
      const previous = word[word.length - 1];
      const next = name[index + 1];
      const previousLower = (previous >= 'a' && previous <= 'z') || (previous >= '0' && previous <= '9');
      // apiKey -> api|Key; APIKey -> API|Key; but APIKEY stays one word.
      if (previousLower || (next !== undefined && next >= 'a' && next <= 'z')) flush();
    }
    word += char;
  }
  flush();
  return words;
}

const verdicts = new Map<string, AssignedKind | null>();

/** Whether a variable/key name says it holds a secret. */
export function isSecretName(name: string): boolean {
  return secretNameKind(name) !== undefined;
}

/** What kind of secret a name says it holds, or undefined. Names repeat in code: answers are cached. */
export function secretNameKind(name: string): AssignedKind | undefined {
  let verdict = verdicts.get(name);
  if (verdict === undefined) {
    verdict = judgeName(name) ?? null;
    if (verdicts.size >= 4096) verdicts.clear();
    verdicts.set(name, verdict);
  }
  return verdict ?? undefined;
}

function judgeName(name: string): AssignedKind | undefined {
  const words = nameWords(name);
  while (words.length > 1 && NEUTRAL_SUFFIXES.has(words[words.length - 1])) words.pop();
  // Plural lists of keys (`FERNET_KEYS`, `signing_keys`) hold secrets like the singular.
  if (words.length >= 2 && words[words.length - 1] === 'keys') words[words.length - 1] = 'key';
  const last = words[words.length - 1];
  if (!last) return undefined;
  if (SECRET_WORDS.has(last)) return kindOfWord(last);
  if (words.length >= 2 && SECRET_PAIRS.has(words[words.length - 2] + last)) {
    return words[words.length - 2] === 'api' ? 'api_key' : 'secret_key';
  }
  const ending = last.length > 6 ? SECRET_ENDINGS.find((candidate) => last.endsWith(candidate)) : undefined;
  return ending ? kindOfWord(ending) : undefined;
}

function kindOfWord(word: string): AssignedKind {
  if (word.startsWith('pass') || word === 'pwd') return 'password';
  if (word === 'token' || word === 'bearer') return 'token';
  if (word === 'apikey') return 'api_key';
  if (word.endsWith('key')) return 'secret_key';
  if (word === 'secret') return 'secret';
  return 'credential';
}
