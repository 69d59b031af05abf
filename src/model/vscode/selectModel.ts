// "Tandem: Select Model...": finds the model servers on this machine (and the configured one), lists
// their models marked FIM / chat / vision, and sets the server and both models with one click. With
// nothing found it says exactly what to install and run.

import * as vscode from 'vscode';
import type { Settings } from '../../settings';
import {
  classifyModel,
  describeUses,
  discoverServers,
  installAdvice,
  modelChoices,
  type DiscoveredModel,
  type DiscoveredServer,
  type ModelChoice,
} from '../discovery';
import type { ModelService } from './modelService';

declare module '../../settings' {
  interface SettingsSchema {
    'model.discoveryPorts': number[];
  }
}

type Target = 'completion' | 'chat';

/** Set when a model was chosen here; the walkthrough's first step completes on it. */
export const MODEL_SELECTED_CONTEXT = 'tandem.modelSelected';

/** A quick pick row with the choice it stands for. */
interface ChoiceItem extends vscode.QuickPickItem {
  readonly choice?: ModelChoice;
}

/** Probes the configured ports and the configured server at once; never slower than the probe timeout. */
export async function discover(
  service: ModelService,
  settings: Settings,
  signal?: AbortSignal,
): Promise<DiscoveredServer[]> {
  const ports = settings.get('model.discoveryPorts');
  const baseUrl = service.client.baseUrl;
  const [probed, configured] = await Promise.all([
    discoverServers({ ports, timeoutMs: 400, signal }),
    service.client
      .listModels({ timeoutMs: 3000, signal })
      .then((models): DiscoveredServer => ({
        name: 'Configured server',
        port: Number(new URL(baseUrl).port) || 0,
        baseUrl,
        models: models.map((model) => classifyModel(model.id, { vision: model.vision === true })),
        ms: 0,
      }))
      .catch(() => undefined),
  ]);
  const same = (server: DiscoveredServer) => server.baseUrl.replace(/\/+$/, '') === baseUrl;
  if (!configured || probed.some(same)) return probed;
  return [configured, ...probed];
}

export async function selectModel(service: ModelService, settings: Settings, target?: Target): Promise<void> {
  const servers = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: 'Tandem: looking for model servers' },
    () => discover(service, settings),
  );
  const withModels = servers.filter((server) => server.models.length > 0);
  if (withModels.length === 0) {
    await adviseInstall(servers);
    return;
  }
  const items = quickPickItems(modelChoices(withModels, service.client.baseUrl), service, target);
  const picked = await vscode.window.showQuickPick(items, {
    title:
      target === undefined
        ? 'Tandem: choose models (the ⚡ row sets both)'
        : `Tandem: model for ${target === 'completion' ? 'inline suggestions' : 'chat and edits'}`,
    placeHolder: `Found ${withModels.map((server) => `${server.name} (${server.models.length})`).join(', ')}`,
    matchOnDescription: true,
    matchOnDetail: true,
  });
  const choice = picked?.choice;
  if (!choice || choice.kind === 'server') return;
  if (choice.server.baseUrl !== service.client.baseUrl)
    await settings.set('model.baseUrl', choice.server.baseUrl);
  if (choice.kind === 'pair') {
    await settings.set('model.completionModel', choice.completion.id);
    await settings.set('model.chatModel', choice.chat.id);
  } else {
    const uses = usesOf(choice.model, target);
    if (uses.completion) await settings.set('model.completionModel', choice.model.id);
    if (uses.chat) await settings.set('model.chatModel', choice.model.id);
  }
  await vscode.commands.executeCommand('setContext', MODEL_SELECTED_CONTEXT, true);
  vscode.window.setStatusBarMessage(
    `Tandem: suggestions from ${service.completionModel}, chat with ${service.chatModel} (${choice.server.name})`,
    5000,
  );
}

/** Which settings one model row sets: the target asked for, else whatever the model is good for. */
function usesOf(model: DiscoveredModel, target: Target | undefined): { completion: boolean; chat: boolean } {
  if (target) return { completion: target === 'completion', chat: target === 'chat' };
  if (!model.fim && !model.chat) return { completion: false, chat: true };
  return { completion: model.fim, chat: model.chat };
}

function quickPickItems(
  choices: readonly ModelChoice[],
  service: ModelService,
  target?: Target,
): ChoiceItem[] {
  const items: ChoiceItem[] = [];
  for (const choice of choices) {
    if (choice.kind === 'server') {
      items.push({
        label: `${choice.server.name} · ${choice.server.baseUrl}${choice.current ? ' (current)' : ''}`,
        kind: vscode.QuickPickItemKind.Separator,
      });
    } else if (choice.kind === 'pair') {
      if (target) continue;
      items.push({
        label: `$(zap) ${choice.completion.id} + ${choice.chat.id}`,
        description: 'sets both',
        detail: `Inline suggestions: ${choice.completion.id} (FIM) · chat and edits: ${choice.chat.id}`,
        choice,
      });
    } else {
      const current = [
        choice.model.id === service.completionModel ? 'suggestions' : '',
        choice.model.id === service.chatModel ? 'chat' : '',
      ].filter(Boolean);
      items.push({
        label: choice.model.id,
        description: [describeUses(choice.model), current.length ? `current: ${current.join(', ')}` : '']
          .filter(Boolean)
          .join(' · '),
        choice,
      });
    }
  }
  return items;
}

async function adviseInstall(servers: readonly DiscoveredServer[]): Promise<void> {
  const empty = servers[0];
  const message = empty
    ? `Tandem: ${empty.name} answers at ${empty.baseUrl} but lists no models. Run \`${installAdvice.commands[0]}\` and \`${installAdvice.commands[1]}\` (Ollama), or load a model in your server, then try again.`
    : `Tandem: ${installAdvice.summary}`;
  const choice = await vscode.window.showWarningMessage(
    message,
    'Open Settings',
    'Copy Commands',
    'Try Again',
  );
  if (choice === 'Open Settings')
    await vscode.commands.executeCommand('workbench.action.openSettings', 'tandem.model');
  else if (choice === 'Copy Commands')
    await vscode.env.clipboard.writeText(installAdvice.commands.join(' && '));
  else if (choice === 'Try Again') await vscode.commands.executeCommand('tandem.selectModel');
}
