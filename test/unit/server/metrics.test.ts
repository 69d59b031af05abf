import * as assert from 'node:assert/strict';
import { Counter, Histogram, ServerMetrics } from '../../../src/server/metrics';

describe('server: metrics text', () => {
  it('renders counters with escaped labels, and zero before the first event', () => {
    const counter = new Counter('tandem_x_total', 'Things.');
    assert.match(
      counter.render(),
      /^# HELP tandem_x_total Things\.\n# TYPE tandem_x_total counter\ntandem_x_total 0$/,
    );
    counter.inc({ reason: 'a "quoted"\nreason' });
    counter.inc({ reason: 'a "quoted"\nreason' }, 2);
    counter.add(5);
    assert.ok(counter.render().includes('tandem_x_total{reason="a \\"quoted\\"\\nreason"} 3'));
    assert.ok(counter.render().includes('tandem_x_total 5'));
  });

  it('renders a histogram with cumulative buckets, sum and count', () => {
    const histogram = new Histogram('tandem_h_seconds', 'Latency.', [0.001, 0.01]);
    for (const value of [0.0005, 0.005, 0.5]) histogram.observe(value);
    const lines = histogram.render().split('\n');
    assert.deepEqual(lines.slice(2), [
      'tandem_h_seconds_bucket{le="0.001"} 1',
      'tandem_h_seconds_bucket{le="0.01"} 2',
      'tandem_h_seconds_bucket{le="+Inf"} 3',
      'tandem_h_seconds_sum 0.5055',
      'tandem_h_seconds_count 3',
    ]);
  });

  it('exposes every family once, with live gauges', () => {
    let connections = 2;
    const metrics = new ServerMetrics({ connections: () => connections, roomsLoaded: () => 1 });
    connections = 7;
    const text = metrics.render();
    assert.match(text, /^tandem_connections 7$/m);
    assert.match(text, /^tandem_rooms_loaded 1$/m);
    const types = text.split('\n').filter((line) => line.startsWith('# TYPE '));
    assert.equal(new Set(types).size, types.length, 'no family is declared twice');
    assert.ok(text.endsWith('\n'));
  });
});
