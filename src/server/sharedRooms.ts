// The seam between a room and the other server instances serving it (scale-out). With it, a room's
// durable copy, its update fan-out, its presence and the revocation list are shared by every
// instance (redisRooms.ts implements it over Redis); without it, one process holds them all.
import type * as Y from 'yjs';
import type { Awareness } from 'y-protocols/awareness';
import type { CollabLogger } from './log';
import type { ServerMetrics } from './metrics';
import type { RevokedToken } from './revocations';
import type { StoredUpdate } from './storage';

/** Origin of document and awareness changes that came from another instance. */
export const REMOTE_ORIGIN = Symbol('another server instance');

/** What a loaded room offers the fan-out. */
export interface SharedRoom {
  readonly name: string;
  readonly doc: Y.Doc;
  readonly awareness: Awareness;
  /** Applies updates another instance accepted: relayed to this room's members, not re-published. */
  applyRemote(updates: readonly Uint8Array[]): void;
  /**
   * Applies presence another instance holds. `owners` maps each announced client id to the token id
   * of the connection that announced it, so ownership rules hold across instances.
   */
  applyRemoteAwareness(update: Uint8Array, owners: ReadonlyMap<number, string>): void;
  /** Removes presence of another instance's clients (that instance stopped answering). */
  removeRemoteAwareness(clientIds: readonly number[]): void;
  /** Awareness client ids of this instance's own members, with their token ids ('' without auth). */
  localAwareness(): Map<number, string>;
}

/** A room's state as the shared store gave it at load. */
export interface OpenedRoom {
  /** True when this instance created it (and stored the seed). */
  readonly created: boolean;
  /** Bytes of the stored snapshot and of the updates after it. */
  readonly bytes: number;
  /** Updates logged after the snapshot. */
  readonly tail: number;
}

export interface SharedRooms {
  /** This instance's id in the shared store (random per process). */
  readonly instanceId: string;
  /** Whether the shared store outlives this process (for /healthz). */
  readonly kind: string;
  /**
   * Loads the room's stored state into `room.doc` and follows the updates other instances add. A room
   * never created is created with `seed()`'s state by whichever instance gets there first; the others
   * load that one (a room is seeded once, ever).
   */
  open(room: SharedRoom, seed: () => Promise<Uint8Array>): Promise<OpenedRoom>;
  /** Stops following a room (it left memory). */
  close(room: SharedRoom): void;
  /** Publishes updates this instance accepted (in order); never throws: what cannot go now goes later. */
  append(updates: readonly StoredUpdate[]): void;
  /**
   * Set when the store counts `tandem_updates_stored_total` itself, once its writes land (`append`
   * only queues them): the update batch then does not count them a second time.
   */
  readonly countsStoredUpdates?: boolean;
  /**
   * Folds the room's stored log into a snapshot if no other instance is doing so (asynchronous).
   * `state` is `room.doc` encoded now (the room keeps that encoding for its sync replies too).
   */
  compact(room: SharedRoom, state: Uint8Array): void;
  /**
   * Folds the room's stored log into a snapshot if no other instance is doing so, as `compact`, but
   * from the stored snapshot and log, which `fold` (the compaction worker) folds off the event loop.
   */
  compactFolding?(room: SharedRoom, fold: (updates: Uint8Array[]) => Promise<Uint8Array>): void;
  /** Publishes a change of this instance's own members' presence in a room. */
  publishAwareness(room: SharedRoom, clientIds: readonly number[]): void;
  /** Every revocation in force now (read at start). */
  revocations(): Promise<RevokedToken[]>;
  /** Records a revocation for every instance. */
  revoke(entry: RevokedToken): void;
  /** Sends what is pending and disconnects. */
  shutdown(): Promise<void>;
  /**
   * This instance's address as the other instances reach it (`host:port`): rooms loaded here are
   * announced as living here, and new connections for rooms living elsewhere are handed there
   * (`homeOf`). Without it, every instance serves whatever rooms its clients ask for.
   */
  advertise?(address: string): void;
  /**
   * Where a room not loaded here lives now: the instance to hand a new connection for it to, or
   * undefined to serve it here (it lives nowhere, or here, or its home cannot be asked now). A room
   * living nowhere comes to live here unless `claim` is false (this instance cannot take the room).
   */
  homeOf?(room: string, claim?: boolean): Promise<RoomHome | undefined>;
  /** No room lives on this instance any more (it is stopping): their new connections stay where they land. */
  leaveHomes?(): Promise<void>;
  /** The signed value of FORWARDED_HEADER telling a room's home the address of a client handed to it. */
  forwardedFor?(address: string, url: string): string;
  /** The client address a FORWARDED_HEADER value names, when another instance signed it for `url`. */
  forwardedAddress?(header: string, url: string): string | undefined;
}

/** The instance a room lives on, as the others reach it. */
export interface RoomHome {
  readonly instance: string;
  readonly host: string;
  readonly port: number;
}

/** Request header with the address of a client whose connection another instance handed over. */
export const FORWARDED_HEADER = 'x-tandem-forwarded-for';

/** What the server hands the fan-out when it starts. */
export interface SharedRoomsContext {
  readonly metrics: ServerMetrics;
  readonly log: CollabLogger;
  /** A revocation made on any instance (this one included) reached this instance. */
  readonly onRevoked: (entry: RevokedToken) => void;
}

export type SharedRoomsFactory = (context: SharedRoomsContext) => Promise<SharedRooms>;
