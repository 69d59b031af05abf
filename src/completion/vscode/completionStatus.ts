import type { ModelErrorAction } from '../../model/errors';
import { actionLinks, summarizeFailure } from '../../model/failureSummary';
import type { StatusReport, TandemStatusBar } from '../../statusBar';
import type { EngineStatus, RequestMetrics } from '../completionEngine';

export const TOGGLE_COMMAND = 'tandem.toggleInlineSuggestions';
const LOG_COMMAND = 'tandem.showRequestLog';

/** Shows inline suggestions' state in Tandem's status bar item; a click opens the request log. */
export class CompletionStatus {
  private last: RequestMetrics | undefined;

  constructor(private readonly status: TandemStatusBar) {}

  enabled(on: boolean): void {
    if (on) this.show({ state: 'idle', last: this.last });
    else
      this.set({
        text: 'suggestions off',
        tooltip: ['**Tandem inline suggestions are off.**', links(false)].join('\n\n'),
      });
  }

  show(status: EngineStatus): void {
    if (status.state === 'waiting') {
      this.set({
        text: 'waiting',
        busy: true,
        tooltip: ['Waiting for the model…', links(true)].join('\n\n'),
      });
      return;
    }
    if (status.last) this.last = status.last;
    if (status.state === 'excluded') {
      this.set({
        text: 'not sent',
        icon: 'shield',
        tooltip: [
          '**No inline suggestions here: nothing from this file is sent to a model.**',
          escape(status.message),
          links(true),
        ].join('\n\n'),
      });
      return;
    }
    if (status.state === 'error') {
      // Named by its cause, and a click runs what fixes it (Select Model when no server answers).
      const failure = summarizeFailure(status.error, 'suggestion');
      this.set(
        {
          text: failure.text,
          severity: failure.severity,
          tooltip: [
            `**Inline suggestion failed:** ${escape(status.error.message)}`,
            breakdown(this.last),
            actionLinks(failure.actions),
            links(true),
          ]
            .filter(Boolean)
            .join('\n\n'),
        },
        failure.primary,
        failure.actions,
      );
      return;
    }
    this.set({
      text: this.last ? `${Math.round(this.last.totalMs)} ms` : 'ready',
      tooltip: ['**Tandem inline suggestions are on.**', breakdown(this.last), links(true)]
        .filter(Boolean)
        .join('\n\n'),
    });
  }

  private set(
    report: StatusReport,
    click?: ModelErrorAction,
    actions: readonly ModelErrorAction[] = [],
  ): void {
    const commands = [LOG_COMMAND, TOGGLE_COMMAND, ...actions.map((action) => action.command)];
    this.status.set({ ...report, commands, click: click ?? LOG_COMMAND });
  }
}

function breakdown(last: RequestMetrics | undefined): string {
  if (!last) return '';
  const ms = (value: number | undefined) => (value === undefined ? '—' : `${Math.round(value)} ms`);
  const build = last.promptBuildMs < 10 ? `${last.promptBuildMs.toFixed(1)} ms` : ms(last.promptBuildMs);
  return (
    `Last suggestion: prompt build ${build} · first token ${ms(last.firstTokenMs)} · total ${ms(last.totalMs)}` +
    ` (about ${last.promptTokens} prompt tokens)`
  );
}

function links(on: boolean): string {
  return (
    `[Show request log](command:${LOG_COMMAND}) · ` +
    `[${on ? 'Turn off' : 'Turn on'} inline suggestions](command:${TOGGLE_COMMAND})`
  );
}

function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]<>()#+!|]/g, '\\$&');
}
