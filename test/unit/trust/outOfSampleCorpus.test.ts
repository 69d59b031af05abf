import * as assert from 'node:assert/strict';
import { scanForSecrets } from '../../../src/trust';
import { loadOutOfSampleCorpus, scoreOutOfSample } from './outOfSampleCorpus';

describe('trust: out-of-sample secret corpus', () => {
  const corpus = loadOutOfSampleCorpus();

  it('is the frozen corpus: >= 300 secrets from >= 25 providers and as many look-alikes', () => {
    assert.ok(corpus.secrets.length >= 300, `${corpus.secrets.length} secrets`);
    assert.ok(new Set(corpus.secrets.map((entry) => entry.provider)).size >= 25, 'providers');
    assert.ok(corpus.lookalikes.length >= 250, `${corpus.lookalikes.length} look-alikes`);
  });

  it('recall >= 0.97 at precision >= 0.97 (misses and false alarms named on failure)', () => {
    const score = scoreOutOfSample(corpus, scanForSecrets);
    const detail = [
      ...score.missed.map((entry) => `missed ${entry.kind} in ${entry.file}`),
      ...score.falseAlarms.map(
        (alarm) => `false alarm ${JSON.stringify(alarm.text.slice(0, 40))} in ${alarm.file}`,
      ),
    ].join('\n');
    assert.ok(score.recall >= 0.97, `recall ${score.recall}\n${detail}`);
    assert.ok(score.precision >= 0.97, `precision ${score.precision}\n${detail}`);
  });
});
