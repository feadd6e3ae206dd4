export { createReceiver, DEFAULT_MAX_BODY_BYTES, DEFAULT_TOLERANCE_SECONDS } from './receiver.js';
export type { WebhookReceiver } from './receiver.js';
export { createNodeHandler } from './adapters/node-http.js';
export type { NodeWebhookHandler } from './adapters/node-http.js';
export { createFrameworkHandler, RAW_BODY_HELP } from './adapters/framework.js';
export type { RawBodyRequest, ReplyLike } from './adapters/framework.js';
export { createFetchHandler } from './adapters/fetch.js';
export { createFileStore } from './stores/file-store.js';
export type { FileStore } from './stores/file-store.js';
export { createMemoryStore } from './stores/memory-store.js';
export { writeFileAtomic } from './atomic-file.js';
export { stateKeyFor } from './state-key.js';
export { assertSigningSecret, verifySignature } from './verify-signature.js';
export type { Verification } from './verify-signature.js';
export type { FieldError } from './problem.js';
export type {
  ContentSyncedEvent,
  HeaderSource,
  ReceiveOutcome,
  ReceiverOptions,
  ReceiverRequest,
  ReceiverResponse,
  ReceiverStore,
  SecretSource,
  SiteRecord,
  SyncedItem,
  SyncedSite,
} from './types.js';
