import * as assert from 'node:assert/strict';
import { benchRows, benchTable, historyRecord } from '../../bench/table.mjs';

describe('bench table', () => {
  const results = {
    completion: { pause_ms: 180, baseline_pause_ms: 350, requests: 6, baseline_requests: 7, note: 'x' },
    newsuite: { figure: 3 },
  };
  const targets = {
    _about: 'ignored',
    'completion.pause_ms': {
      target: ['<=', { key: 'completion.baseline_pause_ms', plus: -150 }],
      baseline: 'completion.baseline_pause_ms',
    },
    'completion.requests': { target: ['<=', { key: 'completion.baseline_requests', times: 0.5 }] },
  } as const;

  it('checks targets against figures of the same run, and lists every figure of every suite', () => {
    const rows = benchRows(results, targets as never);
    const byName = new Map(rows.map((row) => [`${row.suite}.${row.name}`, row]));
    assert.equal(rows.length, 6);
    assert.equal(byName.get('completion.pause_ms')?.met, 'yes');
    assert.equal(byName.get('completion.pause_ms')?.baseline, '350 (baseline_pause_ms)');
    assert.match(byName.get('completion.pause_ms')!.target, /≤ completion\.baseline_pause_ms − 150 \(200\)/);
    assert.equal(byName.get('completion.requests')?.met, 'NO');
    assert.equal(byName.get('newsuite.figure')?.target, '');
    assert.equal(byName.get('newsuite.figure')?.met, '');
  });

  it('marks a target whose bound is missing from the results as unknown, not met', () => {
    const rows = benchRows({ a: { x: 1 } }, { 'a.x': { target: ['<', { key: 'b.y' }] } });
    assert.equal(rows[0].met, '?');
  });

  it('prints one line per figure, marks suites from an earlier run and counts misses', () => {
    const table = benchTable(results, targets as never, ['completion']);
    const lines = table.split('\n');
    assert.ok(lines.some((line) => line.startsWith('newsuite*')));
    assert.ok(lines.some((line) => /^completion\s+requests\s+6\s+.*NO/.test(line)));
    assert.match(table, /6 figures, 2 with a target, 1 missed\. \* = from an earlier run/);
  });

  it('records the machine with the results', () => {
    const input = {
      results,
      suites: { completion: 1 },
      startedAt: new Date('2026-01-01T00:00:00Z'),
      machineAtStart: { loadavg: [1.234, 2, 3], freemem_mb: 100 },
      failed: 0,
    };
    const record = historyRecord(input);
    assert.equal(record.started, '2026-01-01T00:00:00.000Z');
    assert.ok(record.machine.cores >= 1);
    assert.equal(record.machine.node, process.version);
    assert.deepEqual(record.machine.loadavg_start, [1.23, 2, 3]);
    assert.equal(record.results, results);
    assert.equal(record.code, undefined, 'a record run outside Git names no commit');
    const code = { commit: 'a'.repeat(40), modified: true };
    assert.deepEqual(historyRecord({ ...input, code }).code, code);
  });
});
