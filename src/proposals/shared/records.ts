/**
 * What a shared proposal looks like inside the session's Y.Doc, and how a record a peer wrote is read
 * back: every field is checked, because any writer in the room could have put anything there.
 *
 * - `proposals` id -> SharedProposalRecord, written once by whoever asked the assistant.
 * - `decisions` key -> DecisionRecord, one entry per click (accept, reject, undo) by any writer.
 * - `outcomes`  hunk id -> HunkOutcome, written only by the host's applier: the one place that says
 *               what became of a hunk, so every peer shows the same status.
 *
 * Nothing here holds a key or a token: a record is built field by field from what the model answered
 * and who asked, and the shared thread has secrets masked before it is written.
 */
import { normaliseSharedPath } from '../../collab/sessionDocument';
import type { LineSelection } from '../hunks';

export const PROPOSALS_ROOT = 'proposals';
export const DECISIONS_ROOT = 'decisions';
export const OUTCOMES_ROOT = 'outcomes';

/** Origin of the applier's transactions (outcomes and the text it writes): nobody's Undo takes them. */
export const APPLIER_ORIGIN = 'tandem-proposal-applier';
/** Origin of a participant's own proposal and decision writes. */
export const PROPOSAL_ORIGIN = 'tandem-proposal';

/** Bounds on what one proposal may carry, so one peer cannot bloat everyone's document. */
export const LIMITS = {
  hunks: 200,
  linesPerHunk: 5000,
  reasonChars: 4000,
  threadChars: 64_000,
  modelChars: 200,
  nameChars: 100,
  idChars: 120,
} as const;

/** Who did something: the name the server stamped on their presence, and their Yjs client id. */
export interface Person {
  readonly name: string;
  readonly clientId: number;
}

/** A Y.RelativePosition as `Y.relativePositionToJSON` writes it. */
export type AnchorJSON = Record<string, unknown>;

export interface SharedHunkRecord {
  /** `<proposal id>/<index>`; a remainder of a partly accepted hunk is `<hunk id>.<index>`. */
  readonly id: string;
  /** Start and end of the region the hunk replaces in the file's shared Y.Text. */
  readonly start: AnchorJSON;
  readonly end: AnchorJSON;
  /** The region's lines when the hunk was made (LF line breaks kept). */
  readonly removed: readonly string[];
  /** The lines the hunk puts in their place. */
  readonly added: readonly string[];
}

/** The request and answer behind a proposal, shared only when the requester opted in. */
export interface SharedThread {
  readonly request: string;
  readonly answer: string;
}

export interface SharedProposalRecord {
  readonly id: string;
  /** Shared path of the file (relative, '/'-separated). */
  readonly path: string;
  readonly reason: string;
  readonly askedBy: Person;
  /** Model name as the requester's settings call it. */
  readonly model: string;
  /** ms since the epoch, the requester's clock. */
  readonly createdAt: number;
  readonly hunks: readonly SharedHunkRecord[];
  readonly thread?: SharedThread;
}

export type DecisionAction = 'accept' | 'reject' | 'undo';

export interface DecisionRecord {
  readonly hunk: string;
  readonly action: DecisionAction;
  /** For a partial accept: which of the hunk's lines to take. */
  readonly selection?: LineSelection;
  readonly by: Person;
  readonly at: number;
}

/** What the applier did with one decision. */
export type DecisionResult = 'applied' | 'superseded' | 'refused';

export interface DecisionLogEntry {
  readonly key: string;
  readonly action: DecisionAction;
  readonly by: Person;
  readonly at: number;
  readonly result: DecisionResult;
  /** Why it was superseded or refused. */
  readonly reason?: string;
}

/**
 * Where a large accept being written in chunks stands (state 'applying'): how many code units of the
 * assistant's changed text are in, and the character after which the next chunk goes.
 */
export interface ApplyProgress {
  readonly done: number;
  readonly total: number;
  /** Relative position sticking to the last character written so far. */
  readonly after: AnchorJSON;
}

export interface HunkOutcome {
  /** 'applying': accepted, and a large text is being written in chunks (see hostApplier.ts). */
  readonly state: 'pending' | 'applying' | 'accepted' | 'rejected';
  /** Who made the decision that set `state` (absent while pending). */
  readonly by?: Person;
  readonly at?: number;
  /** Where the hunk's region is now, when the applier moved it (after an accept or an undo). */
  readonly region?: { readonly start: AnchorJSON; readonly end: AnchorJSON };
  /** For an accepted hunk: what the applier wrote and what it replaced (for undo). */
  readonly applied?: {
    readonly text: string;
    readonly replaced: string;
    readonly partial: boolean;
    /** The authorship edit id its characters carry (src/authorship/sharedAuthorship.ts). */
    readonly edit?: string;
    /**
     * `text` and `replaced` are the hunk's own added and removed lines, not repeated in the record
     * (a large accept's updates stay small); `findHunk` fills them in.
     */
    readonly fromHunk?: boolean;
  };
  /** While 'applying': how far the write has got. */
  readonly progress?: ApplyProgress;
  /** After a partial accept: what is left to review, anchored inside the written region. */
  readonly rest?: readonly SharedHunkRecord[];
  /** Every decision the applier has handled for this hunk, in the order it handled them. */
  readonly log: readonly DecisionLogEntry[];
}

// ---- Reading what peers wrote -------------------------------------------------------------------

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const boundedString = (value: unknown, max: number): value is string =>
  typeof value === 'string' && value.length <= max;

export function readPerson(value: unknown): Person | undefined {
  if (!isObject(value)) return undefined;
  const { name, clientId } = value;
  if (!boundedString(name, LIMITS.nameChars) || !Number.isSafeInteger(clientId) || (clientId as number) < 0)
    return undefined;
  return { name, clientId: clientId as number };
}

function readAnchor(value: unknown): AnchorJSON | undefined {
  return isObject(value) ? value : undefined;
}

function readLines(value: unknown): string[] | undefined {
  if (!Array.isArray(value) || value.length > LIMITS.linesPerHunk) return undefined;
  return value.every((line) => typeof line === 'string') ? (value as string[]) : undefined;
}

export function readHunk(value: unknown): SharedHunkRecord | undefined {
  if (!isObject(value) || !boundedString(value.id, LIMITS.idChars * 2)) return undefined;
  const start = readAnchor(value.start);
  const end = readAnchor(value.end);
  const removed = readLines(value.removed);
  const added = readLines(value.added);
  if (!start || !end || !removed || !added) return undefined;
  return { id: value.id, start, end, removed, added };
}

export function readProposal(value: unknown): SharedProposalRecord | undefined {
  if (!isObject(value)) return undefined;
  const { id, path, reason, model, createdAt, hunks, thread } = value;
  const askedBy = readPerson(value.askedBy);
  if (
    !boundedString(id, LIMITS.idChars) ||
    typeof path !== 'string' ||
    normaliseSharedPath(path) !== path ||
    !boundedString(reason, LIMITS.reasonChars) ||
    !boundedString(model, LIMITS.modelChars) ||
    typeof createdAt !== 'number' ||
    !askedBy ||
    !Array.isArray(hunks) ||
    hunks.length > LIMITS.hunks
  )
    return undefined;
  const read = hunks.map(readHunk);
  if (read.some((hunk, i) => !hunk || hunk.id !== `${id}/${i}`)) return undefined;
  let sharedThread: SharedThread | undefined;
  if (thread !== undefined) {
    if (
      !isObject(thread) ||
      !boundedString(thread.request, LIMITS.threadChars) ||
      !boundedString(thread.answer, LIMITS.threadChars)
    )
      return undefined;
    sharedThread = { request: thread.request, answer: thread.answer };
  }
  return {
    id,
    path,
    reason,
    model,
    createdAt,
    askedBy,
    hunks: read as SharedHunkRecord[],
    ...(sharedThread ? { thread: sharedThread } : {}),
  };
}

function readIndices(value: unknown): number[] | undefined {
  if (!Array.isArray(value) || value.length > LIMITS.linesPerHunk) return undefined;
  return value.every((i) => Number.isSafeInteger(i) && i >= 0) ? (value as number[]) : undefined;
}

export function readSelection(value: unknown): LineSelection | undefined {
  if (!isObject(value)) return undefined;
  const removed = readIndices(value.removed);
  const added = readIndices(value.added);
  return removed && added ? { removed, added } : undefined;
}

const ACTIONS: ReadonlySet<string> = new Set(['accept', 'reject', 'undo']);

export function readDecision(value: unknown): DecisionRecord | undefined {
  if (!isObject(value)) return undefined;
  const by = readPerson(value.by);
  const { hunk, action, at } = value;
  if (!by || !boundedString(hunk, LIMITS.idChars * 2) || typeof action !== 'string' || !ACTIONS.has(action))
    return undefined;
  if (typeof at !== 'number') return undefined;
  let selection: LineSelection | undefined;
  if (value.selection !== undefined) {
    selection = readSelection(value.selection);
    if (!selection) return undefined;
  }
  return { hunk, action: action as DecisionAction, by, at, ...(selection ? { selection } : {}) };
}

export function readOutcome(value: unknown): HunkOutcome | undefined {
  if (!isObject(value) || !Array.isArray(value.log)) return undefined;
  const state = value.state;
  if (state !== 'pending' && state !== 'applying' && state !== 'accepted' && state !== 'rejected')
    return undefined;
  const log: DecisionLogEntry[] = [];
  for (const entry of value.log) {
    if (!isObject(entry)) continue;
    const by = readPerson(entry.by);
    if (
      !by ||
      typeof entry.key !== 'string' ||
      typeof entry.action !== 'string' ||
      !ACTIONS.has(entry.action)
    )
      continue;
    const result = entry.result;
    if (result !== 'applied' && result !== 'superseded' && result !== 'refused') continue;
    log.push({
      key: entry.key,
      action: entry.action as DecisionAction,
      by,
      at: Number(entry.at) || 0,
      result,
      ...(typeof entry.reason === 'string' ? { reason: entry.reason } : {}),
    });
  }
  const region =
    isObject(value.region) && readAnchor(value.region.start) && readAnchor(value.region.end)
      ? { start: value.region.start as AnchorJSON, end: value.region.end as AnchorJSON }
      : undefined;
  const applied =
    isObject(value.applied) && value.applied.fromHunk === true
      ? {
          text: '',
          replaced: '',
          partial: false,
          fromHunk: true,
          ...(typeof value.applied.edit === 'string' ? { edit: value.applied.edit } : {}),
        }
      : isObject(value.applied) &&
          typeof value.applied.text === 'string' &&
          typeof value.applied.replaced === 'string'
        ? {
            text: value.applied.text,
            replaced: value.applied.replaced,
            partial: value.applied.partial === true,
            ...(typeof value.applied.edit === 'string' ? { edit: value.applied.edit } : {}),
          }
        : undefined;
  const rest = Array.isArray(value.rest)
    ? value.rest.map(readHunk).filter((hunk): hunk is SharedHunkRecord => hunk !== undefined)
    : undefined;
  const progress =
    isObject(value.progress) &&
    Number.isSafeInteger(value.progress.done) &&
    Number.isSafeInteger(value.progress.total) &&
    readAnchor(value.progress.after)
      ? {
          done: value.progress.done as number,
          total: value.progress.total as number,
          after: value.progress.after as AnchorJSON,
        }
      : undefined;
  const by = readPerson(value.by);
  return {
    state,
    log,
    ...(by ? { by, at: Number(value.at) || 0 } : {}),
    ...(region ? { region } : {}),
    ...(applied ? { applied } : {}),
    ...(progress ? { progress } : {}),
    ...(rest && rest.length ? { rest } : {}),
  };
}

/** The proposal a hunk id belongs to, and the path of indices to the hunk (original, then remainders). */
export function parseHunkId(hunkId: string): { proposalId: string; path: number[] } | undefined {
  const slash = hunkId.lastIndexOf('/');
  if (slash <= 0) return undefined;
  const path = hunkId
    .slice(slash + 1)
    .split('.')
    .map(Number);
  if (path.length === 0 || path.some((i) => !Number.isSafeInteger(i) || i < 0)) return undefined;
  return { proposalId: hunkId.slice(0, slash), path };
}
