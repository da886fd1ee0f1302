import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGlibClient, SERVER_ENTRY, type ServerProcess, startServer, takeScreenshot } from '../src/index.js';

describe('the spice-ts binary', () => {
  it('documents every flag in --help', () => {
    const out = spawnSync(process.execPath, [SERVER_ENTRY, '--help'], { encoding: 'utf8', timeout: 20_000 });
    expect(out.status).toBe(0);
    for (const flag of [
      '--port',
      '--addr',
      '--tls-port',
      '--tls-cert',
      '--tls-key',
      '--tls-ca',
      '--unix-socket',
      '--secure-channels',
      '--no-http',
      '--password',
      '--password-file',
      '--password-lifetime',
      '--disable-ticketing',
      '--clients',
      '--name',
      '--link-timeout',
      '--no-net-test',
      '--log-level',
      '--log-format',
      '--demo-width',
      '--demo-height',
      '--demo-fps',
      '--no-demo-animation',
      '--replay',
      '--image-compression',
      '--realtime',
      '--exit-when-done',
      '--wait',
      '--record',
      '--sasl-users',
      '--sasl-mechanisms',
      'remote-viewer spice://',
    ]) {
      expect(out.stdout).toContain(flag);
    }
  });

  it('refuses to start on a non-loopback address without a password, with a clear message', () => {
    const out = spawnSync(
      process.execPath,
      [SERVER_ENTRY, '--addr', '0.0.0.0', '--port', '0', '--log-format', 'json'],
      { encoding: 'utf8', timeout: 20_000 },
    );
    expect(out.status).not.toBe(0);
    expect(out.stderr).toMatch(/without a password/);
  });

  it('rejects a bad flag value with a clear message', () => {
    const out = spawnSync(process.execPath, [SERVER_ENTRY, '--port', '99999'], { encoding: 'utf8', timeout: 20_000 });
    expect(out.status).not.toBe(0);
    expect(out.stderr).toMatch(/--port must be an integer from 0 to 65535/);
  });

  describe('with a password', () => {
    let server: ServerProcess;
    beforeAll(async () => {
      server = await startServer({ args: ['--password', 'open sesame', '--log-format', 'json'] });
    });
    afterAll(async () => {
      await server?.stop();
    });

    it('prints how to connect', async () => {
      await server.waitForLog(/remote-viewer spice:\/\/127\.0\.0\.1:\d+/, { fromStart: true });
    });

    it('refuses a wrong password (PERMISSION_DENIED) and never logs the password', async () => {
      const result = await runGlibClient({ port: server.port, password: 'guess-7391', timeoutMs: 15_000 });
      expect(result.ok).toBe(false);
      expect(result.auth_failed).toBe(true);
      await server.waitForLog(/authentication failed/, { fromStart: true });
      expect(server.logs()).not.toContain('open sesame');
      expect(server.logs()).not.toContain('guess-7391');
    });

    it('serves the demo guest to a client with the right password', async () => {
      const shot = await takeScreenshot({ port: server.port, password: 'open sesame' });
      expect([shot.width, shot.height]).toEqual([1024, 768]);
      const colours = new Set<number>();
      for (let i = 0; i < shot.rgb.length; i += 3 * 97)
        colours.add((shot.rgb[i]! << 16) | (shot.rgb[i + 1]! << 8) | shot.rgb[i + 2]!);
      expect(colours.size).toBeGreaterThan(20); // a desktop, not a blank screen
    });
  });
});
