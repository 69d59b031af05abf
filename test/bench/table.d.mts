// Types of table.mjs (plain JavaScript so that run.mjs can use it before anything is built).
export type Bound = number | { key: string; times?: number; plus?: number };
export interface TargetSpec {
  target?: ['<' | '<=' | '>' | '>=' | '==', Bound];
  baseline?: string;
}
export type Results = Record<string, Record<string, unknown>>;
export interface BenchRow {
  suite: string;
  name: string;
  value: unknown;
  target: string;
  met: '' | 'yes' | 'NO' | '?';
  baseline: string;
}
export function benchRows(results: Results, targets: Record<string, TargetSpec | string>): BenchRow[];
export function benchTable(
  results: Results,
  targets: Record<string, TargetSpec | string>,
  suitesRun: string[],
): string;
export function historyRecord(input: {
  results: Results;
  suites: Record<string, number>;
  startedAt: Date;
  machineAtStart: { loadavg: number[]; freemem_mb: number };
  failed: number;
  code?: { commit: string; modified: boolean };
}): {
  code?: { commit: string; modified: boolean };
  started: string;
  finished: string;
  machine: { cores: number; node: string; loadavg_start: number[]; loadavg_end: number[] };
  results: Results;
};
