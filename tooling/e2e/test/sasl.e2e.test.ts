import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChannelType } from '@spice-ts/protocol';
import { createSpiceServer, type SpiceServer } from '@spice-ts/server';
import { writeSelfSignedCertificate } from '@spice-ts/test-support';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GLIB_CLIENT_SCRIPT, type GlibClientResult, glibClientArgs, requirePeers, runProcess } from '../src/index.js';

// Real spice-gtk (its Cyrus SASL client, libsasl2-modules) logging in to a spice-ts server that
// offers SASL. spice-gtk insists on a SASL security layer (SSF >= 56) off TLS, which neither
// SCRAM nor PLAIN has, so these run over the TLS port: every channel is told NEED_SECURED on the
// plain port and spice-gtk reconnects it there. The server runs in this process and has no
// display, so the client is judged by the channels that opened, not by a picture. The second
// channel (inputs) proves spice-gtk got past its SASL read path: it reads the link result through
// its SASL decoder and would stall if the main channel's first messages came in the same record.

/** spice-gtk's SASL client needs Cyrus's PLAIN and SCRAM plugins (Debian libsasl2-modules). */
const hasSaslModules = spawnSync('dpkg-query', ['-W', '-f=${Status}', 'libsasl2-modules'], {
  encoding: 'utf8',
}).stdout.includes('install ok installed');

const USER = 'alice';
const PASSWORD = 'open sesame';
let dir = '';
let cert = '';
let key = '';
let server: SpiceServer | null = null;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'spice-ts-sasl-e2e-'));
  ({ cert, key } = writeSelfSignedCertificate(dir, {
    key: 'rsa',
    subject: '/CN=127.0.0.1',
    subjectAltName: 'IP:127.0.0.1,DNS:localhost',
  }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await server?.close({ graceMs: 0 });
  server = null;
});

async function start(mechanisms?: ('SCRAM-SHA-256' | 'PLAIN')[]) {
  server = createSpiceServer({
    port: 0,
    tlsPort: 0,
    tls: { cert, key },
    netTest: false,
    webClientDir: null,
    secureChannels: [ChannelType.Main, ChannelType.Inputs],
    sasl: { users: { [USER]: PASSWORD }, ...(mechanisms ? { mechanisms } : {}) },
  });
  return server.listen();
}

async function glibClient(
  port: number,
  tlsPort: number,
  username: string,
  password: string,
): Promise<GlibClientResult> {
  const { python } = requirePeers();
  // No display: the client never sees a primary surface and stops at the timeout (exit 3), with
  // the channels it opened in its report.
  const timeoutMs = 5_000;
  const args = [
    GLIB_CLIENT_SCRIPT,
    ...glibClientArgs({ port, password, timeoutMs, idleMs: 0 }),
    '--username',
    username,
    '--tls-port',
    String(tlsPort),
    '--ca-file',
    cert,
  ];
  const run = await runProcess(python, args, { timeoutMs: timeoutMs + 10_000 });
  const line = run.stdout
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  if (!line) throw new Error(`glib_client printed no report (exit ${run.code}): ${run.stderr}`);
  return { ...(JSON.parse(line) as Omit<GlibClientResult, 'stderr'>), stderr: run.stderr };
}

describe.skipIf(!hasSaslModules)('SASL with spice-gtk (needs libsasl2-modules)', () => {
  it.each([
    ['SCRAM-SHA-256', ['SCRAM-SHA-256'] as const],
    ['PLAIN', ['PLAIN'] as const],
  ])('logs in with %s over TLS and opens the main and inputs channels', async (_, mechanisms) => {
    const { port, tlsPort } = await start([...mechanisms]);
    const result = await glibClient(port, tlsPort!, USER, PASSWORD);
    expect(result.auth_failed, result.stderr).toBe(false);
    expect(result.disconnected).toBe(false);
    expect(result.channels).toContain('main:0');
    expect(result.channels).toContain('inputs:0');
    expect(server!.counters.authFailures).toBe(0);
  });

  it('is refused with a wrong password, and spice-gtk reports an authentication failure', async () => {
    const { port, tlsPort } = await start();
    const result = await glibClient(port, tlsPort!, USER, 'not the password');
    expect(result.auth_failed).toBe(true);
    expect(result.exit_code).toBe(4);
    expect(result.channels).not.toContain('main:0');
    expect(server!.counters.authFailures).toBeGreaterThanOrEqual(1);
  });
});
