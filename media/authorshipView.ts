// The per-file authorship summary (runs in the webview): how much of the active editor's file the
// assistant wrote, by who asked and model, with each proposal's text to reveal, its conversation to
// open, and a button to revert it in this file.
import { percentOf } from '../src/authorship/fileSummary';
import type { AuthorshipRunView, AuthorshipSummaryView } from '../src/panel/protocol';
import { button, h } from './dom';
import { send } from './vscodeApi';

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

const percent = (part: number, whole: number) => `${percentOf(part, whole)} %`;

/** Deleted text quoted on one line: its line breaks shown as ⏎. */
const quoteRemoved = (text: string) => `“${text.replace(/\r?\n/g, '⏎')}”`;

export class AuthorshipView {
  readonly element = h('section', {
    id: 'authorship',
    'aria-label': 'What the assistant wrote in this file',
  });
  /** Whether the person opened the details (kept across updates and files). */
  private open = false;

  constructor() {
    this.element.hidden = true;
  }

  render(summary: AuthorshipSummaryView | undefined): void {
    if (!summary) {
      this.element.hidden = true;
      this.element.replaceChildren();
      return;
    }
    this.element.hidden = false;
    // Updates arrive while people type: the focused control is found again by its key.
    const focusedKey =
      this.element.contains(document.activeElement) && document.activeElement instanceof HTMLElement
        ? document.activeElement.dataset.key
        : undefined;
    if (summary.characters === 0 && summary.removed === 0) {
      this.element.replaceChildren(
        h(
          'p',
          { className: 'authorship-none', 'data-summary': 'none' },
          'Nothing in this file was written by the assistant.',
        ),
      );
      return;
    }
    const details = h('details', { className: 'authorship', open: this.open });
    details.addEventListener('toggle', () => (this.open = details.open));
    const removed = summary.removed ? `; it deleted ${plural(summary.removed, 'character')}` : '';
    const headline =
      summary.characters > 0
        ? `Assistant wrote ${percent(summary.characters, summary.totalCharacters)} of ${summary.path}${removed}`
        : `Assistant deleted ${plural(summary.removed, 'character')} of ${summary.path}`;
    details.append(
      h(
        'summary',
        { 'data-key': 'summary', 'data-summary': 'some' },
        h('span', { className: 'authorship-headline' }, headline),
        h(
          'span',
          { className: 'authorship-figures' },
          ` · ${plural(summary.characters, 'character')} of ${summary.totalCharacters}, ${plural(summary.lines, 'line')} of ${summary.totalLines} (${percent(summary.lines, summary.totalLines)})`,
        ),
      ),
      ...summary.people.map((person) =>
        h(
          'div',
          { className: 'authorship-person', 'data-asked-by': person.askedBy },
          h(
            'div',
            { className: 'authorship-person-title' },
            h('strong', {}, person.askedBy || 'unknown'),
            ` asked · model ${person.model || 'unknown'} · ${plural(person.characters, 'character')} (${percent(person.characters, summary.totalCharacters)}), ${plural(person.lines, 'line')}${person.removed ? `, ${plural(person.removed, 'character')} deleted` : ''}`,
          ),
          h(
            'ul',
            { className: 'authorship-runs' },
            ...person.runs.map((run) => this.renderRun(summary, run)),
          ),
        ),
      ),
    );
    if (summary.shared)
      details.append(
        h('p', { className: 'note' }, 'A shared file: everyone in the session sees these marks.'),
      );
    this.element.replaceChildren(details);
    if (focusedKey)
      this.element.querySelector<HTMLElement>(`[data-key="${CSS.escape(focusedKey)}"]`)?.focus();
  }

  private renderRun(summary: AuthorshipSummaryView, run: AuthorshipRunView): HTMLElement {
    const act = (action: 'reveal' | 'conversation' | 'revert') => () =>
      send({ type: 'authorshipAction', action, uri: summary.uri, proposal: run.proposal });
    const reveal = button(`Proposal ${run.proposal}`, act('reveal'), {
      className: 'file-name',
      ariaLabel: `Show the first text of proposal ${run.proposal}, line ${run.line}`,
      title: `Go to line ${run.line}`,
    });
    reveal.dataset.key = `reveal:${run.proposal}`;
    const revert = button('Revert', act('revert'), {
      className: 'action subtle',
      ariaLabel: `Revert proposal ${run.proposal} in this file`,
      title: 'Take back what this proposal wrote in this file; your own edits stay',
    });
    revert.dataset.key = `revert:${run.proposal}`;
    let conversation: HTMLButtonElement | undefined;
    if (run.conversationId) {
      conversation = button('Conversation', act('conversation'), {
        className: 'action subtle',
        ariaLabel: `Open the conversation that asked for proposal ${run.proposal}`,
      });
      conversation.dataset.key = `conversation:${run.proposal}`;
    }
    return h(
      'li',
      { className: 'authorship-run', 'data-proposal-run': run.proposal },
      reveal,
      h(
        'span',
        { className: 'authorship-run-figures' },
        // A proposal that only deleted here has no characters to count.
        run.characters > 0
          ? ` line ${run.line} · ${plural(run.characters, 'character')}, ${plural(run.lines, 'line')} `
          : ` line ${run.line} `,
      ),
      run.removed > 0 &&
        h(
          'span',
          { className: 'authorship-run-removed', 'data-removed': String(run.removed) },
          `· deleted ${plural(run.removed, 'character')}: ${run.removedTexts.map(quoteRemoved).join(', ')} `,
        ),
      conversation,
      revert,
    );
  }
}
