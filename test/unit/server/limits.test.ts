import * as assert from 'node:assert/strict';
import { defaultLimits, RateBucket, resolveLimits } from '../../../src/server/limits';

describe('server: rate bucket', () => {
  it('allows a burst, then asks the sender to wait in proportion to the debt', () => {
    let clock = 0;
    const bucket = new RateBucket(10, 5, () => clock);
    for (let i = 0; i < 5; i++) assert.equal(bucket.take(1), 0, `message ${i} is within the burst`);
    assert.equal(bucket.take(1), 100, 'one message past the burst waits 1/10 s');
    assert.equal(bucket.take(1), 200);
    clock += 200;
    assert.equal(bucket.waitMs(), 0, 'the debt is paid after the wait');
    assert.equal(bucket.take(1), 100);
  });

  it('takes an oversized amount whole and charges it as debt', () => {
    let clock = 0;
    const bucket = new RateBucket(1000, 1000, () => clock);
    assert.equal(bucket.take(3000), 2000, 'two seconds of debt at 1000/s');
    clock += 1000;
    assert.equal(bucket.waitMs(), 1000);
    assert.equal(bucket.has(1), false);
    clock += 1010;
    assert.equal(bucket.has(1), true);
  });

  it('never refills past its capacity', () => {
    let clock = 0;
    const bucket = new RateBucket(10, 3, () => clock);
    clock += 60_000;
    assert.equal(bucket.take(3), 0);
    assert.ok(bucket.take(1) > 0);
  });
});

describe('server: limit settings', () => {
  it('fills in defaults and keeps overrides', () => {
    const limits = resolveLimits({ maxMessageBytes: 1024 });
    assert.equal(limits.maxMessageBytes, 1024);
    assert.equal(limits.messagesPerSecond, defaultLimits.messagesPerSecond);
    assert.equal(resolveLimits().maxMessageBytes, 16 * 1024 * 1024, 'the issue asks for 16 MiB by default');
  });

  it('refuses nonsense with the name of the limit', () => {
    assert.throws(() => resolveLimits({ maxRooms: 0 }), /maxRooms/);
    assert.throws(() => resolveLimits({ bytesPerSecond: -1 }), /bytesPerSecond/);
    assert.throws(() => resolveLimits({ heartbeatMs: NaN }), /heartbeatMs/);
    assert.throws(() => resolveLimits({ bogus: 1 } as never), /unknown limit "bogus"/);
  });
});
