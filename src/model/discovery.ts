// Finds OpenAI-compatible model servers on this machine: probes the usual local servers' ports on
// loopback in parallel, each with a short timeout, and says what every model found is good for.

import { detectPromptFormat, type PromptFormat } from './promptFormats';

/** A local server known by its default port. */
export interface KnownServer {
  readonly port: number;
  readonly name: string;
}

/** The servers people run locally, by their default ports. */
export const knownServers: readonly KnownServer[] = [
  { port: 11434, name: 'Ollama' },
  { port: 1234, name: 'LM Studio' },
  { port: 8080, name: 'llama.cpp' },
  { port: 8000, name: 'vLLM' },
  { port: 1337, name: 'Jan' },
];

export const defaultProbePorts: readonly number[] = knownServers.map((server) => server.port);

/** What a model found on a server is good for. */
export interface DiscoveredModel {
  readonly id: string;
  /** Trained for fill-in-the-middle (its family has FIM tokens): good for inline suggestions. */
  readonly fim: boolean;
  /** Tuned to follow instructions: good for the panel and edits. */
  readonly chat: boolean;
  /** Accepts images (the server's model list says so). */
  readonly vision: boolean;
  /** The FIM format its name implies. */
  readonly format: PromptFormat;
}

export interface DiscoveredServer {
  readonly name: string;
  readonly port: number;
  /** Base URL ending in `/v1`, as `tandem.model.baseUrl` takes it. */
  readonly baseUrl: string;
  readonly models: readonly DiscoveredModel[];
  /** Milliseconds until the model list arrived. */
  readonly ms: number;
}

export interface ProbeOptions {
  readonly ports?: readonly number[];
  readonly host?: string;
  /** Per probe; a server that has not answered by then counts as absent. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Injected for tests of the parsing only; the real `fetch` otherwise. */
  readonly fetch?: typeof fetch;
}

const FIM_FORMATS: ReadonlySet<PromptFormat> = new Set([
  'qwen',
  'deepseek',
  'starcoder',
  'codellama',
  'codestral',
  'codegemma',
]);

/** Names of models that neither fill nor chat (embedding, reranking, speech). */
const NOT_GENERATIVE = /embed|rerank|whisper|tts|bge-|e5-|minilm/i;

/** Classifies a model by its name and whatever capabilities its list entry states. */
export function classifyModel(id: string, entry: Readonly<Record<string, unknown>> = {}): DiscoveredModel {
  const name = id.toLowerCase();
  const format = detectPromptFormat(id);
  const vision = statesVision(entry);
  if (NOT_GENERATIVE.test(name)) return { id, fim: false, chat: false, vision: false, format };
  const fim = FIM_FORMATS.has(format) && !/codellama.*instruct|codegemma.*-it\b/.test(name);
  const base = /(^|[-_:.])base\b|-base-/.test(name);
  // A coder family's base model only fills; its instruct model does both; a general model chats.
  const chat = !base && (format === 'chat' || /instruct|chat|[-_:]it\b/.test(name) || !fim);
  return { id, fim, chat, vision, format };
}

/** Image input as servers state it: Ollama `capabilities`, OpenRouter-style modalities, LM Studio `vlm`. */
export function statesVision(entry: Readonly<Record<string, unknown>>): boolean {
  const lists = [
    entry.capabilities,
    entry.input_modalities,
    entry.modalities,
    (entry.architecture as { input_modalities?: unknown } | undefined)?.input_modalities,
  ];
  for (const list of lists)
    if (Array.isArray(list) && list.some((item) => item === 'vision' || item === 'image')) return true;
  return entry.type === 'vlm' || entry.vision === true;
}

/** The model entries of a `/v1/models` answer (`{ data: [...] }` or, from some servers, `{ models: [...] }`). */
export function parseModelList(body: unknown): { id: string; entry: Record<string, unknown> }[] {
  if (!body || typeof body !== 'object') return [];
  const record = body as { data?: unknown; models?: unknown };
  const list = Array.isArray(record.data) ? record.data : Array.isArray(record.models) ? record.models : [];
  const out: { id: string; entry: Record<string, unknown> }[] = [];
  for (const item of list) {
    if (!item || typeof item !== 'object') continue;
    const entry = item as Record<string, unknown>;
    const id = typeof entry.id === 'string' ? entry.id : typeof entry.name === 'string' ? entry.name : '';
    if (id) out.push({ id, entry });
  }
  return out;
}

function serverName(port: number): string {
  return knownServers.find((server) => server.port === port)?.name ?? `Server on port ${port}`;
}

/** Asks one port for its model list; undefined when nothing OpenAI-compatible answers in time. */
export async function probePort(
  port: number,
  options: ProbeOptions = {},
): Promise<DiscoveredServer | undefined> {
  const host = options.host ?? '127.0.0.1';
  const baseUrl = `http://${host}:${port}/v1`;
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 400);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const started = performance.now();
  try {
    const response = await (options.fetch ?? fetch)(`${baseUrl}/models`, {
      signal,
      headers: { accept: 'application/json' },
    });
    if (!response.ok) {
      await response.body?.cancel();
      return undefined;
    }
    const models = parseModelList(await response.json()).map(({ id, entry }) => classifyModel(id, entry));
    return { name: serverName(port), port, baseUrl, models, ms: performance.now() - started };
  } catch {
    return undefined;
  }
}

/** Probes every port at once; resolves with the servers that answered, in the order of `ports`. */
export async function discoverServers(options: ProbeOptions = {}): Promise<DiscoveredServer[]> {
  const ports = [...new Set(options.ports ?? defaultProbePorts)];
  const found = await Promise.all(ports.map((port) => probePort(port, options)));
  return found.filter((server): server is DiscoveredServer => server !== undefined);
}

/** The best pair on a server: a FIM model for suggestions and a chat model for the panel. */
export function recommendedPair(server: DiscoveredServer): {
  completion?: DiscoveredModel;
  chat?: DiscoveredModel;
} {
  const byPreference = (a: DiscoveredModel, b: DiscoveredModel) => Number(b.fim) - Number(a.fim);
  const completion =
    server.models.find((model) => model.fim && !model.chat) ?? server.models.find((m) => m.fim);
  const chat =
    [...server.models].filter((model) => model.chat).sort(byPreference)[0] ??
    server.models.find((model) => model.fim);
  return { completion: completion ?? chat, chat: chat ?? completion };
}

/** True when `model` is one of `patterns`: a name, or a glob with `*` (`llava*`, `*-vl*`), any case. */
export function matchesModelName(patterns: readonly string[], model: string): boolean {
  return patterns.some((pattern) => {
    const escaped = pattern
      .trim()
      .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*');
    return escaped !== '' && new RegExp(`^${escaped}$`, 'i').test(model);
  });
}

/** What to run when no server answered: the exact commands for the smallest setup that works. */
export const installAdvice = {
  summary:
    'No model server answers on this machine. Install Ollama (https://ollama.com), then run ' +
    '`ollama pull qwen2.5-coder:1.5b-base` (inline suggestions) and `ollama pull qwen2.5-coder:7b-instruct` (chat), ' +
    'and run Tandem: Select Model... again.',
  commands: ['ollama pull qwen2.5-coder:1.5b-base', 'ollama pull qwen2.5-coder:7b-instruct'],
} as const;

/** One row of the model picker: a server's heading, its recommended pair, or one of its models. */
export type ModelChoice =
  | { readonly kind: 'server'; readonly server: DiscoveredServer; readonly current: boolean }
  | {
      readonly kind: 'pair';
      readonly server: DiscoveredServer;
      readonly completion: DiscoveredModel;
      readonly chat: DiscoveredModel;
    }
  | { readonly kind: 'model'; readonly server: DiscoveredServer; readonly model: DiscoveredModel };

/**
 * The picker's rows: for each server (the configured one first), one row that sets both models at
 * once, then every model with what it is good for.
 */
export function modelChoices(servers: readonly DiscoveredServer[], currentBaseUrl: string): ModelChoice[] {
  const sameUrl = (a: string, b: string) => a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
  const ordered = [...servers].sort(
    (a, b) => Number(sameUrl(b.baseUrl, currentBaseUrl)) - Number(sameUrl(a.baseUrl, currentBaseUrl)),
  );
  const rows: ModelChoice[] = [];
  for (const server of ordered) {
    rows.push({ kind: 'server', server, current: sameUrl(server.baseUrl, currentBaseUrl) });
    const pair = recommendedPair(server);
    if (pair.completion && pair.chat)
      rows.push({ kind: 'pair', server, completion: pair.completion, chat: pair.chat });
    for (const model of server.models) rows.push({ kind: 'model', server, model });
  }
  return rows;
}

/** What a model is good for, as the picker says it: "FIM · chat · vision". */
export function describeUses(model: DiscoveredModel): string {
  const uses = [model.fim ? 'FIM' : '', model.chat ? 'chat' : '', model.vision ? 'vision' : ''].filter(
    Boolean,
  );
  return uses.length ? uses.join(' · ') : 'not for text generation';
}
