// The baseline the completion bench compares with: Continue's default autocomplete, as its source
// reads (continuedev/continue, the files and commits listed in CONTINUE_SOURCES), on the same context,
// trust gate, model client and model server as Tandem's:
// - debounce (AutocompleteDebouncer, debounceDelay 350 ms): a keystroke after a quiet spell asks at
//   once and opens a 350 ms window; a keystroke inside the window waits 350 ms and goes on only if no
//   newer keystroke came meanwhile;
// - cache (useCache: true, AutocompleteLruCache, 1000 entries): after the debounce, the longest cached
//   prefix that the current prefix starts with answers, when its completion starts with what was typed
//   since; every shown completion is cached under its prefix;
// - generator reuse (GeneratorReuseManager): a request still streaming is reused, not replaced, while
//   its prefix plus what it streamed so far still starts with the current prefix;
// - multi-line (shouldCompleteMultiline, multilineCompletions "auto"): unless text follows the cursor
//   on its line or the line is a line comment; a single-line completion ends at the first newline;
// - stops (getStopTokens, StreamTransformPipeline): the request carries the template's stops plus
//   "\n\n", "\r\n\r\n", "/src/", "#- coding: utf-8" and "```" (never "\n"); a multi-line completion also
//   ends at the line below the cursor (exactly or similar), after 3 repeated lines, and at a double
//   newline; a stop ends the request ("fullStop"), a keystroke only stops listening to it (VS Code's
//   cancellation token), and the completion is shown once complete.
import type { CompletionGate, CompletionSettings } from '../../../src/completion/completionEngine';
import type { ContextSources } from '../../../src/completion/context/promptContext';
import { syntaxOf } from '../../../src/completion/cleaning/codeScanner';
import type { CursorPosition, DocumentText } from '../../../src/completion/documentText';
import { prepareFill } from '../../../src/completion/fillRequest';
import { resolvePromptFormat, stopTokens } from '../../../src/model';
import type { GatedCall } from '../../../src/trust';

export const CONTINUE_SOURCES: Readonly<Record<string, string>> = {
  'core/autocomplete/CompletionProvider.ts': '02e4fa6e452d03f3eb31c0e4599d140c11980984',
  'core/util/parameters.ts (DEFAULT_AUTOCOMPLETE_OPTS)': '07b3abaa20ec07a8ba08fc1559051ad64dccc8a2',
  'core/autocomplete/util/AutocompleteDebouncer.ts': '176c50210dbf4ee417fd02d1e42abfbf4b64b781',
  'core/autocomplete/util/AutocompleteLruCache.ts': '04323155cd77a9d305aab7de163ef7a8c2594dc8',
  'core/autocomplete/generation/GeneratorReuseManager.ts': '4ffb7734fe20342c064f7052028b22b520d170cc',
  'core/autocomplete/classification/shouldCompleteMultiline.ts': '0c93acd2389cced107f305e0f7c4bd14952c578f',
  'core/autocomplete/templating/getStopTokens.ts': '2ae584e8c8f262039172aa2e2588a26257650a52',
  'core/autocomplete/filtering/streamTransforms/StreamTransformPipeline.ts':
    '0c38ecf05bc34d5e84e155617d961061d7d0c076',
};

export const CONTINUE_DEBOUNCE_MS = 350;
const CACHE_CAPACITY = 1000;
const MAX_REPEATED_LINES = 3;
const EXTRA_STOPS = ['\n\n', '\r\n\r\n', '/src/', '#- coding: utf-8', '```'];

/** Continue's completion cache: prefix -> completion, answered by the longest matching prefix. */
class PrefixCache {
  private readonly entries = new Map<string, { value: string; used: number }>();
  private clock = 0;

  get(prefix: string): string | undefined {
    let best: string | undefined;
    for (const key of this.entries.keys())
      if (prefix.startsWith(key) && (best === undefined || key.length > best.length)) best = key;
    if (best === undefined) return undefined;
    const entry = this.entries.get(best)!;
    const typed = prefix.slice(best.length);
    if (!entry.value.startsWith(typed)) return undefined;
    entry.used = ++this.clock;
    return entry.value.slice(typed.length);
  }

  put(prefix: string, value: string): void {
    this.entries.set(prefix, { value, used: ++this.clock });
    if (this.entries.size <= CACHE_CAPACITY) return;
    let oldest: string | undefined;
    let oldestUse = Infinity;
    for (const [key, entry] of this.entries)
      if (entry.used < oldestUse) {
        oldestUse = entry.used;
        oldest = key;
      }
    if (oldest !== undefined) this.entries.delete(oldest);
  }
}

/** A request's stream, shared by every keystroke that reuses it. */
interface Generator {
  readonly prefix: string;
  readonly gated: GatedCall;
  text: string;
  done: boolean;
  readonly listeners: Set<() => void>;
}

export class ContinueBaseline {
  /** Completions past the debounce, and how many of them the cache answered. */
  lookups = 0;
  cacheHits = 0;
  private readonly cache = new PrefixCache();
  private debouncing = false;
  private window: NodeJS.Timeout | undefined;
  private latestCall = 0;
  private generator: Generator | undefined;
  private listening = new AbortController();
  private stopped = false;

  constructor(
    private readonly gate: CompletionGate,
    private readonly settings: CompletionSettings,
    private readonly sources: ContextSources,
  ) {}

  /** A key was pressed: `onGhost` is called if a completion for this position becomes available. */
  keystroke(
    doc: DocumentText,
    pos: CursorPosition,
    indentUnit: string,
    onGhost: (text: string) => void,
  ): void {
    // VS Code cancels the previous call's token on the next keystroke.
    this.listening.abort();
    this.listening = new AbortController();
    void this.provide(doc, pos, indentUnit, this.listening.signal).then((text) => {
      if (text) onGhost(text);
    });
  }

  stop(): void {
    this.stopped = true;
    this.listening.abort();
    clearTimeout(this.window);
    this.generator?.gated.call.abort();
  }

  private async debounce(): Promise<boolean> {
    const call = ++this.latestCall;
    if (this.debouncing) {
      this.window?.refresh();
      await new Promise((resolve) => setTimeout(resolve, CONTINUE_DEBOUNCE_MS));
      return call !== this.latestCall;
    }
    this.debouncing = true;
    this.window = setTimeout(() => (this.debouncing = false), CONTINUE_DEBOUNCE_MS);
    return false;
  }

  private async provide(
    doc: DocumentText,
    pos: CursorPosition,
    indentUnit: string,
    signal: AbortSignal,
  ): Promise<string | undefined> {
    if (await this.debounce()) return undefined;
    if (signal.aborted || this.stopped) return undefined;
    const fill = prepareFill({ doc, pos, indentUnit, tabSize: 4 }, this.settings, this.sources, false);
    const prefix = fill.context.prefix;
    this.lookups++;
    const cached = this.cache.get(prefix);
    if (cached) {
      this.cacheHits++;
      return cached;
    }
    const line = doc.lineAt(pos.line);
    const comment = syntaxOf(doc.languageId).lineComments[0];
    const multiLine =
      line.slice(pos.character) === '' &&
      pos.line < doc.lineCount - 1 &&
      !(comment && line.slice(0, pos.character).trimStart().startsWith(comment));
    let lineBelow = '';
    for (let i = pos.line + 1; i < doc.lineCount && lineBelow.trim() === ''; i++) lineBelow = doc.lineAt(i);

    const format = resolvePromptFormat(this.settings.format, this.settings.model);
    const generator = this.generatorFor(prefix, () =>
      this.gate.fill({
        ...fill.request,
        maxTokens: this.settings.maxTokensMultiLine,
        extraBody: { stop: [...stopTokens(format), ...EXTRA_STOPS] },
      }),
    );
    const text = await this.read(
      generator,
      prefix.slice(generator.prefix.length),
      multiLine,
      lineBelow,
      signal,
    );
    if (text === undefined || signal.aborted || text.trim() === '') return undefined;
    this.cache.put(prefix, text);
    return text;
  }

  private generatorFor(prefix: string, start: () => GatedCall): Generator {
    const current = this.generator;
    if (
      current &&
      (current.prefix + current.text).startsWith(prefix) &&
      current.prefix.length <= prefix.length
    )
      return current;
    current?.gated.call.abort();
    const gated = start();
    const generator: Generator = { prefix, gated, text: '', done: false, listeners: new Set() };
    this.generator = generator;
    const restorer = gated.streamRestorer();
    void (async () => {
      try {
        for await (const delta of gated.call) {
          if (delta.index !== 0) continue;
          generator.text += restorer.push(delta.text);
          for (const listener of generator.listeners) listener();
        }
        generator.text += restorer.flush();
      } catch {
        // Aborted (replaced, stopped) or failed: what streamed so far stands.
      }
      generator.done = true;
      for (const listener of generator.listeners) listener();
    })();
    return generator;
  }

  /** Follows the stream from its start, past what was typed since it began, to where Continue stops. */
  private read(
    generator: Generator,
    typed: string,
    multiLine: boolean,
    lineBelow: string,
    signal: AbortSignal,
  ): Promise<string | undefined> {
    return new Promise((resolve) => {
      const fullStop = (text: string) => {
        generator.gated.call.abort();
        finish(text);
      };
      const finish = (text: string | undefined) => {
        generator.listeners.delete(check);
        signal.removeEventListener('abort', onAbort);
        resolve(text);
      };
      const onAbort = () => finish(undefined);
      const check = () => {
        let text = generator.text;
        const skip = commonPrefixLength(text, typed);
        if (skip < typed.length && text.length > skip) return finish(undefined);
        if (skip < typed.length) return generator.done ? finish(undefined) : undefined;
        text = text.slice(typed.length);
        for (const stop of EXTRA_STOPS) {
          const at = text.indexOf(stop);
          if (at >= 0) return fullStop(text.slice(0, at));
        }
        if (!multiLine) {
          const newline = text.indexOf('\n');
          if (newline >= 0) return finish(text.slice(0, newline));
          return generator.done ? finish(text) : undefined;
        }
        const lines = text.split('\n');
        const complete = generator.done ? lines : lines.slice(0, -1);
        for (let i = 0; i < complete.length; i++) {
          const line = complete[i];
          const repeated =
            i >= MAX_REPEATED_LINES - 1 &&
            complete.slice(i - MAX_REPEATED_LINES + 1, i).every((l) => l === line);
          if ((lineBelow.trim() !== '' && line.trim() === lineBelow.trim()) || repeated)
            return fullStop(lines.slice(0, repeated ? i - MAX_REPEATED_LINES + 2 : i).join('\n'));
        }
        if (generator.done) finish(text);
      };
      generator.listeners.add(check);
      signal.addEventListener('abort', onAbort);
      check();
    });
  }
}

function commonPrefixLength(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}
