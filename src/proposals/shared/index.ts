/**
 * Shared proposals: an assistant's proposal stored in the session's Y.Doc, decided hunk by hunk by
 * any writer and applied once by the host. See records.ts for the data model, sharedProposals.ts for
 * what a participant does with them and hostApplier.ts for how decisions become edits.
 */
export { anchorRegion, lineOfOffset, lineStartOffset, resolveRegion, type ResolvedRegion } from './anchoring';
export { HostApplier, type AppliedDecision } from './hostApplier';
export * from './records';
export {
  maskSecrets,
  SharedProposalError,
  SharedProposals,
  type ProposalInput,
  type SharedHunkStatus,
  type SharedHunkView,
  type SharedProposalsChange,
  type SharedProposalsOptions,
  type SharedProposalView,
} from './sharedProposals';
