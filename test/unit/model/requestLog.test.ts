import * as assert from 'node:assert/strict';
import { formatRequestLog, latencyOf, RequestLog } from '../../../src/model';

const start = (log: RequestLog, prompt: string) =>
  log.start({
    endpoint: 'completions',
    baseUrl: 'http://127.0.0.1:1/v1',
    model: 'm',
    stream: true,
    sent: { prompt },
  });

describe('request log', () => {
  it('keeps at most `capacity` records, newest first', () => {
    const log = new RequestLog({ capacity: 3 });
    for (let i = 0; i < 5; i++) start(log, `p${i}`);
    assert.equal(log.size, 3);
    assert.deepEqual(
      log.list().map((record) => record.sent?.prompt),
      ['p4', 'p3', 'p2'],
    );
    assert.equal(log.get(1), undefined, 'the oldest left the ring');
  });

  it('drops the text of the oldest records past its budget, never their times', () => {
    const log = new RequestLog({ capacity: 10, contentBudgetChars: 25 });
    const first = start(log, 'x'.repeat(10));
    log.finish(first, 'y'.repeat(5));
    const second = start(log, 'z'.repeat(10));
    assert.equal(first.contentDropped, undefined, '25 characters fit');
    const third = start(log, 'w'.repeat(10));
    assert.equal(first.contentDropped, true);
    assert.equal(first.sent, undefined);
    assert.equal(first.received, undefined);
    assert.ok(first.doneAt !== undefined);
    assert.equal(second.sent?.prompt, 'z'.repeat(10));
    assert.equal(third.sent?.prompt, 'w'.repeat(10));
  });

  it('keeps no text at all when keepContent is false, and drops what it had', () => {
    const log = new RequestLog();
    const before = start(log, 'secret-ish prompt');
    log.keepContent = false;
    assert.equal(before.sent, undefined);
    assert.equal(before.contentDropped, true);
    const after = start(log, 'another prompt');
    log.finish(after, 'an answer');
    assert.equal(after.sent, undefined);
    assert.equal(after.received, undefined);
    assert.doesNotMatch(formatRequestLog(log.list()), /secret-ish|another prompt|an answer/);
    log.keepContent = true;
    assert.equal(start(log, 'kept again').sent?.prompt, 'kept again');
  });

  it('lets the trust gate attach sources, redactions and exclusions to a record', () => {
    const log = new RequestLog();
    const record = start(log, 'const key = <secret-1>;');
    const seen: number[] = [];
    const subscription = log.onDidChange((changed) => seen.push(changed.id));
    assert.equal(
      log.attach(record.id, { sources: [{ path: 'src/a.ts', range: { startLine: 4, endLine: 9 } }] }),
      true,
    );
    assert.equal(
      log.attach(record.id, {
        redactions: [{ placeholder: '<secret-1>', kind: 'api-key' }],
        excluded: ['.env'],
      }),
      true,
    );
    subscription.dispose();
    assert.deepEqual(seen, [record.id, record.id]);
    assert.deepEqual(record.attachment, {
      sources: [{ path: 'src/a.ts', range: { startLine: 4, endLine: 9 } }],
      redactions: [{ placeholder: '<secret-1>', kind: 'api-key' }],
      excluded: ['.env'],
    });
    assert.equal(log.attach(999, { notes: ['x'] }), false);
    const text = formatRequestLog(log.list());
    assert.match(text, /sent from: src\/a\.ts lines 5–9/);
    assert.match(text, /redacted: api-key → `<secret-1>`/);
    assert.match(text, /excluded by ignore rules: \.env/);
    assert.match(text, /const key = <secret-1>;/);
  });

  it('breaks latency into wait, headers, first token and total', () => {
    const log = new RequestLog();
    const record = start(log, 'p');
    record.queuedAt = 100;
    record.sentAt = 102;
    record.headersAt = 150;
    record.firstTokenAt = 180;
    record.doneAt = 400;
    assert.deepEqual(latencyOf(record), { waitMs: 2, headersMs: 48, firstTokenMs: 78, totalMs: 300 });
    record.outcome = 'ok';
    record.tokens = { input: 12, output: 30, source: 'counted' };
    const text = formatRequestLog([record]);
    assert.match(
      text,
      /\| 1 \| [\d:.]+ \| — \| completions \| m \| 2 ms \| 48 ms \| 78 ms \| 300 ms \| ≈12→≈30 \| ok \|/,
    );
  });

  it('shows sent text verbatim even when it contains backtick fences', () => {
    const log = new RequestLog();
    start(log, 'before\n```ts\ncode\n```\nafter');
    assert.match(formatRequestLog(log.list()), /````text\nbefore\n```ts\ncode\n```\nafter\n````/);
  });
});
