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
}

export interface TokenCommand {
  readonly kind: 'token';
  readonly room: string;
  readonly role: CollabRole;
  readonly ttlMs: number;
  readonly name: string;
}

export type CliCommand = ServeCommand | TokenCommand | { readonly kind: 'help' };

export const usage = `Tandem collaboration server (y-websocket protocol, signed room tokens)

Usage:
  node dist/server.js [options]                 serve rooms
  node dist/server.js token --room R --role host|rw|ro --ttl 24h [--name N]
                                                print a token for room R (last line)

Options:
  --host H                  interface to listen on (default 127.0.0.1)
  --port P                  port, 0 for any free one (default 1234)
  --data DIR                store rooms durably in DIR (SQLite); in memory only when absent
  --max-message-bytes N     largest message accepted, else close 1009 (default ${16 * MiB})
  --messages-per-second N   per-connection message rate (default ${defaultLimits.messagesPerSecond})
  --bytes-per-second N      per-connection byte rate (default ${defaultLimits.bytesPerSecond})
  --awareness-per-second N  per-connection awareness rate (default ${defaultLimits.awarenessPerSecond})
  --max-rooms N             rooms loaded at once (default ${defaultLimits.maxRooms})
  --max-rooms-per-address N rooms one client address may open (default ${defaultLimits.maxRoomsPerAddress})
  --max-connections N       open connections (default ${defaultLimits.maxConnections})
  --idle-unload DURATION    unload a room this long after its last client left (default 30s)
  --log-level L             debug, info, warn or error (default info)
  --no-auth                 accept every client without a token (NOT for shared networks)
  -h, --help                show this help

Environment:
  TANDEM_SECRET             the token signing secret (required unless --no-auth)
`;

const numericLimitFlags: Record<string, keyof CollabLimits> = {
  '--max-message-bytes': 'maxMessageBytes',
  '--messages-per-second': 'messagesPerSecond',
  '--bytes-per-second': 'bytesPerSecond',
  '--awareness-per-second': 'awarenessPerSecond',
  '--max-rooms': 'maxRooms',
  '--max-rooms-per-address': 'maxRoomsPerAddress',
  '--max-connections': 'maxConnections',
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
export function parseCli(args: readonly string[]): CliCommand {
  if (args[0] === 'token') return parseTokenCommand(args.slice(1));
  const flags = readFlags(args, new Set(['--no-auth', '--help', '-h']));
  if (flags.has('--help') || flags.has('-h')) return { kind: 'help' };
  const known = new Set([
    '--host',
    '--port',
    '--data',
    '--no-auth',
    '--idle-unload',
    '--log-level',
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
  return {
    kind: 'serve',
    host: flags.get('--host') ?? '127.0.0.1',
    port,
    dataDir,
    noAuth: flags.has('--no-auth'),
    logLevel,
    limits,
  };
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
