import type { Logger } from '@spice-ts/channel';
import { ChannelType, LinkErr } from '@spice-ts/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthRateLimiter, createSpiceServer, type SpiceServer } from '../src/index.js';
import { TestClient } from './support/test-client.js';

function capturingLogger(lines: string[], bindings: Record<string, unknown> = {}): Logger {
  const log = (level: string) => (obj: object, msg?: string) =>
    lines.push(JSON.stringify({ level, ...bindings, ...obj, msg }));
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: (b) => capturingLogger(lines, { ...bindings, ...b }),
  };
}

describe('AuthRateLimiter', () => {
  it('blocks an address at the fifth failure within the window, for the block time', () => {
    let now = 0;
    const limiter = new AuthRateLimiter({}, () => now);
    for (let i = 0; i < 4; i++) expect(limiter.recordFailure('10.0.0.1')).toBe(false);
    expect(limiter.isBlocked('10.0.0.1')).toBe(false);
    expect(limiter.recordFailure('10.0.0.1')).toBe(true);
    expect(limiter.isBlocked('10.0.0.1')).toBe(true);
    expect(limiter.isBlocked('10.0.0.2')).toBe(false);
    now = 59_999;
    expect(limiter.isBlocked('10.0.0.1')).toBe(true);
    now = 60_001;
    expect(limiter.isBlocked('10.0.0.1')).toBe(false);
    expect(limiter.size).toBe(0);
  });

  it('forgets failures older than the window', () => {
    let now = 0;
    const limiter = new AuthRateLimiter({ maxFailures: 3, windowMs: 1000 }, () => now);
    limiter.recordFailure('a');
    limiter.recordFailure('a');
    now = 1500;
    expect(limiter.recordFailure('a')).toBe(false);
    expect(limiter.isBlocked('a')).toBe(false);
  });

  it('clears an address on success and can be disabled', () => {
    const limiter = new AuthRateLimiter({ maxFailures: 2 }, () => 0);
    limiter.recordFailure('a');
    limiter.recordSuccess('a');
    expect(limiter.recordFailure('a')).toBe(false);
    const off = new AuthRateLimiter({ maxFailures: 0 });
    for (let i = 0; i < 100; i++) expect(off.recordFailure('a')).toBe(false);
  });
});

describe('failed ticket attempts on a server', () => {
  let server: SpiceServer | null = null;
  const clients: TestClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await server?.close({ graceMs: 0 });
    server = null;
  });

  it('refuses an address with PERMISSION_DENIED after repeated failures, logs it once, and never logs passwords', async () => {
    const lines: string[] = [];
    server = createSpiceServer({
      port: 0,
      netTest: false,
      password: 'correct-horse',
      authRateLimit: { maxFailures: 3, windowMs: 60_000, blockMs: 60_000 },
      logger: capturingLogger(lines),
    });
    const { port } = await server.listen();
    for (let i = 0; i < 3; i++) {
      const c = await TestClient.connect(port);
      clients.push(c);
      expect(await c.link(ChannelType.Main, 0, 0, `guess-${i}`)).toBe(LinkErr.PermissionDenied);
    }
    // Now even the right password is refused, early, in the link reply (no RSA key is made).
    const blocked = await TestClient.connect(port);
    clients.push(blocked);
    expect((await blocked.linkMess(ChannelType.Main, 0, 0)).error).toBe(LinkErr.PermissionDenied);
    expect(server.counters.authFailures).toBe(3);
    expect(server.counters.authBlocked).toBe(1);
    const blockLines = lines.filter((l) => l.includes('address blocked after repeated authentication failures'));
    expect(blockLines).toHaveLength(1);
    expect(JSON.parse(blockLines[0]!)).toMatchObject({ level: 'warn', address: '127.0.0.1', failures: 3 });
    const all = lines.join('\n');
    expect(all).not.toContain('correct-horse');
    expect(all).not.toContain('guess-');
  });
});
