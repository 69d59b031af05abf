// Server-sent events as OpenAI-compatible servers send them (`data: {...}\n\n`, `data: [DONE]\n\n`),
// parsed incrementally from the bytes of a response body, per the WHATWG EventSource rules: lines end
// in LF, CRLF or CR; `data:` lines of one event are joined with LF; a blank line ends the event;
// lines starting with `:` are comments (keep-alives).

export interface SseEvent {
  /** The `event:` field, or undefined for the default "message". */
  event?: string;
  data: string;
}

export class SseParser {
  private readonly decoder = new TextDecoder('utf-8');
  private buffer = '';
  private data: string[] = [];
  private event: string | undefined;
  private pendingCR = false;

  /** Feeds body bytes; returns the events they completed. */
  push(chunk: Uint8Array): SseEvent[] {
    return this.pushText(this.decoder.decode(chunk, { stream: true }));
  }

  pushText(text: string): SseEvent[] {
    const events: SseEvent[] = [];
    let input = text;
    // A CR at the end of the previous chunk may be the first half of a CRLF.
    if (this.pendingCR) {
      this.pendingCR = false;
      if (input.startsWith('\n')) input = input.slice(1);
    }
    let buffer = this.buffer + input;
    let start = 0;
    // Most servers never send CR: find it once, not once per line (that rescans the whole chunk).
    let cr = buffer.indexOf('\r');
    for (;;) {
      const lf = buffer.indexOf('\n', start);
      if (cr >= 0 && cr < start) cr = buffer.indexOf('\r', start);
      let end: number;
      let next: number;
      if (cr >= 0 && (lf < 0 || cr < lf)) {
        end = cr;
        if (cr + 1 === buffer.length) {
          this.pendingCR = true;
          next = cr + 1;
        } else next = buffer[cr + 1] === '\n' ? cr + 2 : cr + 1;
      } else if (lf >= 0) {
        end = lf;
        next = lf + 1;
      } else break;
      this.line(buffer.slice(start, end), events);
      start = next;
    }
    buffer = buffer.slice(start);
    this.buffer = buffer;
    return events;
  }

  /**
   * Ends the input. Returns true when nothing was left half-way (no partial line or undispatched
   * event): an event without its closing blank line was not completely received.
   */
  end(): boolean {
    const tail = this.decoder.decode();
    return this.buffer === '' && tail === '' && this.data.length === 0 && this.event === undefined;
  }

  private line(line: string, events: SseEvent[]): void {
    if (line === '') {
      if (this.data.length > 0) events.push({ event: this.event, data: this.data.join('\n') });
      this.data = [];
      this.event = undefined;
      return;
    }
    if (line.charCodeAt(0) === 58 /* : */) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32 /* space */) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    // `id` and `retry` matter to EventSource reconnection only; a completion stream is never resumed.
  }
}
