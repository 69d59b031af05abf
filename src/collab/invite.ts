/**
 * Invite links. A link carries everything a guest needs and nothing else: the server's WebSocket URL,
 * the room, and a signed token (role, display name, expiry are inside it, signed by the server's
 * secret; the guest can read but not change them). Anyone holding the link can join until it expires:
 * share it like a password.
 *
 *   vscode://tandem.tandem/join?server=ws%3A%2F%2F192.168.1.5%3A41234&room=8f3a…&token=…
 *
 * A plain server URL (`ws://host:port/<room>?token=…`) is accepted too.
 */
export interface Invite {
  serverUrl: string;
  room: string;
  token: string;
}

export interface InviteClaims {
  room: string;
  role: 'host' | 'rw' | 'ro';
  name: string;
  /** Expiry, ms since the epoch. */
  exp: number;
}

export const EXTENSION_ID = 'tandem.tandem';

export function buildInviteLink(invite: Invite, uriScheme = 'vscode'): string {
  const query = new URLSearchParams({ server: invite.serverUrl, room: invite.room, token: invite.token });
  return `${uriScheme}://${EXTENSION_ID}/join?${query.toString()}`;
}

/** Reads an invite from what a user pasted; throws an error that says what is wrong. */
export function parseInviteLink(text: string): Invite {
  const trimmed = text.trim().replace(/^[<"'`]+|[>"'`]+$/g, '');
  if (trimmed === '')
    throw new Error(
      'The invite link is empty. Paste the link the host copied with "Tandem: Copy Invite Link".',
    );
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new Error(
      'That is not an invite link. It should start with vscode://tandem.tandem/join? or ws://.',
    );
  }
  if (url.protocol === 'ws:' || url.protocol === 'wss:') {
    const room = decodeURIComponent(url.pathname.replace(/^\/+/, ''));
    const token = url.searchParams.get('token') ?? '';
    if (!room)
      throw new Error('The server URL names no room: it should look like ws://host:port/<room>?token=….');
    return { serverUrl: `${url.protocol}//${url.host}`, room, token };
  }
  // vscode://tandem.tandem/join?…, or another editor's scheme (code-oss, vscode-insiders, …).
  const isJoin = url.hostname.toLowerCase() === EXTENSION_ID && url.pathname.replace(/\/+$/, '') === '/join';
  if (!isJoin) throw new Error('That link is not a Tandem invite (expected …://tandem.tandem/join?…).');
  const serverUrl = url.searchParams.get('server') ?? '';
  const room = url.searchParams.get('room') ?? '';
  const token = url.searchParams.get('token') ?? '';
  if (!/^wss?:\/\/[^/?#]+$/.test(serverUrl.replace(/\/+$/, '')))
    throw new Error(
      'The invite link has no valid server address (server=ws://host:port). Ask the host to copy it again.',
    );
  if (!room) throw new Error('The invite link names no room. Ask the host to copy it again.');
  return { serverUrl: serverUrl.replace(/\/+$/, ''), room, token };
}

/** What a token says about itself (not verified: only the server can check the signature). */
export function readTokenClaims(token: string): InviteClaims | undefined {
  const [payload] = token.split('.');
  if (!payload) return undefined;
  try {
    const json = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<InviteClaims>;
    if (
      typeof json.room !== 'string' ||
      (json.role !== 'host' && json.role !== 'rw' && json.role !== 'ro') ||
      typeof json.exp !== 'number'
    )
      return undefined;
    return {
      room: json.room,
      role: json.role,
      name: typeof json.name === 'string' ? json.name : '',
      exp: json.exp,
    };
  } catch {
    return undefined;
  }
}

/** "in 23 hours", "in 5 minutes", "2 hours ago". */
export function describeExpiry(exp: number, now = Date.now()): string {
  const minutes = Math.round(Math.abs(exp - now) / 60_000);
  const amount =
    minutes >= 2 * 24 * 60
      ? `${Math.round(minutes / (24 * 60))} days`
      : minutes >= 120
        ? `${Math.round(minutes / 60)} hours`
        : `${Math.max(1, minutes)} minute${minutes === 1 ? '' : 's'}`;
  return exp >= now ? `in ${amount}` : `${amount} ago`;
}
