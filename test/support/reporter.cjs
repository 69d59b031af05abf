// A Mocha reporter for every test layer: prints like `spec` and, when the run ends, writes the counts
// and the failures as JSON to $TANDEM_TEST_STATS (or to `options.reporterOption.statsFile`) so the
// top-level runner can add up all layers, wherever the tests ran (plain Node or a VS Code host).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const Mocha = require('mocha');

const { EVENT_RUN_END, EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING } = Mocha.Runner.constants;

class TandemReporter extends Mocha.reporters.Spec {
  constructor(runner, options = {}) {
    super(runner, options);
    const reporterOptions = options.reporterOption || options.reporterOptions || {};
    const statsFile = reporterOptions.statsFile || process.env.TANDEM_TEST_STATS;
    const lines = reporterOptions.progressFile;
    const stats = { passed: 0, failed: 0, pending: 0, failures: [], meta: reporterOptions.meta || {} };
    const note = (line) => lines && fs.appendFileSync(lines, line + '\n');
    runner.on(EVENT_TEST_PASS, (test) => {
      stats.passed++;
      note(`  ✔ ${test.fullTitle()} (${test.duration} ms)`);
    });
    runner.on(EVENT_TEST_PENDING, (test) => {
      stats.pending++;
      note(`  - ${test.fullTitle()} (pending)`);
    });
    runner.on(EVENT_TEST_FAIL, (test, error) => {
      stats.failed++;
      const message = (error && (error.stack || error.message)) || String(error);
      stats.failures.push({ title: test.fullTitle(), error: message });
      note(`  ✘ ${test.fullTitle()}\n${message.replace(/^/gm, '      ')}`);
    });
    runner.once(EVENT_RUN_END, () => {
      if (!statsFile) return;
      fs.mkdirSync(path.dirname(statsFile), { recursive: true });
      fs.writeFileSync(statsFile, JSON.stringify(stats, null, 2));
    });
  }
}

module.exports = TandemReporter;
