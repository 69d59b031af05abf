// Benchmarks write their figures into test/bench/out/results.json: one object per suite; writing one
// suite replaces only that suite's entry.
import * as fs from 'node:fs';
import * as path from 'node:path';

export const resultsFile = path.resolve(__dirname, '..', '..', '..', 'test', 'bench', 'out', 'results.json');

export function writeSuiteResult(suite: string, figures: Record<string, unknown>): void {
  fs.mkdirSync(path.dirname(resultsFile), { recursive: true });
  let all: Record<string, unknown> = {};
  if (fs.existsSync(resultsFile)) {
    try {
      all = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
    } catch {
      all = {};
    }
  }
  all[suite] = figures;
  fs.writeFileSync(resultsFile, JSON.stringify(all, null, 2) + '\n');
  console.log(`${suite}: ${JSON.stringify(figures)}`);
}

/** The q-quantile (0..1) of samples, by nearest rank. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

/** Rounds a figure for the results file. */
export function round(value: number, digits = 3): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
