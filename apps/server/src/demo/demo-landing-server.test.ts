import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDemoLanding } from './demo-landing-server.js';

let dataDir: string;
const warnings: string[] = [];
const log = { info: () => {}, warn: (_fields: object, message: string) => warnings.push(message) };
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'demo-landing-'));
  warnings.length = 0;
});
afterEach(() => rm(dataDir, { recursive: true, force: true }));

const config = (landingPort: number, port = 3000) => ({
  host: '127.0.0.1',
  port,
  landingPort,
  publicUrl: 'http://127.0.0.1:3000',
  dataDir,
});

describe('startDemoLanding', () => {
  it('serves the pages and tells the demo their address on the public host', async () => {
    const landing = (await startDemoLanding(config(0), {}, log))!;
    try {
      expect(landing.demo.baseUrl).toBe(`http://127.0.0.1:${landing.server.port}`);
      expect((await fetch(`${landing.demo.baseUrl}/google`)).status).toBe(200);
    } finally {
      await landing.server.close();
    }
  });

  it('lets DataSync start without the pages when LANDING_PORT is taken or is PORT, and says why', async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    try {
      const taken = (squatter.address() as AddressInfo).port;
      expect(await startDemoLanding(config(taken), {}, log)).toBeUndefined();
      expect(await startDemoLanding(config(3999, 3999), {}, log)).toBeUndefined();
      expect(warnings).toEqual([
        expect.stringMatching(/LANDING_PORT is in use/),
        expect.stringMatching(/LANDING_PORT is the same as PORT/),
      ]);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });
});
