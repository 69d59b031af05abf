import { looksLikeUrlPassword, shannonEntropy } from './valueShape';

/** A secret format recognised by its shape alone (a vendor prefix, a PEM header, a URL with a password). */
export interface ProviderRule {
  /** Stable id; also names the placeholder, e.g. `TANDEM_REDACTED_GITHUB_TOKEN_1_ab12`. */
  readonly kind: string;
  /** Cheap literal test run before the regex: the rule only runs on text containing one of these. */
  readonly anchors: readonly string[];
  /** Global regex. Group `secret`, when present, is the part redacted; else the whole match. */
  readonly pattern: RegExp;
  /** Extra check on the redacted part (e.g. rejects `ghp_xxxxxxxx...` masks in documentation). */
  readonly accept?: (secret: string) => boolean;
}

/** Masks in documentation (`sk_live_xxxxxxxx`) have a repeated or low-entropy body. */
function notMasked(secret: string): boolean {
  const body = secret.replace(/^[A-Za-z]{2,12}[-_]/, '');
  return shannonEntropy(body) >= 2.5 && !/(.)\1{7,}/.test(body);
}

// Word boundaries that also treat `_` and `-` as part of a token.
const B = '(?<![A-Za-z0-9_-])';
const E = '(?![A-Za-z0-9_-])';

export const PROVIDER_RULES: readonly ProviderRule[] = [
  {
    kind: 'private_key',
    anchors: ['PRIVATE KEY'],
    // Body only: the BEGIN/END lines stay so the model still sees what the text is. Handles real
    // newlines and the `\n` escapes of JSON (GCP service-account files).
    pattern:
      /-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----(?<secret>(?:\\[nr]|[\r\n\t ]|[A-Za-z0-9+/=:,.-]){16,12000}?)-----END \1-----/dg,
  },
  {
    kind: 'aws_access_key_id',
    anchors: ['AKIA', 'ASIA', 'ABIA', 'ACCA'],
    pattern: new RegExp(`${B}(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}${E}`, 'g'),
  },
  {
    kind: 'github_token',
    anchors: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_'],
    pattern: new RegExp(`${B}(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{70,255})${E}`, 'g'),
    accept: notMasked,
  },
  {
    kind: 'gitlab_token',
    anchors: ['glpat-', 'glptt-', 'gldt-', 'glrt-', 'glcbt-', 'glsoat-', 'gloas-', 'glimt-', 'glft-'],
    pattern: new RegExp(`${B}gl(?:pat|ptt|dt|rt|cbt|soat|oas|imt|ft)-[A-Za-z0-9_.-]{20,120}${E}`, 'g'),
    accept: notMasked,
  },
  {
    kind: 'slack_token',
    anchors: ['xox', 'xapp-'],
    pattern: new RegExp(`${B}(?:xox[abposrce]|xapp)-[A-Za-z0-9-]{10,250}${E}`, 'g'),
    accept: notMasked,
  },
  {
    kind: 'slack_webhook',
    anchors: ['hooks.slack.com'],
    pattern: /https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9_/-]{20,200}/g,
    accept: (secret) => notMasked(secret.slice(secret.lastIndexOf('/') + 1)),
  },
  {
    kind: 'discord_webhook',
    anchors: ['/api/webhooks/'],
    pattern:
      /https:\/\/(?:ptb\.|canary\.)?discord(?:app)?\.com\/api\/webhooks\/\d{5,30}\/[A-Za-z0-9_-]{30,100}/g,
  },
  {
    kind: 'stripe_key',
    anchors: ['sk_live_', 'rk_live_', 'sk_test_', 'rk_test_', 'whsec_'],
    pattern: new RegExp(
      `${B}(?:(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{20,247}|whsec_[A-Za-z0-9+/=]{24,100})${E}`,
      'g',
    ),
    accept: notMasked,
  },
  {
    kind: 'anthropic_key',
    anchors: ['sk-ant-'],
    pattern: new RegExp(`${B}sk-ant-[a-z]{2,10}\\d{0,3}-[A-Za-z0-9_-]{40,200}${E}`, 'g'),
    accept: notMasked,
  },
  {
    kind: 'openai_key',
    anchors: ['sk-'],
    pattern: new RegExp(
      `${B}sk-(?:(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{20,200}|(?!ant-)[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}|(?!ant-)[A-Za-z0-9]{40,100})${E}`,
      'g',
    ),
    accept: notMasked,
  },
  {
    kind: 'npm_token',
    anchors: ['npm_'],
    pattern: new RegExp(`${B}npm_[A-Za-z0-9]{36}${E}`, 'g'),
    accept: notMasked,
  },
  {
    kind: 'pypi_token',
    anchors: ['pypi-AgE'],
    pattern: new RegExp(`${B}pypi-AgE[A-Za-z0-9_-]{50,300}${E}`, 'g'),
  },
  {
    kind: 'huggingface_token',
    anchors: ['hf_'],
    pattern: new RegExp(`${B}hf_[A-Za-z0-9]{34,40}${E}`, 'g'),
    accept: (secret) => notMasked(secret) && /[0-9]/.test(secret) && /[A-Z]/.test(secret),
  },
  {
    kind: 'google_api_key',
    anchors: ['AIza'],
    pattern: new RegExp(`${B}AIza[0-9A-Za-z_-]{35}${E}`, 'g'),
  },
  {
    kind: 'google_oauth_secret',
    anchors: ['GOCSPX-', 'ya29.'],
    pattern: new RegExp(`${B}(?:GOCSPX-[A-Za-z0-9_-]{28}|ya29\\.[0-9A-Za-z_-]{20,400})${E}`, 'g'),
  },
  {
    kind: 'azure_key',
    anchors: ['AccountKey=', 'SharedAccessKey=', 'sig='],
    // Storage and Service Bus connection strings, and the signature of a SAS URL.
    pattern:
      /(?:AccountKey=|SharedAccessKey=)(?<secret>[A-Za-z0-9+/]{30,100}={0,2})|[?&]sig=(?<sig>[A-Za-z0-9%+/]{30,120}(?:%3D|=){0,2})/dg,
  },
  {
    kind: 'azure_client_secret',
    anchors: ['Q~'],
    pattern: new RegExp(`${B}[A-Za-z0-9_~.-]{3}\\dQ~[A-Za-z0-9_~.-]{31,34}${E}`, 'g'),
    accept: notMasked,
  },
  {
    kind: 'sendgrid_key',
    anchors: ['SG.'],
    pattern: new RegExp(`${B}SG\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}${E}`, 'g'),
  },
  {
    kind: 'digitalocean_token',
    anchors: ['dop_v1_', 'doo_v1_', 'dor_v1_'],
    pattern: new RegExp(`${B}do[por]_v1_[a-f0-9]{64}${E}`, 'g'),
  },
  {
    kind: 'shopify_token',
    anchors: ['shpat_', 'shpca_', 'shppa_', 'shpss_'],
    pattern: new RegExp(`${B}shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}${E}`, 'g'),
  },
  {
    kind: 'mailgun_key',
    anchors: ['key-'],
    pattern: new RegExp(`${B}key-[0-9a-f]{32}${E}`, 'g'),
    accept: notMasked,
  },
  {
    kind: 'telegram_bot_token',
    anchors: [':AA'],
    pattern: /(?<![\w:])\d{8,10}:AA[A-Za-z0-9_-]{33}(?![\w-])/g,
  },
  {
    kind: 'jwt',
    anchors: ['eyJ'],
    pattern: new RegExp(`${B}eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{16,}${E}`, 'g'),
  },
  {
    kind: 'url_password',
    anchors: ['://'],
    // scheme://user:password@host — only the password is replaced, so the URL keeps its shape.
    pattern:
      /\b[a-zA-Z][a-zA-Z0-9+.-]{1,30}:\/\/[^\s:/?#@'"`<>]{0,100}:(?<secret>[^\s@/'"`<>]{1,200})@(?=[\w[.-])/dg,
    accept: looksLikeUrlPassword,
  },
];
