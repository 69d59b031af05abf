/**
 * Judges whether a value assigned to a secret-sounding name is a real secret or a stand-in: the
 * look-alikes that make naive scanners noisy (placeholders, references to the environment, paths,
 * hashes of public data) are filtered here, by shape, before entropy decides.
 */

const PLACEHOLDER_WORDS = new Set([
  'changeme',
  'change_me',
  'change-me',
  'changeit',
  'password',
  'passwd',
  'secret',
  'token',
  'apikey',
  'api_key',
  'api-key',
  'example',
  'sample',
  'dummy',
  'placeholder',
  'redacted',
  'hidden',
  'masked',
  'notset',
  'not_set',
  'none',
  'null',
  'nil',
  'undefined',
  'true',
  'false',
  'todo',
  'tbd',
  'fixme',
  'replace_me',
  'replaceme',
  'default',
  'empty',
  'unset',
  'required',
  'optional',
  'string',
]);

/** Fragments that mark a value as documentation rather than a credential. */
const PLACEHOLDER_FRAGMENT =
  /(?:^|[^a-z])(?:your|my|insert|enter|replace|put|paste|add)[-_ ]?(?:your|own|real|actual|the|an?)?[-_ ]?(?:api|secret|token|key|password|pass|access|client|app)|example|placeholder|changeme|change[-_]me|dummy|redacted|xxxx|\*\*\*|\.\.\.|<[^>]*>|^\[[^\]]*\]$/i;

/** Values that point at the secret instead of holding it: ${VAR}, $VAR, %VAR%, {{ x }}, env lookups. */
const REFERENCE =
  /^(?:\$\{[^}]*\}?|\$\(|\$[A-Za-z_][A-Za-z0-9_]*$|\$env:|%[A-Za-z_][A-Za-z0-9_]*%$|\{\{.*\}\}?$|\{%|<%|@Value|#\{|\{[A-Za-z_][\w.]*\}$|(?:process\.env|import\.meta\.env|os\.environ|os\.getenv|getenv|env\(|ENV\[|System\.getenv|Environment\.GetEnvironmentVariable|secrets\.|vault:|ssm:|arn:aws:secretsmanager:|keyvault:|ref\+|sm:\/\/|op:\/\/))/;

/** File-system paths and URLs without credentials. */
const PATH_OR_URL =
  /^(?:[a-z][a-z0-9+.-]*:\/\/[^@\s]*$|\.{0,2}\/[\w./@-]+$|~\/|[A-Za-z]:\\|\w[\w-]*\.(?:pem|key|crt|p12|pfx|json|ya?ml|txt|env)$)/i;

const asciiCounts = new Int32Array(128);

/** Shannon entropy in bits per character. Runs for every candidate token: no allocation for ASCII. */
export function shannonEntropy(value: string): number {
  const length = value.length;
  if (length === 0) return 0;
  let ascii = true;
  for (let index = 0; index < length; index++) {
    if (value.charCodeAt(index) >= 128) {
      ascii = false;
      break;
    }
  }
  let entropy = 0;
  if (ascii) {
    for (let index = 0; index < length; index++) asciiCounts[value.charCodeAt(index)]++;
    for (let index = 0; index < length; index++) {
      const code = value.charCodeAt(index);
      const count = asciiCounts[code];
      if (count === 0) continue; // already counted
      const p = count / length;
      entropy -= p * Math.log2(p);
      asciiCounts[code] = 0;
    }
    return entropy;
  }
  const counts = new Map<string, number>();
  for (const char of value) counts.set(char, (counts.get(char) ?? 0) + 1);
  for (const count of counts.values()) {
    const p = count / length;
    entropy -= p * Math.log2(p);
  }
  return entropy;
}

function characterClasses(value: string): number {
  let classes = 0;
  if (/[a-z]/.test(value)) classes++;
  if (/[A-Z]/.test(value)) classes++;
  if (/[0-9]/.test(value)) classes++;
  if (/[^A-Za-z0-9]/.test(value)) classes++;
  return classes;
}

/** True for stand-ins: placeholders, environment references, masks, paths and plain words. */
export function isPlaceholderValue(value: string): boolean {
  const trimmed = value.trim();
  if (trimmed.length === 0) return true;
  const lower = trimmed.toLowerCase();
  if (PLACEHOLDER_WORDS.has(lower)) return true;
  if (REFERENCE.test(trimmed)) return true;
  if (PLACEHOLDER_FRAGMENT.test(trimmed)) return true;
  if (/^(.)\1+$/.test(trimmed)) return true; // "********", "xxxxxxxx", "00000000"
  if (/^(?:TANDEM_REDACTED_|REDACTED)/.test(trimmed)) return true;
  return false;
}

/**
 * Whether a value assigned to a secret name looks like a credential rather than configuration: long
 * enough, not a stand-in, not a path, not a number or a word, and random enough.
 */
export function looksLikeSecretValue(value: string): boolean {
  const trimmed = value.trim();
  if (trimmed.length < 8 || trimmed.length > 500) return false;
  if (/\s/.test(trimmed)) return false;
  if (isPlaceholderValue(trimmed)) return false;
  if (PATH_OR_URL.test(trimmed)) return false;
  if (/^[+-]?\d+(?:\.\d+)?$/.test(trimmed)) return false; // numbers, ports, timeouts
  if (/^\d{4}-\d{2}-\d{2}/.test(trimmed)) return false; // dates
  // Identifiers and dotted references in code: someObject.password, SOME_CONSTANT_NAME.
  if (/^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$/.test(trimmed) && !/\d/.test(trimmed)) return false;
  if (/^[A-Z][A-Z_]+$/.test(trimmed)) return false;
  // PowerShell cmdlets (`ConvertTo-SecureString`, `Read-Host`) and Windows accounts (`CORP\svc-app`).
  if (/^[A-Z][a-z]+[A-Z]?[a-z]*-[A-Z][A-Za-z]+$/.test(trimmed)) return false;
  if (/^[A-Z][A-Z0-9-]{1,15}\\{1,2}[\w.-]+$/.test(trimmed)) return false;
  // Lower-case dotted names: hosts, packages, design tokens (color.primary.500).
  if (/^[a-z][a-z0-9-]*(?:\.[a-z0-9-]+)+$/.test(trimmed)) return false;
  // Plain words joined by separators, e.g. "not-a-real-secret", "use_the_vault".
  if (/^[a-z]+(?:[-_. ][a-z]+)*$/.test(trimmed)) return false;
  const entropy = shannonEntropy(trimmed);
  const classes = characterClasses(trimmed);
  if (classes >= 3) return entropy >= 2.8;
  if (classes === 2) return trimmed.length >= 12 ? entropy >= 3.2 : entropy >= 3.0;
  // A single class (e.g. lowercase letters or hex digits only) must be long and varied.
  return trimmed.length >= 20 && entropy >= 3.5;
}

/** A weaker test for passwords inside URLs (`scheme://user:password@host`): short ones are common. */
export function looksLikeUrlPassword(value: string): boolean {
  const trimmed = value.trim();
  if (trimmed.length < 6) return false;
  if (isPlaceholderValue(trimmed)) return false;
  if (/^(?:guest|admin|root|user|postgres|mysql|pass|test|demo)$/i.test(trimmed)) return false;
  return true;
}

/** Eight or more of the same character in a row (`xxxxxxxx`), without a backtracking regex. */
function hasLongRun(value: string): boolean {
  let run = 1;
  for (let index = 1; index < value.length; index++) {
    run = value.charCodeAt(index) === value.charCodeAt(index - 1) ? run + 1 : 1;
    if (run >= 8) return true;
  }
  return false;
}

/** The header.payload of the example token on jwt.io and in countless tutorials. */
const JWT_IO_EXAMPLE = 'eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ';

/**
 * Whether a token in a known format is a real-looking value rather than documentation: masks
 * (`sk_live_xxxxxxxx`) have a repeated or low-entropy body; placeholders say so (`xoxb-your-token`);
 * documented examples are marked (AWS's `...EXAMPLE` keys) or well known (the jwt.io token).
 */
export function notMasked(secret: string): boolean {
  if (/example/i.test(secret) || secret.includes(JWT_IO_EXAMPLE)) return false;
  if (/(?:^|[-_.])(?:your|my|insert|replace|paste)[-_]/i.test(secret)) return false;
  const body = secret.replace(/^[A-Za-z]{2,12}[-_.]/, '');
  return shannonEntropy(body) >= 2.5 && !hasLongRun(body);
}
