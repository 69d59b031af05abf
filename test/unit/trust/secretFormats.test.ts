// Each case is a miss or a false alarm of the scanner found on the out-of-sample corpus (or on the
// way to fixing one), rewritten with fresh values: the corpus itself stays unseen by the tests.
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as zlib from 'node:zlib';
import { scanForSecrets } from '../../../src/trust';

/** The texts the scanner would replace. */
const redacted = (text: string) =>
  scanForSecrets(text).map((finding) => text.slice(finding.start, finding.end));

/** Asserts that `secret` is redacted in `text` (wholly, by one finding). */
function assertCaught(text: string, secret: string): void {
  const at = text.indexOf(secret);
  assert.ok(at >= 0, 'test text holds the secret');
  const findings = scanForSecrets(text);
  assert.ok(
    findings.some((finding) => finding.start <= at && finding.end >= at + secret.length),
    `${JSON.stringify(secret)} not caught in ${JSON.stringify(text)}; found ${JSON.stringify(redacted(text))}`,
  );
}

/** Asserts that nothing in `text` is redacted. */
function assertClean(text: string): void {
  assert.deepEqual(redacted(text), [], text);
}

// Deterministic random text (SHA-256 of a counter), so the cases do not repeat one another.
let counter = 0;
function draw(alphabet: string, length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of crypto.createHash('sha256').update(`secret-formats-${counter++}`).digest()) {
      if (out.length < length) out += alphabet[byte % alphabet.length];
    }
  }
  return out;
}
const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const HEX = '0123456789abcdef';
const URLSAFE = ALNUM + '-_';

/** A token in GitHub's and npm's format: 30 random characters and their CRC-32 in base 62 (6 chars). */
function checksummed(prefix: string, valid = true): string {
  const body = draw(ALNUM, 30);
  let crc = zlib.crc32(body);
  let encoded = '';
  do {
    encoded = ALNUM[crc % 62] + encoded;
    crc = Math.floor(crc / 62);
  } while (crc > 0);
  encoded = encoded.padStart(6, '0');
  if (!valid) encoded = encoded.slice(0, 5) + (encoded[5] === 'a' ? 'b' : 'a');
  return prefix + body + encoded;
}

describe('trust: secret formats (out-of-sample misses and false alarms)', () => {
  describe('credential files with their own syntax', () => {
    it('.netrc: the password of each machine, on one line or several; an e-mail as password is not a secret', () => {
      const one = 'Qv7#pLm2xZ';
      const two = 'Harbor_2031!';
      const text = `machine api.example.com\n  login me\n  password ${one}\nmachine ftp.example.org login anonymous password guest@example.org\nmachine git.example.net login bot password ${two}\n`;
      assertCaught(text, one);
      assertCaught(text, two);
      assert.ok(!redacted(text).some((value) => value.includes('guest@example.org')));
    });

    it('.pgpass: the last field of host:port:database:user:password, wildcards included', () => {
      const text = `# comment\ndb.example.net:5432:orders:app:Kp9!sW2qLr\n*:*:*:reader:Pine-2030?\nlocalhost:5432:*:postgres:*\n`;
      assertCaught(text, 'Kp9!sW2qLr');
      assertCaught(text, 'Pine-2030?');
      assert.deepEqual(redacted(text), ['Kp9!sW2qLr', 'Pine-2030?']);
    });

    it('no .netrc or .pgpass reading of prose and IPv6 addresses', () => {
      assertClean(
        'machine learning needs data\nThe password protection is on; the password field is hidden.\n',
      );
      assertClean('2001:4860:4860:0:0:0:0:8888 dns.google\n2001:4860:4860:0:0:0:0:8844\n');
    });

    it('Postfix sasl_passwd: [host]:port user:password', () => {
      const text =
        '[smtp.example.com]:587 relay@example.com:Ocean#4411\n[mail.example.net]:465 user:Zt8+vQ/2pLkW9x\n';
      assertCaught(text, 'Ocean#4411');
      assertCaught(text, 'Zt8+vQ/2pLkW9x');
    });

    it('WordPress keys and salts, even with <, >, spaces; the sample file placeholders stay', () => {
      const salt = 'a<B>9 #k)T!w$4^m]Q|~2@zR;e:8%L,p=Y{s' + draw(ALNUM, 20);
      const text = `define( 'AUTH_KEY', '${salt}' );\ndefine( 'NONCE_SALT', 'put your unique phrase here' );\n`;
      assertCaught(text, salt);
      assert.equal(redacted(text).length, 1);
    });

    it('a file that is one 32-byte hex key (Rails config/master.key)', () => {
      const key = draw(HEX, 32);
      assertCaught(`${key}\n`, key);
      assertClean(`commit ${key}\n`);
    });
  });

  describe('passwords on command lines and in scripts', () => {
    const cases: [string, string][] = [
      ['mysqldump -u root -pS3cure_Dump9 --all-databases > all.sql', 'S3cure_Dump9'],
      ["mysql -h db -u app -p'Wq2#rT9!x' orders", 'Wq2#rT9!x'],
      ['redis-cli -h cache -a Ember_7731! --scan', 'Ember_7731!'],
      ['  command: redis-server --appendonly yes --requirepass Cobalt.5521', 'Cobalt.5521'],
      ['curl -fsS -u admin:Lx8^pQ2!wZ https://grafana.internal/api', 'Lx8^pQ2!wZ'],
      ["sshpass -p 'Birch@2029' scp a.tgz host:/srv", 'Birch@2029'],
      ['docker login -u ci -p %Zq8..Rt2+Wm registry.example.com', '%Zq8..Rt2+Wm'],
      ['rabbitmqadmin -u ops -p Maple1987%x list queues', 'Maple1987%x'],
      ['npx vsce publish -p ' + draw('abcdefghijklmnopqrstuvwxyz0123456789', 52), ''],
      ['net use \\\\files\\share /user:CORP\\builder Cedar_2211#', 'Cedar_2211#'],
      ['$pw = ConvertTo-SecureString "Aspen_3310x" -AsPlainText -Force', 'Aspen_3310x'],
      ['setx DEPLOY_TOKEN ' + draw(ALNUM, 32), ''],
      ["$env:AWS_SECRET_ACCESS_KEY = '" + draw(ALNUM + '/+', 40) + "'", ''],
      ['aws configure set aws_session_token FwoGZXIvYXdzE' + draw(ALNUM + '+/', 120), ''],
      ['REDIS_URL=redis://:Quartz@881$x@cache.internal:6379/0', 'Quartz@881$x'],
    ];
    for (const [line, secret] of cases) {
      it(line.slice(0, 60), () => {
        const value = secret || line.split(/[ =]+/).pop()!.replace(/'$/, '').replace(/^'/, '');
        assertCaught(line + '\n', value);
      });
    }

    it('leaves prompts, variables and references alone', () => {
      assertClean('mysql -u root -p\n');
      assertClean('redis-server --requirepass "$REDIS_PASSWORD"\n');
      assertClean('docker login -u "$USER" -p "$REGISTRY_PASSWORD" registry.example.com\n');
      assertClean('curl -u "$API_USER:$API_PASSWORD" https://api.example.com\n');
      assertClean('sshpass -p "$(cat /run/secrets/ssh)" ssh host\n');
      assertClean('$token = $env:GITHUB_TOKEN\n$apiKey = $env:DATADOG_API_KEY\n');
      assertClean('$securePassword = ConvertTo-SecureString $env:SVC_PASSWORD -AsPlainText -Force\n');
      assertClean('$password = Read-Host -AsSecureString -Prompt "Password"\n');
      assertClean('$cred = New-Object System.Management.Automation.PSCredential ("CORP\\svc-deploy", $pw)\n');
      assertClean('set DB_PASSWORD=%VAULT_DB_PASSWORD%\nsetx API_TOKEN %API_TOKEN%\n');
    });
  });

  describe('assignments the name/value rule missed', () => {
    it('aligned columns before the operator', () => {
      assertCaught('db_password          = "Willow1443x"\n', 'Willow1443x');
    });
    it('a Python bytes literal and a one-element list of keys', () => {
      const hex = draw(HEX, 48);
      const fernet = draw(URLSAFE, 43) + '=';
      assertCaught(`    SECRET_KEY = b"${hex}"\n`, hex);
      assertCaught(`FERNET_KEYS = ["${fernet}"]\n`, fernet);
    });
    it('not a name inside a colon-separated resource name (ARN)', () => {
      assertClean(
        'client_secret: arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders/oauth-Ab1Cd2\n',
      );
    });
    it('not prose: "a bot token (`…`)"', () => {
      assertClean('For Slack use a bot token (`xoxb-1234-5678-abcdefghijkl`).\n');
    });
  });

  describe('provider formats', () => {
    const tokens: [string, string][] = [
      ['heroku', 'HRKU-AA' + draw(URLSAFE, 58)],
      ['vault', 'hvs.CAESI' + draw(URLSAFE, 80)],
      ['new relic', 'NRAK-' + draw('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 27)],
      ['planetscale', 'pscale_tkn_' + draw(URLSAFE, 43)],
      ['grafana service account', 'glsa_' + draw(ALNUM, 32) + '_' + draw(HEX, 8)],
      ['grafana cloud', 'glc_eyJvIjoi' + draw(ALNUM, 60)],
      ['deno', 'ddp_' + draw(ALNUM, 36)],
      ['prefect', 'pnu_' + draw(ALNUM, 36)],
      ['supabase', 'sbp_' + draw(HEX, 40)],
      ['atlassian', 'ATATT3xFfGF0' + draw(URLSAFE, 180)],
      ['age', 'AGE-SECRET-KEY-1' + draw('QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L', 58)],
      ['terraform cloud', draw('abcdefghijklmnopqrstuvwxyz0123456789', 14) + '.atlasv1.' + draw(ALNUM, 67)],
      ['aws session token', 'IQoJb3JpZ2luX2VjE' + draw(ALNUM + '+/', 300)],
      ['mailchimp', draw(HEX, 32) + '-us14'],
      [
        'hugging face (letters only)',
        'hf_' + draw('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', 34),
      ],
      [
        'django insecure key',
        'django-insecure-' + draw('abcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*(-_=+)', 50),
      ],
      ['linear', 'lin_api_' + draw(ALNUM, 40)],
      ['postman', 'PMAK-' + draw(HEX, 24) + '-' + draw(HEX, 34)],
      ['doppler', 'dp.pt.' + draw(ALNUM, 43)],
      ['databricks', 'dapi' + draw(HEX, 32)],
      [
        'dynatrace',
        'dt0c01.' +
          draw('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 24) +
          '.' +
          draw('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 64),
      ],
      ['groq', 'gsk_' + draw(ALNUM, 52)],
      ['github (valid checksum)', checksummed('ghp_')],
      ['npm (valid checksum)', checksummed('npm_')],
    ];
    for (const [what, token] of tokens) {
      it(`${what}, with no secret-sounding name around it`, () =>
        assertCaught(`see ${token} above\n`, token));
    }

    it('a GitHub or npm token with a wrong checksum is not one (unless assigned to a secret name)', () => {
      const github = checksummed('ghp_', false);
      const npm = checksummed('npm_', false);
      assertClean(`see ${github} and ${npm} above\n`);
      assertCaught(`GITHUB_TOKEN=${github}\n`, github);
    });
  });

  describe('documented examples and placeholders', () => {
    it('are left alone', () => {
      assertClean(
        'aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n',
      );
      assertClean(
        'EXAMPLE_JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"\n',
      );
      assertClean('SENDGRID_API_KEY=SG.xxxxxxxxxxxxxxxxxxxxxx.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n');
      assertClean('SLACK_BOT_TOKEN=xoxb-your-bot-token\n');
      assertClean('GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n');
    });

    it('while a real-shaped Slack bot token is still caught', () => {
      const token = `xoxb-${draw('0123456789', 11)}-${draw('0123456789', 13)}-${draw(ALNUM, 24)}`;
      assertCaught(`token: ${token}\n`, token);
    });
  });
});
