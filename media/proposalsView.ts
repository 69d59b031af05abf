// Proposal cards: the assistant's reason, files and hunks with Accept/Reject, line checkboxes to accept
// only some lines, the blocks that could not be applied (with one click to have them redone).
import type { FileView, HunkView, ProposalView } from '../src/panel/protocol';
import { button, h } from './dom';
import { renderInlineMarkdown } from './markdown';
import { send } from './vscodeApi';

const STATUS_TEXT: Record<HunkView['status'], string> = {
  pending: 'pending',
  accepted: 'accepted',
  rejected: 'rejected',
  stale: 'stale — edited since proposed',
  reverted: 'reverted',
};

/** Line checkboxes survive re-rendering (the list is rebuilt whenever a proposal changes). */
const checked = new Map<string, Set<string>>();

export function renderProposal(proposal: ProposalView): HTMLElement {
  const pending = proposal.files.reduce(
    (sum, file) => sum + file.hunks.filter((hunk) => hunk.status === 'pending').length,
    0,
  );
  const total = proposal.files.reduce((sum, file) => sum + file.hunks.length, 0);
  const decides = proposal.shared?.canDecide ?? true;
  const card = h('section', {
    className: 'proposal',
    'aria-label': 'Proposed changes',
    'data-proposal': proposal.id,
  });
  const summary =
    total === 0
      ? 'No change could be applied'
      : pending === 0
        ? `All ${total} change${total > 1 ? 's' : ''} decided`
        : `${pending} of ${total} change${total > 1 ? 's' : ''} to review`;
  card.append(
    h(
      'div',
      { className: 'proposal-header' },
      h('span', { className: 'proposal-title' }, summary),
      h(
        'span',
        { className: 'proposal-actions' },
        decides &&
          pending > 0 &&
          button(
            'Accept all',
            () => send({ type: 'proposalAction', action: 'acceptAll', proposalId: proposal.id }),
            { className: 'action primary', ariaLabel: 'Accept all changes of this proposal' },
          ),
        decides &&
          pending > 0 &&
          button(
            'Reject all',
            () => send({ type: 'proposalAction', action: 'rejectAll', proposalId: proposal.id }),
            { ariaLabel: 'Reject all changes of this proposal' },
          ),
        proposal.requestId !== undefined &&
          button(
            'What was sent',
            () => send({ type: 'proposalAction', action: 'whatWasSent', proposalId: proposal.id }),
            { ariaLabel: 'Show exactly what was sent to the model for this proposal' },
          ),
        button(
          'Dismiss',
          () => send({ type: 'proposalAction', action: 'dismiss', proposalId: proposal.id }),
          { ariaLabel: 'Remove this proposal from review', className: 'action subtle' },
        ),
      ),
    ),
  );
  if (proposal.shared) card.append(renderShared(proposal.shared));
  if (proposal.rationale) {
    const rationale = h('p', { className: 'rationale' });
    // markdown-it runs with raw HTML disabled and only safe links: its output is safe to insert.
    rationale.innerHTML = renderInlineMarkdown(proposal.rationale);
    card.append(rationale);
  }
  for (const file of proposal.files) card.append(renderFile(proposal, file));
  if (proposal.failures.length) card.append(renderFailures(proposal));
  return card;
}

function renderFile(proposal: ProposalView, file: FileView): HTMLElement {
  const pending = file.hunks.filter((hunk) => hunk.status === 'pending').length;
  const kind = file.kind === 'create' ? 'new file' : file.kind === 'delete' ? 'delete file' : '';
  const section = h('div', { className: 'file', role: 'group', 'aria-label': `Changes to ${file.path}` });
  section.append(
    h(
      'div',
      { className: 'file-header' },
      button(
        file.path,
        () => send({ type: 'fileAction', action: 'open', proposalId: proposal.id, path: file.path }),
        {
          className: 'file-name',
          ariaLabel: `Open ${file.path}`,
        },
      ),
      kind && h('span', { className: `badge ${file.kind}` }, kind),
      h(
        'span',
        { className: 'file-actions' },
        button(
          'Open Diff',
          () => send({ type: 'fileAction', action: 'openDiff', proposalId: proposal.id, path: file.path }),
          { ariaLabel: `Open ${file.path} against the proposal in the diff editor` },
        ),
        (proposal.shared?.canDecide ?? true) &&
          pending > 1 &&
          button(
            'Accept file',
            () => send({ type: 'fileAction', action: 'acceptAll', proposalId: proposal.id, path: file.path }),
            { ariaLabel: `Accept every change to ${file.path}` },
          ),
        (proposal.shared?.canDecide ?? true) &&
          pending > 1 &&
          button(
            'Reject file',
            () => send({ type: 'fileAction', action: 'rejectAll', proposalId: proposal.id, path: file.path }),
            { ariaLabel: `Reject every change to ${file.path}` },
          ),
      ),
    ),
  );
  if (file.protectedReasons.length)
    section.append(
      h(
        'p',
        { className: 'protected', role: 'note' },
        `⚠ Needs confirmation: this ${file.protectedReasons.join('; ')}.`,
      ),
    );
  for (const hunk of file.hunks)
    section.append(renderHunk(file, hunk, proposal.shared?.canDecide ?? true, proposal.shared !== undefined));
  return section;
}

/** Who asked for a shared proposal, and (when they shared it) the request and answer behind it. */
function renderShared(shared: NonNullable<ProposalView['shared']>): HTMLElement {
  const box = h(
    'div',
    { className: 'shared-origin', role: 'note' },
    h('span', { className: 'shared-who' }, `Assistant · asked by ${shared.askedBy} · ${shared.model}`),
    !shared.canDecide &&
      h(
        'span',
        { className: 'shared-readonly' },
        'Read-only: you can see these changes but not decide on them',
      ),
  );
  if (shared.thread) {
    const details = h('details', { className: 'shared-thread' }, h('summary', {}, 'Request and answer'));
    details.append(
      h('p', { className: 'shared-request' }, shared.thread.request),
      h('pre', { className: 'shared-answer' }, shared.thread.answer),
    );
    box.append(details);
  }
  return box;
}

function renderHunk(file: FileView, hunk: HunkView, decides: boolean, shared: boolean): HTMLElement {
  const open = hunk.status === 'pending' && decides;
  const picks = checked.get(hunk.id) ?? new Set<string>();
  const status = hunk.note && hunk.status !== 'pending' ? hunk.note : STATUS_TEXT[hunk.status];
  const waiting = hunk.note && hunk.status === 'pending' ? ` · ${hunk.note}` : '';
  const title = `Line ${hunk.line} · +${hunk.added.length} −${hunk.removed.length} · ${status}${waiting}`;
  const element = h('div', {
    className: `hunk ${hunk.status}`,
    role: 'group',
    'aria-label': `${file.path} ${title}`,
    'data-hunk': hunk.id,
  });
  const acceptSelected = button(
    'Accept selected lines',
    () => {
      const removed: number[] = [];
      const added: number[] = [];
      for (const key of picks) (key.startsWith('-') ? removed : added).push(Number(key.slice(1)));
      checked.delete(hunk.id);
      send({ type: 'hunkAction', action: 'accept', hunkId: hunk.id, selection: { removed, added } });
    },
    { disabled: picks.size === 0, ariaLabel: 'Accept only the checked lines of this change' },
  );
  const actions = h('span', { className: 'hunk-actions' });
  if (open)
    actions.append(
      button('Accept', () => send({ type: 'hunkAction', action: 'accept', hunkId: hunk.id }), {
        className: 'action primary',
        ariaLabel: `Accept the change at line ${hunk.line} of ${file.path}`,
      }),
      button('Reject', () => send({ type: 'hunkAction', action: 'reject', hunkId: hunk.id }), {
        ariaLabel: `Reject the change at line ${hunk.line} of ${file.path}`,
      }),
      ...(hunk.removed.length + hunk.added.length > 1 ? [acceptSelected] : []),
    );
  else if (!decides && (hunk.status === 'pending' || hunk.status === 'stale'))
    actions.append(
      h(
        'span',
        { className: 'read-only-note', title: 'Only participants who may write can decide' },
        'Read-only',
      ),
    );
  else if (hunk.status === 'stale' && shared)
    actions.append(
      button('Drop', () => send({ type: 'hunkAction', action: 'reject', hunkId: hunk.id }), {
        ariaLabel: 'Drop this stale change for everyone',
      }),
    );
  else if (hunk.status === 'stale')
    actions.append(
      button('Re-propose', () => send({ type: 'hunkAction', action: 'repropose', hunkId: hunk.id }), {
        ariaLabel: 'Propose this change again against the edited text',
      }),
      button('Drop', () => send({ type: 'hunkAction', action: 'reject', hunkId: hunk.id }), {
        ariaLabel: 'Drop this stale change',
      }),
    );
  if (hunk.undoable)
    actions.append(
      button('Undo', () => send({ type: 'hunkAction', action: 'undo', hunkId: hunk.id }), {
        ariaLabel: `Undo your accept of the change at line ${hunk.line} of ${file.path}`,
      }),
    );
  actions.append(
    button('Show', () => send({ type: 'hunkAction', action: 'reveal', hunkId: hunk.id }), {
      ariaLabel: `Show line ${hunk.line} of ${file.path} in the editor`,
      className: 'action subtle',
    }),
  );
  element.append(
    h('div', { className: 'hunk-header' }, h('span', { className: 'hunk-title' }, title), actions),
  );
  const lines = h('div', { className: 'hunk-lines' });
  const line = (sign: '-' | '+', index: number, text: string) => {
    const key = `${sign}${index}`;
    const row = h('label', { className: `line ${sign === '-' ? 'removed' : 'added'}` });
    if (open && hunk.removed.length + hunk.added.length > 1) {
      const box = h('input', {
        type: 'checkbox',
        checked: picks.has(key),
        'aria-label': `${sign === '-' ? 'Remove' : 'Add'} line: ${text || '(blank)'}`,
      });
      box.addEventListener('change', () => {
        if (box.checked) picks.add(key);
        else picks.delete(key);
        checked.set(hunk.id, picks);
        acceptSelected.disabled = picks.size === 0;
      });
      row.append(box);
    }
    row.append(
      h('span', { className: 'sign', 'aria-hidden': 'true' }, sign),
      h('code', {}, text === '' ? ' ' : text),
    );
    lines.append(row);
  };
  hunk.removed.forEach((text, index) => line('-', index, text));
  hunk.added.forEach((text, index) => line('+', index, text));
  element.append(lines);
  return element;
}

function renderFailures(proposal: ProposalView): HTMLElement {
  const count = proposal.failures.length;
  const section = h('div', {
    className: 'failures',
    role: 'group',
    'aria-label': 'Blocks that could not be applied',
  });
  section.append(
    h('p', { className: 'failures-title' }, `${count} block${count > 1 ? 's' : ''} could not be applied:`),
  );
  const list = h('ul', {});
  for (const failure of proposal.failures)
    list.append(
      h('li', {}, h('code', {}, failure.path ?? '(no path)'), ` block ${failure.index}: ${failure.reason}`),
    );
  section.append(
    list,
    button(
      proposal.redoing
        ? 'Asking the assistant…'
        : `Ask the assistant to redo ${count > 1 ? 'these' : 'this'}`,
      () => send({ type: 'proposalAction', action: 'redoFailed', proposalId: proposal.id }),
      {
        disabled: proposal.redoing,
        ariaLabel: 'Ask the assistant to redo only the blocks that could not be applied',
      },
    ),
  );
  return section;
}
