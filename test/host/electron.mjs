// `npm run test:electron`: the same integration suites in desktop VS Code 1.100.3 through
// @vscode/test-electron, for machines that can download VS Code (it caches it in .vscode-test/).
// Offline machines use code-server instead (`npm test`).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@vscode/test-electron';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const build = spawnSync(process.execPath, [path.join(repoRoot, 'esbuild.js'), '--tests'], {
  stdio: 'inherit',
});
if (build.status !== 0) process.exit(build.status ?? 1);

const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-electron-'));
const folder = path.join(stateDir, 'workspace');
fs.cpSync(path.join(repoRoot, 'test', 'fixtures', 'workspace'), folder, { recursive: true });
const statsFile = path.join(stateDir, 'stats.json');

try {
  await runTests({
    version: process.env.TANDEM_VSCODE_VERSION ?? '1.100.3',
    extensionDevelopmentPath: repoRoot,
    extensionTestsPath: path.join(repoRoot, 'out', 'test', 'integration', 'index.js'),
    launchArgs: [
      folder,
      '--disable-extensions',
      '--disable-workspace-trust',
      '--user-data-dir',
      path.join(stateDir, 'user-data'),
    ],
    extensionTestsEnv: {
      TANDEM_TEST_STATS: statsFile,
      TANDEM_TEST_PROGRESS: path.join(stateDir, 'progress.log'),
    },
  });
} catch (error) {
  console.error(`The desktop VS Code host failed: ${error.message ?? error}`);
  console.error(
    'It downloads VS Code on first use; without internet access use `npm test` (code-server host).',
  );
}
const progress = path.join(stateDir, 'progress.log');
if (fs.existsSync(progress)) process.stdout.write(fs.readFileSync(progress, 'utf8'));
const stats = fs.existsSync(statsFile)
  ? JSON.parse(fs.readFileSync(statsFile, 'utf8'))
  : { passed: 0, failed: 1 };
console.log(`${stats.passed} passed, ${stats.failed} failed`);
fs.rmSync(stateDir, { recursive: true, force: true });
process.exitCode = stats.failed > 0 || stats.passed === 0 ? 1 : 0;
