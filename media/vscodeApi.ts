import type { WebviewMessage } from '../src/panel/protocol';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const api = acquireVsCodeApi();

/** Posts a message to the extension; the type keeps both ends on the same protocol. */
export function send(message: WebviewMessage): void {
  api.postMessage(message);
}

export function saveDraft(draft: { text: string }): void {
  api.setState(draft);
}

export function loadDraft(): { text: string } {
  const state = api.getState() as { text?: unknown } | undefined;
  return { text: typeof state?.text === 'string' ? state.text : '' };
}
