// The baseline the completion bench compares with: a plain fixed debounce as Continue ships it. Every
// keystroke restarts a 350 ms timer and aborts the request in flight; when the timer fires, the same
// context, trust gate, model client and cleaning as Tandem's make one request for that position. No
// cache, no type-along, no adaptive wait.
import { cleanCompletion } from '../../../src/completion/cleaning/cleanCompletion';
import type { CompletionGate, CompletionSettings } from '../../../src/completion/completionEngine';
import type { ContextSources } from '../../../src/completion/context/promptContext';
import type { CursorPosition, DocumentText } from '../../../src/completion/documentText';
import { prepareFill } from '../../../src/completion/fillRequest';
import type { GatedCall } from '../../../src/trust';

export const BASELINE_DEBOUNCE_MS = 350;

export class DebounceBaseline {
  requests = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: GatedCall | undefined;

  constructor(
    private readonly gate: CompletionGate,
    private readonly settings: CompletionSettings,
    private readonly sources: ContextSources,
  ) {}

  /** A key was pressed: `onGhost` is called if a suggestion for this position becomes available. */
  keystroke(
    doc: DocumentText,
    pos: CursorPosition,
    indentUnit: string,
    onGhost: (text: string) => void,
  ): void {
    clearTimeout(this.timer);
    this.inFlight?.call.abort();
    this.inFlight = undefined;
    this.timer = setTimeout(() => void this.request(doc, pos, indentUnit, onGhost), BASELINE_DEBOUNCE_MS);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.inFlight?.call.abort();
  }

  private async request(
    doc: DocumentText,
    pos: CursorPosition,
    indentUnit: string,
    onGhost: (text: string) => void,
  ): Promise<void> {
    const { cleaning, request } = prepareFill(
      { doc, pos, indentUnit, tabSize: 4 },
      this.settings,
      this.sources,
      false,
    );
    const gated = this.gate.fill(request);
    this.inFlight = gated;
    this.requests++;
    try {
      const result = await gated.call.result;
      if (this.inFlight !== gated) return;
      this.inFlight = undefined;
      const text = cleanCompletion(gated.restore(result.text).text, cleaning);
      if (text) onGhost(text);
    } catch {
      // Aborted by the next keystroke, or failed: nothing to show either way.
    }
  }
}
