// Markdown for assistant answers: markdown-it with raw HTML off, images off (no remote content), links
// limited to web, mail and workspace paths, and code highlighted by a few bundled highlight.js languages.
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import go from 'highlight.js/lib/languages/go';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import python from 'highlight.js/lib/languages/python';
import rust from 'highlight.js/lib/languages/rust';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';
import MarkdownIt from 'markdown-it';

const languages = { bash, css, diff, go, javascript, json, python, rust, typescript, xml, yaml };
for (const [name, language] of Object.entries(languages)) hljs.registerLanguage(name, language);
hljs.registerAliases(['sh', 'shell', 'zsh', 'console'], { languageName: 'bash' });
hljs.registerAliases(['ts', 'tsx', 'mts', 'cts'], { languageName: 'typescript' });
hljs.registerAliases(['js', 'jsx', 'mjs', 'cjs'], { languageName: 'javascript' });
hljs.registerAliases(['py'], { languageName: 'python' });
hljs.registerAliases(['html', 'svg', 'vue'], { languageName: 'xml' });
hljs.registerAliases(['yml'], { languageName: 'yaml' });
hljs.registerAliases(['rs'], { languageName: 'rust' });
hljs.registerAliases(['patch'], { languageName: 'diff' });

/** Links the panel may follow: the web, mail, and paths inside the workspace (opened by the extension). */
export function isSafeLink(href: string): boolean {
  const trimmed = href.trim();
  if (/^(https?:|mailto:)/i.test(trimmed)) return true;
  // No scheme at all (a relative path or #anchor): opened as a workspace path by the extension.
  return !/^[a-z][a-z0-9+.-]*:/i.test(trimmed) && !trimmed.startsWith('//');
}

const markdown = new MarkdownIt({
  html: false,
  linkify: true,
  typographer: false,
  highlight(code, info) {
    const language = info.trim().split(/\s+/)[0]?.toLowerCase();
    if (language && hljs.getLanguage(language)) {
      try {
        return hljs.highlight(code, { language, ignoreIllegals: true }).value;
      } catch {
        // Fall through to plain text.
      }
    }
    return '';
  },
});
markdown.disable('image');
markdown.validateLink = isSafeLink;

// Code blocks get a small toolbar (copy, insert at the cursor); the buttons act on the code's text.
const defaultFence = markdown.renderer.rules.fence!;
markdown.renderer.rules.fence = (tokens, index, options, env, self) => {
  const info = tokens[index].info.trim().split(/\s+/)[0] ?? '';
  const label = markdown.utils.escapeHtml(info || 'text');
  return (
    `<div class="code-block"><div class="code-toolbar"><span class="code-language">${label}</span>` +
    '<button type="button" class="code-action" data-action="copy" aria-label="Copy code">Copy</button>' +
    '<button type="button" class="code-action" data-action="insert" aria-label="Insert code at the cursor">Insert</button>' +
    `</div>${defaultFence(tokens, index, options, env, self)}</div>`
  );
};

// Links say where they go; the extension opens them (the webview itself navigates nowhere).
markdown.renderer.rules.link_open = (tokens, index, options, _env, self) => {
  const token = tokens[index];
  token.attrSet('title', token.attrGet('href') ?? '');
  return self.renderToken(tokens, index, options);
};

export function renderMarkdown(text: string): string {
  return markdown.render(text);
}

/** One paragraph of inline Markdown (`code`, emphasis, links) without the block around it. */
export function renderInlineMarkdown(text: string): string {
  return markdown.renderInline(text);
}
