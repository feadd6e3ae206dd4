// The sync engine thread's entry: TypeScript runs through tsx's loader, registered per thread (as in bin/datasync.mjs).
import { register } from 'tsx/esm/api';

register();
await import('./engine-thread.run.ts');
