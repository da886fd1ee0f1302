import { describe, expect, it } from 'vitest';
import {
  type ClientError,
  E2eErrorCode,
  freePort,
  isClientError,
  PeerMissingError,
  requirePeers,
  runGlibClient,
  takeScreenshot,
} from '../src/index.js';

// These drive the real clients, but against a port where nothing listens, so they need no
// server. A missing peer fails them (requirePeers throws): CI must install the peers.
describe('real peers', () => {
  it('are installed: spicy-screenshot and a python3 with SpiceClientGLib 2.0', () => {
    const peers = requirePeers();
    expect(peers.spicyScreenshot).toMatch(/spicy-screenshot$/);
    expect(peers.python).toBe('/usr/bin/python3');
  });

  it('glib_client.py reports a refused connection as a failure with exit 1 and a JSON report', async () => {
    const port = await freePort();
    const result = await runGlibClient({ port, timeoutMs: 10_000 });
    expect(result.ok).toBe(false);
    expect(result.exit_code).toBe(1);
    expect(result.primary).toBe(false);
    expect(result.auth_failed).toBe(false);
    expect(result.errors.join(' ')).toMatch(/main:0: error-connect/);
  });

  it('glib_client.py refuses text it cannot type, before connecting', async () => {
    const port = await freePort();
    const error = await runGlibClient({ port, type: 'héllo' }).catch((e: unknown) => e);
    expect(isClientError(error)).toBe(true);
    expect((error as ClientError).exitCode).toBe(2);
    expect((error as ClientError).message).toContain('cannot type');
  });

  it('takeScreenshot rejects with the client stderr when nothing listens', async () => {
    const port = await freePort();
    const error = await takeScreenshot({ port, timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(isClientError(error)).toBe(true);
    expect((error as ClientError).code).toBe(E2eErrorCode.ClientFailed);
    expect((error as ClientError).exitCode).toBe(1);
    expect((error as ClientError).message).toContain('main channel event');
  });

  it('names the Debian packages in the missing-peer error', () => {
    const error = new PeerMissingError([
      { peer: 'spicy-screenshot', debianPackage: 'spice-client-gtk', detail: 'not found' },
    ]);
    expect(error.code).toBe(E2eErrorCode.PeerMissing);
    expect(error.message).toContain('apt-get install -y spice-client-gtk');
  });
});
