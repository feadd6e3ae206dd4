// Compiles the server's TypeScript to JavaScript in apps/server/dist (decision 014), one output file per source
// file so every relative path (migrations, the web UI's dist, the engine thread's entry) is the same depth as in
// src/. esbuild only strips types, as tsx does at run time; `npm run typecheck` is what checks them.
import { build } from 'esbuild';
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import {
  SERVER_DIST,
  buildInputFiles,
  buildRoots,
  hashBuildInputs,
  isCurrentBuild,
} from './build-inputs.mjs';

// --out-dir: another folder of apps/server (the build's test builds beside the real dist, not over it).
const { values } = parseArgs({ options: { 'out-dir': { type: 'string' } } });
const dist = values['out-dir'] ? resolve(values['out-dir']) : SERVER_DIST;
const started = performance.now();

if (isCurrentBuild(dist)) {
  // Nothing to do, and a `datasync` process running from this build keeps its files (npm start while tests run).
  console.log(`server build is current: ${dist}`);
  process.exit(0);
}

// Built beside, then swapped in: a process that starts meanwhile finds either no build or a whole one.
const files = buildInputFiles();
const staging = `${dist.replace(/\/$/, '')}.building-${process.pid}`;
rmSync(staging, { recursive: true, force: true });

for (const root of buildRoots(staging)) {
  const entryPoints = files.filter((file) => file.startsWith(root.sources + '/'));
  await build({
    entryPoints,
    outdir: root.out,
    outbase: root.sources,
    bundle: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Maps are read only with --enable-source-maps; without it they cost nothing at run time.
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  if (root.name) {
    // The compiled package's own manifest: the same name, its entry now JavaScript.
    const manifest = { name: root.name, private: true, type: 'module', exports: { '.': './src/index.js' } };
    writeFileSync(join(root.out, '..', 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  }
}

const info = { inputsHash: hashBuildInputs(files), files: files.length };
writeFileSync(join(staging, 'build-info.json'), `${JSON.stringify(info, null, 2)}\n`);
const previous = `${staging}.previous`;
if (existsSync(dist)) renameSync(dist, previous);
renameSync(staging, dist);
rmSync(previous, { recursive: true, force: true });
console.log(
  `server compiled: ${files.length} files → ${dist} in ${Math.round(performance.now() - started)} ms`,
);
