// What a status bar says when a model request failed: a few words naming the cause (not a generic
// "failed"), how loud to say it, and what a click does. A server that is not running is the normal
// state of a fresh install: it is a warning that offers Select Model, not a red error on every pause.
import type { ModelError, ModelErrorAction } from './errors';
import { selectModelAction, showRequestLogAction } from './errors';

export interface FailureSummary {
  /** Short status bar text, e.g. "no model server". */
  text: string;
  severity: 'warning' | 'error';
  /** What a click on the status bar item runs: the first thing that fixes the cause. */
  primary: ModelErrorAction;
  /** Every action worth a link in the tooltip, `primary` first, without repeats. */
  actions: readonly ModelErrorAction[];
}

/** `feature` names what failed when the cause has no name of its own ("suggestion", "next edit"). */
export function summarizeFailure(error: ModelError, feature: string): FailureSummary {
  const { text, severity, first = [], fallback = [] } = describe(error, feature);
  const actions: ModelErrorAction[] = [];
  for (const action of [...first, ...error.actions, ...fallback, showRequestLogAction])
    if (!actions.some((known) => known.command === action.command)) actions.push(action);
  return { text, severity, primary: actions[0], actions };
}

function describe(
  error: ModelError,
  feature: string,
): {
  text: string;
  severity: FailureSummary['severity'];
  /** Before the error's own actions. */
  first?: readonly ModelErrorAction[];
  /** After them. */
  fallback?: readonly ModelErrorAction[];
} {
  switch (error.kind) {
    case 'unreachable':
      // Most often nothing was started yet: Select Model looks for local servers and says what to run.
      return { text: 'no model server', severity: 'warning', first: [selectModelAction] };
    case 'connect-timeout':
    case 'request-timeout':
      return { text: 'model timed out', severity: 'warning' };
    case 'rate-limited':
      return { text: 'rate limited', severity: 'warning' };
    case 'auth':
      return { text: 'API key rejected', severity: 'error' };
    case 'model-not-found':
      return { text: 'model not found', severity: 'error', fallback: [selectModelAction] };
    case 'endpoint-not-found':
      return { text: 'wrong server URL', severity: 'error', fallback: [selectModelAction] };
    default:
      return { text: `${feature} failed`, severity: 'error' };
  }
}

/** A tooltip's Markdown links for `actions` (`[title](command:id?args)`). */
export function actionLinks(actions: readonly ModelErrorAction[]): string {
  return actions
    .map((action) => {
      const args = action.args ? `?${encodeURIComponent(JSON.stringify(action.args))}` : '';
      return `[${action.title}](command:${action.command}${args})`;
    })
    .join(' · ');
}
