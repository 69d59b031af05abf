import { CREDENTIAL_SYNTAX_RULES } from './credentialSyntax';
import { hasValidCrc32Checksum, TOKEN_FORMAT_RULES } from './tokenFormats';
import { looksLikeUrlPassword, notMasked } from './valueShape';

/** A secret format recognised by its shape alone (a vendor prefix, a PEM header, a URL with a password). */
export interface ProviderRule {
  /** Stable id; also names the placeholder, e.g. `TANDEM_REDACTED_GITHUB_TOKEN_1_ab12`. */
  readonly kind: string;
  /** Global regex starting with a literal. A named group, when present, is the part redacted. */
  readonly pattern?: RegExp;
  /** Instead of `pattern`: a hand-written search (for formats whose literal sits mid-match). */
  readonly scan?: (text: string) => { start: number; end: number; kind?: string }[];
  /** False when the match may follow a letter or digit (e.g. `?sig=`); true by default. */
  readonly boundary?: boolean;
  /**
   * Check on the redacted part. Without one, `notMasked` applies: masks (`ghp_xxxxxxxx...`),
   * placeholders (`xoxb-your-bot-token`) and documented examples (`AKIA...EXAMPLE`) are rejected.
   */
  readonly accept?: (secret: string) => boolean;
}

// Tokens end where the token alphabet ends (`_` and `-` included). The start boundary is checked in
// code (see `boundary`): a regex that begins with a lookbehind cannot use V8's fast literal search.
const E = '(?![A-Za-z0-9_-])';

export const PROVIDER_RULES: readonly ProviderRule[] = [
  {
    kind: 'private_key',
    // Body only: the BEGIN/END lines stay so the model still sees what the text is. Handles real
    // newlines and the `\n` escapes of JSON (GCP service-account files).
    boundary: false,
    pattern:
      /-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----(?<secret>(?:\\[nr]|[\r\n\t ]|[A-Za-z0-9+/=:,.-]){16,12000}?)-----END \1-----/dg,
    // Real DER bodies can hold long runs of `A`: no mask test.
    accept: () => true,
  },
  {
    kind: 'aws_access_key_id',
    pattern: new RegExp(`(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}${E}`, 'g'),
  },
  {
    kind: 'github_token',
    pattern: new RegExp(`(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{70,255})${E}`, 'g'),
    // A 36-character token carries a CRC-32 of its first 30: a wrong one is not a GitHub token (a
    // random value assigned to a secret name is still caught by the assignment rule).
    accept: (secret) =>
      notMasked(secret) &&
      (!/^gh[pousr]_[A-Za-z0-9]{36}$/.test(secret) || hasValidCrc32Checksum(secret.slice(4))),
  },
  {
    kind: 'gitlab_token',
    pattern: new RegExp(`gl(?:pat|ptt|dt|rt|cbt|soat|oas|imt|ft)-[A-Za-z0-9_.-]{20,120}${E}`, 'g'),
    accept: notMasked,
  },
  {
    kind: 'slack_token',
    // Bot, user and app tokens start with numeric ids (`xoxb-<team>-<bot>-<secret>`); a short or
    // word-like body (`xoxb-your-bot-token`, `xoxb-1234-5678-abcd`) is documentation.
    pattern: new RegExp(
      `(?:xox[abpors]-\\d{6,16}-\\d{6,16}[A-Za-z0-9-]{0,200}|xoxe(?:\\.xox[bp])?-\\d-[A-Za-z0-9-]{20,250}|xapp-\\d-[A-Za-z0-9-]{20,250})${E}`,
      'g',
    ),
    accept: notMasked,
  },
  {
    kind: 'slack_webhook',
    boundary: false,
    pattern: /https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9_/-]{20,200}/g,
    accept: (secret) => notMasked(secret.slice(secret.lastIndexOf('/') + 1)),
  },
  {
    kind: 'discord_webhook',
    pattern:
      /https:\/\/(?:ptb\.|canary\.)?discord(?:app)?\.com\/api\/webhooks\/\d{5,30}\/[A-Za-z0-9_-]{30,100}/g,
  },
  {
    kind: 'stripe_key',
    pattern: new RegExp(
      `(?:(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{20,247}|whsec_[A-Za-z0-9+/=]{24,100})${E}`,
      'g',
    ),
    accept: notMasked,
  },
  {
    kind: 'anthropic_key',
    pattern: new RegExp(`sk-ant-[a-z]{2,10}\\d{0,3}-[A-Za-z0-9_-]{40,200}${E}`, 'g'),
    accept: notMasked,
  },
  {
    kind: 'openai_key',
    pattern: new RegExp(
      `sk-(?:(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{20,200}|(?!ant-)[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}|(?!ant-)[A-Za-z0-9]{40,100})${E}`,
      'g',
    ),
    accept: notMasked,
  },
  {
    kind: 'npm_token',
    pattern: new RegExp(`npm_[A-Za-z0-9]{36}${E}`, 'g'),
    // Same CRC-32 scheme as GitHub's tokens.
    accept: (secret) => notMasked(secret) && hasValidCrc32Checksum(secret.slice(4)),
  },
  {
    kind: 'pypi_token',
    pattern: new RegExp(`pypi-AgE[A-Za-z0-9_-]{50,300}${E}`, 'g'),
  },
  {
    kind: 'huggingface_token',
    pattern: new RegExp(`(?:hf_|api_org_)[A-Za-z0-9]{34,40}${E}`, 'g'),
    // Letters only is the common form; a body in one case only is a word or a mask.
    accept: (secret) => notMasked(secret) && /[A-Z]/.test(secret.slice(3)) && /[a-z]/.test(secret.slice(3)),
  },
  {
    kind: 'google_api_key',
    pattern: new RegExp(`AIza[0-9A-Za-z_-]{35}${E}`, 'g'),
  },
  {
    kind: 'google_oauth_secret',
    pattern: new RegExp(`(?:GOCSPX-[A-Za-z0-9_-]{28}|ya29\\.[0-9A-Za-z_-]{20,400})${E}`, 'g'),
  },
  {
    kind: 'azure_key',
    // Storage and Service Bus connection strings, and the signature of a SAS URL.
    boundary: false,
    pattern:
      /(?:AccountKey=|SharedAccessKey=)(?<secret>[A-Za-z0-9+/]{30,100}={0,2})|[?&]sig=(?<sig>[A-Za-z0-9%+/]{30,120}(?:%3D|=){0,2})/dg,
  },
  {
    kind: 'azure_client_secret',
    pattern: new RegExp(`[A-Za-z0-9_~.-]{3}\\dQ~[A-Za-z0-9_~.-]{31,34}${E}`, 'g'),
    accept: notMasked,
  },
  {
    kind: 'sendgrid_key',
    pattern: new RegExp(`SG\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}${E}`, 'g'),
  },
  {
    kind: 'digitalocean_token',
    pattern: new RegExp(`do[por]_v1_[a-f0-9]{64}${E}`, 'g'),
  },
  {
    kind: 'shopify_token',
    pattern: new RegExp(`shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}${E}`, 'g'),
  },
  {
    kind: 'mailgun_key',
    pattern: new RegExp(`key-[0-9a-f]{32}${E}`, 'g'),
    accept: notMasked,
  },
  { kind: 'telegram_bot_token', scan: scanTelegramTokens },
  {
    kind: 'jwt',
    pattern: new RegExp(`eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{16,}${E}`, 'g'),
  },
  ...TOKEN_FORMAT_RULES,
  ...CREDENTIAL_SYNTAX_RULES,
  // scheme://user:password@host: only the password is replaced, so the URL keeps its shape.
  { kind: 'url_password', scan: scanUrlPasswords, accept: looksLikeUrlPassword },
];

// The password runs to the last `@` before the path: passwords with an unencoded `@` are common.
const USERINFO = /[^\s:/?#@'"`<>]{0,100}:([^\s/'"`<>]{1,200})@(?=[\w[.-])/y;

function scanUrlPasswords(text: string): { start: number; end: number }[] {
  const spans: { start: number; end: number }[] = [];
  for (let at = text.indexOf('://'); at >= 0; at = text.indexOf('://', at + 3)) {
    if (at === 0 || !/[A-Za-z0-9+.-]/.test(text[at - 1])) continue;
    USERINFO.lastIndex = at + 3;
    const match = USERINFO.exec(text);
    if (!match) continue;
    const end = USERINFO.lastIndex - 1;
    spans.push({ start: end - match[1].length, end });
  }
  return spans;
}

const TELEGRAM_TAIL = /:AA[A-Za-z0-9_-]{33}(?![\w-])/y;

/** `123456789:AA...`: the bot id's digits come before the literal, so search for the literal. */
function scanTelegramTokens(text: string): { start: number; end: number }[] {
  const spans: { start: number; end: number }[] = [];
  for (let at = text.indexOf(':AA'); at >= 0; at = text.indexOf(':AA', at + 3)) {
    let start = at;
    while (
      start > 0 &&
      start > at - 11 &&
      text.charCodeAt(start - 1) >= 48 &&
      text.charCodeAt(start - 1) <= 57
    )
      start--;
    const digits = at - start;
    if (digits < 8 || digits > 10 || (start > 0 && /[\w:]/.test(text[start - 1]))) continue;
    TELEGRAM_TAIL.lastIndex = at;
    if (TELEGRAM_TAIL.test(text)) spans.push({ start, end: TELEGRAM_TAIL.lastIndex });
  }
  return spans;
}
