import * as assert from 'node:assert/strict';
import { TriggerPolicy } from '../../../src/completion/triggerPolicy';

/** A policy on a clock the test moves by hand. */
function policyAt() {
  let now = 0;
  const policy = new TriggerPolicy({}, () => now);
  return { policy, advance: (ms: number) => (now += ms) };
}

describe('completion trigger policy', () => {
  it('requests at once at the start of a line, after an acceptance, and when asked explicitly', () => {
    const { policy } = policyAt();
    assert.deepEqual(policy.decide({ explicit: false, linePrefix: '    ' }), {
      reason: 'line-start',
      delayMs: 0,
    });
    assert.deepEqual(policy.decide({ explicit: true, linePrefix: 'const x' }), {
      reason: 'explicit',
      delayMs: 0,
    });
    policy.recordAccepted();
    assert.deepEqual(policy.decide({ explicit: false, linePrefix: 'const x' }), {
      reason: 'after-accept',
      delayMs: 0,
    });
    // Only the first request after the acceptance skips the wait.
    assert.equal(policy.decide({ explicit: false, linePrefix: 'const x' }).reason, 'typing');
  });

  it('waits the base delay while typing in the middle of a line', () => {
    const { policy } = policyAt();
    assert.deepEqual(policy.decide({ explicit: false, linePrefix: 'return a +' }), {
      reason: 'typing',
      delayMs: 60,
    });
  });

  it('waits longer after rejections, Escape counting more than typing over', () => {
    const escaped = policyAt().policy;
    const typedOver = policyAt().policy;
    escaped.recordRejected('explicit');
    typedOver.recordRejected('implicit');
    assert.equal(escaped.currentDelayMs(), 90);
    assert.equal(typedOver.currentDelayMs(), 69);
    escaped.recordRejected('explicit');
    assert.equal(escaped.currentDelayMs(), 135);
  });

  it('waits less after acceptances, never below the floor', () => {
    const { policy } = policyAt();
    policy.recordAccepted();
    assert.equal(policy.currentDelayMs(), 48);
    for (let i = 0; i < 20; i++) policy.recordAccepted();
    assert.equal(policy.currentDelayMs(), 25);
  });

  it('never waits past the ceiling, and recovers as fast as the clamp allows', () => {
    const { policy } = policyAt();
    for (let i = 0; i < 40; i++) policy.recordRejected('explicit');
    assert.equal(policy.currentDelayMs(), 1500);
    // Forty rejections do not need forty acceptances to undo: the factor is kept within the clamp.
    for (let i = 0; i < 15; i++) policy.recordAccepted();
    assert.ok(policy.currentDelayMs() < 60, `delay ${policy.currentDelayMs()}`);
  });

  it('forgets what it learned over about ten minutes', () => {
    const { policy, advance } = policyAt();
    for (let i = 0; i < 5; i++) policy.recordRejected('explicit');
    const learned = policy.currentDelayMs();
    assert.equal(learned, 456);
    advance(10 * 60_000);
    const later = policy.currentDelayMs();
    assert.ok(later < learned && later > 60, `after 10 min: ${later}`);
    advance(60 * 60_000);
    assert.equal(policy.currentDelayMs(), 60);
  });

  it('pauses automatic requests after failures, doubling, until one succeeds; explicit requests still go', () => {
    const { policy, advance } = policyAt();
    const typing = { explicit: false, linePrefix: 'const x = ' };
    policy.recordFailure();
    assert.equal(policy.decide(typing).paused, true);
    assert.equal(policy.decide({ explicit: true, linePrefix: 'const x = ' }).paused, undefined);
    advance(2001);
    assert.equal(policy.decide(typing).paused, undefined, 'after 2 s');
    policy.recordFailure();
    advance(2001);
    assert.equal(policy.decide(typing).paused, true, 'the second failure in a row pauses 4 s');
    advance(2000);
    assert.equal(policy.decide(typing).paused, undefined);
    policy.recordFailure(30_000); // the server asked to wait (429 Retry-After)
    advance(29_000);
    assert.equal(policy.decide(typing).paused, true);
    policy.recordSuccess();
    assert.equal(policy.decide(typing).paused, undefined);
  });
});
