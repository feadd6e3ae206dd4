// Compiles the bench to JavaScript in bench/dist, so that its processes run with plain `node`: the service it
// measures is the compiled server (apps/server/dist, decision 014), with no TypeScript loader in the process (tsx's
// loader alone costs the process ~90 MB). One bundle per process entry (the bench, the database figures' child, the
// live figures' children), each beside the others in bench/dist, one folder below bench as bench/lib is, so the
// bench's own relative paths (../receiver.mjs, the CLI) hold. The server's modules stay outside the bundles: an
// import of apps/server/src/X.ts becomes an import of apps/server/dist/X.js, the build `npm run build` makes.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { SERVER_DIST } from '../apps/server/scripts/build-inputs.mjs';

const BENCH = fileURLToPath(new URL('./', import.meta.url));
const OUT = fileURLToPath(new URL('./dist/', import.meta.url));
const SERVER_SRC = fileURLToPath(new URL('../apps/server/src/', import.meta.url));

/** An import that lands in the server's sources loads its compiled module instead, left outside the bundle. */
const compiledServer = {
  name: 'compiled-server',
  setup(builder) {
    builder.onResolve({ filter: /^\.\.?\// }, ({ path, resolveDir }) => {
      const target = fileURLToPath(new URL(path, `file://${resolveDir}/`));
      if (!target.startsWith(SERVER_SRC)) return undefined;
      const compiled = SERVER_DIST + relative(SERVER_SRC, target).replace(/\.ts$/, '.js');
      return { path: relative(OUT, compiled).split(sep).join('/'), external: true };
    });
  },
};

const started = performance.now();
rmSync(OUT, { recursive: true, force: true });
await build({
  entryPoints: ['sync.bench.ts', 'validate.bench.ts', 'lib/database-child.ts', 'lib/live-latency.ts'].map(
    (file) => BENCH + file,
  ),
  outdir: OUT,
  entryNames: '[name]',
  bundle: true,
  packages: 'external',
  plugins: [compiledServer],
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
});
console.log(`bench compiled → ${OUT} in ${Math.round(performance.now() - started)} ms`);
