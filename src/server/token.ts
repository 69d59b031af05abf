// Room tokens: `<payload>.<signature>`, both base64url. The payload is JSON naming the room, the role,
// the display name and the expiry (ms since the epoch); the signature is HMAC-SHA256 over the encoded
// payload, so changing any of those fields (or signing with another secret) makes the token invalid.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** `host` may also write the session's host-only state and remove participants; `ro` may not edit. */
export type CollabRole = 'host' | 'rw' | 'ro';

export function isCollabRole(value: unknown): value is CollabRole {
  return value === 'host' || value === 'rw' || value === 'ro';
}

export interface TokenClaims {
  readonly room: string;
  readonly role: CollabRole;
  readonly name: string;
  /** Expiry, ms since the epoch: the token is valid while `now < exp`. */
  readonly exp: number;
}

export type TokenCheck =
  | { readonly ok: true; readonly claims: TokenClaims }
  | { readonly ok: false; readonly reason: 'missing' | 'malformed' | 'forged' | 'expired' };

const TOKEN_VERSION = 1;
/** Longest display name a token may carry; names are shown to peers, not used for access. */
export const MAX_TOKEN_NAME_LENGTH = 128;
export const MAX_ROOM_NAME_LENGTH = 512;
/** Tokens longer than this are refused unparsed (a room name and a name fit easily). */
const MAX_TOKEN_LENGTH = 4096;

function hmac(secret: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(payload).digest();
}

function requireSecret(secret: string): void {
  if (typeof secret !== 'string' || secret.length === 0) throw new Error('a token secret must not be empty');
}

/** Signs claims into a token. Throws on claims a server would refuse anyway. */
export function signToken(secret: string, claims: TokenClaims): string {
  requireSecret(secret);
  if (
    typeof claims.room !== 'string' ||
    claims.room.length === 0 ||
    claims.room.length > MAX_ROOM_NAME_LENGTH
  )
    throw new Error(`token room must be 1-${MAX_ROOM_NAME_LENGTH} characters`);
  if (!isCollabRole(claims.role)) throw new Error(`token role must be "host", "rw" or "ro"`);
  if (typeof claims.name !== 'string' || claims.name.length > MAX_TOKEN_NAME_LENGTH)
    throw new Error(`token name must be at most ${MAX_TOKEN_NAME_LENGTH} characters`);
  if (!Number.isFinite(claims.exp)) throw new Error('token expiry must be a finite time');
  const body = { v: TOKEN_VERSION, room: claims.room, role: claims.role, name: claims.name, exp: claims.exp };
  const payload = Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
  return `${payload}.${hmac(secret, payload).toString('base64url')}`;
}

/** Checks a token's signature, shape and expiry. Never throws. */
export function verifyToken(secret: string, token: string | null | undefined, now = Date.now()): TokenCheck {
  if (token == null || token === '') return { ok: false, reason: 'missing' };
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'malformed' };
  const parts = token.split('.');
  if (parts.length !== 2 || !/^[A-Za-z0-9_-]+$/.test(parts[0]) || !/^[A-Za-z0-9_-]+$/.test(parts[1]))
    return { ok: false, reason: 'malformed' };
  const [payload, signature] = parts;
  if (!secret) return { ok: false, reason: 'forged' };
  const expected = hmac(secret, payload);
  const given = Buffer.from(signature, 'base64url');
  // Compare in constant time; a wrong length is already a mismatch.
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'forged' };
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const claims = body as Partial<TokenClaims> & { v?: unknown };
  if (
    typeof body !== 'object' ||
    body === null ||
    claims.v !== TOKEN_VERSION ||
    typeof claims.room !== 'string' ||
    claims.room.length === 0 ||
    !isCollabRole(claims.role) ||
    typeof claims.name !== 'string' ||
    typeof claims.exp !== 'number' ||
    !Number.isFinite(claims.exp)
  )
    return { ok: false, reason: 'malformed' };
  if (now >= claims.exp) return { ok: false, reason: 'expired' };
  return { ok: true, claims: { room: claims.room, role: claims.role, name: claims.name, exp: claims.exp } };
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `1500ms`, `90s`, `30m`, `24h`, `7d` (also `1h30m`) into milliseconds; throws on anything else. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  const pattern = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let matched = 0;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(trimmed)) !== null) {
    total += Number(match[1]) * DURATION_UNITS[match[2]];
    matched = pattern.lastIndex;
  }
  if (trimmed.length === 0 || matched !== trimmed.length || !(total > 0))
    throw new Error(`"${text}" is not a duration: use a number with a unit, e.g. 90s, 30m, 24h or 7d`);
  return Math.round(total);
}
