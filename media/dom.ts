// Small DOM helpers: elements are built with properties and text, never from HTML strings (the one
// exception is rendered Markdown, which markdown-it produces with raw HTML disabled).

type Child = Node | string | false | null | undefined;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<Record<string, string | boolean | number>> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue;
    if (name === 'className') element.className = String(value);
    else if (
      name.startsWith('data-') ||
      name.startsWith('aria-') ||
      name === 'role' ||
      name === 'title' ||
      name === 'for'
    )
      element.setAttribute(name, String(value));
    else (element as unknown as Record<string, unknown>)[name] = value;
  }
  for (const child of children)
    if (child !== false && child !== null && child !== undefined) element.append(child);
  return element;
}

/** A button that runs `onClick`; `label` is both its text and (unless given) its accessible name. */
export function button(
  label: string,
  onClick: () => void,
  options: { title?: string; className?: string; ariaLabel?: string; disabled?: boolean; icon?: string } = {},
): HTMLButtonElement {
  const element = h(
    'button',
    {
      type: 'button',
      className: options.className ?? 'action',
      title: options.title ?? options.ariaLabel ?? label,
      'aria-label': options.ariaLabel ?? label,
      disabled: options.disabled ?? false,
    },
    options.icon ? h('span', { className: `codicon-text`, 'aria-hidden': 'true' }, options.icon) : null,
    label,
  );
  element.addEventListener('click', (event) => {
    event.stopPropagation();
    onClick();
  });
  return element;
}
