// The completion engine wired as in the extension (real ModelClient, real TrustGate) against the
// scripted model server, for the engine's unit tests.
import {
  CompletionEngine,
  type CompletionSettings,
  type EngineStatus,
  type RequestMetrics,
} from '../../../src/completion/completionEngine';
import { LineDocument, type CursorPosition } from '../../../src/completion/documentText';
import { TriggerPolicy } from '../../../src/completion/triggerPolicy';
import { ModelClient } from '../../../src/model';
import { ExclusionRules, TrustGate } from '../../../src/trust';
import type { ScriptedModelServer } from '../../fixtures/model-server';

export const settings: CompletionSettings = {
  model: 'qwen2.5-coder:1.5b-base',
  format: 'auto',
  maxPromptTokens: 2048,
  candidates: 1,
  maxTokensSingleLine: 64,
  maxTokensMultiLine: 256,
  temperature: 0.1,
};

/** Prefix and suffix of a Qwen FIM prompt as the server received it. */
export function fimParts(promptText: string): { prefix: string; suffix: string } {
  const match = /<\|fim_prefix\|>([\s\S]*)<\|fim_suffix\|>([\s\S]*)<\|fim_middle\|>$/.exec(promptText);
  if (!match) throw new Error(`not a Qwen FIM prompt: ${promptText.slice(0, 80)}`);
  return { prefix: match[1], suffix: match[2] };
}

export function harness(server: ScriptedModelServer, overrides: Partial<CompletionSettings> = {}) {
  const client = new ModelClient({ baseUrl: server.url });
  const gate = new TrustGate({ model: client, rules: new ExclusionRules({ roots: ['/work'] }) });
  const statuses: EngineStatus[] = [];
  const metrics: RequestMetrics[] = [];
  const engine = new CompletionEngine({
    gate,
    settings: () => ({ ...settings, ...overrides }),
    policy: new TriggerPolicy({ baseDelayMs: 30 }),
    onStatus: (status) => statuses.push(status),
    onRequestFinished: (m) => metrics.push(m),
  });
  return { engine, client, gate, statuses, metrics };
}

/** A document being typed into, with a provide() that is cancelled by the next keystroke as VS Code does. */
export class TypingSession {
  private controller = new AbortController();
  constructor(
    readonly engine: CompletionEngine,
    readonly doc: LineDocument,
    public pos: CursorPosition,
  ) {}

  type(text: string): void {
    this.controller.abort();
    this.controller = new AbortController();
    for (const char of text) this.pos = this.doc.insert(this.pos, char);
  }

  backspace(count = 1): void {
    this.controller.abort();
    this.controller = new AbortController();
    this.pos = this.doc.deleteBefore(this.pos, count);
  }

  provide(explicit = false) {
    return this.engine.provide({
      doc: this.doc,
      pos: this.pos,
      explicit,
      indentUnit: '  ',
      tabSize: 4,
      signal: this.controller.signal,
    });
  }
}
