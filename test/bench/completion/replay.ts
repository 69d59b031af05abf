// Replays one typing trace in real time through Tandem's engine and the Continue baseline at once
// (they see the same document at the same moments), and records what each showed and when.
import type { CompletionEngine } from '../../../src/completion/completionEngine';
import { LineDocument } from '../../../src/completion/documentText';
import type { ContinueBaseline } from './baseline';
import type { TypingTrace } from './traces';

/** A gap between keys at least this long is a pause: the moment ghost text is for. */
export const PAUSE_MS = 1000;
/** The user stops after the last key for this long. */
export const FINAL_PAUSE_MS = 3000;

export interface PipelineSamples {
  /** Per pause: ms from its last keystroke to the ghost text, when one came before the pause ended. */
  pauseToGhost: number[];
  /** Pauses in which no ghost text came. */
  pausesWithoutGhost: number;
}

export interface TraceResult {
  readonly trace: string;
  readonly keys: number;
  readonly pauses: number;
  readonly ours: PipelineSamples & {
    /** Cache entries that supplied the ghost text at each pause with one. */
    pauseEntryIds: number[];
    typeAlongOpportunities: number;
    typeAlongHits: number;
  };
  readonly baseline: PipelineSamples;
}

const sleepUntil = (time: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, time - performance.now())));

export async function replayTrace(
  trace: TypingTrace,
  engine: CompletionEngine,
  baseline: ContinueBaseline,
  indentUnit: string,
): Promise<TraceResult> {
  const doc = new LineDocument(`bench://${trace.name}`, trace.path, trace.languageId, trace.initialText);
  let pos = trace.start;
  const n = trace.keys.length;
  const oursGhostAt: (number | undefined)[] = new Array(n);
  const oursEntry: (number | undefined)[] = new Array(n);
  const baseGhostAt: (number | undefined)[] = new Array(n);
  let controller = new AbortController();
  let shown: string | undefined;
  let currentKey = -1;
  let typeAlongOpportunities = 0;
  let typeAlongHits = 0;

  const t0 = performance.now() + 20;
  for (let i = 0; i < n; i++) {
    const key = trace.keys[i];
    await sleepUntil(t0 + key.at);
    controller.abort();
    controller = new AbortController();
    const signal = controller.signal;
    // The user types the next characters of the suggestion on screen: type-along should serve the rest.
    const opportunity = shown !== undefined && shown.length > key.text.length && shown.startsWith(key.text);
    if (opportunity) typeAlongOpportunities++;
    shown = undefined;
    pos = doc.insert(pos, key.text);
    const pressedAt = performance.now();
    currentKey = i;
    engine.cursorChanged(doc, pos);
    void engine.provide({ doc, pos, explicit: false, indentUnit, tabSize: 4, signal }).then((result) => {
      if (!result || signal.aborted) return;
      oursGhostAt[i] = performance.now() - pressedAt;
      oursEntry[i] = result.entryId;
      shown = result.suggestions[0];
      if (opportunity && result.source === 'cache') typeAlongHits++;
    });
    baseline.keystroke(doc, pos, indentUnit, () => {
      if (currentKey === i) baseGhostAt[i] = performance.now() - pressedAt;
    });
  }
  await new Promise((resolve) => setTimeout(resolve, FINAL_PAUSE_MS));
  controller.abort();
  baseline.stop();
  engine.cancel();

  const ours = { pauseToGhost: [] as number[], pausesWithoutGhost: 0, pauseEntryIds: [] as number[] };
  const base = { pauseToGhost: [] as number[], pausesWithoutGhost: 0 };
  let pauses = 0;
  for (let i = 0; i < n; i++) {
    const gap = i + 1 < n ? trace.keys[i + 1].at - trace.keys[i].at : FINAL_PAUSE_MS;
    if (gap < PAUSE_MS) continue;
    pauses++;
    const ourTime = oursGhostAt[i];
    if (ourTime !== undefined && ourTime < gap) {
      ours.pauseToGhost.push(ourTime);
      ours.pauseEntryIds.push(oursEntry[i]!);
    } else ours.pausesWithoutGhost++;
    const baseTime = baseGhostAt[i];
    if (baseTime !== undefined && baseTime < gap) base.pauseToGhost.push(baseTime);
    else base.pausesWithoutGhost++;
  }
  return {
    trace: trace.name,
    keys: n,
    pauses,
    ours: { ...ours, typeAlongOpportunities, typeAlongHits },
    baseline: base,
  };
}
