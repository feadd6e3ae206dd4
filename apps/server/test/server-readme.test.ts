import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppDeps } from '../src/app-deps.js';
import type { RouteAccess } from '../src/auth/access.js';
import { ENV_VARIABLES, loadConfig } from '../src/config.js';
import { buildApp } from '../src/http/app.js';
import { runCli } from './support/cli-process.js';

// apps/server/README.md is the reference of what the server reads, offers and answers: these checks fail when the
// code and it disagree, in either direction.
const SERVER = fileURLToPath(new URL('..', import.meta.url));
let readme: string;
beforeAll(async () => {
  readme = await readFile(join(SERVER, 'README.md'), 'utf8');
});

/** The text under `heading` (e.g. `## Commands`), up to the next heading of the same or a higher level. */
function section(heading: string): string {
  const level = heading.indexOf(' ');
  const lines = readme.split('\n');
  const start = lines.indexOf(heading);
  if (start === -1) throw new Error(`README.md has no "${heading}" heading`);
  const end = lines.findIndex((line, index) => {
    if (index <= start) return false;
    const hashes = /^(#+) /.exec(line)?.[1];
    return hashes !== undefined && hashes.length <= level;
  });
  return lines.slice(start + 1, end === -1 ? undefined : end).join('\n');
}

/** The body rows of every Markdown table in `text`, as trimmed cells. */
function tableRows(text: string): string[][] {
  const lines = text.split('\n');
  const separator = /^\|(\s*:?-+:?\s*\|)+$/;
  return lines
    .filter(
      (line, index) =>
        line.startsWith('|') && !separator.test(line) && !separator.test(lines[index + 1] ?? ''),
    )
    .map((line) =>
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    );
}

/** `NAME` → NAME; undefined when the cell is not one code span. */
function code(cell: string | undefined): string | undefined {
  return /^`([^`]+)`$/.exec(cell ?? '')?.[1];
}

/** The server's own source files (tests excluded), as one text per file. */
async function serverSources(): Promise<string[]> {
  const files = [
    ...(await readdir(join(SERVER, 'src'), { recursive: true })).map((file) => join('src', file)),
    ...(await readdir(join(SERVER, 'bin'))).map((file) => join('bin', file)),
  ].filter((file) => /\.(ts|mts|mjs)$/.test(file) && !file.endsWith('.test.ts'));
  return Promise.all(files.map((file) => readFile(join(SERVER, file), 'utf8')));
}

describe('apps/server/README.md, configuration', () => {
  const documented = () =>
    tableRows(section('## Configuration')).map(([name]) => code(name) ?? `not a variable: ${name}`);

  it('lists every variable config.ts reads', () => {
    expect(ENV_VARIABLES.filter((name) => !documented().includes(name))).toEqual([]);
  });

  it('lists every variable read through process.env elsewhere in the server', async () => {
    const read = (await serverSources()).flatMap((text) =>
      [...text.matchAll(/process\.env\.([A-Z][A-Z0-9_]*)/g)].map((match) => match[1]!),
    );
    expect(read).toContain('DATASYNC_SOURCES');
    expect([...new Set(read)].filter((name) => !documented().includes(name))).toEqual([]);
  });

  it('lists no variable the server does not read or name', async () => {
    const sources = (await serverSources()).join('\n');
    const stale = documented().filter(
      (name) => !ENV_VARIABLES.includes(name) && !new RegExp(`\\b${name}\\b`).test(sources),
    );
    expect(stale).toEqual([]);
  });
});

describe('apps/server/README.md, commands', () => {
  let help: string;
  let cwd: string;
  // The real command, from the sources: tsx compiles them on the fly, and `help` imports no database code.
  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'datasync-help-'));
    const cli = runCli(['help'], { cwd, env: { DATASYNC_SOURCES: '1' } });
    expect(await cli.exited).toBe(0);
    help = cli.output();
  }, 60_000);
  afterAll(() => rm(cwd, { recursive: true, force: true }));

  /** Each command of the help's "Commands:" block, with the flags of its "Options of <command>:" block. */
  function commandsOfHelp(): Map<string, string[]> {
    const blocks = help.split('\n\n');
    const list = blocks.find((block) => block.startsWith('Commands:\n'));
    if (!list) throw new Error(`no "Commands:" block in the help:\n${help}`);
    const commands = new Map<string, string[]>();
    for (const line of list.split('\n').slice(1)) commands.set(/^ {2}(\S+)/.exec(line)![1]!, []);
    for (const block of blocks) {
      const of = /^Options of (\S+):\n/.exec(block)?.[1];
      if (of !== undefined)
        commands.set(
          of,
          [...block.matchAll(/^ {2}(--?[\w-]+)/gm)].map((match) => match[1]!),
        );
    }
    return commands;
  }

  function commandsOfReadme(): Map<string, string[]> {
    const rows = tableRows(section('## Commands'));
    return new Map(
      rows.map(([name, options]) => [
        code(name) ?? `not a command: ${name}`,
        [...(options ?? '').matchAll(/`(--?[\w-]+)`/g)].map((match) => match[1]!),
      ]),
    );
  }

  it('has the same commands as `datasync help`', () => {
    expect([...commandsOfReadme().keys()].sort()).toEqual([...commandsOfHelp().keys()].sort());
    expect([...commandsOfHelp().keys()]).toContain('serve');
  });

  it('gives each command the options `datasync help` gives it', () => {
    const fromHelp = Object.fromEntries([...commandsOfHelp()].map(([name, flags]) => [name, flags.sort()]));
    const fromReadme = Object.fromEntries(
      [...commandsOfReadme()].map(([name, flags]) => [name, flags.sort()]),
    );
    expect(fromReadme).toEqual(fromHelp);
    expect(fromHelp.serve).toEqual(['--landing', '--no-landing']);
  });

  it('`datasync help` names every variable config.ts reads', () => {
    for (const name of ENV_VARIABLES) expect(help).toMatch(new RegExp(`\\b${name}\\b`));
  });
});

describe('apps/server/README.md, routes', () => {
  let routes: RouteAccess[];
  // The app as main.ts builds it; registering routes touches none of the side effects, which are left out here.
  beforeAll(async () => {
    const unused = (name: string) =>
      new Proxy(
        {},
        {
          get: (_target, property) => {
            throw new Error(`deps.${name}.${String(property)} used while registering routes`);
          },
        },
      );
    const deps = {
      config: loadConfig({}),
      ...Object.fromEntries(['db', 'auth', 'keys', 'queue', 'metrics'].map((name) => [name, unused(name)])),
      executeSql: () => Promise.reject(new Error('executeSql used while registering routes')),
    } as unknown as AppDeps;
    const app = await buildApp(deps, { webRoot: false });
    await app.ready();
    routes = [...app.routeAccess];
    await app.close();
  });

  /** `/api/v1/<resource>` for API routes, the first path segment for the others. */
  const groupOf = (url: string) => /^\/api\/v1\/[^/]+|^\/[^/]+/.exec(url)![0];

  it('lists every route group, and only those', () => {
    const documented = tableRows(section('### Route groups')).map(([prefix]) => code(prefix));
    const registered = [...new Set(routes.map((route) => groupOf(route.url)))];
    expect(registered).toContain('/api/v1/sites');
    expect([...documented].sort()).toEqual(registered.sort());
  });

  it("names in each group's row every access rule of its routes", () => {
    const accessOf = new Map(
      tableRows(section('### Route groups')).map(([prefix, , access]) => [code(prefix), access ?? '']),
    );
    const missing = routes
      .filter((route) => {
        const cell = accessOf.get(groupOf(route.url)) ?? '';
        const named = route.access.includes(':') ? `\`${route.access}\`` : route.access;
        return !cell.split(', ').includes(named);
      })
      .map((route) => `${route.method} ${route.url}: ${route.access}`);
    expect(missing).toEqual([]);
  });

  it('lists every route with its access rule, and only those', () => {
    const documented = tableRows(section('### Every route')).map(([method, path, access]) => {
      const rule = /^`?([\w:-]+)`?/.exec(access ?? '')?.[1];
      return `${method} ${code(path)} ${rule}`;
    });
    const registered = routes.map((route) => `${route.method} ${route.url} ${route.access}`);
    expect(registered).toContain('GET /healthz public');
    expect([...documented].sort()).toEqual([...registered].sort());
  });
});

describe('apps/server/README.md, source layout', () => {
  const listed = () =>
    tableRows(section('## Source layout (`src/`)')).flatMap(([paths]) =>
      [...(paths ?? '').matchAll(/`([^`]+)`/g)].map((match) => match[1]!),
    );

  it('has a row for every folder of src/', async () => {
    const folders = (await readdir(join(SERVER, 'src'), { withFileTypes: true }))
      .filter((entry) => entry.isDirectory())
      .map((entry) => `${entry.name}/`);
    expect(folders).toContain('sync/');
    expect(folders.filter((folder) => !listed().includes(folder))).toEqual([]);
  });

  it('names only files and folders that exist', () => {
    expect(listed().filter((path) => !existsSync(join(SERVER, 'src', path)))).toEqual([]);
  });
});
