// "Tandem: Show Request Log": the request ring as a read-only Markdown document that refreshes while
// it is open.

import * as vscode from 'vscode';
import type { RequestLog } from '../requestLog';
import { formatRequestLog } from '../requestLogFormat';

export const requestLogScheme = 'tandem-requests';
/** The log document's URI (a function: the module must not touch vscode before activation). */
export const requestLogUri = () =>
  vscode.Uri.from({ scheme: requestLogScheme, path: '/Tandem Request Log.md' });
/** Refreshes are coalesced: a streaming request changes its record many times a second. */
const refreshDelayMs = 300;

export class RequestLogDocument implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly registration: vscode.Disposable;
  private readonly subscription: { dispose(): void };
  private refresh: NodeJS.Timeout | undefined;

  constructor(private readonly log: RequestLog) {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(requestLogScheme, this);
    this.subscription = log.onDidChange(() => this.scheduleRefresh());
  }

  provideTextDocumentContent(): string {
    return formatRequestLog(this.log.list());
  }

  async show(): Promise<vscode.TextEditor> {
    const document = await vscode.workspace.openTextDocument(requestLogUri());
    if (document.languageId !== 'markdown')
      await vscode.languages.setTextDocumentLanguage(document, 'markdown');
    this.changed.fire(requestLogUri());
    return vscode.window.showTextDocument(document, { preview: true });
  }

  private scheduleRefresh(): void {
    if (this.refresh) return;
    // Only an open log needs refreshing.
    if (
      !vscode.workspace.textDocuments.some(
        (document) => document.uri.toString() === requestLogUri().toString(),
      )
    )
      return;
    this.refresh = setTimeout(() => {
      this.refresh = undefined;
      this.changed.fire(requestLogUri());
    }, refreshDelayMs);
  }

  dispose(): void {
    if (this.refresh) clearTimeout(this.refresh);
    this.subscription.dispose();
    this.registration.dispose();
    this.changed.dispose();
  }
}
