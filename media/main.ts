// The side panel's UI (runs in the webview). It draws what the extension sends and posts the person's
// actions back; every message received is validated against the shared protocol first.
import './styles.css';
import {
  parseHostMessage,
  type ConversationSummary,
  type ConversationView,
  type HostMessage,
  type MessageView,
  type ProposalView,
} from '../src/panel/protocol';
import { AuthorshipView } from './authorshipView';
import { Composer } from './composer';
import { collapseEditBlocks } from './editBlocks';
import { button, h } from './dom';
import { isSafeLink, renderMarkdown } from './markdown';
import { renderProposal } from './proposalsView';
import { RenderQueue } from './renderQueue';
import { send } from './vscodeApi';

let conversation: ConversationView = { id: '', title: '', messages: [] };
let conversations: ConversationSummary[] = [];
let proposals: ProposalView[] = [];
const rendered = new Map<string, HTMLElement>();

const history = h('select', { id: 'history', 'aria-label': 'Conversation history' });
history.addEventListener('change', () => send({ type: 'openConversation', id: history.value }));
const toolbar = h(
  'header',
  { className: 'toolbar' },
  history,
  button('New', () => send({ type: 'newConversation' }), {
    ariaLabel: 'Start a new conversation',
    title: 'New conversation',
  }),
  button('Delete', () => conversation.id && send({ type: 'deleteConversation', id: conversation.id }), {
    ariaLabel: 'Delete this conversation',
    className: 'action subtle',
  }),
);
const log = h('main', { id: 'log', role: 'log', 'aria-live': 'polite', 'aria-label': 'Conversation' });
const others = h('section', { id: 'other-proposals', 'aria-label': 'Other proposals under review' });
const composer = new Composer();
const authorship = new AuthorshipView();
document.getElementById('app')!.append(toolbar, log, others, authorship.element, composer.element);

function renderHistory(): void {
  const options = conversations.map((summary) =>
    h('option', { value: summary.id, selected: summary.id === conversation.id }, summary.title),
  );
  history.replaceChildren(...options);
}

function renderMessage(message: MessageView): HTMLElement {
  const element =
    rendered.get(message.id) ?? h('article', { className: 'message', 'data-message': message.id });
  rendered.set(message.id, element);
  element.className = `message ${message.role} ${message.status}`;
  element.setAttribute('aria-label', message.role === 'user' ? 'You' : 'Tandem');
  const parts: Node[] = [h('div', { className: 'author' }, message.role === 'user' ? 'You' : 'Tandem')];
  if (message.chips?.length)
    parts.push(
      h(
        'div',
        { className: 'sent-chips' },
        ...message.chips.map((label) => h('span', { className: 'chip on static' }, label)),
      ),
    );
  if (message.role === 'user') parts.push(h('div', { className: 'text' }, message.text));
  else {
    const body = h('div', { className: 'markdown' });
    // markdown-it runs with raw HTML disabled and only safe links: its output is safe to insert.
    body.innerHTML = renderMarkdown(
      collapseEditBlocks(message.text) || (message.status === 'streaming' ? '' : '_(no answer)_'),
    );
    parts.push(body);
    if (message.status === 'streaming')
      parts.push(h('div', { className: 'typing', 'aria-label': 'Answering' }, '●●●'));
  }
  if (message.status === 'stopped') parts.push(h('p', { className: 'note' }, 'Stopped.'));
  if (message.error) parts.push(h('p', { className: 'error', role: 'alert' }, message.error));
  if (message.notice) parts.push(h('p', { className: 'note' }, message.notice));
  if (message.instructions?.length)
    parts.push(
      h(
        'p',
        { className: 'note instructions', title: 'Instruction files and examples sent with this request' },
        `Project instructions: ${message.instructions.join(', ')}`,
      ),
    );
  if (message.requestId !== undefined && message.status !== 'streaming' && !message.proposalId)
    parts.push(
      button('What was sent', () => send({ type: 'showRequest', requestId: message.requestId! }), {
        className: 'action subtle',
        ariaLabel: 'Show exactly what was sent to the model',
      }),
    );
  const proposal = message.proposalId
    ? proposals.find((candidate) => candidate.id === message.proposalId)
    : undefined;
  if (proposal) parts.push(renderProposal(proposal));
  else if (message.proposalId)
    parts.push(h('p', { className: 'note' }, 'The proposed changes are no longer under review.'));
  element.replaceChildren(...parts);
  return element;
}

function renderConversation(): void {
  rendered.clear();
  log.replaceChildren(...conversation.messages.map(renderMessage));
  if (conversation.messages.length === 0)
    log.append(
      h(
        'div',
        { className: 'empty-state' },
        h(
          'p',
          {},
          'Ask about your code, or ask for a change: Tandem proposes edits you review hunk by hunk.',
        ),
        h('p', {}, 'The selection or the active file is sent with your request; type @ to add other files.'),
      ),
    );
  renderOthers();
  log.scrollTop = log.scrollHeight;
}

/**
 * Proposals still to review that are not tied to a message of this conversation (another
 * conversation, or a command). Fully decided ones stay with their own conversation, except a
 * session's: those show everyone's decisions (accepted by X, rejected by Y) until dismissed.
 */
function renderOthers(): void {
  const here = new Set(conversation.messages.map((message) => message.proposalId).filter(Boolean));
  const undecided = (proposal: ProposalView) =>
    proposal.shared !== undefined ||
    proposal.failures.length > 0 ||
    proposal.files.some((file) =>
      file.hunks.some((hunk) => hunk.status === 'pending' || hunk.status === 'stale'),
    );
  const rest = proposals.filter((proposal) => !here.has(proposal.id) && undecided(proposal));
  others.replaceChildren(
    ...(rest.length ? [h('h2', {}, 'Other proposals under review'), ...rest.map(renderProposal)] : []),
  );
}

/**
 * Re-renders without losing keyboard focus: the focused control is found again by its label within the
 * same hunk or proposal; when it is gone (the hunk was accepted), the hunk or proposal's first control
 * takes focus instead.
 */
function keepingFocus(render: () => void): void {
  const active = document.activeElement as HTMLElement | null;
  if (!active || active === document.body || (!log.contains(active) && !others.contains(active)))
    return render();
  const label = active.getAttribute('aria-label');
  const hunk = active.closest<HTMLElement>('[data-hunk]')?.dataset.hunk;
  const proposal = active.closest<HTMLElement>('[data-proposal]')?.dataset.proposal;
  render();
  const scope = hunk
    ? document.querySelector<HTMLElement>(`[data-hunk="${CSS.escape(hunk)}"]`)
    : proposal
      ? document.querySelector<HTMLElement>(`[data-proposal="${CSS.escape(proposal)}"]`)
      : null;
  const again =
    (label && scope?.querySelector<HTMLElement>(`[aria-label="${CSS.escape(label)}"]`)) ||
    scope?.querySelector<HTMLElement>('button:not([disabled])') ||
    (proposal
      ? document.querySelector<HTMLElement>(
          `[data-proposal="${CSS.escape(proposal)}"] button:not([disabled])`,
        )
      : null);
  again?.focus();
}

const renderQueue = new RenderQueue<MessageView>(
  (run) => requestAnimationFrame(run),
  (message) => {
    const nearBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 80;
    renderMessage(message);
    if (nearBottom) log.scrollTop = log.scrollHeight;
  },
);

function scheduleRender(message: MessageView): void {
  renderQueue.push(message);
}

function receive(message: HostMessage): void {
  switch (message.type) {
    case 'state':
      conversation = message.conversation;
      conversations = message.conversations;
      proposals = message.proposals;
      composer.setBusy(message.busy);
      composer.setOffered(message.chips);
      composer.setModel(message.model);
      renderHistory();
      renderConversation();
      return;
    case 'messageAdded':
      if (message.conversationId !== conversation.id) return;
      if (conversation.messages.length === 0) log.replaceChildren();
      conversation.messages.push(message.message);
      log.append(renderMessage(message.message));
      log.scrollTop = log.scrollHeight;
      if (
        !conversations.some((summary) => summary.id === conversation.id) ||
        message.message.role === 'user'
      ) {
        const title =
          conversation.title === 'New conversation' && message.message.role === 'user'
            ? message.message.text.split('\n')[0].slice(0, 60)
            : conversation.title;
        conversation.title = title;
        conversations = [
          { id: conversation.id, title, updatedAt: Date.now() },
          ...conversations.filter((summary) => summary.id !== conversation.id),
        ];
        renderHistory();
      }
      return;
    case 'messageDelta': {
      const target = conversation.messages.find((candidate) => candidate.id === message.messageId);
      if (message.conversationId !== conversation.id || !target) return;
      target.text += message.text;
      scheduleRender(target);
      return;
    }
    case 'messageUpdated': {
      if (message.conversationId !== conversation.id) return;
      const index = conversation.messages.findIndex((candidate) => candidate.id === message.message.id);
      if (index >= 0) conversation.messages[index] = message.message;
      // Drawn now, with the proposals listed apart, in one task: a proposal that this update ties to
      // the message moves from "Other proposals" into it without a frame that shows it nowhere. The
      // queued frame (which a streamed delta may have asked for) then draws this newest version too.
      scheduleRender(message.message);
      const nearBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 80;
      keepingFocus(() => {
        if (rendered.has(message.message.id)) renderMessage(message.message);
        renderOthers();
      });
      if (nearBottom) log.scrollTop = log.scrollHeight;
      return;
    }
    case 'busy':
      return composer.setBusy(message.busy);
    case 'proposals':
      proposals = message.proposals;
      keepingFocus(() => {
        for (const item of conversation.messages) if (item.proposalId) renderMessage(item);
        renderOthers();
      });
      return;
    case 'chips':
      return composer.setOffered(message.chips);
    case 'fileMatches':
      return composer.showMatches(message.query, message.paths);
    case 'focusInput':
      return composer.focus(message.text, message.chips);
    case 'authorship':
      return authorship.render(message.summary);
  }
}

window.addEventListener('message', (event: MessageEvent) => {
  const message = parseHostMessage(event.data);
  if (message) receive(message);
  else console.warn('Tandem panel: ignored a malformed message', event.data);
});

// Links and code-block buttons inside rendered answers: the extension opens links and copies/inserts.
log.addEventListener('click', (event) => {
  const target = event.target as HTMLElement;
  const link = target.closest('a');
  if (link) {
    event.preventDefault();
    const href = link.getAttribute('href') ?? '';
    if (isSafeLink(href)) send({ type: 'openLink', href });
    return;
  }
  const action = target.closest<HTMLButtonElement>('button.code-action');
  if (action) {
    const code = action.closest('.code-block')?.querySelector('code')?.textContent ?? '';
    send({ type: action.dataset.action === 'insert' ? 'insert' : 'copy', text: code });
    action.textContent = action.dataset.action === 'insert' ? 'Inserted' : 'Copied';
    setTimeout(() => (action.textContent = action.dataset.action === 'insert' ? 'Insert' : 'Copy'), 1500);
  }
});

send({ type: 'ready' });
