// Runs inside the VS Code extension host (code-server or test-electron): loads every
// out/test/integration/**/*.test.js into Mocha and writes the counts where the launcher looks.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';
import * as vscode from 'vscode';

function testFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(full);
    return entry.name.endsWith('.test.js') ? [full] : [];
  });
}

export async function run(): Promise<void> {
  const statsFile =
    process.env.TANDEM_TEST_STATS ?? path.resolve(__dirname, '..', '.results', 'integration.json');
  const progressFile = process.env.TANDEM_TEST_PROGRESS ?? `${statsFile}.progress`;
  const grep = process.env.TANDEM_TEST_GREP;
  const mocha = new Mocha({
    ui: 'bdd',
    color: false,
    timeout: 30_000,
    grep: grep ? new RegExp(grep) : undefined,
    reporter: require('../support/reporter.cjs'),
    reporterOptions: {
      statsFile,
      progressFile,
      meta: { vscodeVersion: vscode.version, appName: vscode.env.appName, node: process.version },
    },
  });
  for (const file of testFiles(__dirname).sort()) mocha.addFile(file);
  // Next-edit suggestions ask the model after every document change, programmatic ones included:
  // off for every suite but its own, so other suites' model servers see only the requests they expect.
  await vscode.workspace
    .getConfiguration('tandem')
    .update('nextEdit.enabled', false, vscode.ConfigurationTarget.Global);
  fs.appendFileSync(
    progressFile,
    `Running in ${vscode.env.appName} ${vscode.version} (Node ${process.version})\n`,
  );
  await new Promise<void>((resolve, reject) => {
    try {
      mocha.run((failures) =>
        failures > 0 ? reject(new Error(`${failures} integration tests failed`)) : resolve(),
      );
    } catch (error) {
      reject(error);
    }
  });
}
