// The model layer's public API. Features do not call the client directly: they go through the trust
// gate (src/trust/), which calls `ModelClient`. The vscode adapter (ModelService) lives in
// src/model/vscode/ and is created by src/extension.ts.
//
//     const call = client.chat({ model, messages }, { signal, feature: 'panel' });
//     for await (const delta of call) show(delta.text);   // optional: streamed pieces
//     const { text, tokens, record } = await call.result;  // the whole answer, or a ModelError
//
// `client.fill(input, { model, format })` builds the FIM prompt of the model family and returns only
// the fill. Every failure is a ModelError with a user-facing message and actions; a cancellation is
// `isCancellation(error)` and should be shown to nobody.

export { ModelClient, type ModelClientOptions, type ModelClientSettings, type FillOptions } from './client';
export { ModelCall } from './modelCall';
export {
  ModelError,
  isModelError,
  isCancellation,
  setApiKeyAction,
  openModelSettingsAction,
  selectModelAction,
  showRequestLogAction,
  type ModelErrorKind,
  type ModelErrorAction,
} from './errors';
export {
  buildFimPrompt,
  detectPromptFormat,
  resolvePromptFormat,
  stopTokens,
  promptFormats,
  chatHoleMarker,
  type PromptFormat,
  type PromptFormatSetting,
  type FimInput,
  type FimPrompt,
  type ContextSnippet,
} from './promptFormats';
export { FillFilter, extractFill } from './fillFilter';
export {
  RequestLog,
  latencyOf,
  imageBytes,
  describeImage,
  type LatencyBreakdown,
  type RequestLogOptions,
} from './requestLog';
export { formatRequestLog, formatRecordDetails, describeRecord } from './requestLogFormat';
export { SseParser, type SseEvent } from './sse';
export type * from './types';
export {
  discoverServers,
  probePort,
  classifyModel,
  modelChoices,
  recommendedPair,
  defaultProbePorts,
  knownServers,
  installAdvice,
  type DiscoveredServer,
  type DiscoveredModel,
  type ModelChoice,
} from './discovery';
