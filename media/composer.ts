// The request box: text, context chips (selection, active file, problems, @file mentions), Send/Stop.
// Keyboard: Enter sends, Shift+Enter starts a new line, Escape stops an answer or closes the mention
// list, @ opens the list of workspace files (Up/Down to move, Enter or Tab to pick). Images are
// pasted, dropped or picked into the tray above the box (media/imageTray.ts).
import type { ChipRef, ChipView } from '../src/panel/protocol';
import { button, h } from './dom';
import { ImageTray } from './imageTray';
import { loadDraft, saveDraft, send } from './vscodeApi';

const keyOf = (ref: ChipRef) => (ref.kind === 'file' ? `file:${ref.path}` : ref.kind);

export class Composer {
  readonly element: HTMLElement;
  private readonly input: HTMLTextAreaElement;
  private readonly chipRow: HTMLElement;
  private readonly mentionList: HTMLElement;
  private readonly sendButton: HTMLButtonElement;
  private readonly stopButton: HTMLButtonElement;
  private readonly modelLabel: HTMLElement;
  private offered: ChipView[] = [];
  /** Files picked with @, in the order picked. */
  private mentioned: ChipView[] = [];
  /** Offered chips the person switched off (or on, for problems) since the last send. */
  private toggled = new Set<string>();
  private matches: string[] = [];
  private active = 0;
  private mentionStart = -1;
  private busy = false;
  private readonly images = new ImageTray();

  constructor() {
    this.input = h('textarea', {
      id: 'request',
      rows: 3,
      placeholder: 'Ask Tandem… (@ to add a file, Enter to send, Shift+Enter for a new line)',
      'aria-label': 'Request to the assistant',
      'aria-autocomplete': 'list',
      'aria-controls': 'mentions',
    });
    this.input.value = loadDraft().text;
    this.chipRow = h('div', {
      className: 'chips',
      role: 'group',
      'aria-label': 'Context sent with the request',
    });
    this.mentionList = h('ul', {
      id: 'mentions',
      className: 'mentions',
      role: 'listbox',
      'aria-label': 'Workspace files',
    });
    this.mentionList.hidden = true;
    this.sendButton = button('Send', () => this.submit(), {
      className: 'action primary',
      ariaLabel: 'Send the request (Enter)',
    });
    this.stopButton = button('Stop', () => send({ type: 'stop' }), { ariaLabel: 'Stop the answer (Escape)' });
    this.stopButton.hidden = true;
    this.modelLabel = h('span', { className: 'model', title: 'Chat model (setting tandem.model.chatModel)' });
    this.element = h(
      'footer',
      { className: 'composer' },
      this.chipRow,
      this.images.element,
      this.mentionList,
      this.input,
      ...this.images.parts,
      h(
        'div',
        { className: 'composer-actions' },
        this.modelLabel,
        this.images.pickButton,
        this.stopButton,
        this.sendButton,
      ),
    );
    this.images.listen(this.input, this.element);
    this.input.addEventListener('keydown', (event) => this.onKeyDown(event));
    this.input.addEventListener('input', () => this.onInput());
  }

  setModel(model: string): void {
    this.modelLabel.textContent = model;
  }

  setBusy(busy: boolean): void {
    this.busy = busy;
    this.stopButton.hidden = !busy;
    this.sendButton.disabled = busy;
  }

  setOffered(chips: ChipView[]): void {
    this.offered = chips;
    this.renderChips();
  }

  focus(text?: string, chips?: ChipRef[]): void {
    if (text !== undefined) this.input.value = text;
    for (const ref of chips ?? []) if (ref.kind === 'file') this.addMention(ref.path);
    this.input.focus();
    this.input.setSelectionRange(this.input.value.length, this.input.value.length);
  }

  showMatches(query: string, paths: string[]): void {
    if (this.mentionStart < 0 || this.currentQuery() !== query) return;
    this.matches = paths;
    this.active = 0;
    this.renderMatches();
  }

  /** Chips that will be sent: selection (or else the active file) unless switched off, problems if switched on, mentions. */
  private attached(): ChipView[] {
    const hasSelection = this.offered.some((chip) => chip.ref.kind === 'selection');
    const byDefault = (chip: ChipView) =>
      chip.ref.kind === 'selection' || (chip.ref.kind === 'activeFile' && !hasSelection);
    const offered = this.offered.filter(
      (chip) => !chip.excluded && byDefault(chip) !== this.toggled.has(keyOf(chip.ref)),
    );
    return [...offered, ...this.mentioned];
  }

  private renderChips(): void {
    const attached = new Set(this.attached().map((chip) => keyOf(chip.ref)));
    const chips = [...this.offered, ...this.mentioned].map((chip) => {
      const key = keyOf(chip.ref);
      const on = attached.has(key);
      const mention = chip.ref.kind === 'file';
      if (chip.excluded) {
        // Never sent: shown struck through, with the reason, and nothing to toggle.
        const element = button(chip.label, () => undefined, {
          className: 'chip excluded',
          ariaLabel: `${chip.detail ?? ''} ${chip.label}: not sent. ${chip.excluded}`.trim(),
          title: `${chip.detail ?? ''}: not sent. ${chip.excluded}`,
        });
        element.setAttribute('aria-disabled', 'true');
        return element;
      }
      const element = button(
        mention ? `@${chip.label}` : chip.label,
        () => {
          if (mention) this.mentioned = this.mentioned.filter((other) => keyOf(other.ref) !== key);
          else if (this.toggled.has(key)) this.toggled.delete(key);
          else this.toggled.add(key);
          this.renderChips();
        },
        {
          className: `chip${on ? ' on' : ''}`,
          ariaLabel: mention
            ? `Remove @${chip.label}`
            : `${on ? 'Do not send' : 'Send'} ${chip.detail ?? ''} ${chip.label}`.trim(),
          title: mention
            ? 'Remove this file'
            : `${chip.detail ?? ''}: ${on ? 'sent with the request (click to leave out)' : 'click to send it with the request'}`,
        },
      );
      element.setAttribute('aria-pressed', String(on));
      return element;
    });
    this.chipRow.replaceChildren(...chips);
  }

  private submit(): void {
    const text = this.input.value.trim();
    if (!text || this.busy) return;
    const images = this.images.take();
    send({
      type: 'send',
      text,
      chips: this.attached().map((chip) => chip.ref),
      ...(images ? { images } : {}),
    });
    this.input.value = '';
    this.mentioned = [];
    this.toggled.clear();
    this.closeMentions();
    this.renderChips();
    saveDraft({ text: '' });
  }

  private onKeyDown(event: KeyboardEvent): void {
    if (!this.mentionList.hidden && this.matches.length) {
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        this.active =
          (this.active + (event.key === 'ArrowDown' ? 1 : this.matches.length - 1)) % this.matches.length;
        this.renderMatches();
        return;
      }
      if (event.key === 'Enter' || event.key === 'Tab') {
        event.preventDefault();
        this.pick(this.matches[this.active]);
        return;
      }
    }
    if (event.key === 'Escape') {
      if (!this.mentionList.hidden) this.closeMentions();
      else if (this.busy) send({ type: 'stop' });
      event.preventDefault();
      return;
    }
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      this.submit();
    }
  }

  private onInput(): void {
    saveDraft({ text: this.input.value });
    const before = this.input.value.slice(0, this.input.selectionStart);
    const at = /(^|\s)@([^\s@]*)$/.exec(before);
    if (!at) return this.closeMentions();
    this.mentionStart = before.length - at[2].length - 1;
    send({ type: 'searchFiles', query: at[2] });
  }

  private currentQuery(): string {
    return this.input.value.slice(this.mentionStart + 1, this.input.selectionStart);
  }

  private pick(path: string | undefined): void {
    if (!path) return;
    const value = this.input.value;
    this.input.value = value.slice(0, this.mentionStart) + value.slice(this.input.selectionStart);
    this.input.setSelectionRange(this.mentionStart, this.mentionStart);
    this.addMention(path);
    this.closeMentions();
    saveDraft({ text: this.input.value });
  }

  private addMention(path: string): void {
    if (!this.mentioned.some((chip) => chip.ref.kind === 'file' && chip.ref.path === path))
      this.mentioned.push({ ref: { kind: 'file', path }, label: path });
    this.renderChips();
  }

  private renderMatches(): void {
    const items = this.matches.map((path, index) => {
      const item = h(
        'li',
        {
          role: 'option',
          id: `mention-${index}`,
          'aria-selected': String(index === this.active),
          className: index === this.active ? 'active' : '',
        },
        path,
      );
      item.addEventListener('mousedown', (event) => {
        event.preventDefault();
        this.pick(path);
      });
      return item;
    });
    if (items.length === 0) items.push(h('li', { className: 'empty' }, 'No matching file'));
    this.mentionList.replaceChildren(...items);
    this.mentionList.hidden = false;
    this.input.setAttribute('aria-expanded', 'true');
    this.input.setAttribute('aria-activedescendant', `mention-${this.active}`);
  }

  private closeMentions(): void {
    this.mentionStart = -1;
    this.matches = [];
    this.mentionList.hidden = true;
    this.input.setAttribute('aria-expanded', 'false');
    this.input.removeAttribute('aria-activedescendant');
  }
}
