/**
 * The panel's conversations, kept per workspace. Only what is shown is stored (messages and the labels
 * of their context chips); the context text itself is read again when needed, never persisted.
 */
import type { ConversationSummary, ConversationView, MessageView } from '../panel/protocol';

/** The part of VS Code's Memento the store uses (workspaceState in the extension, a Map in tests). */
export interface KeyValueStore {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): Thenable<void> | Promise<void>;
}

export interface StoredConversation extends ConversationView {
  createdAt: number;
  updatedAt: number;
}

export interface ConversationLimits {
  /** Conversations kept; the least recently used go first. */
  conversations: number;
  /** Messages kept per conversation; the oldest go first. */
  messages: number;
}

const STORAGE_KEY = 'tandem.panel.conversations';
const DEFAULT_LIMITS: ConversationLimits = { conversations: 30, messages: 200 };
const TITLE_LENGTH = 60;

let idCounter = 0;
export function newId(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${(++idCounter).toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

export class ConversationStore {
  private readonly conversations: StoredConversation[];
  private currentId: string;

  constructor(
    private readonly storage: KeyValueStore,
    private readonly limits: ConversationLimits = DEFAULT_LIMITS,
    /** Applied to every message's text as it is written to storage (the trust gate's known secrets). */
    private readonly redactForStorage: (text: string) => string = (text) => text,
  ) {
    const stored = storage.get<unknown>(STORAGE_KEY);
    this.conversations = Array.isArray(stored) ? stored.filter(isStoredConversation).map(settle) : [];
    this.conversations.sort((a, b) => b.updatedAt - a.updatedAt);
    this.currentId = this.conversations[0]?.id ?? this.create().id;
  }

  get current(): StoredConversation {
    return this.find(this.currentId) ?? this.create();
  }

  /** Newest first. */
  summaries(): ConversationSummary[] {
    return this.conversations
      .filter((conversation) => conversation.messages.length > 0 || conversation.id === this.currentId)
      .map(({ id, title, updatedAt }) => ({ id, title, updatedAt }));
  }

  find(id: string): StoredConversation | undefined {
    return this.conversations.find((conversation) => conversation.id === id);
  }

  /** Starts a new conversation (reusing the current one when it is still empty). */
  startNew(): StoredConversation {
    if (this.current.messages.length === 0) return this.current;
    return this.create();
  }

  open(id: string): StoredConversation | undefined {
    const conversation = this.find(id);
    if (conversation) this.currentId = id;
    return conversation;
  }

  async delete(id: string): Promise<void> {
    const index = this.conversations.findIndex((conversation) => conversation.id === id);
    if (index < 0) return;
    this.conversations.splice(index, 1);
    if (id === this.currentId) this.currentId = this.conversations[0]?.id ?? this.create().id;
    await this.save();
  }

  add(conversation: StoredConversation, message: MessageView): void {
    conversation.messages.push(message);
    if (conversation.messages.length > this.limits.messages)
      conversation.messages.splice(0, conversation.messages.length - this.limits.messages);
    if (conversation.title === 'New conversation' && message.role === 'user' && message.text.trim())
      conversation.title = titleOf(message.text);
    this.touch(conversation);
  }

  touch(conversation: StoredConversation): void {
    conversation.updatedAt = Date.now();
    const index = this.conversations.indexOf(conversation);
    if (index > 0) {
      this.conversations.splice(index, 1);
      this.conversations.unshift(conversation);
    }
  }

  async save(): Promise<void> {
    while (this.conversations.length > this.limits.conversations) this.conversations.pop();
    const redact = this.redactForStorage;
    await this.storage.update(
      STORAGE_KEY,
      this.conversations.map((conversation) => ({
        ...conversation,
        title: redact(conversation.title),
        messages: conversation.messages.map((message) => ({ ...message, text: redact(message.text) })),
      })),
    );
  }

  private create(): StoredConversation {
    const now = Date.now();
    const conversation: StoredConversation = {
      id: newId('c'),
      title: 'New conversation',
      messages: [],
      createdAt: now,
      updatedAt: now,
    };
    this.conversations.unshift(conversation);
    this.currentId = conversation.id;
    return conversation;
  }
}

export function titleOf(text: string): string {
  const line = text.trim().split('\n')[0].replace(/\s+/g, ' ');
  return line.length > TITLE_LENGTH ? `${line.slice(0, TITLE_LENGTH - 1)}…` : line;
}

/** A message still streaming when the window closed was cut off: say so. */
function settle(conversation: StoredConversation): StoredConversation {
  for (const message of conversation.messages) if (message.status === 'streaming') message.status = 'stopped';
  return conversation;
}

function isStoredConversation(value: unknown): value is StoredConversation {
  if (typeof value !== 'object' || value === null) return false;
  const conversation = value as Partial<StoredConversation>;
  return (
    typeof conversation.id === 'string' &&
    typeof conversation.title === 'string' &&
    typeof conversation.updatedAt === 'number' &&
    Array.isArray(conversation.messages) &&
    conversation.messages.every(
      (message) =>
        typeof message === 'object' &&
        message !== null &&
        typeof message.id === 'string' &&
        (message.role === 'user' || message.role === 'assistant') &&
        typeof message.text === 'string',
    )
  );
}
