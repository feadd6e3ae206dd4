// The sync engine thread's entry when the server runs from its TypeScript sources: tsx's loader is registered per
// thread (as in bin/datasync.mjs). A compiled server (apps/server/dist) starts engine-thread.run.js directly.
import { register } from 'tsx/esm/api';

register();
await import('./engine-thread.run.ts');
