// `npm run bench -- activation`: time spent inside activate() in the real extension host
// (code-server 1.100.3, production bundle), median of several fresh hosts, and the bundle size.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { quantile, round, writeSuiteResult } from './results';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const importHost = (name: string) =>
  new Function('p', 'return import(p)')(path.join(repoRoot, 'test', 'host', name));
const RUNS = Number(process.env.TANDEM_BENCH_ACTIVATION_RUNS ?? 5);

async function measureOnce(): Promise<number> {
  const { startCodeServer } = await importHost('codeServer.mjs');
  const { launchBrowser } = await importHost('browser.mjs');
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-bench-activation-'));
  const folder = path.join(stateDir, 'workspace');
  fs.cpSync(path.join(repoRoot, 'test', 'fixtures', 'workspace'), folder, { recursive: true });
  const probe = path.join(stateDir, 'probe.json');
  const server = await startCodeServer({ folder, stateDir, env: { TANDEM_BENCH_PROBE: probe } });
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    await page.goto(
      server.workbenchUrl({
        extensionDevelopmentPath: repoRoot,
        extensionTestsPath: path.join(repoRoot, 'out', 'test', 'bench', 'activationProbe.js'),
      }),
    );
    const deadline = Date.now() + 120_000;
    while (!fs.existsSync(probe)) {
      if (Date.now() > deadline) throw new Error('the extension host did not report activation in 120 s');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return JSON.parse(fs.readFileSync(probe, 'utf8')).activateMs;
  } finally {
    await browser.close();
    await server.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    samples.push(await measureOnce());
    console.log(`activation run ${i + 1}/${RUNS}: ${samples[i].toFixed(2)} ms`);
  }
  const bundleBytes = fs.statSync(path.join(repoRoot, 'dist', 'extension.js')).size;
  writeSuiteResult('activation', {
    activate_ms: round(quantile(samples, 0.5), 2),
    activate_max_ms: round(Math.max(...samples), 2),
    runs: RUNS,
    bundle_kb: round(bundleBytes / 1024, 1),
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
