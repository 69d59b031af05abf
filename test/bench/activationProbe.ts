// Loaded as the "tests" module inside the extension host by activation.bench.ts: reports how long
// Tandem's activate() took in this host.
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { TandemApi } from '../../src/extension';

export async function run(): Promise<void> {
  const extension = vscode.extensions.getExtension<TandemApi>('tandem.tandem');
  if (!extension) throw new Error('Tandem is not loaded in this host');
  const api = extension.isActive ? extension.exports : await extension.activate();
  const out = process.env.TANDEM_BENCH_PROBE;
  if (!out) throw new Error('TANDEM_BENCH_PROBE is not set');
  fs.writeFileSync(out, JSON.stringify({ activateMs: api.activateMs, vscodeVersion: vscode.version }));
}
