import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TandemApi } from '../../src/extension';

/** The running Tandem extension's API (activating it if needed). */
export async function tandem(): Promise<TandemApi> {
  const extension = vscode.extensions.getExtension<TandemApi>('tandem.tandem');
  assert.ok(extension, 'the Tandem extension is installed in this host');
  return extension.isActive ? extension.exports : extension.activate();
}
