// Verified sync: a client and the server compare a digest of their copies of a document now and then.
// The digest covers the state vector and the delete set, both in Yjs's canonical encoding (clients
// sorted, adjacent deletions merged), so two copies with the same inserts and deletes have the same
// digest however their updates arrived. It costs one pass over the document's structs, no encoding
// of content. A copy can differ from the server's with equal state vectors only in what it deleted
// (a lost delete-only update), which y-websocket's sync never notices; the digest does.
//
// Wire format (a Tandem extension of the y-websocket protocol, message type 100; a stock server
// ignores it, and the server only ever sends it in answer to one):
//   client -> server  [100, 0, stateVector, digest]
//   server -> client  [100, answer]  1 = same document, 2 = different (the server sends its whole state
//                     first, as a sync update), 3 = not comparable now (state vectors differ)
import { createHash } from 'node:crypto';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';

export const messageDigest = 100;
const digestCheck = 0;

export const DigestAnswer = { same: 1, different: 2, notComparable: 3 } as const;
export type DigestAnswer = (typeof DigestAnswer)[keyof typeof DigestAnswer];

/** SHA-256 of the document's state vector and delete set. */
export function documentDigest(doc: Y.Doc): Uint8Array {
  return new Uint8Array(
    createHash('sha256')
      .update(Y.encodeSnapshot(Y.snapshot(doc)))
      .digest(),
  );
}

export function encodeDigestCheck(doc: Y.Doc): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, messageDigest);
  encoding.writeVarUint(encoder, digestCheck);
  encoding.writeVarUint8Array(encoder, Y.encodeStateVector(doc));
  encoding.writeVarUint8Array(encoder, documentDigest(doc));
  return encoding.toUint8Array(encoder);
}

/** Reads a check after its message type; throws on a malformed one. */
export function readDigestCheck(decoder: decoding.Decoder): { stateVector: Uint8Array; digest: Uint8Array } {
  const kind = decoding.readVarUint(decoder);
  if (kind !== digestCheck) throw new Error(`unknown digest message ${kind}`);
  const stateVector = decoding.readVarUint8Array(decoder);
  const digest = decoding.readVarUint8Array(decoder);
  if (digest.byteLength !== 32) throw new Error('a digest is 32 bytes');
  return { stateVector, digest };
}

export function encodeDigestAnswer(answer: DigestAnswer): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, messageDigest);
  encoding.writeVarUint(encoder, answer);
  return encoding.toUint8Array(encoder);
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((byte, i) => byte === b[i]);
}
