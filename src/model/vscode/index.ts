// The model layer's VS Code side: `registerModel` is what src/extension.ts calls.

import { ModelService, type ModelServiceDeps } from './modelService';

export { ModelService, type ModelServiceDeps } from './modelService';
export { abortSignalFrom } from './cancellation';
export { requestLogUri } from './requestLogDocument';

/** Creates the (lazy) model service and its commands; dispose it to undo everything. */
export function registerModel(deps: ModelServiceDeps): ModelService {
  return new ModelService(deps);
}
