import type { Settings } from '../../settings';
import type { NextEditSettings } from '../nextEditEngine';
import type { NextEditFormatSetting } from '../promptFormats';

declare module '../../settings' {
  interface SettingsSchema {
    'nextEdit.enabled': boolean;
    'nextEdit.model': string;
    'nextEdit.promptFormat': NextEditFormatSetting;
    'nextEdit.maxTokens': number;
  }
}

/** What the engine needs from the settings, read fresh for each request. */
export function readNextEditSettings(settings: Settings): NextEditSettings {
  const maxTokens = settings.get('nextEdit.maxTokens');
  return {
    model: settings.get('nextEdit.model').trim() || settings.get('model.chatModel'),
    format: settings.get('nextEdit.promptFormat'),
    maxTokens: Math.min(4096, Math.max(64, Math.round(Number.isFinite(maxTokens) ? maxTokens : 1024))),
    temperature: 0,
  };
}
