// The bounded ring of recent model requests: what "Tandem: Show Request Log" lists, and where the trust
// gate attaches what it did to a prompt. Bounded twice: by record count, and by the characters of
// prompt/answer text kept (old records lose their text first, never their times).

import type { ChatImage, ChatMessage, ModelEndpoint, RequestRecord, TrustAttachment } from './types';

export interface RequestLogOptions {
  /** Records kept; the oldest is dropped first. */
  capacity?: number;
  /** Characters of prompt and answer text kept over all records. */
  contentBudgetChars?: number;
}

export interface RequestStart {
  endpoint: ModelEndpoint;
  baseUrl: string;
  model: string;
  stream: boolean;
  feature?: string;
  sent?: RequestRecord['sent'];
  attachment?: TrustAttachment;
}

type Listener<T> = (value: T) => void;

export interface Unsubscribe {
  dispose(): void;
}

function sentChars(sent: RequestRecord['sent']): number {
  if (!sent) return 0;
  let chars = (sent.prompt?.length ?? 0) + (sent.suffix?.length ?? 0);
  for (const message of sent.messages ?? []) chars += message.content.length;
  return chars;
}

function contentChars(record: RequestRecord): number {
  return sentChars(record.sent) + (record.received?.length ?? 0);
}

function dropContent(record: RequestRecord): void {
  if (record.sent === undefined && record.received === undefined && record.contentDropped) return;
  record.sent = undefined;
  record.received = undefined;
  record.contentDropped = true;
}

export class RequestLog {
  readonly capacity: number;
  readonly contentBudgetChars: number;
  private readonly records: RequestRecord[] = [];
  private nextId = 1;
  /**
   * False keeps no prompt or answer text in any record (times, tokens and outcome only); setting it
   * to false also drops the text already kept.
   */
  private keep = true;
  private readonly changeListeners = new Set<Listener<RequestRecord>>();
  private readonly finishListeners = new Set<Listener<RequestRecord>>();

  constructor(options: RequestLogOptions = {}) {
    this.capacity = Math.max(1, options.capacity ?? 100);
    this.contentBudgetChars = Math.max(0, options.contentBudgetChars ?? 4_000_000);
  }

  /** Opens a record for a request that was just asked for (its `queuedAt` is now). */
  start(init: RequestStart): RequestRecord {
    const record: RequestRecord = {
      id: this.nextId++,
      endpoint: init.endpoint,
      baseUrl: init.baseUrl,
      model: init.model,
      feature: init.feature,
      stream: init.stream,
      startedAtEpochMs: Date.now(),
      queuedAt: performance.now(),
      attempts: 0,
      outcome: 'pending',
      sent: this.keep ? init.sent : undefined,
      contentDropped: this.keep ? undefined : true,
      attachment: init.attachment,
    };
    this.records.push(record);
    if (this.records.length > this.capacity) this.records.shift();
    this.enforceBudget();
    this.emit(this.changeListeners, record);
    return record;
  }

  /** Tells listeners a record changed (times, outcome). */
  changed(record: RequestRecord): void {
    this.emit(this.changeListeners, record);
  }

  /** Closes a record: sets when it finished and the answer text kept with it. */
  finish(record: RequestRecord, received?: string): void {
    record.doneAt ??= performance.now();
    if (received !== undefined && this.keep && !record.contentDropped && this.records.includes(record)) {
      record.received = received;
      this.enforceBudget();
    }
    this.emit(this.changeListeners, record);
    this.emit(this.finishListeners, record);
  }

  /** Adds (merges) what the trust gate wants kept with record `id`. False when it left the ring. */
  attach(id: number, attachment: TrustAttachment): boolean {
    const record = this.get(id);
    if (!record) return false;
    record.attachment = { ...record.attachment, ...attachment };
    this.emit(this.changeListeners, record);
    return true;
  }

  get(id: number): RequestRecord | undefined {
    return this.records.find((record) => record.id === id);
  }

  /** Records, newest first. */
  list(): readonly Readonly<RequestRecord>[] {
    return [...this.records].reverse();
  }

  /** The newest finished record. */
  lastFinished(): Readonly<RequestRecord> | undefined {
    for (let i = this.records.length - 1; i >= 0; i--)
      if (this.records[i].doneAt !== undefined) return this.records[i];
    return undefined;
  }

  get size(): number {
    return this.records.length;
  }

  clear(): void {
    this.records.length = 0;
  }

  get keepContent(): boolean {
    return this.keep;
  }

  set keepContent(keep: boolean) {
    this.keep = keep;
    if (!keep) for (const record of this.records) dropContent(record);
  }

  onDidChange(listener: Listener<RequestRecord>): Unsubscribe {
    this.changeListeners.add(listener);
    return { dispose: () => this.changeListeners.delete(listener) };
  }

  onDidFinish(listener: Listener<RequestRecord>): Unsubscribe {
    this.finishListeners.add(listener);
    return { dispose: () => this.finishListeners.delete(listener) };
  }

  private enforceBudget(): void {
    // Counted afresh each time (at most `capacity` records), so it stays right whoever drops text.
    let kept = 0;
    for (const record of this.records) kept += contentChars(record);
    // Drop text from the oldest records first; the newest record always keeps what it sent.
    for (let i = 0; i < this.records.length - 1 && kept > this.contentBudgetChars; i++) {
      const record = this.records[i];
      kept -= contentChars(record);
      dropContent(record);
    }
  }

  private emit(listeners: Set<Listener<RequestRecord>>, record: RequestRecord): void {
    for (const listener of listeners) {
      try {
        listener(record);
      } catch {
        // A listener's failure must not break a request.
      }
    }
  }
}

/** Latency parts of a record in milliseconds (undefined where the request never got that far). */
export interface LatencyBreakdown {
  /** Queued until sent (key lookup, retries' waiting). */
  waitMs?: number;
  /** Sent until the response headers. */
  headersMs?: number;
  /** Sent until the first token. */
  firstTokenMs?: number;
  /** Queued until done. */
  totalMs?: number;
}

export function latencyOf(record: Readonly<RequestRecord>): LatencyBreakdown {
  const since = (from: number | undefined, to: number | undefined) =>
    from === undefined || to === undefined ? undefined : Math.max(0, to - from);
  return {
    waitMs: since(record.queuedAt, record.sentAt),
    headersMs: since(record.sentAt, record.headersAt),
    firstTokenMs: since(record.sentAt, record.firstTokenAt),
    totalMs: since(record.queuedAt, record.doneAt),
  };
}

/** Messages as one text, for logs and token estimates. */
export function messagesText(messages: readonly ChatMessage[]): string {
  return messages
    .map((message) =>
      [
        `${message.role}: ${message.content}`,
        ...(message.images ?? []).map((image) => `[image: ${describeImage(image)}]`),
      ].join('\n'),
    )
    .join('\n');
}

/** Bytes of an image's base64 data. */
export function imageBytes(image: Pick<ChatImage, 'data'>): number {
  const padding = image.data.endsWith('==') ? 2 : image.data.endsWith('=') ? 1 : 0;
  return Math.floor((image.data.length * 3) / 4) - padding;
}

/** "screenshot.png, image/png, 120 KB" */
export function describeImage(image: ChatImage): string {
  const bytes = imageBytes(image);
  const size =
    bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
  return `${image.name}, ${image.mimeType}, ${size}`;
}
