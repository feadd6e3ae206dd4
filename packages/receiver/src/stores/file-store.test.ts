import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createReceiver } from '../receiver.js';
import { newSecret, newWebhookId, signedRequest, syncedEvent } from '../test-helpers.js';
import type { SiteRecord } from '../types.js';
import { stateKeyFor } from '../state-key.js';
import { createFileStore, type FileStore } from './file-store.js';

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'receiver-store-'));
});
afterEach(() => rm(directory, { recursive: true, force: true }));

function record(version: number, options: { siteId?: string; padding?: number } = {}): SiteRecord {
  const event = syncedEvent({ siteId: options.siteId ?? 'site-1', version, headline: `v${version}` });
  if (options.padding) event.data.items[0]!.data.notes = 'x'.repeat(options.padding);
  const webhookId = newWebhookId();
  return {
    siteId: event.data.site.id,
    version,
    webhookId,
    appliedWebhookIds: [webhookId],
    appliedAt: new Date().toISOString(),
    event,
  };
}

/** Writes a record under its site id: these tests are about files, any key will do. */
const put = (store: FileStore, value: SiteRecord) => store.write(value.siteId, value);

describe('createFileStore', () => {
  it('reads back what it wrote, lists every site, and reads undefined for an unknown site', async () => {
    const store = createFileStore(join(directory, 'not-yet-created'));
    expect(await store.list()).toEqual([]);
    expect(await store.read('site-1')).toBeUndefined();
    await put(store, record(1));
    await put(store, record(1, { siteId: 'site-2' }));
    expect((await store.read('site-1'))!.event.data.items[0]!.data.headline).toBe('v1');
    expect((await store.list()).map((r) => r.siteId).sort()).toEqual(['site-1', 'site-2']);
  });

  it('replaces the file by renaming a new one over it, leaving no temporary file behind', async () => {
    const store = createFileStore(directory);
    await put(store, record(1));
    const path = join(directory, 'site-site-1.json');
    const before = await stat(path);
    await put(store, record(2));
    const after = await stat(path);
    // An in-place rewrite keeps the inode; a rename of a fresh file brings a new one.
    expect(after.ino).not.toBe(before.ino);
    expect(await readdir(directory)).toEqual(['site-site-1.json']);
    expect(JSON.parse(await readFile(path, 'utf8')).version).toBe(2);
  });

  it('never lets a concurrent reader see a partly written file', async () => {
    const store = createFileStore(directory);
    const path = join(directory, 'site-site-1.json');
    await put(store, record(0, { padding: 1_000_000 }));
    let writing = true;
    const versionsRead = new Set<number>();
    const reader = (async () => {
      while (writing) {
        const text = await readFile(path, 'utf8');
        expect(() => JSON.parse(text)).not.toThrow();
        versionsRead.add((JSON.parse(text) as SiteRecord).version);
      }
    })();
    for (let version = 1; version <= 20; version++) await put(store, record(version, { padding: 1_000_000 }));
    writing = false;
    await reader;
    // Whole records only, and more than one of them: the reads really ran between the writes.
    expect([...versionsRead].every((version) => Number.isInteger(version) && version <= 20)).toBe(true);
    expect(versionsRead.size).toBeGreaterThanOrEqual(2);
    expect((await store.read('site-1'))!.version).toBe(20);
  });

  it('ignores what a crash mid-write leaves behind: the last complete record stays readable', async () => {
    const store = createFileStore(directory);
    await put(store, record(1));
    const complete = JSON.stringify(record(2));
    await writeFile(
      join(directory, 'site-site-1.json.4242.abcdef.tmp'),
      complete.slice(0, complete.length / 2),
    );
    expect((await store.read('site-1'))!.version).toBe(1);
    expect((await store.list()).map((r) => r.version)).toEqual([1]);
  });

  it('keeps sender-chosen site ids inside its folder', async () => {
    const store = createFileStore(join(directory, 'store'));
    await put(store, record(1, { siteId: '../../escape' }));
    expect(await readdir(directory)).toEqual(['store']);
    expect((await store.read('../../escape'))!.siteId).toBe('../../escape');
  });
});

describe('a receiver on a file store', () => {
  it('remembers versions and applied webhook ids across a restart', async () => {
    const secret = newSecret();
    const first = createReceiver({ secrets: [secret], store: createFileStore(directory) });
    const delivery = signedRequest(syncedEvent({ version: 2 }), [secret]);
    expect((await first.receive(delivery)).outcome).toBe('applied');

    const restarted = createReceiver({ secrets: [secret], store: createFileStore(directory) });
    expect((await restarted.receive(delivery)).outcome).toBe('already_applied');
    expect((await restarted.receive(signedRequest(syncedEvent({ version: 1 }), [secret]))).status).toBe(409);
  });

  it('takes over a state file named by site id, and names its own by the secret’s fingerprint', async () => {
    const secret = newSecret();
    const legacy = record(3);
    await writeFile(join(directory, 'site-site-1.json'), JSON.stringify(legacy));
    const receiver = createReceiver({ secrets: [secret], store: createFileStore(directory) });
    const replay = signedRequest(legacy.event, [secret], { id: legacy.webhookId });
    expect((await receiver.receive(replay)).outcome).toBe('already_applied');
    expect((await receiver.receive(signedRequest(syncedEvent({ version: 4 }), [secret]))).outcome).toBe(
      'applied',
    );

    const keyed = `site-${await stateKeyFor(secret)}.json`;
    expect((await readdir(directory)).sort()).toEqual([keyed, 'site-site-1.json'].sort());
    expect(JSON.parse(await readFile(join(directory, keyed), 'utf8')).version).toBe(4);
    expect(keyed).not.toContain(secret.slice('whsec_'.length));
  });
});
