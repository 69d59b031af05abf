import * as assert from 'node:assert/strict';
import {
  buildInviteLink,
  describeExpiry,
  parseInviteLink,
  readTokenClaims,
} from '../../../src/collab/invite';
import { signToken } from '../../../src/server/token';

describe('collab invite links', () => {
  const token = signToken('a-secret-long-enough', {
    room: 'room-1',
    role: 'ro',
    name: 'guest',
    exp: 2_000_000_000_000,
  });

  it('round-trips a link and reads the role and expiry from the token', () => {
    const link = buildInviteLink({ serverUrl: 'ws://192.168.1.5:41234', room: 'room-1', token });
    assert.match(link, /^vscode:\/\/tandem\.tandem\/join\?/);
    assert.deepEqual(parseInviteLink(`  ${link}\n`), {
      serverUrl: 'ws://192.168.1.5:41234',
      room: 'room-1',
      token,
    });
    assert.deepEqual(readTokenClaims(token), {
      room: 'room-1',
      role: 'ro',
      name: 'guest',
      exp: 2_000_000_000_000,
    });
  });

  it('accepts another editor’s scheme and a plain server URL', () => {
    const link = buildInviteLink(
      { serverUrl: 'wss://collab.example.com', room: 'r', token: 't' },
      'code-oss',
    );
    assert.equal(parseInviteLink(link).serverUrl, 'wss://collab.example.com');
    assert.deepEqual(parseInviteLink('ws://127.0.0.1:1234/team%20room?token=abc'), {
      serverUrl: 'ws://127.0.0.1:1234',
      room: 'team room',
      token: 'abc',
    });
  });

  it('explains what is wrong with a bad link', () => {
    assert.throws(() => parseInviteLink(''), /empty/);
    assert.throws(() => parseInviteLink('hello'), /not an invite link/);
    assert.throws(() => parseInviteLink('https://example.com/join?server=ws://x'), /not a Tandem invite/);
    assert.throws(() => parseInviteLink('vscode://tandem.tandem/join?room=r&token=t'), /no valid server/);
    assert.throws(
      () => parseInviteLink('vscode://tandem.tandem/join?server=ws%3A%2F%2Fh%3A1&token=t'),
      /no room/,
    );
    assert.equal(readTokenClaims('garbage'), undefined);
  });

  it('describes expiry in words', () => {
    assert.equal(describeExpiry(3 * 3_600_000, 0), 'in 3 hours');
    assert.equal(describeExpiry(0, 5 * 60_000), '5 minutes ago');
    assert.equal(describeExpiry(7 * 86_400_000, 0), 'in 7 days');
  });
});
