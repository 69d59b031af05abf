// Reads a fill out of a model's streamed answer: cuts at the first stop token (servers that ignore
// `stop` still produce clean text), holds back text that may be the start of a stop token, and for the
// chat prompt drops the <COMPLETION> wrapper and a Markdown fence the model added anyway.

import { stopTokens, type PromptFormat } from './promptFormats';

const openTag = '<COMPLETION>';

export class FillFilter {
  private raw = '';
  private emitted = 0;
  private stoppedAt: number | undefined;
  private readonly stops: readonly string[];

  constructor(private readonly format: PromptFormat) {
    // A chat model that fences its answer ends the fill with the closing fence.
    this.stops = format === 'chat' ? [...stopTokens(format), '\n```'] : stopTokens(format);
  }

  /** True once a stop token was seen: later text is not part of the fill. */
  get stopped(): boolean {
    return this.stoppedAt !== undefined;
  }

  /** Takes the next raw text; returns the fill text that is now certain. */
  push(text: string): string {
    if (this.stopped) return '';
    this.raw += text;
    return this.take(false);
  }

  /** The stream ended: returns whatever was held back. */
  flush(): string {
    return this.stopped ? '' : this.take(true);
  }

  /** The whole fill so far. */
  get text(): string {
    const { body, end } = this.view(true);
    return body.slice(0, end);
  }

  private take(final: boolean): string {
    const { body, end, stopped } = this.view(final);
    if (stopped) this.stoppedAt = end;
    const out = end > this.emitted ? body.slice(this.emitted, end) : '';
    this.emitted = Math.max(this.emitted, end);
    return out;
  }

  /** The fill body (raw text without wrappers) and how much of it is certain. */
  private view(final: boolean): { body: string; end: number; stopped: boolean } {
    let body = this.raw;
    if (this.format === 'chat') {
      const lead = body.trimStart();
      // Wait until it is clear whether the answer starts with the tag or a fence.
      if (!final && (openTag.startsWith(lead) || '```'.startsWith(lead)))
        return { body: '', end: 0, stopped: false };
      if (lead.startsWith(openTag)) body = lead.slice(openTag.length);
      const fence = /^\s*```[\w+.-]*[ \t]*(\r?\n|$)/.exec(body);
      if (fence) {
        if (!final && !fence[1]) return { body: '', end: 0, stopped: false };
        body = body.slice(fence[0].length);
      }
    }
    let end = body.length;
    let stopped = false;
    for (const stop of this.stops) {
      const at = body.indexOf(stop);
      if (at >= 0 && at < end) {
        end = at;
        stopped = true;
      }
    }
    if (!stopped && !final) end -= this.partialStopLength(body);
    return { body, end, stopped };
  }

  /** Length of the longest tail of `body` that is a proper prefix of a stop token. */
  private partialStopLength(body: string): number {
    let longest = 0;
    for (const stop of this.stops) {
      for (let length = Math.min(stop.length - 1, body.length); length > longest; length--) {
        if (body.endsWith(stop.slice(0, length))) {
          longest = length;
          break;
        }
      }
    }
    return longest;
  }
}

/** The fill in a complete answer (same rules as streaming). */
export function extractFill(format: PromptFormat, answer: string): string {
  const filter = new FillFilter(format);
  return filter.push(answer) + filter.flush();
}
