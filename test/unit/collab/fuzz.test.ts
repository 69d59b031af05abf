import * as assert from 'node:assert/strict';
import { runCollabFuzz } from '../../fuzz/collabFuzz';

// The short run of `npm run fuzz` that is part of `npm test`: two seeds against dist/server.js
// (built by `node esbuild.js`, which the test runner's build step does first).
describe('collab fuzz (short run)', function () {
  this.timeout(90_000);

  it('converges without divergence or lost edits on two seeds against the real server', async () => {
    const result = await runCollabFuzz({ seeds: [1001, 1002], editMs: 1500 });
    const details = result.seeds.map(
      (seed) => `seed ${seed.seed}: ${seed.divergence ?? 'ok'}, ${seed.lostEdits} lost`,
    );
    assert.equal(result.divergences, 0, details.join('; '));
    assert.equal(result.lostEdits, 0, details.join('; '));
    assert.ok(
      result.seeds.every((seed) => seed.edits > 20),
      'each seed made edits',
    );
  });
});
