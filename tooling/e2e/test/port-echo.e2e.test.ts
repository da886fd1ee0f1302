import { fileURLToPath } from 'node:url';
import { echoPort } from '@spice-ts/example-port-echo';
import { type App, createLogger, DEFAULT_CONFIG, startApp } from '@spice-ts/server-app';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, requirePeers, runProcess } from '../src/index.js';

const SCRIPT = fileURLToPath(new URL('../clients/port_echo.py', import.meta.url));
let app: App;

beforeAll(async () => {
  app = await startApp(
    { ...DEFAULT_CONFIG, port: await freePort(), demo: { ...DEFAULT_CONFIG.demo, animate: false } },
    createLogger('silent', 'json'),
  );
  app.server.addChannel(echoPort()); // a third-party channel through the public SDK
});
afterAll(async () => {
  await app?.close();
});

describe('a third-party port channel', () => {
  it('is listed, opened by spice-gtk as org.spice-ts.echo, and echoes what the client writes', async () => {
    const { python } = requirePeers();
    const message = 'hello from spice-gtk \u2713 1234567890';
    const run = await runProcess(python, [SCRIPT, '--port', String(app.address.port), '--message', message], {
      timeoutMs: 30_000,
    });
    const report = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as {
      ok: boolean;
      port_name: string;
      echo: string;
      errors: string[];
      channels: string[];
    };
    expect(report.errors).toEqual([]);
    expect(report.channels).toContain('PortChannel');
    expect(report.port_name).toBe('org.spice-ts.echo');
    expect(report.echo).toBe(message);
    expect(report.ok).toBe(true);
  });
});
