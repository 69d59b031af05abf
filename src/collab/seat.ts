/**
 * A window's place in a session, kept across the reloads that joining causes.
 *
 * Joining from a window that is not yet a workspace adds the session's folder, which makes it one:
 * the page reloads and a new extension host joins again from the rejoin record (and may be replaced
 * once more if the reloaded page lost its folders). The web workbench may keep a replaced extension
 * host running for a while, even after telling it of the new folder, and its connection then counts
 * as one more participant. So the join that causes the reload draws a random seat and keeps it in
 * the rejoin record on this machine's disk; every extension host that joins with it claims the seat
 * in its presence, with the time it joined, and one that sees a later claim leaves.
 *
 * A claim is the join time and an HMAC of the seat, the client id it is published under and that
 * time, never the seat itself: everyone in the room sees it, and the server keeps each connection's
 * presence under its own client id, so another participant can neither forge a claim nor copy one
 * to make someone's window leave.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Awareness } from 'y-protocols/awareness';

/** A fresh seat: a secret that only this machine's rejoin record holds. */
export function newSeat(): string {
  return randomBytes(24).toString('base64url');
}

/** What a client that joined with `seat` at `since` (ms since the epoch) shows as `seat` in its presence. */
export function seatClaim(seat: string, clientId: number, since: number): string {
  const proof = createHmac('sha256', seat).update(`tandem seat: client ${clientId} since ${since}`);
  return `${since}.${proof.digest('base64url')}`;
}

/** When the client joined, if `claim` is its valid claim of `seat`. */
export function claimedSince(seat: string, clientId: number, claim: unknown): number | undefined {
  if (typeof claim !== 'string') return undefined;
  const match = /^(\d{1,16})\.[A-Za-z0-9_-]{43}$/.exec(claim);
  if (!match) return undefined;
  const since = Number(match[1]);
  const expected = Buffer.from(seatClaim(seat, clientId, since));
  const given = Buffer.from(claim);
  return given.length === expected.length && timingSafeEqual(given, expected) ? since : undefined;
}

/**
 * The client id, other than `selfClientId`, with a valid claim of `seat` later than `selfSince`
 * (at the same time, the higher client id counts as later).
 */
export function laterSeatHolder(
  states: ReadonlyMap<number, unknown>,
  selfClientId: number,
  seat: string,
  selfSince: number,
): number | undefined {
  for (const [clientId, state] of states) {
    if (clientId === selfClientId || !state || typeof state !== 'object') continue;
    const since = claimedSince(seat, clientId, (state as { seat?: unknown }).seat);
    if (since === undefined) continue;
    if (since > selfSince || (since === selfSince && clientId > selfClientId)) return clientId;
  }
  return undefined;
}

/**
 * Calls `found` once, with its client id, when another presence in `awareness` claims `seat` later
 * than this client's own claim (at once if one already does). Dispose to stop watching.
 */
export function watchForLaterSeatHolder(
  awareness: Awareness,
  seat: string,
  found: (clientId: number) => void,
): { dispose(): void } {
  let done = false;
  const check = () => {
    if (done) return;
    const own = (awareness.getLocalState() as { seat?: unknown } | null)?.seat;
    const since = claimedSince(seat, awareness.clientID, own);
    if (since === undefined) return;
    const holder = laterSeatHolder(awareness.getStates(), awareness.clientID, seat, since);
    if (holder === undefined) return;
    stop();
    found(holder);
  };
  const stop = () => {
    done = true;
    awareness.off('change', check);
  };
  awareness.on('change', check);
  check();
  return { dispose: stop };
}
