/**
 * Token formats of SaaS and cloud providers, recognised by their prefix, alphabet and length: the
 * facts come from the providers' documentation and gitleaks' default rule set (read, not copied).
 * Each is a separate regex starting with a literal, so V8 searches for the literal and a large file
 * costs little per rule. Formats whose literal sits mid-token (`...atlasv1...`, `...-us12`) use a
 * hand-written search instead.
 */
import type { ProviderRule } from './providerRules';

// Tokens end where the token alphabet ends; the start boundary is checked by the scanner.
const E = '(?![A-Za-z0-9_-])';
const rule = (kind: string, source: string, flags = 'g'): ProviderRule => ({
  kind,
  pattern: new RegExp(source + E, flags),
});

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

export const TOKEN_FORMAT_RULES: readonly ProviderRule[] = [
  // AWS STS session tokens: base64 of a protobuf whose first bytes are fixed.
  rule('aws_session_token', '(?:IQoJb3JpZ2luX2Vj|FwoGZXIvYXdzE)[A-Za-z0-9+/]{80,2000}={0,2}'),
  rule(
    'heroku_api_key',
    'HRKU-(?:AA[A-Za-z0-9_-]{58}|[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12})',
  ),
  rule('vault_token', 'hv[sb]\\.[A-Za-z0-9_-]{24,400}'),
  rule('newrelic_key', 'NR(?:AK-[A-Z0-9]{27}|JS-[a-f0-9]{19}|II-[A-Za-z0-9_-]{32})'),
  rule('planetscale_token', 'pscale_(?:tkn|pw|oauth)_[A-Za-z0-9_=.-]{32,64}'),
  rule('grafana_token', '(?:glc_[A-Za-z0-9+/]{32,400}={0,2}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})'),
  rule('deno_token', 'dd[pw]_[A-Za-z0-9]{36}'),
  rule('prefect_token', 'pnu_[A-Za-z0-9]{36}'),
  rule('supabase_token', '(?:sbp_[a-f0-9]{40}|sb_secret_[A-Za-z0-9_-]{31,40})'),
  rule('atlassian_token', 'ATATT3[A-Za-z0-9_=-]{150,220}'),
  rule('age_secret_key', 'AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}'),
  rule('linear_key', 'lin_(?:api|oauth)_[A-Za-z0-9]{40}'),
  rule('postman_key', 'PMAK-[a-f0-9]{24}-[a-f0-9]{34}'),
  rule('pulumi_token', 'pul-[a-f0-9]{40}'),
  rule('dynatrace_token', 'dt0c01\\.[A-Z0-9]{24}\\.[A-Z0-9]{64}'),
  rule('doppler_token', 'dp\\.(?:pt|st|ct|sa|scim|audit)\\.[A-Za-z0-9_-]{40,50}'),
  rule('contentful_token', 'CFPAT-[A-Za-z0-9_-]{43}'),
  rule('rubygems_key', 'rubygems_[a-f0-9]{48}'),
  rule('clojars_token', 'CLOJARS_[a-z0-9]{60}', 'gi'),
  rule('figma_token', 'fig[dh]_[A-Za-z0-9_-]{38,45}'),
  rule('airtable_token', 'pat[A-Za-z0-9]{14}\\.[a-f0-9]{64}'),
  rule('replicate_token', 'r8_[A-Za-z0-9]{37}'),
  rule('groq_key', 'gsk_[A-Za-z0-9]{52}'),
  rule('perplexity_key', 'pplx-[A-Za-z0-9]{48}'),
  rule('databricks_token', 'dapi[a-f0-9]{32}(?:-\\d)?'),
  rule('square_token', '(?:EAAA[A-Za-z0-9_-]{22,60}|sq0(?:atp|csp)-[A-Za-z0-9_-]{22,43})'),
  rule('sentry_token', '(?:sntryu_[a-f0-9]{64}|sntrys_eyJ[A-Za-z0-9+/=_-]{60,400})'),
  rule('alibaba_key_id', 'LTAI[A-Za-z0-9]{20}'),
  rule('twilio_api_key', 'SK[0-9a-fA-F]{32}'),
  rule('onepassword_token', 'ops_eyJ[A-Za-z0-9+/]{250,}={0,3}'),
  rule('flyio_token', '(?:fo1_[A-Za-z0-9_-]{43}|fm[12][ar]?_[A-Za-z0-9+/]{100,}={0,3})'),
  rule('scalingo_token', 'tk-us-[A-Za-z0-9_-]{48}'),
  rule('brevo_key', 'xkeysib-[a-f0-9]{64}-[A-Za-z0-9]{16}'),
  rule('frameio_token', 'fio-u-[A-Za-z0-9_=-]{64}'),
  rule('easypost_key', 'EZ[AT]K[A-Za-z0-9]{54}'),
  rule('duffel_token', 'duffel_(?:test|live)_[A-Za-z0-9_=-]{43}'),
  rule('shippo_token', 'shippo_(?:live|test)_[a-f0-9]{40}'),
  rule('typeform_token', 'tfp_[A-Za-z0-9_=.-]{59}'),
  rule('adafruit_key', 'aio_[A-Za-z0-9]{28}'),
  rule('notion_token', '(?:ntn_\\d{11}[A-Za-z0-9]{35}|secret_[A-Za-z0-9]{43})'),
  rule('mapbox_secret_token', 'sk\\.eyJ[A-Za-z0-9_.-]{50,400}'),
  rule('facebook_token', 'EAA[MC][A-Za-z0-9]{100,400}'),
  rule('dropbox_token', 'sl\\.(?:u\\.)?[A-Za-z0-9_=-]{130,1000}'),
  rule('cloudflare_origin_ca_key', 'v1\\.0-[a-f0-9]{24}-[a-f0-9]{146}'),
  rule('netlify_token', 'nf[pc]_[A-Za-z0-9]{36,40}'),
  rule('django_secret_key', 'django-insecure-[^\\s\'"`]{40,60}'),
  {
    kind: 'terraform_cloud_token',
    scan: midLiteralScan('.atlasv1.', /[A-Za-z0-9]/, 14, 14, /[A-Za-z0-9_=-]{60,70}(?![\w-])/y),
  },
  {
    kind: 'mailchimp_key',
    scan: midLiteralScan('-us', /[a-f0-9]/, 32, 32, /\d{1,2}(?![\w-])/y),
  },
];
