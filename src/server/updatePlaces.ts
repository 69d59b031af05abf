/**
 * Where an update writes: for each new struct, the root map it lands in (found from the update itself
 * or the room's document) and whether it is an entry of that root or inside a nested type; for each
 * deletion, the same for the stored struct it deletes. The authority's rules are stated in roots.
 */
import * as Y from 'yjs';

export interface Place {
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

/** Where an update's new structs go, and which stored structs it deletes. */
export interface LocatedUpdate {
  readonly inserted: readonly { readonly item: Y.Item; readonly place: Place | undefined }[];
  readonly deleted: readonly { readonly item: Y.Item; readonly place: Place | undefined }[];
}

/**
 * Finds the place of each new struct of `update` (from the update itself or the room's document) and
 * of each struct of the room's document it deletes.
 */
export function locateUpdate(
  doc: Y.Doc,
  update: Uint8Array,
  only: { readonly inserted?: (item: Y.Item) => boolean; readonly deleted?: boolean } = {},
): LocatedUpdate {
  const decoded = Y.decodeUpdate(update);
  const inUpdate = new Map<number, Y.Item[]>();
  for (const struct of decoded.structs) {
    if (!(struct instanceof Y.Item)) continue;
    const list = inUpdate.get(struct.id.client) ?? [];
    list.push(struct);
    inUpdate.set(struct.id.client, list);
  }
  // An update lists each client's structs in clock order: binary search keeps a whole-document resync linear-ish.
  const findNew = (id: Y.ID): Y.Item | undefined => {
    const list = inUpdate.get(id.client);
    if (!list) return undefined;
    let low = 0;
    let high = list.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const item = list[middle];
      if (id.clock < item.id.clock) high = middle - 1;
      else if (id.clock >= item.id.clock + item.length) low = middle + 1;
      else return item;
    }
    return undefined;
  };
  const findStored = (id: Y.ID): Y.Item | undefined => {
    if (id.clock >= Y.getState(doc.store, id.client)) return undefined;
    const struct = Y.getItem(doc.store, id);
    return struct instanceof Y.Item ? struct : undefined;
  };
  const places = new Map<Y.Item, Place | undefined>();
  /**
   * The root name and whether the struct sits directly in it, for a struct of the update. Follows
   * its siblings' chain without recursion (an update may chain thousands), remembering every answer.
   */
  const placeOfNew = (start: Y.Item, depth: number): Place | undefined => {
    if (depth > 64) return undefined;
    const chain = new Set<Y.Item>();
    let item = start;
    let place: Place | undefined;
    for (;;) {
      if (places.has(item)) {
        place = places.get(item);
        break;
      }
      if (chain.has(item)) break;
      chain.add(item);
      const parent = item.parent as unknown;
      if (typeof parent === 'string') {
        place = { root: parent, direct: true };
        break;
      }
      if (parent && typeof parent === 'object' && 'client' in parent) {
        place = placeOfTypeItem(parent as Y.ID, depth);
        break;
      }
      const neighbour = item.origin ?? item.rightOrigin;
      if (!neighbour) break;
      const fresh = findNew(neighbour);
      if (fresh && fresh !== item) {
        item = fresh;
        continue;
      }
      const stored = findStored(neighbour);
      place = stored ? placeOfStored(stored) : undefined;
      break;
    }
    for (const visited of chain) places.set(visited, place);
    return place;
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
  const inserted: { item: Y.Item; place: Place | undefined }[] = [];
  for (const struct of decoded.structs)
    if (struct instanceof Y.Item && (only.inserted?.(struct) ?? true))
      inserted.push({ item: struct, place: placeOfNew(struct, 0) });
  const deleted: { item: Y.Item; place: Place | undefined }[] = [];
  if (only.deleted === false) return { inserted, deleted };
  for (const [client, deletes] of decoded.ds.clients) {
    for (const range of deletes) {
      let clock = range.clock;
      const end = range.clock + range.len;
      // Only what the room already has can be deleted by this update (new structs are placed above).
      const known = Math.min(end, Y.getState(doc.store, client));
      while (clock < known) {
        const struct = Y.getItem(doc.store, Y.createID(client, clock)) as Y.AbstractStruct;
        if (struct instanceof Y.Item) deleted.push({ item: struct, place: placeOfStored(struct) });
        clock = struct.id.clock + struct.length;
      }
    }
  }
  return { inserted, deleted };
}
