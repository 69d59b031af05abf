// Where a room lives in Redis, and the two Lua scripts that read and fold it atomically.
//
// Per room (the `{room}` hash tag keeps one room's keys in one Redis Cluster slot):
//   tandem:{room}:updates    stream: every accepted update, field `u` = bytes, `i` = instance id
//   tandem:{room}:snapshot   hash: `state` = the folded document, `upto` = the last stream id it holds
//   tandem:{room}:lease      string: the instance compacting the room now (SET NX PX)
//   tandem:{room}:home       string: "<instance id> <host:port>" of the instance the room lives on,
//                            to which the others hand its new connections (HOLD_HOME, expiring)
//   tandem:{room}:presence   pub/sub channel: awareness (ephemeral, repeated every heartbeat)
// Shared by every room:
//   tandem:revoked           hash: token id -> revocation record (JSON)
//   tandem:control           stream: revocations, as they happen, for every instance to act on
//   tandem:cluster-key       string: random, made by the first instance: signs the client address an
//                            instance passes on with a connection it hands to another

export interface RoomKeys {
  readonly updates: string;
  readonly snapshot: string;
  readonly lease: string;
  readonly presence: string;
  readonly home: string;
}

export function roomKeys(room: string): RoomKeys {
  const base = `tandem:{${room}}`;
  return {
    updates: `${base}:updates`,
    snapshot: `${base}:snapshot`,
    lease: `${base}:lease`,
    presence: `${base}:presence`,
    home: `${base}:home`,
  };
}

export const REVOKED_KEY = 'tandem:revoked';
export const CLUSTER_KEY = 'tandem:cluster-key';
export const CONTROL_KEY = 'tandem:control';
/** Never written: stands for the control stream's (missing) snapshot in READ_CHECKED. */
export const CONTROL_NO_SNAPSHOT = 'tandem:control:no-snapshot';

/** Compares two stream ids ("ms-seq"); negative when a < b. */
export function compareStreamIds(a: string, b: string): number {
  const [aMs, aSeq] = a.split('-').map(BigInt);
  const [bMs, bSeq] = b.split('-').map(BigInt);
  if (aMs !== bMs) return aMs < bMs ? -1 : 1;
  if (aSeq !== bSeq) return aSeq < bSeq ? -1 : 1;
  return 0;
}

/**
 * KEYS: snapshot, updates. Returns {state, upto, entries after upto} or {} when the room was never
 * created. One script, so no compaction can trim the stream between reading the snapshot and its tail.
 */
export const LOAD_ROOM = `
local snap = redis.call('HMGET', KEYS[1], 'state', 'upto')
if not snap[1] then return {} end
local upto = snap[2] or '0-0'
return {snap[1], upto, redis.call('XRANGE', KEYS[2], '(' .. upto, '+')}
`;

/**
 * KEYS: snapshot, updates, lease. ARGV: instance id, state, upto, retention ms.
 * Stores the snapshot only while this instance holds the lease and only if it is newer than the
 * stored one; then trims the stream of entries the snapshot holds, keeping the last `retention` ms
 * of them for instances that read a little behind (one further behind reloads the snapshot).
 * Returns 1 when stored, 0 when a newer snapshot was there, -1 when the lease was lost.
 */
export const COMPACT_ROOM = `
if redis.call('GET', KEYS[3]) ~= ARGV[1] then return -1 end
local function parse(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local ms, seq = parse(ARGV[3])
local stored = redis.call('HGET', KEYS[1], 'upto')
if stored then
  local sms, sseq = parse(stored)
  if sms > ms or (sms == ms and sseq > seq) then
    redis.call('DEL', KEYS[3])
    return 0
  end
end
redis.call('HSET', KEYS[1], 'state', ARGV[2], 'upto', ARGV[3])
local now = redis.call('TIME')
local cut = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - tonumber(ARGV[4])
local minid
if cut < ms then
  minid = string.format('%.0f-0', cut)
else
  minid = string.format('%.0f-%.0f', ms, seq + 1)
end
if cut > 0 then redis.call('XTRIM', KEYS[2], 'MINID', minid) end
redis.call('DEL', KEYS[3])
return 1
`;

/**
 * KEYS: home. ARGV: this instance's home value, the expiry in ms. Makes the room live on this instance
 * if it lives nowhere, or keeps it so if it does; returns the home value it has now (this one's or
 * another instance's).
 */
export const HOLD_HOME = `
local holder = redis.call('GET', KEYS[1])
if holder == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return ARGV[1]
end
if holder == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return holder
`;

/**
 * KEYS: lease (or home). ARGV: instance id (or home value). Lets the compaction lease go if this
 * instance still holds it (a compaction that found nothing to fold, or failed before COMPACT_ROOM,
 * which lets it go itself); a room's home the same way, when the room leaves this instance.
 */
export const RELEASE_LEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * KEYS: snapshot and updates of each room, in pairs. ARGV: the last id read of each room, then the
 * most entries to return per room. Per room, `{0, entries after the id}`, or `{1}` when a compaction
 * may have trimmed entries after that id before the reader read them: its snapshot reaches past the
 * id and the stream keeps nothing up to the id (a trim removes a prefix, and keeps the last minute:
 * an instance that falls this far behind, or a retention of 0). The reader must then merge the
 * snapshot (LOAD_ROOM), which holds them. One script, so no trim can fall between the check and the
 * read.
 */
export const READ_CHECKED = `
local function after(a, b)
  local ams, aseq = string.match(a, '^(%d+)-(%d+)$')
  local bms, bseq = string.match(b, '^(%d+)-(%d+)$')
  ams, aseq, bms, bseq = tonumber(ams), tonumber(aseq), tonumber(bms), tonumber(bseq)
  return ams > bms or (ams == bms and aseq > bseq)
end
local count = tonumber(ARGV[#ARGV])
local out = {}
for i = 1, #KEYS, 2 do
  local last = ARGV[(i + 1) / 2]
  local upto = redis.call('HGET', KEYS[i], 'upto')
  local overtaken = false
  if upto and after(upto, last) then
    local first = redis.call('XRANGE', KEYS[i + 1], '-', '+', 'COUNT', 1)
    overtaken = #first == 0 or after(first[1][1], last)
  end
  if overtaken then
    out[#out + 1] = {1}
  else
    out[#out + 1] = {0, redis.call('XRANGE', KEYS[i + 1], '(' .. last, '+', 'COUNT', count)}
  end
end
return out
`;
