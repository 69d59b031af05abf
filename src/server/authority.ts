// What the server enforces about who may do what in a room, instead of trusting clients:
// - presence: each connection's awareness carries the role (and, when the token names one, the name)
//   of its token, whatever the client claims;
// - Yjs client ids: a connection's own id is the one its presence is under, and becomes its own when
//   it writes structs under it; an update with new structs under another's id closes the connection
//   (it could hide that person's edits);
// - host-only state: the session's `meta`, `tree`, `files` and `responses` maps, and which files
//   exist in `texts`, change only through a `host` token;
// - removal: a host may remove a participant, which revokes their token and closes them.
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import type { AwarenessEntry } from './protocol';
import { tokenId } from './revocations';
import type { CollabRole } from './token';

/** Root maps only a host token may change at all. */
export const HOST_ONLY_ROOTS: ReadonlySet<string> = new Set(['meta', 'tree', 'files', 'responses']);
/** Host-only roots whose entries a guest may delete: the host's answer to that guest's own request, once read. */
const GUEST_DELETABLE_ROOTS: ReadonlySet<string> = new Set(['responses']);
/** Root maps whose entries only a host creates or removes (what is inside them others may edit). */
export const HOST_KEYED_ROOTS: ReadonlySet<string> = new Set(['texts']);

/** Message type of Tandem's own control messages (beside y-websocket's 0-3). */
export const messageControl = 84;
const controlRemove = 1;

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
  | { readonly ok: false; readonly action: 'close' | 'drop' | 'retry'; readonly reason: string };

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

export function decodeControl(bytes: Uint8Array): { action: 'remove'; clientId: number } | undefined {
  const decoder = decoding.createDecoder(bytes);
  if (decoding.readVarUint(decoder) !== messageControl) return undefined;
  const action = decoding.readVarUint(decoder);
  if (action !== controlRemove) return undefined;
  return { action: 'remove', clientId: decoding.readVarUint(decoder) };
}

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

  constructor(private readonly doc: Y.Doc) {}

  /** Whether `member` may apply `update`; claims the client ids it uses for the first time. */
  checkUpdate(member: AuthorityMember, update: Uint8Array): UpdateVerdict {
    const meta = Y.parseUpdateMeta(update);
    const fresh: number[] = [];
    for (const [client, to] of meta.to) {
      // Structs the room already has are a resend (a reconnect), not a claim.
      if (to <= Y.getState(this.doc.store, client)) continue;
      const owner = this.owners.get(client);
      // Owned by a participant of another instance: these may be that person's real edits which
      // this instance has not read from Redis yet (a client passing on a peer's edits after a
      // restart), or a forgery. Applied neither way now; the client reconnects and re-sends, and
      // by then the real ones are here (or the owner's presence is gone).
      if (owner?.remote && !this.isOwner(owner, member))
        return {
          ok: false,
          action: 'retry',
          reason: `update carries client id ${client}, which a participant on another server instance holds`,
        };
      if (owner && !this.isOwner(owner, member))
        return {
          ok: false,
          action: 'close',
          reason: `update carries client id ${client}, which belongs to another participant`,
        };
      // Only a connection's own id (the one its presence is under) becomes its own. Other new structs
      // are a peer's edits it passes on: after a server restart every client sends back what the
      // server lacks, others' edits included, and must not take their ids.
      const presence = this.announced.get(client);
      if (presence && this.isOwner(presence, member)) fresh.push(client);
    }
    if (member.identity.role !== 'host') {
      const touched = hostStateTouched(this.doc, update);
      if (touched)
        return {
          ok: false,
          action: 'drop',
          reason: `only the host may change the session's ${touched}; your change was not shared`,
        };
    }
    for (const client of fresh) this.claim(member, client);
    return { ok: true };
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
        if (owner.token === undefined) ids.delete(client);
        else owner.member = undefined;
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
      stamped.push({
        ...entry,
        state: JSON.stringify({ ...record, user: { ...user, name }, role: member.identity.role }),
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

/**
 * The host-only root an update would change, or undefined. Each new struct's parent is found from
 * the update itself or the room's document; each deletion's target likewise.
 */
export function hostStateTouched(doc: Y.Doc, update: Uint8Array): string | undefined {
  const decoded = Y.decodeUpdate(update);
  const inUpdate = new Map<number, Y.Item[]>();
  for (const struct of decoded.structs) {
    if (!(struct instanceof Y.Item)) continue;
    const list = inUpdate.get(struct.id.client) ?? [];
    list.push(struct);
    inUpdate.set(struct.id.client, list);
  }
  const findNew = (id: Y.ID): Y.Item | undefined =>
    inUpdate
      .get(id.client)
      ?.find((item) => id.clock >= item.id.clock && id.clock < item.id.clock + item.length);
  const findStored = (id: Y.ID): Y.Item | undefined => {
    if (id.clock >= Y.getState(doc.store, id.client)) return undefined;
    const struct = Y.getItem(doc.store, id);
    return struct instanceof Y.Item ? struct : undefined;
  };
  /** The root name and whether the struct sits directly in it, for a struct of the update. */
  const placeOfNew = (item: Y.Item, depth: number): Place | undefined => {
    if (depth > 64) return undefined;
    const parent = item.parent as unknown;
    if (typeof parent === 'string') return { root: parent, direct: true };
    if (parent && typeof parent === 'object' && 'client' in parent)
      return placeOfTypeItem(parent as Y.ID, depth);
    const neighbour = item.origin ?? item.rightOrigin;
    if (!neighbour) return undefined;
    const fresh = findNew(neighbour);
    if (fresh && fresh !== item) return placeOfNew(fresh, depth + 1);
    const stored = findStored(neighbour);
    return stored ? placeOfStored(stored) : undefined;
  };
  /** The place inside the type created by the item `id`. */
  const placeOfTypeItem = (id: Y.ID, depth: number): Place | undefined => {
    const fresh = findNew(id);
    if (fresh) {
      const outer = placeOfNew(fresh, depth + 1);
      return outer ? { root: outer.root, direct: false } : undefined;
    }
    const stored = findStored(id);
    if (!stored) return undefined;
    const outer = placeOfStored(stored);
    return outer ? { root: outer.root, direct: false } : undefined;
  };
  for (const struct of decoded.structs) {
    if (!(struct instanceof Y.Item)) continue;
    const place = placeOfNew(struct, 0);
    const touched = protectedRoot(place);
    if (touched) return touched;
  }
  for (const [client, deletes] of decoded.ds.clients) {
    for (const range of deletes) {
      let clock = range.clock;
      const end = range.clock + range.len;
      // Only what the room already has can be deleted by this update (new structs were checked above).
      const known = Math.min(end, Y.getState(doc.store, client));
      while (clock < known) {
        const struct = Y.getItem(doc.store, Y.createID(client, clock)) as Y.AbstractStruct;
        if (struct instanceof Y.Item) {
          const place = placeOfStored(struct);
          const touched = place && GUEST_DELETABLE_ROOTS.has(place.root) ? undefined : protectedRoot(place);
          if (touched) return touched;
        }
        clock = struct.id.clock + struct.length;
      }
    }
  }
  return undefined;
}

interface Place {
  readonly root: string;
  /** True when the struct is an entry of the root itself (not inside a nested type). */
  readonly direct: boolean;
}

function placeOfStored(item: Y.Item): Place | undefined {
  let type = item.parent as Y.AbstractType<unknown> | null;
  if (!type || !(type instanceof Y.AbstractType)) return undefined;
  const direct = type._item === null;
  while (type._item !== null) {
    const outer: unknown = type._item.parent;
    if (!(outer instanceof Y.AbstractType)) return undefined;
    type = outer as Y.AbstractType<unknown>;
  }
  return { root: Y.findRootTypeKey(type), direct };
}

function protectedRoot(place: Place | undefined): string | undefined {
  if (!place) return undefined;
  if (HOST_ONLY_ROOTS.has(place.root)) return place.root;
  if (place.direct && HOST_KEYED_ROOTS.has(place.root)) return `${place.root} entries`;
  return undefined;
}
