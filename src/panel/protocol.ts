/**
 * The one message protocol between the side panel's webview (media/) and the extension (src/panel/).
 * Both ends import these types, and both validate what they receive with the parsers below: a webview
 * is a separate page, and nothing it posts is trusted to have the right shape.
 */

/** Context the person attaches to a request; resolved to text on the extension side when sent. */
export type ChipRef =
  { kind: 'selection' } | { kind: 'activeFile' } | { kind: 'diagnostics' } | { kind: 'file'; path: string };

export interface ChipView {
  ref: ChipRef;
  label: string;
  /** e.g. "lines 3-9" or "2 errors". */
  detail?: string;
  /** Why this chip's text is never sent (an excluded file): shown instead of offering it. */
  excluded?: string;
}

export type MessageStatus = 'streaming' | 'done' | 'stopped' | 'error';

export interface MessageView {
  id: string;
  role: 'user' | 'assistant';
  text: string;
  status: MessageStatus;
  error?: string;
  /** Something the person should know about the request, e.g. a file that was not sent. */
  notice?: string;
  /** Labels of the context chips sent with a user message. */
  chips?: string[];
  proposalId?: string;
  /** The request log record of an assistant answer ("What was sent"). */
  requestId?: number;
  /** The project's instruction files and examples that went with the request (paths as shown). */
  instructions?: string[];
}

export interface ConversationSummary {
  id: string;
  title: string;
  updatedAt: number;
}

export interface ConversationView {
  id: string;
  title: string;
  messages: MessageView[];
}

/** `reverted`: accepted, then taken back by Revert Assistant Edits. */
export type HunkStatusView = 'pending' | 'accepted' | 'rejected' | 'stale' | 'reverted';

export interface HunkView {
  id: string;
  status: HunkStatusView;
  /** 1-based line in the live document. */
  line: number;
  /** Lines without their line breaks. */
  removed: string[];
  added: string[];
  /** A shared proposal's hunk: who decided it, or what is happening to it ("accepted by Bob"). */
  note?: string;
  /** This participant accepted it in a shared session and may ask to undo it. */
  undoable?: boolean;
}

export interface FileView {
  path: string;
  kind: 'modify' | 'create' | 'delete';
  hunks: HunkView[];
  /** Why applying needs an explicit confirmation (protected path), when it does. */
  protectedReasons: string[];
}

export interface FailureView {
  index: number;
  path?: string;
  reason: string;
}

export interface ProposalView {
  id: string;
  rationale: string;
  files: FileView[];
  failures: FailureView[];
  requestId?: number;
  /** A request to redo the failed blocks is running. */
  redoing: boolean;
  /** A proposal in a shared session: who asked, which model, whether this participant may decide. */
  shared?: SharedView;
}

export interface SharedView {
  askedBy: string;
  model: string;
  /** False for a read-only participant: they see the proposal but cannot decide. */
  canDecide: boolean;
  /** The request and answer behind it, when the requester chose to share them. */
  thread?: { request: string; answer: string };
}

/** One proposal's surviving text in the file the summary is about. */
export interface AuthorshipRunView {
  proposal: string;
  characters: number;
  lines: number;
  /** 1-based line of its first mark (or of where it deleted text). */
  line: number;
  /** Characters its edits deleted without writing anything there (still gone), and what they were. */
  removed: number;
  removedTexts: string[];
  /** The local conversation that asked for it, when there is one (shown as a link). */
  conversationId?: string;
}

export interface AuthorshipPersonView {
  askedBy: string;
  model: string;
  characters: number;
  lines: number;
  removed: number;
  runs: AuthorshipRunView[];
}

/** How much of the active editor's file the assistant wrote. */
export interface AuthorshipSummaryView {
  /** The document's URI (echoed back by actions) and its path as shown. */
  uri: string;
  path: string;
  /** A file of a shared session. */
  shared: boolean;
  characters: number;
  lines: number;
  /** Characters the assistant's accepted edits deleted (those that wrote nothing in their place). */
  removed: number;
  totalCharacters: number;
  totalLines: number;
  people: AuthorshipPersonView[];
}

export type HostMessage =
  | {
      type: 'state';
      conversation: ConversationView;
      conversations: ConversationSummary[];
      busy: boolean;
      proposals: ProposalView[];
      chips: ChipView[];
      model: string;
    }
  | { type: 'messageAdded'; conversationId: string; message: MessageView }
  | { type: 'messageDelta'; conversationId: string; messageId: string; text: string }
  | { type: 'messageUpdated'; conversationId: string; message: MessageView }
  | { type: 'busy'; busy: boolean }
  | { type: 'proposals'; proposals: ProposalView[] }
  | { type: 'chips'; chips: ChipView[] }
  | { type: 'fileMatches'; query: string; paths: string[] }
  | { type: 'focusInput'; text?: string; chips?: ChipRef[] }
  /** The active editor's authorship summary; none when no text editor is open. */
  | { type: 'authorship'; summary?: AuthorshipSummaryView };

export type HunkAction = 'accept' | 'reject' | 'reveal' | 'repropose' | 'undo';
export type FileAction = 'acceptAll' | 'rejectAll' | 'openDiff' | 'open';
export type ProposalAction = 'acceptAll' | 'rejectAll' | 'redoFailed' | 'whatWasSent' | 'dismiss';
/** On one proposal's text in the summarized file: show its first mark, open its conversation, revert it there. */
export type AuthorshipAction = 'reveal' | 'conversation' | 'revert';

/** An image pasted, dropped or picked into the request box: base64 of the file's bytes. */
export interface ImageAttachment {
  name: string;
  mimeType: 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp';
  data: string;
}

/** At most this many images per request; the trust gate limits their size. */
export const MAX_IMAGES = 4;
const IMAGE_MIME_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'] as const;

export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'send'; text: string; chips: ChipRef[]; images?: ImageAttachment[] }
  | { type: 'stop' }
  | { type: 'newConversation' }
  | { type: 'openConversation'; id: string }
  | { type: 'deleteConversation'; id: string }
  | { type: 'searchFiles'; query: string }
  | {
      type: 'hunkAction';
      action: HunkAction;
      hunkId: string;
      selection?: { removed: number[]; added: number[] };
    }
  | { type: 'fileAction'; action: FileAction; proposalId: string; path: string }
  | { type: 'proposalAction'; action: ProposalAction; proposalId: string }
  | { type: 'showRequest'; requestId: number }
  | { type: 'authorshipAction'; action: AuthorshipAction; uri: string; proposal: string }
  | { type: 'openLink'; href: string }
  | { type: 'copy'; text: string }
  | { type: 'insert'; text: string };

// ---- validation -------------------------------------------------------------------------------

type Fields = Record<string, unknown>;

const isObject = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isString = (value: unknown, max = 1_000_000): value is string =>
  typeof value === 'string' && value.length <= max;
const isInt = (value: unknown): value is number => Number.isInteger(value);
const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => isString(item));
const isIntArray = (value: unknown): value is number[] =>
  Array.isArray(value) && value.length <= 100_000 && value.every((item) => isInt(item) && item >= 0);
const oneOf = <T extends string>(value: unknown, options: readonly T[]): value is T =>
  typeof value === 'string' && (options as readonly string[]).includes(value);

export function isChipRef(value: unknown): value is ChipRef {
  if (!isObject(value)) return false;
  if (value.kind === 'file') return isString(value.path, 4096) && value.path.length > 0;
  return oneOf(value.kind, ['selection', 'activeFile', 'diagnostics'] as const);
}

function isImageAttachment(value: unknown): value is ImageAttachment {
  return (
    isObject(value) &&
    isString(value.name, 500) &&
    oneOf(value.mimeType, IMAGE_MIME_TYPES) &&
    // Room for the gate's own limit to be the one that refuses (with its message).
    isString(value.data, 64 * 1024 * 1024)
  );
}

const HUNK_ACTIONS: readonly HunkAction[] = ['accept', 'reject', 'reveal', 'repropose', 'undo'];
const FILE_ACTIONS: readonly FileAction[] = ['acceptAll', 'rejectAll', 'openDiff', 'open'];
const AUTHORSHIP_ACTIONS: readonly AuthorshipAction[] = ['reveal', 'conversation', 'revert'];
const PROPOSAL_ACTIONS: readonly ProposalAction[] = [
  'acceptAll',
  'rejectAll',
  'redoFailed',
  'whatWasSent',
  'dismiss',
];

/** The message, when `value` is a well-formed message from the webview; undefined otherwise. */
export function parseWebviewMessage(value: unknown): WebviewMessage | undefined {
  if (!isObject(value) || typeof value.type !== 'string') return undefined;
  const m = value;
  switch (m.type) {
    case 'ready':
    case 'stop':
    case 'newConversation':
      return { type: m.type };
    case 'send': {
      if (
        !isString(m.text, 100_000) ||
        !Array.isArray(m.chips) ||
        m.chips.length > 50 ||
        !m.chips.every(isChipRef)
      )
        return undefined;
      if (m.images === undefined) return { type: 'send', text: m.text, chips: m.chips };
      return Array.isArray(m.images) && m.images.length <= MAX_IMAGES && m.images.every(isImageAttachment)
        ? { type: 'send', text: m.text, chips: m.chips, images: m.images }
        : undefined;
    }
    case 'openConversation':
    case 'deleteConversation':
      return isString(m.id, 200) ? { type: m.type, id: m.id } : undefined;
    case 'searchFiles':
      return isString(m.query, 1000) ? { type: 'searchFiles', query: m.query } : undefined;
    case 'hunkAction': {
      if (!oneOf(m.action, HUNK_ACTIONS) || !isString(m.hunkId, 4096)) return undefined;
      if (m.selection === undefined) return { type: 'hunkAction', action: m.action, hunkId: m.hunkId };
      const selection = m.selection;
      if (!isObject(selection) || !isIntArray(selection.removed) || !isIntArray(selection.added))
        return undefined;
      return {
        type: 'hunkAction',
        action: m.action,
        hunkId: m.hunkId,
        selection: { removed: selection.removed, added: selection.added },
      };
    }
    case 'fileAction':
      return oneOf(m.action, FILE_ACTIONS) && isString(m.proposalId, 200) && isString(m.path, 4096)
        ? { type: 'fileAction', action: m.action, proposalId: m.proposalId, path: m.path }
        : undefined;
    case 'proposalAction':
      return oneOf(m.action, PROPOSAL_ACTIONS) && isString(m.proposalId, 200)
        ? { type: 'proposalAction', action: m.action, proposalId: m.proposalId }
        : undefined;
    case 'showRequest':
      return isInt(m.requestId) ? { type: 'showRequest', requestId: m.requestId } : undefined;
    case 'openLink':
      return isString(m.href, 4096) ? { type: 'openLink', href: m.href } : undefined;
    case 'authorshipAction':
      return oneOf(m.action, AUTHORSHIP_ACTIONS) && isString(m.uri, 8192) && isString(m.proposal, 200)
        ? { type: 'authorshipAction', action: m.action, uri: m.uri, proposal: m.proposal }
        : undefined;
    case 'copy':
    case 'insert':
      return isString(m.text) ? { type: m.type, text: m.text } : undefined;
    default:
      return undefined;
  }
}

function isMessageView(value: unknown): value is MessageView {
  return (
    isObject(value) &&
    isString(value.id) &&
    oneOf(value.role, ['user', 'assistant'] as const) &&
    isString(value.text) &&
    oneOf(value.status, ['streaming', 'done', 'stopped', 'error'] as const) &&
    (value.error === undefined || isString(value.error)) &&
    (value.notice === undefined || isString(value.notice)) &&
    (value.chips === undefined || isStringArray(value.chips)) &&
    (value.proposalId === undefined || isString(value.proposalId)) &&
    (value.requestId === undefined || isInt(value.requestId)) &&
    (value.instructions === undefined || isStringArray(value.instructions))
  );
}

function isChipView(value: unknown): value is ChipView {
  return (
    isObject(value) &&
    isChipRef(value.ref) &&
    isString(value.label) &&
    (value.detail === undefined || isString(value.detail)) &&
    (value.excluded === undefined || isString(value.excluded))
  );
}

function isHunkView(value: unknown): value is HunkView {
  return (
    isObject(value) &&
    isString(value.id) &&
    oneOf(value.status, ['pending', 'accepted', 'rejected', 'stale', 'reverted'] as const) &&
    isInt(value.line) &&
    isStringArray(value.removed) &&
    isStringArray(value.added) &&
    (value.note === undefined || isString(value.note)) &&
    (value.undoable === undefined || typeof value.undoable === 'boolean')
  );
}

function isSharedView(value: unknown): value is SharedView {
  return (
    isObject(value) &&
    isString(value.askedBy) &&
    isString(value.model) &&
    typeof value.canDecide === 'boolean' &&
    (value.thread === undefined ||
      (isObject(value.thread) && isString(value.thread.request) && isString(value.thread.answer)))
  );
}

function isProposalView(value: unknown): value is ProposalView {
  return (
    isObject(value) &&
    isString(value.id) &&
    isString(value.rationale) &&
    typeof value.redoing === 'boolean' &&
    (value.shared === undefined || isSharedView(value.shared)) &&
    (value.requestId === undefined || isInt(value.requestId)) &&
    Array.isArray(value.failures) &&
    value.failures.every(
      (failure) =>
        isObject(failure) &&
        isInt(failure.index) &&
        isString(failure.reason) &&
        (failure.path === undefined || isString(failure.path)),
    ) &&
    Array.isArray(value.files) &&
    value.files.every(
      (file) =>
        isObject(file) &&
        isString(file.path) &&
        oneOf(file.kind, ['modify', 'create', 'delete'] as const) &&
        isStringArray(file.protectedReasons) &&
        Array.isArray(file.hunks) &&
        file.hunks.every(isHunkView),
    )
  );
}

const isCount = (value: unknown): value is number => isInt(value) && value >= 0;

function isAuthorshipRunView(value: unknown): value is AuthorshipRunView {
  return (
    isObject(value) &&
    isString(value.proposal) &&
    isCount(value.characters) &&
    isCount(value.lines) &&
    isInt(value.line) &&
    value.line >= 1 &&
    isCount(value.removed) &&
    isStringArray(value.removedTexts) &&
    (value.conversationId === undefined || isString(value.conversationId))
  );
}

function isAuthorshipSummaryView(value: unknown): value is AuthorshipSummaryView {
  return (
    isObject(value) &&
    isString(value.uri) &&
    isString(value.path) &&
    typeof value.shared === 'boolean' &&
    isCount(value.characters) &&
    isCount(value.lines) &&
    isCount(value.removed) &&
    isCount(value.totalCharacters) &&
    isCount(value.totalLines) &&
    Array.isArray(value.people) &&
    value.people.every(
      (person) =>
        isObject(person) &&
        isString(person.askedBy) &&
        isString(person.model) &&
        isCount(person.characters) &&
        isCount(person.lines) &&
        isCount(person.removed) &&
        Array.isArray(person.runs) &&
        person.runs.every(isAuthorshipRunView),
    )
  );
}

const isConversationView = (value: unknown): value is ConversationView =>
  isObject(value) &&
  isString(value.id) &&
  isString(value.title) &&
  Array.isArray(value.messages) &&
  value.messages.every(isMessageView);

const isSummary = (value: unknown): value is ConversationSummary =>
  isObject(value) && isString(value.id) && isString(value.title) && typeof value.updatedAt === 'number';

/** The message, when `value` is a well-formed message from the extension; undefined otherwise. */
export function parseHostMessage(value: unknown): HostMessage | undefined {
  if (!isObject(value) || typeof value.type !== 'string') return undefined;
  const m = value;
  switch (m.type) {
    case 'state':
      return isConversationView(m.conversation) &&
        Array.isArray(m.conversations) &&
        m.conversations.every(isSummary) &&
        typeof m.busy === 'boolean' &&
        Array.isArray(m.proposals) &&
        m.proposals.every(isProposalView) &&
        Array.isArray(m.chips) &&
        m.chips.every(isChipView) &&
        isString(m.model)
        ? (m as HostMessage)
        : undefined;
    case 'messageAdded':
    case 'messageUpdated':
      return isString(m.conversationId) && isMessageView(m.message) ? (m as HostMessage) : undefined;
    case 'messageDelta':
      return isString(m.conversationId) && isString(m.messageId) && isString(m.text)
        ? (m as HostMessage)
        : undefined;
    case 'busy':
      return typeof m.busy === 'boolean' ? { type: 'busy', busy: m.busy } : undefined;
    case 'proposals':
      return Array.isArray(m.proposals) && m.proposals.every(isProposalView) ? (m as HostMessage) : undefined;
    case 'chips':
      return Array.isArray(m.chips) && m.chips.every(isChipView) ? (m as HostMessage) : undefined;
    case 'fileMatches':
      return isString(m.query) && isStringArray(m.paths) ? (m as HostMessage) : undefined;
    case 'focusInput':
      return (m.text === undefined || isString(m.text)) &&
        (m.chips === undefined || (Array.isArray(m.chips) && m.chips.every(isChipRef)))
        ? (m as HostMessage)
        : undefined;
    case 'authorship':
      return m.summary === undefined || isAuthorshipSummaryView(m.summary) ? (m as HostMessage) : undefined;
    default:
      return undefined;
  }
}
