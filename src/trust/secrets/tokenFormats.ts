/**
 * Token formats of SaaS and cloud providers, recognised by their prefix, alphabet and length: the
 * facts come from the providers' documentation and gitleaks' default rule set (read, not copied).
 * Each is a separate regex starting with a literal, so V8 searches for the literal and a large file
 * costs little per rule. Formats whose literal sits mid-token (`...atlasv1...`, `...-us12`) use a
 * hand-written search instead.
 */
import type { ProviderRule } from './providerRules';

// Tokens end where the token alphabet ends, and start after a character outside it.
const E = '(?![A-Za-z0-9_-])';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const CRC_TABLE = new Uint32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  CRC_TABLE[n] = c >>> 0;
}

/**
 * GitHub's (and npm's) token checksum: the last 6 characters are the CRC-32 of the 30 before them,
 * in base 62, left-padded with `0`. `body` is the 36 characters after the prefix.
 */
export function hasValidCrc32Checksum(body: string): boolean {
  if (body.length !== 36) return false;
  let crc = 0xffffffff;
  for (let index = 0; index < 30; index++)
    crc = CRC_TABLE[(crc ^ body.charCodeAt(index)) & 0xff] ^ (crc >>> 8);
  let value = (crc ^ 0xffffffff) >>> 0;
  let encoded = '';
  do {
    encoded = BASE62[value % 62] + encoded;
    value = Math.floor(value / 62);
  } while (value > 0);
  return encoded.padStart(6, '0') === body.slice(30);
}

/** Spans of `[before]{min,max}LITERAL[after]` found by searching for the literal. */
function midLiteralScan(
  literal: string,
  before: RegExp,
  minBefore: number,
  maxBefore: number,
  after: RegExp,
) {
  return (text: string): { start: number; end: number }[] => {
    const spans: { start: number; end: number }[] = [];
    for (let at = text.indexOf(literal); at >= 0; at = text.indexOf(literal, at + literal.length)) {
      let start = at;
      while (start > at - maxBefore && start > 0 && before.test(text[start - 1])) start--;
      if (at - start < minBefore || (start > 0 && /[\w-]/.test(text[start - 1]))) continue;
      after.lastIndex = at + literal.length;
      if (after.test(text)) spans.push({ start, end: after.lastIndex });
    }
    return spans;
  };
}

/**
 * [kind, pattern]: each pattern starts with its literal prefix (alternatives at the top level only
 * as `(?:A|B)` of literals, or a one-character class after the literal such as `hv[sb]`).
 */
const TOKEN_FORMATS: readonly [string, string][] = [
  ['aws_session_token', '(?:IQoJb3JpZ2luX2Vj|FwoGZXIvYXdzE)[A-Za-z0-9+/]{80,2000}={0,2}'],
  [
    'heroku_api_key',
    'HRKU-(?:AA[A-Za-z0-9_-]{58}|[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12})',
  ],
  ['vault_token', 'hv[sb]\\.[A-Za-z0-9_-]{24,400}'],
  ['newrelic_key', 'NR(?:AK-[A-Z0-9]{27}|JS-[a-f0-9]{19}|II-[A-Za-z0-9_-]{32})'],
  ['planetscale_token', 'pscale_(?:tkn|pw|oauth)_[A-Za-z0-9_=.-]{32,64}'],
  ['grafana_token', '(?:glc_[A-Za-z0-9+/]{32,400}={0,2}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})'],
  ['deno_token', 'dd[pw]_[A-Za-z0-9]{36}'],
  ['prefect_token', 'pnu_[A-Za-z0-9]{36}'],
  ['supabase_token', '(?:sbp_[a-f0-9]{40}|sb_secret_[A-Za-z0-9_-]{31,40})'],
  ['atlassian_token', 'ATATT3[A-Za-z0-9_=-]{150,220}'],
  ['age_secret_key', 'AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}'],
  ['linear_key', 'lin_(?:api|oauth)_[A-Za-z0-9]{40}'],
  ['postman_key', 'PMAK-[a-f0-9]{24}-[a-f0-9]{34}'],
  ['pulumi_token', 'pul-[a-f0-9]{40}'],
  ['dynatrace_token', 'dt0c01\\.[A-Z0-9]{24}\\.[A-Z0-9]{64}'],
  ['doppler_token', 'dp\\.(?:pt|st|ct|sa|scim|audit)\\.[A-Za-z0-9_-]{40,50}'],
  ['contentful_token', 'CFPAT-[A-Za-z0-9_-]{43}'],
  ['rubygems_key', 'rubygems_[a-f0-9]{48}'],
  ['clojars_token', 'CLOJARS_[A-Za-z0-9]{60}'],
  ['figma_token', 'fig[dh]_[A-Za-z0-9_-]{38,45}'],
  ['airtable_token', 'pat[A-Za-z0-9]{14}\\.[a-f0-9]{64}'],
  ['replicate_token', 'r8_[A-Za-z0-9]{37}'],
  ['groq_key', 'gsk_[A-Za-z0-9]{52}'],
  ['perplexity_key', 'pplx-[A-Za-z0-9]{48}'],
  ['databricks_token', 'dapi[a-f0-9]{32}(?:-\\d)?'],
  ['square_token', '(?:EAAA[A-Za-z0-9_-]{22,60}|sq0(?:atp|csp)-[A-Za-z0-9_-]{22,43})'],
  ['sentry_token', '(?:sntryu_[a-f0-9]{64}|sntrys_eyJ[A-Za-z0-9+/=_-]{60,400})'],
  ['alibaba_key_id', 'LTAI[A-Za-z0-9]{20}'],
  ['twilio_api_key', 'SK[0-9a-fA-F]{32}'],
  ['onepassword_token', 'ops_eyJ[A-Za-z0-9+/]{250,}={0,3}'],
  ['flyio_token', '(?:fo1_[A-Za-z0-9_-]{43}|fm[12][ar]?_[A-Za-z0-9+/]{100,}={0,3})'],
  ['scalingo_token', 'tk-us-[A-Za-z0-9_-]{48}'],
  ['brevo_key', 'xkeysib-[a-f0-9]{64}-[A-Za-z0-9]{16}'],
  ['frameio_token', 'fio-u-[A-Za-z0-9_=-]{64}'],
  ['easypost_key', 'EZ[AT]K[A-Za-z0-9]{54}'],
  ['duffel_token', 'duffel_(?:test|live)_[A-Za-z0-9_=-]{43}'],
  ['shippo_token', 'shippo_(?:live|test)_[a-f0-9]{40}'],
  ['typeform_token', 'tfp_[A-Za-z0-9_=.-]{59}'],
  ['adafruit_key', 'aio_[A-Za-z0-9]{28}'],
  ['notion_token', '(?:ntn_\\d{11}[A-Za-z0-9]{35}|secret_[A-Za-z0-9]{43})'],
  ['mapbox_secret_token', 'sk\\.eyJ[A-Za-z0-9_.-]{50,400}'],
  ['facebook_token', 'EAA[MC][A-Za-z0-9]{100,400}'],
  ['dropbox_token', 'sl\\.(?:u\\.)?[A-Za-z0-9_=-]{130,1000}'],
  ['cloudflare_origin_ca_key', 'v1\\.0-[a-f0-9]{24}-[a-f0-9]{146}'],
  ['netlify_token', 'nf[pc]_[A-Za-z0-9]{36,40}'],
  ['django_secret_key', 'django-insecure-[^\\s\'"`]{40,60}'],
];

interface TokenFormat {
  readonly kind: string;
  readonly prefixes: readonly string[];
  /** Sticky: tried only where a prefix was found. */
  readonly pattern: RegExp;
}

/** The literal prefixes a pattern can start with: `(?:AB|CD)x` -> AB, CD; `hv[sb]\\.` -> hvs., hvb. */
function literalPrefixes(source: string): string[] {
  const alternatives = source.startsWith('(?:') ? topLevelAlternatives(source) : [source];
  return alternatives.flatMap((alternative) => {
    // Letters, digits, `_`, `-` and escaped dots; a class of single characters may follow.
    const head = /^(?:\\\.|[A-Za-z0-9_-])*/.exec(alternative)![0];
    const literal = head.replace(/\\\./g, '.');
    const klass = /^\[([A-Za-z0-9]+)\]/.exec(alternative.slice(head.length));
    return klass ? [...klass[1]].map((char) => literal + char) : [literal];
  });
}

function topLevelAlternatives(source: string): string[] {
  const inner: string[] = [];
  let depth = 0;
  let current = '';
  for (let index = 3; index < source.length; index++) {
    const char = source[index];
    if (char === '\\') {
      current += char + source[++index];
      continue;
    }
    if (char === '(') depth++;
    if (char === ')' && depth-- === 0) break;
    if (char === '|' && depth === 0) {
      inner.push(current);
      current = '';
    } else current += char;
  }
  inner.push(current);
  return inner;
}

const FORMATS: readonly TokenFormat[] = TOKEN_FORMATS.map(([kind, source]) => ({
  kind,
  prefixes: literalPrefixes(source),
  pattern: new RegExp(source + E, 'y'),
}));

/** Formats by the first two characters of their prefixes: one pass over the text finds candidates. */
const BY_BIGRAM = new Map<number, TokenFormat[]>();
for (const format of FORMATS) {
  for (const prefix of format.prefixes) {
    if (prefix.length < 2) throw new Error(`token format ${format.kind}: prefix too short`);
    const key = (prefix.charCodeAt(0) << 7) | prefix.charCodeAt(1);
    const list = BY_BIGRAM.get(key) ?? [];
    if (!list.includes(format)) list.push(format);
    BY_BIGRAM.set(key, list);
  }
}
const HAS_BIGRAM = new Uint8Array(128 * 128);
for (const key of BY_BIGRAM.keys()) HAS_BIGRAM[key] = 1;

const isTokenChar = (code: number) =>
  (code >= 48 && code <= 57) ||
  (code >= 65 && code <= 90) ||
  (code >= 97 && code <= 122) ||
  code === 95 ||
  code === 45;

/** Every token of a known prefix format in `text`, each with its kind. */
function scanTokenFormats(text: string): { start: number; end: number; kind: string }[] {
  const spans: { start: number; end: number; kind: string }[] = [];
  const last = text.length - 1;
  for (let index = 0; index < last; index++) {
    const first = text.charCodeAt(index);
    const second = text.charCodeAt(index + 1);
    if (first >= 128 || second >= 128 || HAS_BIGRAM[(first << 7) | second] === 0) continue;
    if (index > 0 && isTokenChar(text.charCodeAt(index - 1))) continue;
    for (const format of BY_BIGRAM.get((first << 7) | second)!) {
      if (!format.prefixes.some((prefix) => text.startsWith(prefix, index))) continue;
      format.pattern.lastIndex = index;
      if (format.pattern.test(text)) {
        spans.push({ start: index, end: format.pattern.lastIndex, kind: format.kind });
        index = format.pattern.lastIndex - 1;
        break;
      }
    }
  }
  return spans;
}

export const TOKEN_FORMAT_RULES: readonly ProviderRule[] = [
  { kind: 'token', scan: scanTokenFormats },
  {
    kind: 'terraform_cloud_token',
    scan: midLiteralScan('.atlasv1.', /[A-Za-z0-9]/, 14, 14, /[A-Za-z0-9_=-]{60,70}(?![\w-])/y),
  },
  {
    kind: 'mailchimp_key',
    scan: midLiteralScan('-us', /[a-f0-9]/, 32, 32, /\d{1,2}(?![\w-])/y),
  },
];
