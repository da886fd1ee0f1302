import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSelfSignedCertificate } from '@spice-ts/test-support';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  GLIB_CLIENT_SCRIPT,
  type GlibClientResult,
  glibClientArgs,
  readPpm,
  requirePeers,
  runProcess,
  type ServerProcess,
  startServer,
} from '../src/index.js';

// Real spice-gtk clients over the TLS port (with NEED_SECURED redirects) and over a UNIX socket.

let dir = '';
let cert = '';
let key = '';
let server: ServerProcess | undefined;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'spice-ts-tls-e2e-'));
  ({ cert, key } = writeSelfSignedCertificate(dir, {
    key: 'rsa',
    subject: '/CN=127.0.0.1',
    subjectAltName: 'IP:127.0.0.1,DNS:localhost',
  }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

/** Runs glib_client.py with extra flags (the TS wrapper does not know the TLS/UNIX ones). */
async function glibClient(port: number, extra: string[], timeoutMs = 30_000): Promise<GlibClientResult> {
  const { python } = requirePeers();
  const args = [GLIB_CLIENT_SCRIPT, ...glibClientArgs({ port, timeoutMs }), ...extra];
  const run = await runProcess(python, args, { timeoutMs: timeoutMs + 10_000 });
  const line = run.stdout
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  if (!line) throw new Error(`glib_client printed no report (exit ${run.code}): ${run.stderr}`);
  return { ...(JSON.parse(line) as Omit<GlibClientResult, 'stderr'>), stderr: run.stderr };
}

/**
 * spicy-screenshot has no CA option; without one spice-gtk falls back to OpenSSL's default trust
 * store, which SSL_CERT_FILE points at our certificate.
 */
async function spicyScreenshot(args: string[]) {
  const { spicyScreenshot: bin } = requirePeers();
  const out = join(dir, `shot-${Date.now()}.ppm`);
  const run = await runProcess(bin, [...args, '-o', out], {
    timeoutMs: 20_000,
    cwd: dir,
    env: { ...process.env, SSL_CERT_FILE: cert },
  });
  if (run.code !== 0) throw new Error(`spicy-screenshot exited ${run.code}: ${run.stderr}`);
  return readPpm(readFileSync(out));
}

const linkedOver = (logs: string, listener: string) =>
  logs
    .split('\n')
    .filter((l) => l.includes('"channel linked"') && l.includes(`"listener":"${listener}"`))
    .map((l) => (JSON.parse(l) as { channelType: number }).channelType);

describe('TLS', () => {
  it('spice-gtk follows NEED_SECURED from the plain port to the TLS port for every secure channel', async () => {
    const tlsPort = await freePort();
    server = await startServer({
      args: [
        '--tls-port',
        String(tlsPort),
        '--tls-cert',
        cert,
        '--tls-key',
        key,
        '--secure-channels',
        'all',
        '--log-format',
        'json',
        '--no-demo-animation',
      ],
    });
    // (No --motion here: glib_client measures motion acks from TCP byte counts, which TLS records skew.)
    const report = await glibClient(server.port, ['--tls-port', String(tlsPort), '--ca-file', cert]);
    expect(report.errors).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.channels).toEqual(expect.arrayContaining(['main:0', 'display:0', 'inputs:0', 'cursor:0']));
    const logs = server.logs();
    expect(logs).toMatch(/"linkError":5/); // NEED_SECURED on the plain port
    expect(new Set(linkedOver(logs, 'tls'))).toEqual(new Set([1, 2, 3, 4]));
    expect(linkedOver(logs, 'tcp')).toEqual([]);
  });

  it('spicy-screenshot connects on the TLS port alone (-s) and verifies the certificate', async () => {
    const tlsPort = await freePort();
    server = await startServer({
      args: [
        '--tls-port',
        String(tlsPort),
        '--tls-cert',
        cert,
        '--tls-key',
        key,
        '--log-format',
        'json',
        '--no-demo-animation',
      ],
    });
    const frame = await spicyScreenshot(['-h', '127.0.0.1', '-s', String(tlsPort)]);
    expect([frame.width, frame.height]).toEqual([1024, 768]);
    expect(linkedOver(server.logs(), 'tls')).toContain(2);
  });

  it('a client that does not trust the certificate gets no session', async () => {
    const tlsPort = await freePort();
    server = await startServer({
      args: [
        '--tls-port',
        String(tlsPort),
        '--tls-cert',
        cert,
        '--tls-key',
        key,
        '--secure-channels',
        'main',
        '--no-demo-animation',
      ],
    });
    const report = await glibClient(server.port, ['--tls-port', String(tlsPort)], 10_000);
    expect(report.ok).toBe(false);
    expect(linkedOver(server.logs(), 'tls')).toEqual([]);
  });
});

describe('UNIX socket', () => {
  it('spicy-screenshot (spice+unix:// URI) and glib_client connect over the socket', async () => {
    const path = join(dir, 'spice.sock');
    server = await startServer({ args: ['--unix-socket', path, '--log-format', 'json', '--no-demo-animation'] });
    const frame = await spicyScreenshot([`--uri=spice+unix://${path}`]);
    expect([frame.width, frame.height]).toEqual([1024, 768]);
    const report = await glibClient(server.port, ['--unix-path', path]);
    expect(report.ok).toBe(true);
    expect(new Set(linkedOver(server.logs(), 'unix'))).toEqual(new Set([1, 2, 3, 4]));
  });
});

describe('graceful shutdown', () => {
  it('on SIGTERM the connected client is told and disconnected, and the server exits 0 promptly', async () => {
    server = await startServer({ args: ['--log-format', 'json', '--no-demo-animation'] });
    const running = glibClient(server.port, ['--wait-ms', '20000'], 40_000);
    // Every channel linked (a link still in progress at shutdown is dropped, not told).
    const deadline = Date.now() + 20_000;
    while (new Set(linkedOver(server.logs(), 'tcp')).size < 4 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await server.waitForLog(/display client initialised/, { fromStart: true });
    const t = performance.now();
    const exit = await server.stop({ killAfterMs: 8_000 });
    const elapsed = performance.now() - t;
    expect(exit.code).toBe(0);
    expect(elapsed).toBeLessThan(3_000);
    const report = await running;
    expect(report, JSON.stringify(report)).toMatchObject({ disconnected: true });
    expect(server.logs()).toMatch(/shutting down/);
    server = undefined;
  });
});
