// The request log as a person reads it (the "Tandem: Show Request Log" document): a summary table of
// recent requests, then each request in detail with what was sent and what the trust gate did.

import { latencyOf, messagesText } from './requestLog';
import type { RequestRecord } from './types';

const ms = (value: number | undefined) => (value === undefined ? '—' : `${Math.round(value)} ms`);

function clock(record: Readonly<RequestRecord>): string {
  return new Date(record.startedAtEpochMs).toISOString().slice(11, 23);
}

function outcomeText(record: Readonly<RequestRecord>): string {
  if (record.outcome === 'error') return `error: ${record.error?.kind ?? 'unknown'}`;
  if (record.outcome === 'pending' || record.outcome === 'streaming') return `${record.outcome}…`;
  return record.outcome;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** One summary line: what the status bar tooltip and the quick pick show. */
export function describeRecord(record: Readonly<RequestRecord>): string {
  const latency = latencyOf(record);
  const tokens = record.tokens ? `, ${record.tokens.input}→${record.tokens.output} tokens` : '';
  return `#${record.id} ${record.endpoint} ${record.model || ''} — ${outcomeText(record)}, ${ms(latency.totalMs)}${tokens}`;
}

/** The whole log: a summary table, newest first, then each record's details. */
export function formatRequestLog(records: readonly Readonly<RequestRecord>[], now = new Date()): string {
  const lines = [
    '# Tandem request log',
    '',
    `${records.length} recent request${records.length === 1 ? '' : 's'}, newest first (as of ${now.toISOString()}).`,
    'Times: **wait** = asked until sent (key lookup, retry waits); **headers** and **first token** are counted',
    'from sending; **total** from asking to done. Tokens come from the server’s `usage`, else are counted (≈).',
    '_This is Markdown: **Markdown: Open Preview** (or the preview button in the editor title) shows the table rendered._',
    '',
  ];
  if (records.length === 0) {
    lines.push('_No requests yet._');
    return lines.join('\n') + '\n';
  }
  lines.push(
    '| # | time | feature | endpoint | model | wait | headers | first token | total | tokens in→out | outcome |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const record of records) {
    const latency = latencyOf(record);
    const approx = record.tokens?.source === 'counted' ? '≈' : '';
    const tokens = record.tokens ? `${approx}${record.tokens.input}→${approx}${record.tokens.output}` : '—';
    lines.push(
      `| ${record.id} | ${clock(record)} | ${cell(record.feature ?? '—')} | ${record.endpoint} | ${cell(record.model || '—')} | ` +
        `${ms(latency.waitMs)} | ${ms(latency.headersMs)} | ${ms(latency.firstTokenMs)} | ${ms(latency.totalMs)} | ` +
        `${tokens} | ${cell(outcomeText(record))} |`,
    );
  }
  for (const record of records) lines.push('', ...formatRecordDetails(record));
  return lines.join('\n') + '\n';
}

/** A fence longer than any backtick run inside `text`, so the text shows verbatim. */
function fenced(text: string, info = 'text'): string[] {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((match) => match[0].length));
  const fence = '`'.repeat(longest + 1);
  return [fence + info, text, fence];
}

export function formatRecordDetails(record: Readonly<RequestRecord>): string[] {
  const latency = latencyOf(record);
  const lines = [
    `## #${record.id} · ${record.endpoint} · ${record.model || '—'} · ${outcomeText(record)}`,
    '',
    `- server: ${record.baseUrl}`,
    `- started: ${new Date(record.startedAtEpochMs).toISOString()}${record.feature ? ` · feature: ${record.feature}` : ''}`,
    `- ${record.stream ? 'streamed' : 'not streamed'} · attempts: ${record.attempts}${record.status !== undefined ? ` · HTTP ${record.status}` : ''}`,
    `- wait ${ms(latency.waitMs)} · headers ${ms(latency.headersMs)} · first token ${ms(latency.firstTokenMs)} · total ${ms(latency.totalMs)}`,
  ];
  if (record.tokens)
    lines.push(
      `- tokens: ${record.tokens.input} in, ${record.tokens.output} out (${record.tokens.source === 'usage' ? 'from the server' : 'counted by Tandem'})`,
    );
  if (record.error) lines.push(`- error (${record.error.kind}): ${record.error.message}`);
  const attachment = record.attachment;
  if (attachment) {
    for (const source of attachment.sources ?? []) {
      const range = source.range ? ` lines ${source.range.startLine + 1}–${source.range.endLine}` : '';
      lines.push(`- sent from: ${source.path}${range}`);
    }
    for (const redaction of attachment.redactions ?? [])
      lines.push(
        `- redacted: ${redaction.kind} → \`${redaction.placeholder}\`${redaction.source ? ` (${redaction.source.path})` : ''}`,
      );
    for (const excluded of attachment.excluded ?? []) lines.push(`- excluded by ignore rules: ${excluded}`);
    for (const note of attachment.notes ?? []) lines.push(`- note: ${note}`);
  }
  if (record.contentDropped)
    lines.push('', '_Prompt and answer text dropped to keep the log within its memory budget._');
  const sent = record.sent;
  if (sent?.messages) lines.push('', '**Sent (messages):**', ...fenced(messagesText(sent.messages)));
  if (sent?.prompt !== undefined) lines.push('', '**Sent (prompt):**', ...fenced(sent.prompt));
  if (sent?.suffix !== undefined) lines.push('', '**Sent (suffix):**', ...fenced(sent.suffix));
  if (record.received !== undefined) lines.push('', '**Received:**', ...fenced(record.received));
  return lines;
}
