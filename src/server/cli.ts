// Command-line parsing for dist/server.js. Pure: turns argv into a command or an error message.
import { type CollabLimits, MiB, defaultLimits } from './limits';
import { isLogLevel, type LogLevel } from './log';
import { type CollabRole, parseDuration } from './token';

export interface ServeCommand {
  readonly kind: 'serve';
  readonly host: string;
  readonly port: number;
  readonly dataDir: string | undefined;
  readonly noAuth: boolean;
  readonly logLevel: LogLevel;
  readonly limits: Partial<CollabLimits>;
  readonly durability: 'normal' | 'full';
  readonly commitWindowMs: number | undefined;
  readonly trustProxy: boolean;
  readonly deleteIdleAfterMs: number | undefined;
  /** Redis shared by several instances serving the same rooms (`--redis` or TANDEM_REDIS_URL). */
  readonly redisUrl: string | undefined;
  /** With --redis: the cycle of busy shared rooms (`--redis-cycle`), default in redisRooms.ts. */
  readonly redisCycleMs: number | undefined;
  /** With --redis: how other instances reach this one (`--advertise`); false: `--advertise off`. */
  readonly advertise: string | false | undefined;
}

/** `rooms ls` / `rooms rm <room>` on a data directory (with the server stopped). */
export interface RoomsCommand {
  readonly kind: 'rooms';
  readonly action: 'ls' | 'rm';
  readonly room: string | undefined;
  readonly dataDir: string;
}

export interface TokenCommand {
  readonly kind: 'token';
  readonly room: string;
  readonly role: CollabRole;
  readonly ttlMs: number;
  readonly name: string;
}

export type CliCommand = ServeCommand | TokenCommand | RoomsCommand | { readonly kind: 'help' };

export const usage = `Tandem collaboration server (y-websocket protocol, signed room tokens)

Usage:
  node dist/server.js [options]                 serve rooms
  node dist/server.js token --room R --role host|rw|ro --ttl 24h [--name N]
                                                print a token for room R (last line)
  node dist/server.js rooms ls --data DIR       list stored rooms (size, updates, last used)
  node dist/server.js rooms rm ROOM --data DIR  delete a stored room (stop the server first)

Options:
  --host H                  interface to listen on (default 127.0.0.1)
  --port P                  port, 0 for any free one (default 1234)
  --data DIR                store rooms durably in DIR (SQLite); in memory only when absent
  --redis URL               share rooms with every other instance given the same Redis, e.g.
                            redis://10.0.0.5:6379/0 (rediss:// for TLS): Redis holds the rooms
                            (instead of --data), their updates, presence and revocations
  --redis-cycle MS          with --redis: while rooms shared with other instances are busy, write
                            and read them once every MS ms, in one round trip (default 15): more
                            saves CPU, and an edit crosses instances within about twice that
  --advertise HOST:PORT     with --redis: how the other instances reach this one (default: --host
                            and --port when --host is one address). A room lives on the instance
                            that loaded it, and the others pass its new connections through to it;
                            off: every instance serves the rooms its clients ask for
  --max-message-bytes N     largest message accepted, else close 1009 (default ${16 * MiB})
  --messages-per-second N   per-connection message rate (default ${defaultLimits.messagesPerSecond})
  --bytes-per-second N      per-connection byte rate (default ${defaultLimits.bytesPerSecond})
  --awareness-per-second N  per-connection awareness rate (default ${defaultLimits.awarenessPerSecond})
  --max-rooms N             rooms loaded at once (default ${defaultLimits.maxRooms})
  --max-rooms-per-address N rooms one client address may open (default ${defaultLimits.maxRoomsPerAddress})
  --max-connections N       open connections (default ${defaultLimits.maxConnections})
  --idle-unload DURATION    unload a room this long after its last client left (default 30s)
  --max-document-bytes N    encoded size a room may reach; an update past it is refused with
                            close code 4413 (default ${defaultLimits.maxDocumentBytes})
  --max-awareness-bytes N   largest awareness message, else close 1009 (default ${defaultLimits.maxAwarenessBytes})
  --max-awareness-clients N awareness client ids per connection, else close 1008 (default ${defaultLimits.maxAwarenessClients})
  --sync-requests-per-second N  per-connection sync requests; excess is delayed (default ${defaultLimits.syncRequestsPerSecond})
  --durability normal|full  SQLite sync level with --data (default normal: survives a killed server
                            process; full also fsyncs each commit against power loss)
  --commit-window MS        store relayed updates in one commit within MS milliseconds (default 5)
  --delete-idle-after DURATION  delete stored rooms unused this long, e.g. 90d (default never)
  --trust-proxy             behind one reverse proxy: per-address limits use the last
                            X-Forwarded-For address (only when every client comes through it)
  --log-level L             debug, info, warn or error (default info)
  --no-auth                 accept every client without a token (NOT for shared networks)
  -h, --help                show this help

Environment:
  TANDEM_SECRET             the token signing secret (required unless --no-auth)
  TANDEM_METRICS_TOKEN      when set, /metrics needs "Authorization: Bearer <it>"
  TANDEM_REDIS_URL          the Redis URL when --redis is not given (keeps a password off the
                            command line)
`;

const numericLimitFlags: Record<string, keyof CollabLimits> = {
  '--max-message-bytes': 'maxMessageBytes',
  '--messages-per-second': 'messagesPerSecond',
  '--bytes-per-second': 'bytesPerSecond',
  '--awareness-per-second': 'awarenessPerSecond',
  '--max-rooms': 'maxRooms',
  '--max-rooms-per-address': 'maxRoomsPerAddress',
  '--max-connections': 'maxConnections',
  '--max-document-bytes': 'maxDocumentBytes',
  '--max-awareness-bytes': 'maxAwarenessBytes',
  '--max-awareness-clients': 'maxAwarenessClients',
  '--sync-requests-per-second': 'syncRequestsPerSecond',
};

/** Splits `--flag=value` and `--flag value` into pairs; `--no-auth` and `--help` take no value. */
function readFlags(args: readonly string[], valueless: ReadonlySet<string>): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('-')) throw new Error(`unexpected argument "${arg}"`);
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (flags.has(name)) throw new Error(`${name} is given twice`);
    if (valueless.has(name)) {
      if (eq > 0) throw new Error(`${name} takes no value`);
      flags.set(name, '');
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined || (eq < 0 && value.startsWith('--'))) throw new Error(`${name} needs a value`);
    flags.set(name, value);
  }
  return flags;
}

function positiveInteger(flag: string, text: string, allowZero = false): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || (value === 0 && !allowZero))
    throw new Error(`${flag} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got "${text}"`);
  return value;
}

/** Parses argv (without node and the script). Throws an Error whose message tells what to fix. */
export function parseCli(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): CliCommand {
  if (args[0] === 'token') return parseTokenCommand(args.slice(1));
  if (args[0] === 'rooms') return parseRoomsCommand(args.slice(1));
  const flags = readFlags(args, new Set(['--no-auth', '--trust-proxy', '--help', '-h']));
  if (flags.has('--help') || flags.has('-h')) return { kind: 'help' };
  const known = new Set([
    '--host',
    '--port',
    '--data',
    '--no-auth',
    '--idle-unload',
    '--log-level',
    '--durability',
    '--commit-window',
    '--delete-idle-after',
    '--trust-proxy',
    '--redis',
    '--redis-cycle',
    '--advertise',
    ...Object.keys(numericLimitFlags),
  ]);
  for (const name of flags.keys()) if (!known.has(name)) throw new Error(`unknown option ${name}`);
  const port = positiveInteger('--port', flags.get('--port') ?? '1234', true);
  if (port > 65535) throw new Error(`--port must be at most 65535, got ${port}`);
  const limits: Partial<CollabLimits> = {};
  for (const [flag, key] of Object.entries(numericLimitFlags)) {
    const text = flags.get(flag);
    if (text !== undefined) limits[key] = positiveInteger(flag, text);
  }
  if (flags.has('--idle-unload')) limits.idleUnloadMs = parseDuration(flags.get('--idle-unload') as string);
  const logLevel = flags.get('--log-level') ?? 'info';
  if (!isLogLevel(logLevel))
    throw new Error(`--log-level must be debug, info, warn or error, got "${logLevel}"`);
  const dataDir = flags.get('--data');
  if (dataDir === '') throw new Error('--data needs a directory');
  const durability = flags.get('--durability') ?? 'normal';
  if (durability !== 'normal' && durability !== 'full')
    throw new Error(`--durability must be normal or full, got "${durability}"`);
  const commitWindow = flags.get('--commit-window');
  const commitWindowMs =
    commitWindow === undefined ? undefined : positiveInteger('--commit-window', commitWindow);
  const redisUrl = flags.get('--redis') ?? (env.TANDEM_REDIS_URL || undefined);
  if (redisUrl !== undefined) {
    let protocol = '';
    try {
      protocol = new URL(redisUrl).protocol;
    } catch {
      // Reported below.
    }
    if (protocol !== 'redis:' && protocol !== 'rediss:')
      throw new Error(
        `--redis needs a redis:// or rediss:// URL, got "${redisUrl.replace(/\/\/[^@/]*@/, '//***@')}"`,
      );
    if (dataDir !== undefined)
      throw new Error('--redis and --data exclude each other: with Redis, Redis holds the rooms');
  }
  const redisCycle = flags.get('--redis-cycle');
  if (redisCycle !== undefined && redisUrl === undefined) throw new Error('--redis-cycle needs --redis');
  const redisCycleMs = redisCycle === undefined ? undefined : positiveInteger('--redis-cycle', redisCycle);
  if (redisCycleMs !== undefined && redisCycleMs > 1000)
    throw new Error(`--redis-cycle must be at most 1000 ms, got ${redisCycleMs}`);
  const advertiseFlag = flags.get('--advertise');
  if (advertiseFlag !== undefined && redisUrl === undefined) throw new Error('--advertise needs --redis');
  if (
    advertiseFlag !== undefined &&
    advertiseFlag !== 'off' &&
    !/^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):\d{1,5}$/.test(advertiseFlag)
  )
    throw new Error(`--advertise needs HOST:PORT (or off), got "${advertiseFlag}"`);
  const advertisedPort = advertiseFlag?.slice(advertiseFlag.lastIndexOf(':') + 1);
  if (
    advertiseFlag !== undefined &&
    advertiseFlag !== 'off' &&
    !(Number(advertisedPort) >= 1 && Number(advertisedPort) <= 65_535)
  )
    throw new Error(`--advertise needs a port 1-65535, got ${advertisedPort}`);
  if (advertiseFlag !== undefined && /^(0\.0\.0\.0|\[[0:]+\]):/.test(advertiseFlag))
    throw new Error(
      `--advertise needs an address the other instances reach this one at, not every interface (${advertiseFlag})`,
    );
  const advertise = advertiseFlag === 'off' ? false : advertiseFlag;
  const deleteIdle = flags.get('--delete-idle-after');
  if (deleteIdle !== undefined && redisUrl !== undefined)
    throw new Error('--delete-idle-after works with --data only; with --redis, expire idle rooms in Redis');
  if (deleteIdle !== undefined && dataDir === undefined)
    throw new Error('--delete-idle-after needs --data (rooms in memory are gone at exit anyway)');
  return {
    kind: 'serve',
    host: flags.get('--host') ?? '127.0.0.1',
    port,
    dataDir,
    noAuth: flags.has('--no-auth'),
    logLevel,
    limits,
    durability,
    commitWindowMs,
    trustProxy: flags.has('--trust-proxy'),
    deleteIdleAfterMs: deleteIdle === undefined ? undefined : parseDuration(deleteIdle),
    redisUrl,
    redisCycleMs,
    advertise,
  };
}

function parseRoomsCommand(args: readonly string[]): RoomsCommand {
  const action = args[0];
  if (action !== 'ls' && action !== 'rm')
    throw new Error('rooms needs ls or rm, e.g. rooms rm <room> --data DIR');
  const room = action === 'rm' ? args[1] : undefined;
  if (action === 'rm' && (room === undefined || room.startsWith('--')))
    throw new Error('rooms rm needs the name of the room to delete');
  const flags = readFlags(args.slice(action === 'rm' ? 2 : 1), new Set());
  for (const name of flags.keys()) if (name !== '--data') throw new Error(`unknown rooms option ${name}`);
  const dataDir = flags.get('--data');
  if (!dataDir) throw new Error(`rooms ${action} needs --data <the server's data directory>`);
  return { kind: 'rooms', action, room, dataDir };
}

function parseTokenCommand(args: readonly string[]): TokenCommand {
  const flags = readFlags(args, new Set());
  for (const name of flags.keys())
    if (!['--room', '--role', '--ttl', '--name'].includes(name))
      throw new Error(`unknown token option ${name}`);
  const room = flags.get('--room');
  if (!room) throw new Error('token needs --room <name>');
  const role = flags.get('--role');
  if (role !== 'host' && role !== 'rw' && role !== 'ro')
    throw new Error('token needs --role host, --role rw or --role ro');
  const ttl = flags.get('--ttl');
  if (!ttl) throw new Error('token needs --ttl <duration>, e.g. --ttl 24h');
  return { kind: 'token', room, role, ttlMs: parseDuration(ttl), name: flags.get('--name') ?? '' };
}
