import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Mocha from 'mocha';

// The reporter is what every layer's count comes from: prove it counts passes and failures honestly.
describe('test reporter', () => {
  it('writes the passes, failures and failure messages of a run', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-reporter-'));
    const statsFile = path.join(dir, 'stats.json');
    const mocha = new Mocha({
      reporter: require('../support/reporter.cjs'),
      reporterOptions: { statsFile },
    });
    const suite = Mocha.Suite.create(mocha.suite, 'inner');
    suite.addTest(new Mocha.Test('passes', () => undefined));
    suite.addTest(
      new Mocha.Test('fails', () => {
        throw new Error('expected failure');
      }),
    );
    const write = process.stdout.write;
    process.stdout.write = () => true; // keep the inner run's spec output out of ours
    try {
      await new Promise<void>((resolve) => mocha.run(() => resolve()));
    } finally {
      process.stdout.write = write;
    }
    const stats = JSON.parse(fs.readFileSync(statsFile, 'utf8'));
    assert.equal(stats.passed, 1);
    assert.equal(stats.failed, 1);
    assert.equal(stats.failures[0].title, 'inner fails');
    assert.match(stats.failures[0].error, /expected failure/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
