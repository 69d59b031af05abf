// "Tandem: Select Model...": lists what the server offers (/v1/models) and sets the model for inline
// suggestions or for chat.

import * as vscode from 'vscode';
import type { Settings } from '../../settings';
import type { ModelService } from './modelService';

type Target = 'completion' | 'chat';

const settingOf = { completion: 'model.completionModel', chat: 'model.chatModel' } as const;

export async function selectModel(service: ModelService, settings: Settings, target?: Target): Promise<void> {
  const chosenTarget = target ?? (await pickTarget(service));
  if (!chosenTarget) return;
  const current = chosenTarget === 'completion' ? service.completionModel : service.chatModel;
  let ids: string[];
  try {
    ids = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: 'Tandem: listing models' },
      async () => (await service.client.listModels()).map((model) => model.id),
    );
  } catch (error) {
    await service.notifyError(error, 'Listing models');
    return;
  }
  if (ids.length === 0) {
    void vscode.window.showWarningMessage(
      `Tandem: the server at ${service.client.baseUrl} lists no models. Pull one first (Ollama: \`ollama pull qwen2.5-coder:1.5b-base\`).`,
    );
    return;
  }
  const picked = await vscode.window.showQuickPick(
    ids.map((id) => ({
      label: id,
      description: [
        id === current ? 'current' : '',
        chosenTarget === 'completion' ? `format: ${service.promptFormatFor(id)}` : '',
      ]
        .filter(Boolean)
        .join(' · '),
    })),
    {
      title: `Tandem: model for ${chosenTarget === 'completion' ? 'inline suggestions' : 'chat and edits'}`,
      placeHolder: `Models on ${service.client.baseUrl}`,
      matchOnDescription: true,
    },
  );
  if (!picked) return;
  await settings.set(settingOf[chosenTarget], picked.label);
}

async function pickTarget(service: ModelService): Promise<Target | undefined> {
  const picked = await vscode.window.showQuickPick(
    [
      { label: 'Inline suggestions', description: service.completionModel, target: 'completion' as const },
      { label: 'Chat and edits', description: service.chatModel, target: 'chat' as const },
    ],
    { title: 'Tandem: select the model for…' },
  );
  return picked?.target;
}
