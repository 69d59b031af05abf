import * as assert from 'node:assert/strict';
import { parseDuration, signToken, type TokenClaims, verifyToken } from '../../../src/server/token';

const secret = 'unit-secret-0123456789abcdef';
const now = 1_800_000_000_000;
const claims: TokenClaims = { room: 'notes/plan.md', role: 'rw', name: 'Ada', exp: now + 60_000 };

/** Re-encodes the payload with one field changed, keeping the original signature. */
function tamper(token: string, change: Record<string, unknown>): string {
  const [payload, signature] = token.split('.');
  const body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  return `${Buffer.from(JSON.stringify({ ...body, ...change })).toString('base64url')}.${signature}`;
}

describe('server: room tokens', () => {
  it('verifies a token it signed and returns its claims', () => {
    const check = verifyToken(secret, signToken(secret, claims), now);
    assert.deepEqual(check, { ok: true, claims });
  });

  for (const [field, value] of [
    ['room', 'other-room'],
    ['role', 'ro'],
    ['name', 'Mallory'],
    ['exp', now + 3_600_000],
  ] as const) {
    it(`refuses a token whose ${field} was changed after signing`, () => {
      const token = signToken(secret, claims);
      assert.deepEqual(verifyToken(secret, tamper(token, { [field]: value }), now), {
        ok: false,
        reason: 'forged',
      });
    });
  }

  it('refuses a token signed with another secret', () => {
    const token = signToken('another-secret-0123456789', claims);
    assert.deepEqual(verifyToken(secret, token, now), { ok: false, reason: 'forged' });
  });

  it('refuses a truncated or altered signature', () => {
    const token = signToken(secret, claims);
    assert.equal(verifyToken(secret, token.slice(0, -2), now).ok, false);
    const last = token.at(-1) === 'A' ? 'B' : 'A';
    assert.deepEqual(verifyToken(secret, token.slice(0, -1) + last, now), { ok: false, reason: 'forged' });
  });

  it('is valid until the millisecond before its expiry and expired from that millisecond on', () => {
    const token = signToken(secret, claims);
    assert.equal(verifyToken(secret, token, claims.exp - 1).ok, true);
    assert.deepEqual(verifyToken(secret, token, claims.exp), { ok: false, reason: 'expired' });
    assert.deepEqual(verifyToken(secret, token, claims.exp + 1), { ok: false, reason: 'expired' });
  });

  it('checks the signature before the expiry, so a forged token never reads as merely expired', () => {
    const token = tamper(signToken(secret, { ...claims, exp: now - 1 }), { name: 'x' });
    assert.deepEqual(verifyToken(secret, token, now), { ok: false, reason: 'forged' });
  });

  it('reports a missing token', () => {
    assert.deepEqual(verifyToken(secret, undefined, now), { ok: false, reason: 'missing' });
    assert.deepEqual(verifyToken(secret, null, now), { ok: false, reason: 'missing' });
    assert.deepEqual(verifyToken(secret, '', now), { ok: false, reason: 'missing' });
  });

  it('reports malformed tokens', () => {
    for (const token of ['abc', 'a.b.c', 'a b.c', '.sig', 'x'.repeat(5000)])
      assert.deepEqual(verifyToken(secret, token, now), { ok: false, reason: 'malformed' }, token);
  });

  it('refuses a correctly signed payload of the wrong shape', async () => {
    const { createHmac } = await import('node:crypto');
    const sign = (body: unknown) => {
      const payload = Buffer.from(JSON.stringify(body)).toString('base64url');
      return `${payload}.${createHmac('sha256', secret).update(payload).digest('base64url')}`;
    };
    const good = { v: 1, room: 'r', role: 'rw', name: '', exp: now + 1000 };
    assert.equal(verifyToken(secret, sign(good), now).ok, true, 'the hand-signed control token is valid');
    for (const bad of [
      { ...good, v: 2 },
      { ...good, role: 'admin' },
      { ...good, room: '' },
      { ...good, exp: 'tomorrow' },
      { ...good, name: 7 },
      [good],
      'text',
    ])
      assert.deepEqual(
        verifyToken(secret, sign(bad), now),
        { ok: false, reason: 'malformed' },
        JSON.stringify(bad),
      );
  });

  it('never verifies anything with an empty secret', () => {
    const token = signToken(secret, claims);
    assert.equal(verifyToken('', token, now).ok, false);
    assert.throws(() => signToken('', claims), /secret/);
  });

  it('refuses to sign claims a server would refuse', () => {
    assert.throws(() => signToken(secret, { ...claims, room: '' }), /room/);
    assert.throws(() => signToken(secret, { ...claims, role: 'admin' as 'rw' }), /role/);
    assert.throws(() => signToken(secret, { ...claims, name: 'n'.repeat(200) }), /name/);
    assert.throws(() => signToken(secret, { ...claims, exp: NaN }), /expiry/);
  });
});

describe('server: durations', () => {
  it('parses units and combinations', () => {
    assert.equal(parseDuration('1500ms'), 1500);
    assert.equal(parseDuration('90s'), 90_000);
    assert.equal(parseDuration('30m'), 1_800_000);
    assert.equal(parseDuration('24h'), 86_400_000);
    assert.equal(parseDuration('7d'), 604_800_000);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('0.5s'), 500);
  });

  it('refuses numbers without a unit and other text', () => {
    for (const text of ['24', '', 'h', '24 h', '-5m', '0s', '5x', '3h garbage'])
      assert.throws(() => parseDuration(text), /not a duration/, text);
  });
});
