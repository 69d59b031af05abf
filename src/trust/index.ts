// The trust gate's public API. Every feature that talks to a model goes through `TrustGate`
// (`chat` for conversations and edits, `fill` for inline completions); features never import the
// model client. The vscode adapter (src/trust/vscode/) builds the one gate of the window, keeps its
// rules in step with `.tandemignore` files and settings, and asks for confirmation of protected edits.

export {
  TrustGate,
  TrustExclusionError,
  TrustImageError,
  MAX_IMAGE_BYTES,
  isTrustExclusionError,
  TrustControlTokenError,
  isTrustControlTokenError,
  type GateModel,
  type TrustGateOptions,
  type PreparedFill,
} from './gate';
export type {
  SourceKind,
  PieceSource,
  UntrustedPiece,
  ConversationTurn,
  GateChatRequest,
  GateFillRequest,
  GateRawRequest,
  DroppedPiece,
  GateReport,
  PreparedChat,
  GatedCall,
  RequestLogMode,
} from './types';
export {
  ExclusionRules,
  describeExclusion,
  IGNORE_FILE_NAME,
  type ExclusionVerdict,
  type ExclusionOrigin,
} from './exclusion/exclusionRules';
export { BUILTIN_SENSITIVE_PATTERNS } from './exclusion/builtinPatterns';
export {
  SecretVault,
  PlaceholderStreamRestorer,
  type Redaction as SecretRedaction,
  type RedactedText,
  type RestoreResult,
} from './secrets/secretVault';
export { scanForSecrets, type SecretFinding } from './secrets/secretScanner';
export { isSecretName, secretNameKind, type AssignedKind } from './secrets/secretNames';
export { chooseNonce, fence, fenceTagName, trustPreamble } from './fencing';
export {
  findProtectedChanges,
  protectionReasons,
  isInsideWorkspace,
  type ProposedFileChange,
  type ProtectedChange,
  type ProtectionReason,
  type ProtectionCode,
} from './protectedPaths';
