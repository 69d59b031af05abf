// The `tandem.collab.*` settings (declared in package.json) and how they are read.
import * as os from 'node:os';
import type { Settings } from '../../settings';
import { colorFor, safeColor, safeName } from '../presence';

declare module '../../settings' {
  interface SettingsSchema {
    'collab.name': string;
    'collab.color': string;
    'collab.serverUrl': string;
    'collab.listenHost': string;
    'collab.port': number;
    'collab.exclude': string[];
    'collab.inviteExpiryHours': number;
    'collab.nameTags': 'activity' | 'always' | 'never';
  }
}

/** The participant name: the setting, else the OS user name. */
export function participantName(settings: Settings): string {
  const configured = settings.get('collab.name').trim();
  if (configured) return safeName(configured);
  try {
    return safeName(os.userInfo().username);
  } catch {
    return 'Anonymous';
  }
}

export function participantColor(settings: Settings, name: string): string {
  return safeColor(settings.get('collab.color').trim(), colorFor(name));
}
