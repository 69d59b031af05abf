import * as assert from 'node:assert/strict';
import { SecretVault, scanForSecrets } from '../../../src/trust';
import { isCaught, isLeftAlone, loadCorpus, scoreCorpus } from './corpus';

const corpus = loadCorpus();
const findingsByFile = new Map([...corpus.files].map(([file, text]) => [file, scanForSecrets(text)]));

describe('trust: secret corpus', () => {
  it('holds at least 60 real-format secrets and 60 look-alikes', () => {
    assert.ok(corpus.secrets.length >= 60, `${corpus.secrets.length} secrets`);
    assert.ok(corpus.lookalikes.length >= 60, `${corpus.lookalikes.length} look-alikes`);
    assert.ok(new Set(corpus.secrets.map((entry) => entry.kind)).size >= 20, 'many kinds of secret');
  });

  describe('catches each secret', () => {
    for (const entry of corpus.secrets) {
      it(`${entry.id} ${entry.kind} in ${entry.file}`, () => {
        const text = corpus.files.get(entry.file) ?? '';
        assert.ok(
          isCaught(text, entry.value, findingsByFile.get(entry.file) ?? []),
          `${entry.value.slice(0, 40)}… not caught`,
        );
      });
    }
  });

  describe('leaves each look-alike alone', () => {
    for (const entry of corpus.lookalikes) {
      it(`${entry.id} ${entry.what} in ${entry.file}`, () => {
        const text = corpus.files.get(entry.file) ?? '';
        assert.ok(
          isLeftAlone(text, entry.value, findingsByFile.get(entry.file) ?? []),
          `${entry.value.slice(0, 60)} was redacted`,
        );
      });
    }
  });

  it('finds nothing at all in the look-alike files', () => {
    for (const [file, findings] of findingsByFile) {
      if (!file.startsWith('lookalikes/')) continue;
      const text = corpus.files.get(file) ?? '';
      assert.deepEqual(
        findings.map((finding) => text.slice(finding.start, finding.end)),
        [],
        file,
      );
    }
  });

  it('scores recall >= 0.98 and precision >= 0.95 over the corpus', () => {
    const score = scoreCorpus(corpus, scanForSecrets);
    assert.ok(score.recall >= 0.98, `recall ${score.recall}`);
    assert.ok(score.precision >= 0.95, `precision ${score.precision}`);
  });

  it('no secret value survives redaction of any corpus file, and restoring gives the file back', () => {
    const vault = new SecretVault('c0rp');
    for (const [file, text] of corpus.files) {
      const redacted = vault.redact(text);
      for (const entry of corpus.secrets.filter((secret) => secret.file === file)) {
        assert.ok(!redacted.text.includes(entry.value), `${entry.id} leaked from ${file}`);
      }
      assert.equal(vault.restore(redacted.text).text, text, file);
    }
  });
});
