// `npm run bench [-- suite ...]`: builds, then runs each test/bench/<suite>.bench.ts (all when none is
// named) in its own Node process. Each suite writes its entry of test/bench/out/results.json. Then
// prints one table of every figure in results.json with its target and baseline (test/bench/targets.json)
// and writes a dated copy of the results, with the machine they ran on, to test/bench/history/.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchTable, historyRecord } from './table.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
process.chdir(root);
const available = fs
  .readdirSync('test/bench')
  .filter((name) => name.endsWith('.bench.ts'))
  .map((name) => name.slice(0, -'.bench.ts'.length))
  .sort();
const requested = process.argv.slice(2);
const unknown = requested.filter((suite) => !available.includes(suite));
if (unknown.length) {
  console.error(`Unknown bench suite(s): ${unknown.join(', ')}. Available: ${available.join(', ')}`);
  process.exit(2);
}
const build = spawnSync(process.execPath, ['esbuild.js', '--tests', '--production'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const machineAtStart = { loadavg: os.loadavg(), freemem_mb: Math.round(os.freemem() / 2 ** 20) };
// The code measured: the commit, and whether the tree differed from it (a history record without a
// commit was run outside a Git checkout).
const git = (...args) => spawnSync('git', args, { encoding: 'utf8' });
const head = git('rev-parse', 'HEAD');
const code =
  head.status === 0
    ? {
        commit: head.stdout.trim(),
        modified: git('status', '--porcelain', '--untracked-files=no').stdout.trim() !== '',
      }
    : undefined;
const startedAt = new Date();
const seconds = {};
let failed = 0;
for (const suite of requested.length ? requested : available) {
  console.log(`\n━━ bench: ${suite} ━━`);
  const suiteStarted = performance.now();
  const result = spawnSync(
    process.execPath,
    ['--expose-gc', path.join('out', 'test', 'bench', `${suite}.bench.js`)],
    {
      stdio: 'inherit',
    },
  );
  seconds[suite] = Math.round((performance.now() - suiteStarted) / 100) / 10;
  if (result.status !== 0) {
    failed++;
    console.error(`bench ${suite} failed (exit ${result.status ?? result.signal})`);
  }
}
const resultsPath = path.join('test', 'bench', 'out', 'results.json');
const results = fs.existsSync(resultsPath) ? JSON.parse(fs.readFileSync(resultsPath, 'utf8')) : {};
const targets = JSON.parse(fs.readFileSync(path.join('test', 'bench', 'targets.json'), 'utf8'));
console.log('\n' + benchTable(results, targets, Object.keys(seconds)));
const record = historyRecord({ results, suites: seconds, startedAt, machineAtStart, failed, code });
const historyDir = path.join('test', 'bench', 'history');
fs.mkdirSync(historyDir, { recursive: true });
const historyPath = path.join(
  historyDir,
  `${startedAt
    .toISOString()
    .replace(/:/g, '-')
    .replace(/\.\d+Z$/, 'Z')}.json`,
);
fs.writeFileSync(historyPath, JSON.stringify(record, null, 2) + '\n');
console.log(`\nresults: ${resultsPath}; this run: ${historyPath}`);
console.log(
  `machine: ${record.machine.cores} cores, load average ${record.machine.loadavg_start.join(' ')} at the start and ` +
    `${record.machine.loadavg_end.join(' ')} at the end, Node ${record.machine.node}: figures measured on a loaded machine are noisy`,
);
process.exitCode = failed ? 1 : 0;
