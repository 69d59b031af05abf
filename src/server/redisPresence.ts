// Presence (awareness) across instances. Each instance publishes its own members' awareness changes
// on the room's channel, and all of it again every heartbeat (an empty beat when it has no members
// there: it still serves the room); an instance not heard from for a few heartbeats is taken for dead
// and its clients leave everyone else's presence. Pub/sub suits presence (not updates): it is
// ephemeral, and a lost message is repaired by the next heartbeat. The same beats tell an instance
// whether any other serves a room, so it follows the room's updates closely only then.
import * as awarenessProtocol from 'y-protocols/awareness';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { Redis, RedisOptions } from 'ioredis';
import { Redis as RedisClient } from 'ioredis';
import type { CollabLogger } from './log';
import { readAwarenessEntries } from './protocol';
import type { RoomKeys } from './redisKeys';
import type { SharedRoom } from './sharedRooms';

/** How often each instance repeats its members' presence (and measures stream lengths). */
export const PRESENCE_HEARTBEAT_MS = 1000;
/** An instance silent this long is gone: its clients' presence is removed. */
export const PRESENCE_TIMEOUT_MS = 3500;

interface RemoteInstance {
  readonly ids: Set<number>;
  seen: number;
}

interface FollowedPresence {
  readonly room: SharedRoom;
  /** Other instances' clients in this room, by instance id. */
  readonly remotes: Map<string, RemoteInstance>;
}

export class RedisPresence {
  private readonly subscriber: Redis;
  private readonly byChannel = new Map<string, FollowedPresence>();
  private heartbeat: NodeJS.Timeout | undefined;
  /** Called when another instance starts serving a room this one follows. */
  private onJoined: (room: SharedRoom) => void = () => undefined;

  constructor(
    url: string,
    private readonly instanceId: string,
    private readonly commands: Redis,
    options: RedisOptions,
    private readonly log: CollabLogger,
  ) {
    this.subscriber = new RedisClient(url, { ...options, maxRetriesPerRequest: null });
    this.subscriber.on('error', (error: Error) =>
      this.log({ level: 'warn', msg: 'redis error', connection: 'presence', error: error.message }),
    );
    this.subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) =>
      this.receive(channel.toString(), message),
    );
  }

  connect(): Promise<void> {
    return this.subscriber.connect();
  }

  /**
   * Starts the heartbeat; `measure` gets the stream length of every followed room each beat, `beat`
   * runs once a beat, and `joined` hears of another instance starting to serve a followed room.
   */
  start(
    measure: (entries: number[]) => void,
    followed: () => Iterable<{ room: SharedRoom; keys: RoomKeys }>,
    beat: () => void,
    joined: (room: SharedRoom) => void,
  ): void {
    this.onJoined = joined;
    this.heartbeat = setInterval(() => {
      const rooms = [...followed()];
      for (const { room, keys } of rooms) this.publish(room, keys, [...room.localAwareness().keys()]);
      this.expire();
      beat();
      if (rooms.length === 0 || this.commands.status !== 'ready') return;
      const pipeline = this.commands.pipeline();
      for (const { keys } of rooms) pipeline.xlen(keys.updates);
      pipeline.exec().then(
        (replies) => measure((replies ?? []).map(([, length]) => Number(length) || 0)),
        () => undefined,
      );
    }, PRESENCE_HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  follow(room: SharedRoom, keys: RoomKeys): void {
    this.byChannel.set(keys.presence, { room, remotes: new Map() });
    // Instances already serving the room learn at once that this one does too, once this one can
    // hear their answer.
    this.subscriber.subscribe(keys.presence).then(
      () => {
        if (this.byChannel.get(keys.presence)?.room === room) this.publish(room, keys, []);
      },
      () => undefined,
    );
  }

  /** Whether another instance has said, within PRESENCE_TIMEOUT_MS, that it serves the room. */
  othersServe(keys: RoomKeys): boolean {
    const followed = this.byChannel.get(keys.presence);
    return followed !== undefined && followed.remotes.size > 0;
  }

  unfollow(room: SharedRoom, keys: RoomKeys): void {
    if (this.byChannel.get(keys.presence)?.room !== room) return;
    this.byChannel.delete(keys.presence);
    this.subscriber.unsubscribe(keys.presence).catch(() => undefined);
  }

  /**
   * Publishes the current awareness of `clientIds` (this instance's members) in the room; with none,
   * a beat that says this instance serves the room.
   */
  publish(room: SharedRoom, keys: RoomKeys, clientIds: readonly number[]): void {
    this.publishOn(keys.presence, room, clientIds);
  }

  private publishOn(channel: string, room: SharedRoom, clientIds: readonly number[]): void {
    if (this.commands.status !== 'ready') return;
    const owners = room.localAwareness();
    const encoder = encoding.createEncoder();
    encoding.writeVarString(encoder, this.instanceId);
    encoding.writeVarUint8Array(
      encoder,
      awarenessProtocol.encodeAwarenessUpdate(room.awareness, [...clientIds]),
    );
    encoding.writeVarUint(encoder, clientIds.length);
    for (const id of clientIds) {
      encoding.writeVarUint(encoder, id);
      encoding.writeVarString(encoder, owners.get(id) ?? '');
    }
    this.commands.publish(channel, Buffer.from(encoding.toUint8Array(encoder))).catch(() => undefined);
  }

  private receive(channel: string, message: Buffer): void {
    const followed = this.byChannel.get(channel);
    if (!followed) return;
    try {
      const decoder = decoding.createDecoder(message);
      const instance = decoding.readVarString(decoder);
      if (instance === this.instanceId) return;
      const update = decoding.readVarUint8Array(decoder);
      const owners = new Map<number, string>();
      const count = decoding.readVarUint(decoder);
      for (let i = 0; i < count; i++) {
        const id = decoding.readVarUint(decoder);
        const token = decoding.readVarString(decoder);
        if (token) owners.set(id, token);
      }
      let remote = followed.remotes.get(instance);
      if (!remote) {
        remote = { ids: new Set(), seen: 0 };
        followed.remotes.set(instance, remote);
        if (followed.remotes.size === 1) this.onJoined(followed.room);
        // The newcomer learns at once that this instance serves the room too (not a heartbeat later).
        this.publishOn(channel, followed.room, [...followed.room.localAwareness().keys()]);
      }
      remote.seen = Date.now();
      for (const entry of readAwarenessEntries(update)) {
        if (entry.state === 'null') remote.ids.delete(entry.clientId);
        else remote.ids.add(entry.clientId);
      }
      followed.room.applyRemoteAwareness(update, owners);
    } catch (error) {
      this.log({ level: 'warn', msg: 'bad presence message', channel, error: String(error) });
    }
  }

  /** Removes the clients of instances silent past PRESENCE_TIMEOUT_MS. */
  private expire(): void {
    const before = Date.now() - PRESENCE_TIMEOUT_MS;
    for (const { room, remotes } of this.byChannel.values())
      for (const [instance, remote] of remotes) {
        if (remote.seen >= before) continue;
        remotes.delete(instance);
        if (remote.ids.size > 0) room.removeRemoteAwareness([...remote.ids]);
        this.log({ level: 'info', msg: 'instance silent: its presence removed', room: room.name, instance });
      }
  }

  stop(): void {
    clearInterval(this.heartbeat);
  }

  async disconnect(): Promise<void> {
    this.subscriber.disconnect();
  }
}
