// Structured logs: one JSON object per event. The embedded server hands records to its host; the
// standalone server prints them one per line.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogRecord {
  readonly level: LogLevel;
  readonly msg: string;
  readonly [field: string]: unknown;
}

export type CollabLogger = (record: LogRecord) => void;

const levelRank: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export function isLogLevel(value: string): value is LogLevel {
  return value in levelRank;
}

/** A logger writing `{"time":...,"level":...,"msg":...,...fields}` lines at or above `minimum`. */
export function jsonLineLogger(write: (line: string) => void, minimum: LogLevel = 'info'): CollabLogger {
  return (record) => {
    if (levelRank[record.level] < levelRank[minimum]) return;
    write(JSON.stringify({ time: new Date().toISOString(), ...record }) + '\n');
  };
}

export const silentLogger: CollabLogger = () => undefined;
