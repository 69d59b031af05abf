import * as vscode from 'vscode';
import type { Settings } from '../../settings';
import type { PromptFormatSetting } from '../../model';
import type { CompletionSettings } from '../completionEngine';

declare module '../../settings' {
  interface SettingsSchema {
    'completion.enabled': boolean;
    'completion.disabledLanguages': string[];
    'completion.maxPromptTokens': number;
    'completion.candidates': number;
    'completion.maxSuggestionTokens': number;
  }
}

export const completionSettingKeys = [
  'completion.enabled',
  'completion.disabledLanguages',
  'completion.maxPromptTokens',
  'completion.candidates',
  'completion.maxSuggestionTokens',
] as const;

/** What the engine needs from the settings, read fresh for each request (VS Code caches them). */
export function readCompletionSettings(settings: Settings): CompletionSettings {
  const maxSuggestionTokens = clamp(settings.get('completion.maxSuggestionTokens'), 16, 2048);
  return {
    model: settings.get('model.completionModel'),
    format: settings.get('model.promptFormat') as PromptFormatSetting,
    maxPromptTokens: clamp(settings.get('completion.maxPromptTokens'), 256, 32_768),
    candidates: clamp(settings.get('completion.candidates'), 1, 5),
    maxTokensSingleLine: Math.min(64, maxSuggestionTokens),
    maxTokensMultiLine: maxSuggestionTokens,
    temperature: 0.1,
  };
}

/**
 * Whether suggestions are on for a document: the master switch, then `disabledLanguages`, whose
 * entries are language ids (`markdown`) or globs on the path (`*.md`, `docs/**`), which match at any
 * folder depth unless they start with `/` or `**`.
 */
export function suggestionsEnabledFor(settings: Settings, document: vscode.TextDocument): boolean {
  if (!settings.get('completion.enabled', document)) return false;
  for (const entry of settings.get('completion.disabledLanguages', document)) {
    const value = entry.trim();
    if (!value) continue;
    if (!/[*?/{[.]/.test(value)) {
      if (value === document.languageId) return false;
      continue;
    }
    const pattern = value.startsWith('/') || value.startsWith('**') ? value : `**/${value}`;
    if (vscode.languages.match({ pattern }, document) > 0) return false;
  }
  return true;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, Math.round(Number.isFinite(value) ? value : low)));
}
