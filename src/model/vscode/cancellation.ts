import type * as vscode from 'vscode';

/**
 * An AbortSignal that aborts when `token` is cancelled, for passing a VS Code cancellation to the
 * model layer. Dispose it when the request is over so the token's listener goes too.
 */
export function abortSignalFrom(token: vscode.CancellationToken): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  if (token.isCancellationRequested) {
    controller.abort();
    return { signal: controller.signal, dispose: () => undefined };
  }
  const listener = token.onCancellationRequested(() => controller.abort());
  return { signal: controller.signal, dispose: () => listener.dispose() };
}
