// The trust gate's VS Code side: `registerTrust` is what src/extension.ts calls.

export { TrustService, registerTrust, type TrustServiceDeps } from './trustService';
export { confirmProtectedChanges } from './confirmProtected';
export { trustPathOf } from '../../workspace/vscode/fileAddress';
