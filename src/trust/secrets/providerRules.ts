import { looksLikeUrlPassword, shannonEntropy } from './valueShape';

/** A secret format recognised by its shape alone (a vendor prefix, a PEM header, a URL with a password). */
export interface ProviderRule {
  /** Stable id; also names the placeholder, e.g. `TANDEM_REDACTED_GITHUB_TOKEN_1_ab12`. */
  readonly kind: string;
  /** Global regex starting with a literal. A named group, when present, is the part redacted. */
  readonly pattern?: RegExp;
  /** Instead of `pattern`: a hand-written search (for formats whose literal sits mid-match). */
  readonly scan?: (text: string) => { start: number; end: number }[];
  /** False when the match may follow a letter or digit (e.g. `?sig=`); true by default. */
  readonly boundary?: boolean;
  /** Extra check on the redacted part (e.g. rejects `ghp_xxxxxxxx...` masks in documentation). */
  readonly accept?: (secret: string) => boolean;
}

/** Masks in documentation (`sk_live_xxxxxxxx`) have a repeated or low-entropy body. */
function notMasked(secret: string): boolean {
  const body = secret.replace(/^[A-Za-z]{2,12}[-_]/, '');
  return shannonEntropy(body) >= 2.5 && !hasLongRun(body);
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
  },
  {
    kind: 'aws_access_key_id',
    pattern: new RegExp(`(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}${E}`, 'g'),
  },
  {
    kind: 'github_token',
    pattern: new RegExp(`(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{70,255})${E}`, 'g'),
    accept: notMasked,
  },
  {
    kind: 'gitlab_token',
    pattern: new RegExp(`gl(?:pat|ptt|dt|rt|cbt|soat|oas|imt|ft)-[A-Za-z0-9_.-]{20,120}${E}`, 'g'),
    accept: notMasked,
  },
  {
    kind: 'slack_token',
    pattern: new RegExp(`(?:xox[abposrce]|xapp)-[A-Za-z0-9-]{10,250}${E}`, 'g'),
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
    accept: notMasked,
  },
  {
    kind: 'pypi_token',
    pattern: new RegExp(`pypi-AgE[A-Za-z0-9_-]{50,300}${E}`, 'g'),
  },
  {
    kind: 'huggingface_token',
    pattern: new RegExp(`hf_[A-Za-z0-9]{34,40}${E}`, 'g'),
    accept: (secret) => notMasked(secret) && /[0-9]/.test(secret) && /[A-Z]/.test(secret),
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
  // scheme://user:password@host: only the password is replaced, so the URL keeps its shape.
  { kind: 'url_password', scan: scanUrlPasswords, accept: looksLikeUrlPassword },
];

const USERINFO = /[^\s:/?#@'"`<>]{0,100}:([^\s@/'"`<>]{1,200})@(?=[\w[.-])/y;

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
