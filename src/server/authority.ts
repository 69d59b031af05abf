// What the server enforces about who may do what in a room, instead of trusting clients:
// - presence: each connection's awareness carries the role (and, when the token names one, the name)
//   of its token, whatever the client claims;
// - Yjs client ids: a connection's own id is the one its presence is under, and becomes its own when
//   it writes structs under it; an update with new structs under another's id closes the connection
//   with "try again later" (it could hide that person's edits, or pass on their real ones which the
//   server lacks), and only the rest of that update is applied;
// - host-only state: the session's `meta`, `tree`, `files`, `responses`, `outcomes` and `authorship`
//   maps (the last: records of the assistant's applied edits, written by the host's applier), and
//   which files exist in `texts`, change only through a `host` token;
// - signed entries: a proposal or decision (src/proposals/shared), or a file text's mark of who
//   reverted an assistant edit (src/authorship/revertMarks), names who made it; it is taken
//   under the writer's own client id only with the name the server stamped on that writer's presence,
//   so nobody records a decision "by" someone else. An entry passed on under another client id (a
//   resend after a server restart) must carry the name of that id's presence (never a reader's),
//   or, when the room has none, a name nobody in the room has. Decisions are removed only by the
//   host, a proposal only by the host or its author;
// - presence of the assistant: a read-only connection's presence carries no assistant (it cannot
//   share what the assistant proposes);
// - removal: a host may remove a participant, which revokes their token and closes them.
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import type { AwarenessEntry } from './protocol';
import { locateUpdate, type LocatedUpdate, type Place } from './updatePlaces';
import { tokenId } from './revocations';
import type { CollabRole } from './token';

/** Root maps only a host token may change at all. */
export const HOST_ONLY_ROOTS: ReadonlySet<string> = new Set([
  'meta',
  'tree',
  'files',
  'responses',
  'outcomes',
  'authorship',
]);
/** Host-only roots whose entries a guest may delete: the host's answer to that guest's own request, once read. */
const GUEST_DELETABLE_ROOTS: ReadonlySet<string> = new Set(['responses']);
/** Root maps whose entries only a host creates or removes (what is inside them others may edit). */
export const HOST_KEYED_ROOTS: ReadonlySet<string> = new Set(['texts']);
/** Root maps whose entries name their author in this field: `{ name, clientId }`. */
export const SIGNED_ROOTS: ReadonlyMap<string, string> = new Map([
  ['proposals', 'askedBy'],
  ['decisions', 'by'],
]);
/**
 * Prefix of a file text's attribute saying who reverted an assistant edit (src/authorship/revertMarks):
 * signed in its `by` field like a proposal or decision.
 */
export const REVERT_MARK_PREFIX = 'tandemReverted:';
/** Signed roots whose entries their author may remove too (else only the host). */
const AUTHOR_DELETABLE_ROOTS: ReadonlySet<string> = new Set(['proposals']);

/** Message type of Tandem's own control messages (beside y-websocket's 0-3). */
export const messageControl = 84;
const controlRemove = 1;
/** Server to client: the name the server stamps on the presence under a client id of that connection. */
const controlStamped = 2;

export interface AuthorityIdentity {
  readonly role: CollabRole;
  readonly name: string;
  /** The token the connection was admitted with (undefined without auth). */
  readonly token?: string;
}

export interface AuthorityMember {
  readonly identity: AuthorityIdentity;
  close(code: number, reason: string): void;
}

export type UpdateVerdict =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly action: 'drop' | 'retry';
      readonly reason: string;
      /**
       * With 'retry' (or 'drop' of structs under held ids): the update without the structs under the ids another participant
       * holds (the sender's own and unclaimed ones, and its deletions). It is still checked like any
       * update; see checkUpdate.
       */
      readonly permitted?: Uint8Array;
    };

interface Owner {
  member: AuthorityMember | undefined;
  readonly token: string | undefined;
  /** Known only from another instance's presence (with --redis). */
  readonly remote?: boolean;
}

/** A host's request to remove the participant whose awareness client id is `clientId`. */
export function encodeRemoveParticipant(clientId: number): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, messageControl);
  encoding.writeVarUint(encoder, controlRemove);
  encoding.writeVarUint(encoder, clientId);
  return encoding.toUint8Array(encoder);
}

/**
 * The server's word to a connection whose chosen name it stamps differently (the token's name, or
 * "<name> (guest)"): proposals and decisions that connection writes must carry this name.
 */
export function encodeStampedName(clientId: number, name: string): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, messageControl);
  encoding.writeVarUint(encoder, controlStamped);
  encoding.writeVarUint(encoder, clientId);
  encoding.writeVarString(encoder, name);
  return encoding.toUint8Array(encoder);
}

export type ControlMessage =
  { action: 'remove'; clientId: number } | { action: 'stamped'; clientId: number; name: string };

export function decodeControl(bytes: Uint8Array): ControlMessage | undefined {
  const decoder = decoding.createDecoder(bytes);
  if (decoding.readVarUint(decoder) !== messageControl) return undefined;
  return readControl(decoder);
}

/** A control message after its type (as y-websocket's message handlers receive it). */
export function readControl(decoder: decoding.Decoder): ControlMessage | undefined {
  const action = decoding.readVarUint(decoder);
  if (action === controlRemove) return { action: 'remove', clientId: decoding.readVarUint(decoder) };
  if (action === controlStamped)
    return {
      action: 'stamped',
      clientId: decoding.readVarUint(decoder),
      name: decoding.readVarString(decoder),
    };
  return undefined;
}

/**
 * An update refused for structs under an id another participant holds is closed with 1013, and the
 * client resends; that participant's real edits arrive meanwhile (from Redis, or their own resend)
 * and the next try goes through. Past this many refusals of one token's structs under one id within
 * HELD_RETRY_WINDOW_MS, the connection is kept and only those structs are left out: closing again
 * would make an honest client reconnect forever when the holder's edits are not coming.
 */
export const HELD_RETRIES = 3;
const HELD_RETRY_WINDOW_MS = 60_000;

const authorities = new WeakMap<Y.Doc, RoomAuthority>();

/** The authority of the room whose document is `doc` (one per room, made on first use). */
export function authorityOf(doc: Y.Doc): RoomAuthority {
  let authority = authorities.get(doc);
  if (!authority) {
    authority = new RoomAuthority(doc);
    authorities.set(doc, authority);
  }
  return authority;
}

export class RoomAuthority {
  /** Yjs client id -> the connection (and token) that first wrote structs under it as its own. */
  private readonly owners = new Map<number, Owner>();
  /** Yjs client id -> the connection (and token) whose presence (awareness) it is. */
  private readonly announced = new Map<number, Owner>();
  /**
   * Set when the room is served by several instances (--redis): a participant who left this one may
   * be writing through another, whose edits other clients can pass on before this one reads them.
   */
  acrossInstances = false;
  /**
   * `token:clientId` -> how often that token's updates were refused for structs under that held id,
   * since when (see HELD_RETRIES).
   */
  private readonly heldRefusals = new Map<string, { count: number; since: number }>();
  /** Yjs client id -> the name the server last stamped on its presence. */
  private readonly stampedNames = new Map<number, string>();
  /** Yjs client id -> the stamped name its connection was told (it differed from the one it chose). */
  private readonly toldNames = new Map<number, string>();

  constructor(private readonly doc: Y.Doc) {}

  /** Whether `member` may apply `update`; claims the client ids it uses for the first time. */
  checkUpdate(member: AuthorityMember, update: Uint8Array): UpdateVerdict {
    const meta = Y.parseUpdateMeta(update);
    const fresh: number[] = [];
    /** Ids another participant holds, with the end of the structs the update carries under each. */
    const held = new Map<number, number>();
    let refusal: string | undefined;
    for (const [client, to] of meta.to) {
      // Structs the room already has are a resend (a reconnect), not a claim.
      if (to <= Y.getState(this.doc.store, client)) continue;
      const owner = this.owners.get(client);
      if (owner && !this.isOwner(owner, member)) {
        held.set(client, to);
        // An id someone else owns may carry that person's real edits which this instance lacks:
        // another client passes them on after a crash of the server (their own resends carry each
        // other's) or, with several instances (--redis), edits this one has not read from Redis yet.
        // Or it is a forgery. Applied neither way now; the client reconnects and re-sends, and by
        // then the real ones are here (a forger's never are, so its structs under that id never
        // apply). "Try again later", not "forbidden": a close code cannot stop a forger, who
        // reconnects with its token whatever it is told, but "forbidden" stops an honest stock
        // client for good.
        refusal ??=
          owner.remote || this.acrossInstances
            ? `update carries client id ${client}, which another participant holds`
            : `update carries client id ${client}, which belongs to another participant`;
        continue;
      }
      // Only a connection's own id (the one its presence is under) becomes its own. Other new structs
      // are a peer's edits it passes on: after a server restart every client sends back what the
      // server lacks, others' edits included, and must not take their ids.
      const presence = this.announced.get(client);
      if (presence && this.isOwner(presence, member)) fresh.push(client);
    }
    if (refusal && this.refusedTooOften(member, held)) {
      // The same edits refused again and again: that participant's own copy is not coming (they
      // left, and the server lost their last edits). Closing once more would only make the client
      // reconnect and resend them forever; they stay on its side, and the rest goes in.
      return {
        ok: false,
        action: 'drop',
        reason: `${refusal}; edits under that id are not shared`,
        permitted: Y.diffUpdate(update, Y.encodeStateVector(held)),
      };
    }
    if (refusal) {
      // Only the structs under those ids are refused, not the rest of the update with them: the rest
      // may be just what their holder's own refused update waits for. Edits an instance relayed to
      // its clients and then lost (killed before they reached Redis) come back from every client
      // that saw them, each one's own beside the others'. Refused whole, each client's resend
      // waited for another's, and they were all sent to retry forever.
      const permitted = Y.diffUpdate(update, Y.encodeStateVector(held));
      return { ok: false, action: 'retry', reason: refusal, permitted };
    }
    const host = member.identity.role === 'host';
    // The host may change anything but may not sign for others: only map entries need a look, and a
    // host's large updates (a resync of the whole document) are not walked struct by struct.
    const located = locateUpdate(
      this.doc,
      update,
      host ? { inserted: (item) => item.parentSub !== null, deleted: false } : {},
    );
    if (!host) {
      const touched = hostStateTouchedIn(located);
      if (touched)
        return {
          ok: false,
          action: 'drop',
          reason: `only the host may change the session's ${touched}; your change was not shared`,
        };
    }
    const unsigned = this.forgedSignature(member, located, fresh);
    if (unsigned) return { ok: false, action: 'drop', reason: `${unsigned}; your change was not shared` };
    for (const client of fresh) this.claim(member, client);
    return { ok: true };
  }

  /**
   * Why the update's new proposals or decisions do not come from `member` as they claim, or why it
   * may not remove the ones it removes; undefined when all is in order.
   */
  private forgedSignature(
    member: AuthorityMember,
    located: LocatedUpdate,
    fresh: readonly number[],
  ): string | undefined {
    for (const { item, place } of located.inserted) {
      if (!place) continue;
      // A file text's attribute saying who reverted an assistant edit is signed in `by`.
      const revertMark =
        place.root === 'texts' &&
        !place.direct &&
        typeof item.parentSub === 'string' &&
        item.parentSub.startsWith(REVERT_MARK_PREFIX);
      const field = revertMark ? 'by' : SIGNED_ROOTS.get(place.root);
      if (!field) continue;
      const what = revertMark ? 'revert mark' : `${place.root} entry`;
      // What the room has already is a resend (a reconnect), not a write.
      if (item.id.clock + item.length <= Y.getState(this.doc.store, item.id.client)) continue;
      if (!revertMark && !place.direct) return `a ${what} must be a plain record`;
      const content = item.content;
      const value = content instanceof Y.ContentAny ? (content.getContent()[0] as unknown) : undefined;
      const signer =
        typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[field] : undefined;
      const claimed =
        typeof signer === 'object' && signer !== null ? (signer as Record<string, unknown>) : {};
      const client = item.id.client;
      if (claimed.clientId !== client)
        return `a ${what} must name its writer's own client id (${client}) in \`${field}\``;
      const presence = this.announced.get(client) ?? this.owners.get(client);
      const own = fresh.includes(client) || (presence !== undefined && this.isOwner(presence, member));
      if (own) {
        const name = member.identity.name || this.stampedNames.get(client);
        if (name === undefined || claimed.name !== name)
          return `a ${what} must carry the name the session knows you by (${name ?? 'publish your presence first'})`;
        continue;
      }
      // Another's entry passed on: after a server restart every client sends back what the server
      // lacks, its peers' entries included, and refusing that would lose the rest of the resend. So
      // an entry under a participant's id must carry the name their presence has (and a reader has
      // no entries to pass on); one under an id the room has never seen may not name anyone present.
      // As with text, the server cannot tell such a resend from a forgery under the id of someone
      // who has not written since it started.
      if (presence !== undefined) {
        const author = presence.member?.identity.role;
        if (author === 'ro') return `a ${what} cannot come from a read-only participant`;
        if (claimed.name !== this.stampedNames.get(client))
          return `a ${what} under another participant's client id must carry their name`;
        continue;
      }
      const holder = this.presentUnder(claimed.name, client);
      if (holder !== undefined)
        return `a ${what} may not name ${String(claimed.name)}, who is in the session under another client id`;
    }
    if (member.identity.role === 'host') return undefined;
    for (const { item, place } of located.deleted) {
      if (!place || !SIGNED_ROOTS.has(place.root)) continue;
      const author = this.owners.get(item.id.client) ?? this.announced.get(item.id.client);
      const mayRemove =
        AUTHOR_DELETABLE_ROOTS.has(place.root) && author !== undefined && this.isOwner(author, member);
      if (!mayRemove) return `only the host may remove ${place.root} entries`;
    }
    return undefined;
  }

  /** A client id other than `except` whose presence, from an open connection, is stamped `name`. */
  private presentUnder(name: unknown, except: number): number | undefined {
    if (typeof name !== 'string') return undefined;
    for (const [client, owner] of this.announced)
      if (client !== except && owner.member !== undefined && this.stampedNames.get(client) === name)
        return client;
    return undefined;
  }

  /** Counts a refusal of `member`'s structs under each held id; true past HELD_RETRIES of one. */
  private refusedTooOften(member: AuthorityMember, held: ReadonlyMap<number, number>): boolean {
    const now = Date.now();
    if (this.heldRefusals.size > 1000)
      for (const [key, seen] of this.heldRefusals)
        if (now - seen.since > HELD_RETRY_WINDOW_MS) this.heldRefusals.delete(key);
    let tooOften = false;
    for (const client of held.keys()) {
      const key = `${member.identity.token ?? ''}:${client}`;
      const seen = this.heldRefusals.get(key);
      const fresh = !seen || now - seen.since > HELD_RETRY_WINDOW_MS;
      const count = fresh ? 1 : seen.count + 1;
      this.heldRefusals.set(key, { count, since: fresh ? now : seen.since });
      if (count > HELD_RETRIES) tooOften = true;
    }
    return tooOften;
  }

  /** Records `clientId` as `member`'s unless someone else holds it. */
  claim(member: AuthorityMember, clientId: number): boolean {
    const owner = this.owners.get(clientId);
    if (owner && !this.isOwner(owner, member)) return false;
    this.owners.set(clientId, { member, token: member.identity.token });
    return true;
  }

  /** Records `clientId` as `member`'s presence unless it is someone else's id or presence. */
  private announce(member: AuthorityMember, clientId: number): boolean {
    const owner = this.owners.get(clientId) ?? this.announced.get(clientId);
    if (owner && !this.isOwner(owner, member)) return false;
    if (!this.announced.has(clientId)) this.announced.set(clientId, { member, token: member.identity.token });
    else this.announced.get(clientId)!.member = member;
    return true;
  }

  /**
   * Another instance's client announced `clientId` with the token whose id is `token` (with --redis):
   * the id is that token's here too, unless someone here holds it.
   */
  recordRemote(clientId: number, token: string): void {
    for (const ids of [this.owners, this.announced])
      if (!ids.has(clientId)) ids.set(clientId, { member: undefined, token, remote: true });
  }

  /** That client's presence left its instance: what was known of it from there is forgotten. */
  forgetRemote(clientId: number): void {
    for (const ids of [this.owners, this.announced]) if (ids.get(clientId)?.remote) ids.delete(clientId);
  }

  /** The connection that holds `clientId` now (if it is open), and the token it came with. */
  ownerOf(clientId: number): { member?: AuthorityMember; token?: string } | undefined {
    const owner = this.owners.get(clientId) ?? this.announced.get(clientId);
    return owner ? { member: owner.member, token: owner.token } : undefined;
  }

  /**
   * A connection closed: its ids stay its token's, which a reconnect with the same token takes back.
   * Without auth there is no identity beyond the connection, so its ids are free again.
   */
  left(member: AuthorityMember): void {
    for (const ids of [this.owners, this.announced])
      for (const [client, owner] of ids) {
        if (owner.member !== member) continue;
        if (owner.token === undefined) {
          ids.delete(client);
          this.stampedNames.delete(client);
          this.toldNames.delete(client);
        } else owner.member = undefined;
      }
  }

  /**
   * Rewrites awareness entries so they say what the token says: `role` always, the name when the
   * token carries one. A token without a name keeps the client's name, but never a name a named
   * token in the room holds (no one appears as the host).
   */
  stampAwareness(
    member: AuthorityMember,
    entries: readonly AwarenessEntry[],
    others: Iterable<AuthorityMember>,
    /** Called when the stamped name differs from the one the client chose (and it was not told yet). */
    renamed?: (clientId: number, name: string) => void,
  ): AwarenessEntry[] {
    const stamped: AwarenessEntry[] = [];
    for (const entry of entries) {
      if (!this.announce(member, entry.clientId)) continue;
      let state: unknown;
      try {
        state = JSON.parse(entry.state);
      } catch {
        continue;
      }
      if (state === null) {
        stamped.push(entry);
        continue;
      }
      if (typeof state !== 'object' || Array.isArray(state)) continue;
      const record = state as Record<string, unknown>;
      const user =
        typeof record.user === 'object' && record.user !== null
          ? (record.user as Record<string, unknown>)
          : {};
      const name = member.identity.name || unclaimedName(user.name, member, others);
      this.stampedNames.set(entry.clientId, name);
      const chosen = user.name;
      if (
        typeof chosen === 'string' &&
        chosen !== name &&
        name !== '' &&
        this.toldNames.get(entry.clientId) !== name
      ) {
        this.toldNames.set(entry.clientId, name);
        renamed?.(entry.clientId, name);
      }
      const { assistant, ...rest } = record;
      const shown = member.identity.role === 'ro' || assistant === undefined ? rest : { ...rest, assistant };
      stamped.push({
        ...entry,
        state: JSON.stringify({ ...shown, user: { ...user, name }, role: member.identity.role }),
      });
    }
    return stamped;
  }

  private isOwner(owner: Owner, member: AuthorityMember): boolean {
    if (owner.member === member) return true;
    // The same token is the same participant (a reconnect may overlap the old socket's close). Tokens
    // are compared by id (their signature): another instance's owners are known by it alone.
    return sameToken(owner.token, member.identity.token);
  }
}

/** Whether two tokens (or token ids) are the same token. */
export function sameToken(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && tokenId(a) === tokenId(b);
}

function unclaimedName(value: unknown, member: AuthorityMember, others: Iterable<AuthorityMember>): string {
  const name = typeof value === 'string' ? value.trim() : '';
  for (const other of others) {
    if (other === member || !other.identity.name) continue;
    if (other.identity.name.trim().toLowerCase() === name.toLowerCase()) return `${name} (guest)`;
  }
  return name;
}

/** The host-only root an update would change, or undefined. */
export function hostStateTouched(doc: Y.Doc, update: Uint8Array): string | undefined {
  return hostStateTouchedIn(locateUpdate(doc, update));
}

function hostStateTouchedIn(located: LocatedUpdate): string | undefined {
  for (const { place } of located.inserted) {
    const touched = protectedRoot(place);
    if (touched) return touched;
  }
  for (const { place } of located.deleted) {
    const touched = place && GUEST_DELETABLE_ROOTS.has(place.root) ? undefined : protectedRoot(place);
    if (touched) return touched;
  }
  return undefined;
}

function protectedRoot(place: Place | undefined): string | undefined {
  if (!place) return undefined;
  if (HOST_ONLY_ROOTS.has(place.root)) return place.root;
  if (place.direct && HOST_KEYED_ROOTS.has(place.root)) return `${place.root} entries`;
  return undefined;
}
