// The y-websocket wire format: every message starts with a varuint type. Sync messages (type 0) carry
// a y-protocols sync message (step 1 = state vector, step 2 = missing updates, update); awareness
// messages (type 1) carry an awareness update; type 2 is the auth message (permission denied);
// type 3 asks for every awareness state.
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { messageDigest, readDigestCheck } from './syncDigest';

export const messageSync = 0;
export const messageAwareness = 1;
export const messageAuth = 2;
export const messageQueryAwareness = 3;

export const syncStep1 = 0;
export const syncStep2 = 1;
export const syncUpdate = 2;

const authPermissionDenied = 0;

export function encodeSyncStep1(doc: Y.Doc): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, messageSync);
  encoding.writeVarUint(encoder, syncStep1);
  encoding.writeVarUint8Array(encoder, Y.encodeStateVector(doc));
  return encoding.toUint8Array(encoder);
}

export function encodeSyncStep2(update: Uint8Array): Uint8Array {
  return encodeSync(syncStep2, update);
}

export function encodeUpdate(update: Uint8Array): Uint8Array {
  return encodeSync(syncUpdate, update);
}

function encodeSync(kind: number, payload: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, messageSync);
  encoding.writeVarUint(encoder, kind);
  encoding.writeVarUint8Array(encoder, payload);
  return encoding.toUint8Array(encoder);
}

export function encodeAwareness(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, messageAwareness);
  encoding.writeVarUint8Array(encoder, update);
  return encoding.toUint8Array(encoder);
}

/** The auth message a stock y-websocket client logs as "Permission denied to access <url>". */
export function encodePermissionDenied(reason: string): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, messageAuth);
  encoding.writeVarUint(encoder, authPermissionDenied);
  encoding.writeVarString(encoder, reason);
  return encoding.toUint8Array(encoder);
}

export type ClientMessage =
  | { readonly kind: 'sync-step1'; readonly stateVector: Uint8Array }
  | { readonly kind: 'sync-step2' | 'update'; readonly update: Uint8Array }
  | { readonly kind: 'awareness'; readonly update: Uint8Array }
  | { readonly kind: 'query-awareness' }
  | { readonly kind: 'auth' }
  | { readonly kind: 'digest'; readonly stateVector: Uint8Array; readonly digest: Uint8Array }
  | { readonly kind: 'unknown'; readonly type: number };

/** Decodes one client message; throws on a truncated or malformed one. */
export function decodeClientMessage(data: Uint8Array): ClientMessage {
  const decoder = decoding.createDecoder(data);
  const type = decoding.readVarUint(decoder);
  switch (type) {
    case messageSync: {
      const kind = decoding.readVarUint(decoder);
      const payload = decoding.readVarUint8Array(decoder);
      if (kind === syncStep1) return { kind: 'sync-step1', stateVector: payload };
      if (kind === syncStep2) return { kind: 'sync-step2', update: payload };
      if (kind === syncUpdate) return { kind: 'update', update: payload };
      throw new Error(`unknown sync message type ${kind}`);
    }
    case messageAwareness:
      return { kind: 'awareness', update: decoding.readVarUint8Array(decoder) };
    case messageQueryAwareness:
      return { kind: 'query-awareness' };
    case messageAuth:
      return { kind: 'auth' };
    case messageDigest:
      return { kind: 'digest', ...readDigestCheck(decoder) };
    default:
      return { kind: 'unknown', type };
  }
}

export interface AwarenessEntry {
  readonly clientId: number;
  readonly clock: number;
  readonly state: string;
}

/** Reads the entries of an awareness update (as y-protocols/awareness encodes them). */
export function readAwarenessEntries(update: Uint8Array): AwarenessEntry[] {
  const decoder = decoding.createDecoder(update);
  const count = decoding.readVarUint(decoder);
  const entries: AwarenessEntry[] = [];
  for (let i = 0; i < count; i++) {
    const clientId = decoding.readVarUint(decoder);
    const clock = decoding.readVarUint(decoder);
    const state = decoding.readVarString(decoder);
    entries.push({ clientId, clock, state });
  }
  return entries;
}

export function writeAwarenessEntries(entries: readonly AwarenessEntry[]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, entries.length);
  for (const entry of entries) {
    encoding.writeVarUint(encoder, entry.clientId);
    encoding.writeVarUint(encoder, entry.clock);
    encoding.writeVarString(encoder, entry.state);
  }
  return encoding.toUint8Array(encoder);
}
