/**
 * Files that hold credentials by convention. Tandem never sends them, whatever a project's
 * `.tandemignore` says: a cloned repository must not be able to re-include your keys. Only the user's
 * own `tandem.trust.excludeGlobs` can, with a `!pattern`.
 *
 * Gitignore syntax; a pattern without a slash matches at any depth.
 */
export const BUILTIN_SENSITIVE_PATTERNS: readonly string[] = [
  // Environment files: .env, .env.local, .env.production, prod.env
  '.env',
  '.env.*',
  '*.env',
  // Key material
  '*.pem',
  '*.key',
  '*.p12',
  '*.pfx',
  '*.p8',
  '*.jks',
  '*.keystore',
  '*.ppk',
  '*.kdbx',
  'id_rsa*',
  'id_dsa*',
  'id_ecdsa*',
  'id_ed25519*',
  // Credential stores of common tools
  '.ssh/',
  '.aws/',
  '.azure/',
  '.gnupg/',
  '.kube/',
  '.docker/config.json',
  '.config/gcloud/',
  '.npmrc',
  '.pypirc',
  '.netrc',
  '_netrc',
  '.git-credentials',
  '.pgpass',
  '.htpasswd',
  'credentials.json',
  '*service-account*.json',
  '*.tfstate',
  '*.tfstate.*',
  '*.tfvars',
  'secrets/',
  // Git's own database: history, hooks and config never go to a model.
  '.git/',
];
