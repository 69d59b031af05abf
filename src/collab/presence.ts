/**
 * What each participant tells the others through y-protocols awareness (never stored, dropped 30 s
 * after a client stops renewing it): name, colour, role, the file they are in, their selections and
 * visible range as Y.RelativePositions (so they stay attached to the text while others edit), when
 * they last did something, and which files they need the host to share.
 *
 * While the assistant works on someone's request, that person's client also publishes where it is
 * working (`assistant`); everyone shows it as a participant of its own, "Assistant · asked by Alice".
 * It rides on the requester's presence, so the server's stamp (name, role) vouches for who asked: no
 * one can show an assistant asked by someone else, and a read-only presence carries none.
 */
import * as Y from 'yjs';

export type ParticipantRole = 'host' | 'rw' | 'ro';

export interface SelectionState {
  anchor: unknown;
  head: unknown;
}

export interface PresenceState {
  user: { name: string; color: string };
  role: ParticipantRole;
  /** Relative path of the active shared file. */
  file?: string;
  selections?: SelectionState[];
  /** First and last visible positions of the active editor (for Follow). */
  visible?: { start: unknown; end: unknown };
  /** Time of the last edit, selection change or scroll, ms since the epoch. */
  active: number;
  /** Files this participant is waiting for the host to share. */
  want?: string[];
  /** Set while the assistant generates an answer this participant asked for. */
  assistant?: AssistantPresenceState;
  /** This client's claim of its window's seat, with when it joined (src/collab/seat). */
  seat?: string;
}

/** Where the assistant is working for the participant who publishes it. */
export interface AssistantPresenceState {
  /** Relative path of the file it is working on. */
  file?: string;
  /** Its cursor (anchor = head), as relative positions. */
  selections?: SelectionState[];
  visible?: { start: unknown; end: unknown };
  /** When it started on the request, ms since the epoch. */
  since: number;
  /** The model's name as the requester's settings call it. */
  model?: string;
}

/** Name every peer shows for the assistant. */
export const ASSISTANT_NAME = 'Assistant';

export interface Participant {
  /** The Yjs client id of the connection that publishes it (for an assistant: its requester's). */
  clientId: number;
  /** 'assistant': the assistant working for the participant with the same client id. */
  kind: 'person' | 'assistant';
  /** Unique among participants: the client id, or `<client id>/assistant`. */
  key: string;
  /** For an assistant: the name of who asked it (as the server stamped it). */
  askedBy?: string;
  /** For an assistant: `Assistant · asked by Alice`; for a person: their name. */
  label: string;
  name: string;
  color: string;
  role: ParticipantRole;
  file?: string;
  self: boolean;
  idle: boolean;
  lastActive: number;
  state: PresenceState;
}

/** A participant counts as idle this long after their last activity. */
export const IDLE_AFTER_MS = 60_000;

/** Distinct on dark and light themes; picked by name when the user sets no colour. */
export const PALETTE = [
  '#e8590c',
  '#1c7ed6',
  '#2f9e44',
  '#ae3ec9',
  '#f08c00',
  '#0c8599',
  '#d6336c',
  '#5f3dc4',
];

export function colorFor(name: string): string {
  let hash = 0;
  for (let i = 0; i < name.length; i++) hash = (hash * 31 + name.charCodeAt(i)) >>> 0;
  return PALETTE[hash % PALETTE.length];
}

/** `#rrggbb` or `#rgb`; anything else is rejected so a peer cannot inject CSS. */
export function safeColor(value: unknown, fallback: string): string {
  return typeof value === 'string' && /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.test(value) ? value : fallback;
}

/** A name fit to show: trimmed, single line, at most 40 characters. */
export function safeName(value: unknown): string {
  const name =
    typeof value === 'string'
      ? [...value]
          .map((ch) => (ch < ' ' || ch === '\u007f' ? ' ' : ch))
          .join('')
          .trim()
      : '';
  return name.length === 0 ? 'Anonymous' : name.length > 40 ? `${name.slice(0, 39)}…` : name;
}

/**
 * Everyone in the session as awareness reports them, the local participant first. With
 * `assistants`, each assistant at work follows the person who asked it.
 */
export function participantsOf(
  states: Map<number, Record<string, unknown>>,
  selfClientId: number,
  now = Date.now(),
  options: { assistants?: boolean } = {},
): Participant[] {
  const result: Participant[] = [];
  for (const [clientId, raw] of states) {
    const state = raw as Partial<PresenceState>;
    if (!state || typeof state !== 'object' || !state.user) continue;
    const name = safeName(state.user.name);
    const lastActive = typeof state.active === 'number' ? state.active : 0;
    result.push({
      clientId,
      kind: 'person',
      key: String(clientId),
      label: name,
      name,
      color: safeColor(state.user.color, colorFor(name)),
      role: state.role === 'host' || state.role === 'ro' ? state.role : 'rw',
      file: typeof state.file === 'string' ? state.file : undefined,
      self: clientId === selfClientId,
      idle: now - lastActive > IDLE_AFTER_MS,
      lastActive,
      state: state as PresenceState,
    });
  }
  const people = result.sort((a, b) =>
    a.self !== b.self
      ? a.self
        ? -1
        : 1
      : a.role === 'host'
        ? -1
        : b.role === 'host'
          ? 1
          : a.name.localeCompare(b.name),
  );
  if (!options.assistants) return people;
  return people.flatMap((person) => {
    const assistant = assistantOf(person, now);
    return assistant ? [person, assistant] : [person];
  });
}

/** The assistant a person's presence shows at work, as a participant of its own (Follow works on it). */
export function assistantOf(person: Participant, now = Date.now()): Participant | undefined {
  const raw = (person.state as Partial<PresenceState>).assistant as unknown;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const work = raw as Partial<AssistantPresenceState>;
  const since = typeof work.since === 'number' ? work.since : person.lastActive;
  const label = `${ASSISTANT_NAME} · asked by ${person.name}`;
  const color = colorFor(`${ASSISTANT_NAME}/${person.name}`);
  const state: PresenceState = {
    user: { name: label, color },
    role: person.role,
    active: Math.max(since, person.lastActive),
    ...(typeof work.file === 'string' ? { file: work.file } : {}),
    ...(Array.isArray(work.selections) ? { selections: work.selections } : {}),
    ...(work.visible && typeof work.visible === 'object' ? { visible: work.visible } : {}),
  };
  return {
    clientId: person.clientId,
    kind: 'assistant',
    key: `${person.clientId}/assistant`,
    askedBy: person.name,
    label,
    name: ASSISTANT_NAME,
    color,
    role: person.role,
    file: state.file,
    self: person.self,
    idle: now - state.active > IDLE_AFTER_MS,
    lastActive: state.active,
    state,
  };
}

/** What the requester's client publishes while the assistant works at `offset` of `file`'s shared text. */
export function assistantPresence(
  text: Y.Text,
  file: string,
  offset: number,
  since: number,
  model?: string,
): AssistantPresenceState {
  const at = relativePosition(text, offset);
  return { file, selections: [{ anchor: at, head: at }], since, ...(model ? { model } : {}) };
}

/** A position in a Y.Text that follows the text as others edit it. */
export function relativePosition(text: Y.Text, index: number, assoc = 0): unknown {
  return Y.relativePositionToJSON(
    Y.createRelativePositionFromTypeIndex(text, Math.max(0, Math.min(index, text.length)), assoc),
  );
}

/** Where a relative position is now in `text` (LF offset), or undefined if it is not in that text. */
export function absoluteIndex(text: Y.Text, position: unknown): number | undefined {
  if (!position || typeof position !== 'object' || !text.doc) return undefined;
  try {
    const absolute = Y.createAbsolutePositionFromRelativePosition(
      Y.createRelativePositionFromJSON(position),
      text.doc,
    );
    if (!absolute || absolute.type !== text) return undefined;
    return absolute.index;
  } catch {
    return undefined;
  }
}
