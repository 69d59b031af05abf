// `npm run bench [-- suite ...]`: builds, then runs each test/bench/<suite>.bench.ts (all when none is
// named) in its own Node process. Each suite writes its entry of test/bench/out/results.json.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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

let failed = 0;
for (const suite of requested.length ? requested : available) {
  console.log(`\n━━ bench: ${suite} ━━`);
  const result = spawnSync(
    process.execPath,
    ['--expose-gc', path.join('out', 'test', 'bench', `${suite}.bench.js`)],
    {
      stdio: 'inherit',
    },
  );
  if (result.status !== 0) {
    failed++;
    console.error(`bench ${suite} failed (exit ${result.status ?? result.signal})`);
  }
}
console.log(`\nresults: ${path.join('test', 'bench', 'out', 'results.json')}`);
process.exitCode = failed ? 1 : 0;
