import * as assert from 'node:assert/strict';
import { tokenName } from '../../../src/collab/session';
import { signToken } from '../../../src/server/token';

describe('collab: the name a participant signs with', () => {
  it("reads the name the server will stamp from the participant's own token, and nothing from a bad one", () => {
    const exp = Date.now() + 60_000;
    assert.equal(tokenName(signToken('s3cret', { room: 'r1', role: 'rw', name: 'Bob', exp })), 'Bob');
    assert.equal(tokenName(signToken('s3cret', { room: 'r1', role: 'rw', name: '', exp })), '');
    for (const bad of [undefined, '', 'not-base64!.x', `${Buffer.from('[1]').toString('base64url')}.sig`])
      assert.equal(tokenName(bad), '', String(bad));
  });
});
