// The table `npm run bench` prints, and the record it keeps in test/bench/history/: every figure in
// results.json, whichever suites wrote them, with the target and baseline test/bench/targets.json
// gives it (a figure it does not list is shown with neither).
import os from 'node:os';

const round = (value) => (typeof value === 'number' ? Math.round(value * 1000) / 1000 : value);

function lookup(results, key) {
  const dot = key.indexOf('.');
  return results[key.slice(0, dot)]?.[key.slice(dot + 1)];
}

/** The bound of a target, as a number from this run's figures and as text. */
function bound(results, spec) {
  if (typeof spec === 'number') return { value: spec, text: String(spec) };
  const other = lookup(results, spec.key);
  let value = typeof other === 'number' ? other : NaN;
  let text = spec.key;
  if (spec.times !== undefined) {
    value *= spec.times;
    text = `${spec.times} × ${text}`;
  }
  if (spec.plus !== undefined) {
    value += spec.plus;
    text = `${text} ${spec.plus < 0 ? '−' : '+'} ${Math.abs(spec.plus)}`;
  }
  return {
    value,
    text: spec.times !== undefined || spec.plus !== undefined ? `${text} (${round(value)})` : text,
  };
}

const compare = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '==': (a, b) => a === b,
};
const symbol = { '<': '<', '<=': '≤', '>': '>', '>=': '≥', '==': '=' };

/** One row per figure: suite, figure, value, target, whether it is met, baseline. */
export function benchRows(results, targets) {
  const rows = [];
  for (const [suite, figures] of Object.entries(results)) {
    if (!figures || typeof figures !== 'object') continue;
    for (const [name, value] of Object.entries(figures)) {
      const spec = targets[`${suite}.${name}`] ?? {};
      let target = '';
      let met = '';
      if (spec.target) {
        const [op, limit] = spec.target;
        const { value: limitValue, text } = bound(results, limit);
        target = `${symbol[op]} ${text}`;
        met =
          typeof value === 'number' && !Number.isNaN(limitValue)
            ? compare[op](value, limitValue)
              ? 'yes'
              : 'NO'
            : '?';
      }
      const baseline = spec.baseline
        ? `${round(lookup(results, spec.baseline))} (${spec.baseline.split('.')[1]})`
        : '';
      rows.push({ suite, name, value: round(value), target, met, baseline });
    }
  }
  return rows;
}

export function benchTable(results, targets, suitesRun) {
  const rows = benchRows(results, targets);
  const header = ['suite', 'figure', 'value', 'target', 'met', 'baseline (same run)'];
  const cells = rows.map((row) => [
    suitesRun.includes(row.suite) ? row.suite : `${row.suite}*`,
    row.name,
    typeof row.value === 'object' ? JSON.stringify(row.value) : String(row.value),
    row.target,
    row.met,
    row.baseline,
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...cells.map((cell) => cell[i].length)));
  const line = (cols) =>
    cols
      .map((col, i) => col.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  const missed = rows.filter((row) => row.met === 'NO').length;
  return [
    line(header),
    line(widths.map((width) => '─'.repeat(width))),
    ...cells.map(line),
    '',
    `${rows.length} figures, ${rows.filter((row) => row.met).length} with a target, ${missed} missed.` +
      (cells.some((cell) => cell[0].endsWith('*')) ? ' * = from an earlier run (not run now).' : ''),
  ].join('\n');
}

/** What test/bench/history/<date>.json holds: the figures, and the machine and moment they come from. */
export function historyRecord({ results, suites, startedAt, machineAtStart, failed, code }) {
  return {
    ...(code ? { code } : {}),
    started: startedAt.toISOString(),
    finished: new Date().toISOString(),
    suites_run: suites,
    failed_suites: failed,
    machine: {
      cores: os.cpus().length,
      cpu: os.cpus()[0]?.model ?? 'unknown',
      memory_mb: Math.round(os.totalmem() / 2 ** 20),
      free_memory_mb_start: machineAtStart.freemem_mb,
      loadavg_start: machineAtStart.loadavg.map((value) => Math.round(value * 100) / 100),
      loadavg_end: os.loadavg().map((value) => Math.round(value * 100) / 100),
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
    },
    results,
  };
}
