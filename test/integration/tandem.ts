import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TandemApi } from '../../src/extension';

/** The running Tandem extension's API (activating it if needed). */
export async function tandem(): Promise<TandemApi> {
  const extension = vscode.extensions.getExtension<TandemApi>('tandem.tandem');
  assert.ok(extension, 'the Tandem extension is installed in this host');
  return extension.isActive ? extension.exports : extension.activate();
}

/** Tandem's package.json as the host loaded it (its commands, keybindings, settings). */
export function tandemManifest() {
  const extension = vscode.extensions.getExtension('tandem.tandem');
  assert.ok(extension, 'the Tandem extension is installed in this host');
  return JSON.parse(fs.readFileSync(path.join(extension.extensionPath, 'package.json'), 'utf8'));
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `check` holds, failing the test with `what` after `timeoutMs`. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
