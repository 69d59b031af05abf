// Where a new session runs: the embedded server on loopback (default), on a chosen network
// interface, on all interfaces, or a Tandem server the team runs (`tandem.collab.serverUrl`).
import * as os from 'node:os';
import * as vscode from 'vscode';
import type { Settings } from '../../settings';

export type Where =
  | {
      kind: 'embedded';
      host: string;
      /** Address put in invite links when listening on all interfaces. */ advertiseHost?: string;
    }
  | { kind: 'server'; serverUrl: string };

interface WherePick extends vscode.QuickPickItem {
  where: Where;
}

/** This machine's IPv4 addresses other guests could reach, with their interface names. */
export function lanAddresses(): { name: string; address: string }[] {
  const result: { name: string; address: string }[] = [];
  for (const [name, infos] of Object.entries(os.networkInterfaces()))
    for (const info of infos ?? [])
      if (info.family === 'IPv4' && !info.internal) result.push({ name, address: info.address });
  return result;
}

export async function chooseWhere(settings: Settings): Promise<Where | undefined> {
  const serverUrl = settings.get('collab.serverUrl').trim();
  const configuredHost = settings.get('collab.listenHost').trim() || '127.0.0.1';
  const lan = lanAddresses();
  const items: WherePick[] = [];
  if (serverUrl)
    items.push({
      label: `$(server) ${serverUrl}`,
      description: 'tandem.collab.serverUrl',
      detail: 'Your team’s Tandem server: guests connect there; you need its secret or a token.',
      where: { kind: 'server', serverUrl },
    });
  items.push({
    label: '$(lock) This machine only',
    description: '127.0.0.1',
    detail: 'Guests on this computer (or through an SSH tunnel). Nothing is reachable from the network.',
    where: { kind: 'embedded', host: '127.0.0.1' },
  });
  for (const { name, address } of lan)
    items.push({
      label: `$(globe) ${address}`,
      description: name,
      detail: 'Guests on this network. Traffic is not encrypted: use it on networks you trust.',
      where: { kind: 'embedded', host: address },
    });
  items.push({
    label: '$(broadcast) All interfaces',
    description: '0.0.0.0',
    detail: `Reachable on every address of this machine; links use ${lan[0]?.address ?? '127.0.0.1'}.`,
    where: { kind: 'embedded', host: '0.0.0.0', advertiseHost: lan[0]?.address ?? '127.0.0.1' },
  });
  if (
    configuredHost !== '127.0.0.1' &&
    !items.some((item) => item.where.kind === 'embedded' && item.where.host === configuredHost)
  )
    items.splice(serverUrl ? 1 : 0, 0, {
      label: `$(settings) ${configuredHost}`,
      description: 'tandem.collab.listenHost',
      where: { kind: 'embedded', host: configuredHost },
    });
  const preferred = serverUrl
    ? items[0]
    : items.find((item) => item.where.kind === 'embedded' && item.where.host === configuredHost);
  const quickPick = vscode.window.createQuickPick<WherePick>();
  quickPick.title = 'Tandem: Start Shared Session';
  quickPick.placeholder = 'Who should be able to join?';
  quickPick.items = items;
  if (preferred) quickPick.activeItems = [preferred];
  return new Promise((resolve) => {
    quickPick.onDidAccept(() => {
      resolve(quickPick.selectedItems[0]?.where);
      quickPick.dispose();
    });
    quickPick.onDidHide(() => {
      resolve(undefined);
      quickPick.dispose();
    });
    quickPick.show();
  });
}
