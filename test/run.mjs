// `npm test`: type check, lint, build, then the unit, integration and e2e layers. Prints each layer's
// result and ends with `N passed, N failed` over every test of every layer. A layer that cannot
// start (it threw: code-server, Chromium or a package missing) counts as one failure and ends the run
// at once: it has stopped what it started, the later layers are not run, the exit code is 1.
// Usage: node test/run.mjs [layer ...]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const statsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-test-'));

/** Runs a command with inherited output; a check, counted as one test. */
function check(command, args, env = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  const ok = result.status === 0;
  return {
    passed: ok ? 1 : 0,
    failed: ok ? 0 : 1,
    error: ok ? undefined : `${path.basename(command)} exited with ${result.status ?? result.signal}`,
  };
}

/** Runs Mocha over compiled test files; counts come from the reporter's stats file. */
function mocha(layer, pattern, extraArgs = [], env = {}) {
  const statsFile = path.join(statsDir, `${layer}.json`);
  const result = spawnSync(process.execPath, [bin('mocha'), ...extraArgs, pattern], {
    stdio: 'inherit',
    env: { ...process.env, TANDEM_TEST_STATS: statsFile, ...env },
  });
  if (!fs.existsSync(statsFile)) {
    return {
      passed: 0,
      failed: 1,
      error: `mocha could not run the ${layer} layer (exit ${result.status ?? result.signal})`,
    };
  }
  const stats = JSON.parse(fs.readFileSync(statsFile, 'utf8'));
  if (stats.passed + stats.failed === 0)
    return { passed: 0, failed: 1, error: `the ${layer} layer ran no test` };
  return stats;
}

const layers = {
  typecheck: () => check(process.execPath, [bin('tsc'), '--noEmit', '-p', '.']),
  lint: () => {
    const eslint = check(process.execPath, [bin('eslint'), '.']);
    const prettier = check(process.execPath, [bin('prettier'), '--check', '.']);
    return {
      passed: eslint.passed + prettier.passed,
      failed: eslint.failed + prettier.failed,
      error: eslint.error ?? prettier.error,
    };
  },
  build: () => check(process.execPath, ['esbuild.js', '--tests']),
  // --exit: a test that leaks a handle must not hang the whole run.
  unit: () => mocha('unit', 'out/test/unit/**/*.test.js', ['--exit']),
  integration: async () => {
    const { runIntegration } = await import('./host/integration.mjs');
    const stats = await runIntegration();
    if (stats.meta?.vscodeVersion)
      console.log(`integration layer ran in ${stats.meta.appName} ${stats.meta.vscodeVersion}`);
    if (stats.passed + stats.failed === 0)
      return { passed: 0, failed: 1, error: 'the integration layer ran no test' };
    return stats;
  },
  e2e: async () => {
    // Installs what is missing (as root) or throws with the command to run: the layer cannot start.
    const { ensureCodeServer } = await import('./host/codeServer.mjs');
    const { chromiumPath } = await import('./host/browser.mjs');
    ensureCodeServer();
    chromiumPath();
    return mocha('e2e', 'out/test/e2e/**/*.test.js', ['--timeout', '180000', '--exit']);
  },
  // Last: it rebuilds dist/ for production.
  release: () => mocha('release', 'out/test/release/**/*.test.js'),
};

const requested = process.argv.slice(2);
const order = requested.length
  ? ['build', ...requested.filter((layer) => layer !== 'build')]
  : Object.keys(layers);
for (const name of order)
  if (!layers[name]) throw new Error(`unknown layer ${name}; layers: ${Object.keys(layers).join(', ')}`);

const results = [];
let buildOk = true;
let cannotStart;
for (const name of order) {
  console.log(`\n━━ ${name} ━━`);
  const started = Date.now();
  let result;
  if (cannotStart) {
    result = { passed: 0, failed: 0, error: `not run: the ${cannotStart} layer could not start` };
  } else if (!buildOk && !['typecheck', 'lint'].includes(name)) {
    result = { passed: 0, failed: 1, error: 'not run: the build failed' };
  } else {
    try {
      result = await layers[name]();
    } catch (error) {
      console.error(error);
      result = { passed: 0, failed: 1, error: `could not start: ${error.message ?? error}` };
      cannotStart = name;
    }
  }
  if (name === 'build' && result.failed) buildOk = false;
  result.seconds = (Date.now() - started) / 1000;
  results.push([name, result]);
  for (const failure of result.failures ?? [])
    console.log(`  ✘ ${failure.title}\n${failure.error.replace(/^/gm, '      ')}`);
}

console.log('\n━━ summary ━━');
let passed = 0;
let failed = 0;
for (const [name, result] of results) {
  passed += result.passed;
  failed += result.failed;
  const status = result.failed ? 'FAIL' : 'ok';
  console.log(
    `${name.padEnd(12)} ${status.padEnd(5)} ${result.passed} passed, ${result.failed} failed  (${result.seconds.toFixed(1)} s)${result.error ? `  — ${result.error}` : ''}`,
  );
}
// The failures again, briefly, at the very end: a log cut to its tail still says what failed.
const failures = results.flatMap(([name, result]) =>
  (result.failures ?? []).map((failure) => [name, failure]),
);
if (failures.length > 0) {
  console.log('failed:');
  for (const [name, failure] of failures) {
    const lines = failure.error.split('\n').slice(0, 6).join('\n');
    console.log(`  ${name}: ${failure.title}\n${lines.replace(/^/gm, '      ')}`);
  }
}
fs.rmSync(statsDir, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed`);
// Exit now: a handle left by a layer that failed (a socket, a timer) must not keep the run alive.
process.exit(failed > 0 ? 1 : 0);
