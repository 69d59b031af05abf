// The collaboration server's public surface, for the extension (shared sessions) and the CLI.
export {
  startCollabServer,
  type CollabServer,
  type CollabServerOptions,
  type CreateTokenOptions,
} from './server';
export {
  signToken,
  verifyToken,
  parseDuration,
  type CollabRole,
  type TokenClaims,
  type TokenCheck,
} from './token';
export { defaultLimits, type CollabLimits } from './limits';
export { CloseCode } from './connection';
export type { CollabLogger, LogRecord, LogLevel } from './log';
export type { RoomSeeder } from './room';
