import * as vscode from 'vscode';
import { formatRecordDetails } from '../../model/requestLogFormat';
import type { ModelService } from '../../model/vscode';
import type { GateReport } from '../../trust';

const scheme = 'tandem-sent';

/**
 * "What was sent": one request as a read-only Markdown document — the files and line ranges the trust
 * gate let through, what it redacted or left out, and the exact messages from the request log.
 */
export class RequestDetails implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly registration: vscode.Disposable;

  constructor(
    private readonly model: ModelService,
    private readonly reportOf: (requestId: number) => GateReport | undefined,
  ) {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(scheme, this);
  }

  async show(requestId: number): Promise<void> {
    const uri = vscode.Uri.from({
      scheme,
      path: `/What was sent (request ${requestId}).md`,
      query: String(requestId),
    });
    const document = await vscode.workspace.openTextDocument(uri);
    if (document.languageId !== 'markdown')
      await vscode.languages.setTextDocumentLanguage(document, 'markdown');
    await vscode.window.showTextDocument(document, { preview: true });
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const requestId = Number(uri.query);
    return describeRequest(requestId, this.reportOf(requestId), this.model.requestLog.get(requestId));
  }

  dispose(): void {
    this.registration.dispose();
  }
}

export function describeRequest(
  requestId: number,
  report: GateReport | undefined,
  record: Parameters<typeof formatRecordDetails>[0] | undefined,
): string {
  const lines = [`# What was sent — request #${requestId}`, ''];
  if (report) {
    lines.push('## What the trust gate did', '');
    if (report.instructions.length)
      lines.push(`- project instructions sent: ${report.instructions.join(', ')}`);
    for (const image of report.images ?? []) lines.push(`- image sent: ${image}`);
    for (const sent of report.sent) {
      const range = sent.source.range
        ? ` lines ${sent.source.range.startLine + 1}–${sent.source.range.endLine}`
        : '';
      const redacted = sent.redactions ? `, ${sent.redactions} secret(s) redacted` : '';
      lines.push(
        `- sent ${sent.source.kind}: ${sent.displayPath ?? sent.source.label ?? '—'}${range} (${sent.chars} characters${redacted})`,
      );
    }
    for (const dropped of report.dropped) lines.push(`- **not sent**: ${dropped.message}`);
    for (const redaction of report.redactions)
      lines.push(
        `- redacted ${redaction.kind} as \`${redaction.placeholder}\`${redaction.displayPath ? ` in ${redaction.displayPath}` : ''}`,
      );
    if (report.sent.length + report.dropped.length + report.redactions.length === 0)
      lines.push('- no file context was attached');
    lines.push('');
  }
  if (record) lines.push(...formatRecordDetails(record));
  else lines.push('_This request is no longer in the request log (it keeps the most recent requests only)._');
  return lines.join('\n') + '\n';
}
