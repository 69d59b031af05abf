// A short slice of `npm run reliability` (test/reliability) for `npm test`: two kill -9 runs under
// typing, and a few thousand hostile frames. The full suite runs ten kills and 100,000 frames.
import * as assert from 'node:assert/strict';
import { runBadInput } from '../../reliability/badInput';
import { runFaults } from '../../reliability/faults';

describe('server reliability (short slice of npm run reliability)', function () {
  this.timeout(60_000);
  const log = () => undefined;

  it('loses and duplicates no keystroke across kill -9 runs, destroyed sockets and stalled readers', async () => {
    const result = await runFaults({ kills: 2, rooms: 2, clientsPerRoom: 3, typingMs: 600, log });
    assert.ok(result.typed > 100, `typed ${result.typed} keystrokes`);
    assert.equal(result.converged, true);
    assert.equal(result.updatesLost, 0);
    assert.equal(result.duplicatedUpdates, 0);
  });

  it('survives hostile frames with its documented answers, serving the honest room and storing no garbage', async () => {
    const result = await runBadInput({ frames: 4000, concurrency: 3, log });
    assert.ok(result.badFramesSent >= 4000);
    assert.deepEqual(result.unexpectedAnswers, {}, JSON.stringify(result.answers));
    assert.equal(result.serverCrashes, 0);
    assert.equal(result.garbagePersisted, 0);
    assert.equal(result.honestConverged, true, `${result.honestDelivered} of ${result.honestTyped}`);
  });
});
