import * as assert from 'node:assert/strict';
import { SecretVault } from '../../../src/trust';

const token = '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';
const password = 'Xy7!pQ2#rT9mL4vB';
const text = `const gh = "${token}";\nconst password = "${password}";\nconst again = "${token}";\n`;

describe('trust: secret vault', () => {
  it('replaces each secret with a placeholder that names its kind', () => {
    const vault = new SecretVault('t3st');
    const redacted = vault.redact(text);
    assert.ok(!redacted.text.includes(token) && !redacted.text.includes(password));
    assert.match(redacted.text, /"TANDEM_REDACTED_GITHUB_TOKEN_1_t3st"/);
    assert.equal(redacted.redactions.length, 3);
    for (const redaction of redacted.redactions) {
      assert.equal(redacted.text.slice(redaction.sentStart, redaction.sentEnd), redaction.placeholder);
      assert.ok([token, password].includes(text.slice(redaction.start, redaction.end)));
    }
  });

  it('gives the same value the same placeholder, in one text and across requests', () => {
    const vault = new SecretVault('t3st');
    const first = vault.redact(text);
    const second = vault.redact(`token = "${token}"`);
    assert.equal(first.redactions[0].placeholder, first.redactions[2].placeholder);
    assert.equal(second.redactions[0].placeholder, first.redactions[0].placeholder);
    assert.notEqual(first.redactions[0].placeholder, first.redactions[1].placeholder);
    assert.equal(vault.size, 2);
  });

  it('restores placeholders written back by a proposal to the original values', () => {
    const vault = new SecretVault('t3st');
    const redacted = vault.redact(text);
    assert.equal(vault.restore(redacted.text).text, text);
    const proposal = redacted.text.replace('const again', 'export const again');
    const restored = vault.restore(proposal);
    assert.equal(restored.text, text.replace('const again', 'export const again'));
    assert.equal(restored.restored.length, 3);
    assert.deepEqual(restored.unknown, []);
  });

  it('leaves placeholders of another vault (or made up) alone and reports them', () => {
    const mine = new SecretVault('aaaa');
    const other = new SecretVault('bbbb');
    const foreign = other.redact(text).text;
    const result = mine.restore(`${foreign}\nTANDEM_REDACTED_GITHUB_TOKEN_9_aaaa`);
    assert.ok(!result.text.includes(token));
    assert.equal(result.restored.length, 0);
    assert.ok(result.unknown.includes('TANDEM_REDACTED_GITHUB_TOKEN_9_aaaa'));
  });

  it('restores a streamed answer whose placeholder is split across chunks', () => {
    const vault = new SecretVault('t3st');
    const placeholder = vault.redact(text).redactions[0].placeholder;
    const answer = `use ${placeholder} here and ${placeholder}.`;
    for (let size = 1; size <= 9; size++) {
      const restorer = vault.streamRestorer();
      let out = '';
      for (let index = 0; index < answer.length; index += size)
        out += restorer.push(answer.slice(index, index + size));
      out += restorer.flush();
      assert.equal(out, `use ${token} here and ${token}.`, `chunks of ${size}`);
    }
  });

  it('does not hold back ordinary text that merely starts with T', () => {
    const vault = new SecretVault('t3st');
    const restorer = vault.streamRestorer();
    assert.equal(restorer.push('Then '), 'Then ');
    assert.equal(restorer.push('TAN'), '');
    assert.equal(restorer.push('GO'), 'TANGO');
  });

  it('forgets everything on clear', () => {
    const vault = new SecretVault('t3st');
    const redacted = vault.redact(text);
    vault.clear();
    assert.equal(vault.restore(redacted.text).text, redacted.text);
  });

  it('finds a value it already holds wherever it appears again, without the name that found it', () => {
    const vault = new SecretVault('t3st');
    vault.redact(text);
    const quoted = vault.redact(`The old one was ${password}; use ${token.slice(0, 10)} for nothing.`);
    assert.equal(quoted.text, 'The old one was TANDEM_REDACTED_PASSWORD_1_t3st; use ghp_FAKEq8 for nothing.');
    assert.equal(quoted.redactions[0].kind, 'password');
  });

  it('writes a secret back only into the file or session it came from, or anywhere when the user typed it', () => {
    const vault = new SecretVault('t3st');
    const fromFile = vault.redact(`password = "${password}"`, undefined, { path: '/w/a.ts' }).text;
    const typed = vault.redact(`token ${token}`).text;
    assert.equal(vault.restore(fromFile, '/w/b.ts').text, fromFile);
    assert.equal(vault.restore(fromFile, '/w/./a.ts').text, `password = "${password}"`);
    assert.equal(vault.restore(typed, 'tandem://room/x.ts').text, `token ${token}`);
    const inSession = vault.redact(`password = "${password}"`, undefined, {
      path: 'tandem://room/a.ts',
    }).text;
    assert.equal(vault.restore(inSession, 'tandem://room/deep/b.ts').text, `password = "${password}"`);
    assert.equal(vault.restore(inSession, 'tandem://other/b.ts').text, inSession);
    const restorer = vault.streamRestorer('/w/b.ts');
    assert.equal(restorer.push(fromFile) + restorer.flush(), fromFile);
  });
});
