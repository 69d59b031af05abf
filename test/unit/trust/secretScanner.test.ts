import * as assert from 'node:assert/strict';
import { scanForSecrets, secretNameKind, SecretVault } from '../../../src/trust';

const found = (text: string) =>
  scanForSecrets(text).map((finding) => [finding.kind, text.slice(finding.start, finding.end)]);

describe('trust: secret scanner', () => {
  it('reads what a name says about its value', () => {
    const cases: [string, string | undefined][] = [
      ['DB_PASSWORD', 'password'],
      ['PGPASSWORD', 'password'],
      ['adminPwd', 'password'],
      ['GITHUB_TOKEN', 'token'],
      ['authToken', 'token'],
      ['x-api-key', 'api_key'],
      ['OPENAI_API_KEY_PROD', 'api_key'],
      ['aws_secret_access_key', 'secret_key'],
      ['SECRET_KEY_BASE', 'secret_key'],
      ['clientSecret', 'secret'],
      ['Authorization', 'credential'],
      ['password_hash', undefined],
      ['token_url', undefined],
      ['max_tokens', undefined],
      ['tokenizer', undefined],
      ['passwordMinLength', undefined],
      ['keyboard', undefined],
      ['author', undefined],
      ['apiKeyId', undefined],
    ];
    for (const [name, kind] of cases) assert.equal(secretNameKind(name), kind, name);
  });

  it('finds a private key in a CRLF file and keeps the line breaks around the placeholder', () => {
    const body =
      'MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\r\nKUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQJAIJLixBy2qpFoS4DSmoEm';
    const text = `-----BEGIN RSA PRIVATE KEY-----\r\n${body}\r\n-----END RSA PRIVATE KEY-----\r\n`;
    const vault = new SecretVault('crlf');
    assert.equal(
      vault.redact(text).text,
      '-----BEGIN RSA PRIVATE KEY-----\r\nTANDEM_REDACTED_PRIVATE_KEY_1_crlf\r\n-----END RSA PRIVATE KEY-----\r\n',
    );
  });

  it('handles a minified file without line breaks', () => {
    const token = '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';
    const text = `${'var a=function(t,e){return t.key=e,t};'.repeat(5000)}var c={authToken:"${token}"};`;
    assert.deepEqual(found(text), [['github_token', token]]);
  });

  it('does not redact its own placeholders again (history stays stable)', () => {
    const vault = new SecretVault('idem');
    const once = vault.redact(
      'const password = "Xy7!pQ2#rT9mL4vB";\nconst t = "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";',
    );
    const twice = vault.redact(once.text);
    assert.equal(twice.text, once.text);
    assert.equal(twice.redactions.length, 0);
  });

  it('redacts only the password of a URL and keeps its shape', () => {
    const vault = new SecretVault('urls');
    assert.equal(
      vault.redact('amqps://worker:Q8zLm2Xr7Vb3Nc@mq.example.com:5671/vhost').text,
      'amqps://worker:TANDEM_REDACTED_URL_PASSWORD_1_urls@mq.example.com:5671/vhost',
    );
  });

  it('leaves type annotations alone and still finds a passphrase written in PascalCase', () => {
    const code = [
      'export class Session {',
      '  refreshToken: RefreshTokenEntity;',
      '  credentials: AwsCredentialsConfig,',
      '  apiKey: ApiKeyRecord | null;',
      '  clientSecret: OAuthClientDto;',
      '}',
      'def login(password: PasswordInput) -> None: ...',
    ].join('\n');
    assert.deepEqual(found(code), []);
    assert.deepEqual(found('password: CorrectHorseBatteryStaple\n'), [
      ['password', 'CorrectHorseBatteryStaple'],
    ]);
    assert.deepEqual(found('auth_token: Q7zXr2Lm9Vb4Nc8Kp1Wd\n'), [['token', 'Q7zXr2Lm9Vb4Nc8Kp1Wd']]);
  });
});
