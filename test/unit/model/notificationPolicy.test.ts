import * as assert from 'node:assert/strict';
import { NOTIFY_EVERY_MS, NotificationPolicy } from '../../../src/model/notificationPolicy';

describe('when a failed model request becomes a notification', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => (now = 1_000_000));

  it('shows a background failure once per kind and server, however long the user keeps typing', () => {
    const policy = new NotificationPolicy(clock);
    const refused = { kind: 'unreachable' as const, url: 'http://127.0.0.1:11434/v1', background: true };
    assert.equal(policy.shouldShow(refused), true);
    for (let minute = 1; minute <= 10; minute++) {
      now += 60_000;
      assert.equal(policy.shouldShow(refused), false, `minute ${minute}`);
    }
    // Another server, or another kind of failure, is news.
    assert.equal(policy.shouldShow({ ...refused, url: 'http://127.0.0.1:1234/v1' }), true);
    assert.equal(policy.shouldShow({ ...refused, kind: 'auth' }), true);
  });

  it('tells a background failure again once a request has succeeded in between', () => {
    const policy = new NotificationPolicy(clock);
    const refused = { kind: 'unreachable' as const, url: 'http://127.0.0.1:11434/v1', background: true };
    assert.equal(policy.shouldShow(refused), true);
    policy.succeeded();
    assert.equal(policy.shouldShow(refused), true);
  });

  it('shows a failure the user asked for at most once per kind every 30 s', () => {
    const policy = new NotificationPolicy(clock);
    const failure = { kind: 'server' as const, url: 'http://x/v1' };
    assert.equal(policy.shouldShow(failure), true);
    now += NOTIFY_EVERY_MS - 1;
    assert.equal(policy.shouldShow(failure), false);
    now += 1;
    assert.equal(policy.shouldShow(failure), true);
    assert.equal(policy.shouldShow({ kind: 'auth', url: 'http://x/v1' }), true);
  });
});
