#!/usr/bin/env node
// The `datasync` command. It runs the compiled server (apps/server/dist, `npm run build`) when that build is of the
// sources as they are now, and otherwise the TypeScript sources through tsx's loader (decision 014): a stale build
// is never run, and a checkout without one still works. DATASYNC_SOURCES=1 always runs the sources (npm run dev).
import { existsSync } from 'node:fs';
import { SERVER_DIST, isCurrentBuild } from '../scripts/build-inputs.mjs';

function runCompiled() {
  if (process.env.DATASYNC_SOURCES === '1' || !existsSync(SERVER_DIST)) return false;
  if (isCurrentBuild()) return true;
  console.error(
    'datasync: apps/server/dist is not a build of the current sources; running the sources through tsx',
  );
  return false;
}

if (runCompiled()) {
  await import('../dist/cli.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli.ts');
}
