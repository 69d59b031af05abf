import type { ModelErrorAction } from '../../model/errors';
import { actionLinks, summarizeFailure } from '../../model/failureSummary';
import type { StatusReport, TandemStatusBar } from '../../statusBar';
import type { NextEditMetrics, NextEditStatus } from '../nextEditEngine';

export const TOGGLE_NEXT_EDIT_COMMAND = 'tandem.nextEdit.toggle';
const LOG_COMMAND = 'tandem.showRequestLog';

/** Next-edit suggestions' state in Tandem's status bar item (shared with inline suggestions). */
export class NextEditStatusView {
  constructor(private readonly status: TandemStatusBar) {}

  enabled(on: boolean): void {
    this.set(
      on
        ? {
            text: 'next edit on',
            tooltip: ['**Tandem next-edit suggestions are on.**', links(true)].join('\n\n'),
          }
        : {
            text: 'next edit off',
            tooltip: ['**Tandem next-edit suggestions are off.**', links(false)].join('\n\n'),
          },
    );
  }

  show(status: NextEditStatus): void {
    switch (status.state) {
      case 'waiting':
        this.set({
          text: 'predicting',
          busy: true,
          tooltip: ['Predicting your next edit…', links(true)].join('\n\n'),
        });
        return;
      case 'shown':
        this.set({
          text: status.edits > 1 ? `next edit (Tab) · ${status.edits}` : 'next edit (Tab)',
          icon: 'arrow-right',
          tooltip: [
            '**A next edit is suggested.** **Tab** goes to it, **Tab** again accepts it, **Escape** dismisses it.',
            breakdown(status.last),
            links(true),
          ]
            .filter(Boolean)
            .join('\n\n'),
        });
        return;
      case 'not-sent':
        this.set({
          text: 'not sent',
          icon: 'shield',
          tooltip: ['**No next-edit suggestion here.**', escape(status.message), links(true)].join('\n\n'),
        });
        return;
      case 'error': {
        const failure = summarizeFailure(status.error, 'next edit');
        this.set(
          {
            text: failure.text,
            severity: failure.severity,
            tooltip: [
              `**Next-edit suggestion failed:** ${escape(status.error.message)}`,
              actionLinks(failure.actions),
              links(true),
            ].join('\n\n'),
          },
          failure.primary,
          failure.actions,
        );
        return;
      }
      case 'idle':
        if (status.last)
          this.set({
            text: `${Math.round(status.last.totalMs)} ms`,
            tooltip: ['**Tandem next-edit suggestions are on.**', breakdown(status.last), links(true)]
              .filter(Boolean)
              .join('\n\n'),
          });
    }
  }

  private set(
    report: StatusReport,
    click?: ModelErrorAction,
    actions: readonly ModelErrorAction[] = [],
  ): void {
    const commands = [LOG_COMMAND, TOGGLE_NEXT_EDIT_COMMAND, ...actions.map((action) => action.command)];
    this.status.set({ ...report, commands, click: click ?? LOG_COMMAND });
  }
}

function breakdown(last: NextEditMetrics | undefined): string {
  if (!last) return '';
  const model = last.modelMs === undefined ? '—' : `${Math.round(last.modelMs)} ms`;
  return `Last next-edit prediction (${last.format} format): model ${model} · Tandem ${last.ownMs.toFixed(1)} ms · edit to suggestion ${Math.round(last.totalMs)} ms`;
}

function links(on: boolean): string {
  return (
    `[Show request log](command:${LOG_COMMAND}) · ` +
    `[${on ? 'Turn off' : 'Turn on'} next-edit suggestions](command:${TOGGLE_NEXT_EDIT_COMMAND})`
  );
}

function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]<>()#+!|]/g, '\\$&');
}
