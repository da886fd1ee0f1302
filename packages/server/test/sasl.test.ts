import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@spice-ts/channel';
import {
  AuthMechanism,
  CapabilitySet,
  ChannelType,
  CommonCap,
  concatChunks,
  decodeLinkHeader,
  decodeLinkReply,
  encodeLinkHeader,
  encodeLinkMess,
  LINK_HEADER_SIZE,
  LinkErr,
  type LinkReply,
  MainMsg,
} from '@spice-ts/protocol';
import { opensslAvailable, writeSelfSignedCertificate } from '@spice-ts/test-support';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BadConfigError, createSpiceServer, type SpiceServer, type SpiceServerInit } from '../src/index.js';
import { MAX_SASL_DATA, SaslAuthenticator } from '../src/sasl.js';
import { TestClient } from './support/test-client.js';

const USER = 'alice';
const PASSWORD = 'correct horse battery';

const hasOpenssl = opensslAvailable();
let dir = '';
let cert = '';
let key = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'spice-sasl-'));
  cert = join(dir, 'cert.pem');
  key = join(dir, 'key.pem');
  if (hasOpenssl) writeSelfSignedCertificate(dir, { key: 'ec', subject: '/CN=localhost' });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let server: SpiceServer | null = null;
const clients: TestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server?.close({ graceMs: 0 });
  server = null;
});

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

async function start(init: Partial<SpiceServerInit> = {}) {
  server = createSpiceServer({
    port: 0,
    netTest: false,
    webClientDir: null,
    sasl: { users: { [USER]: PASSWORD } },
    ...init,
  });
  return server.listen();
}

async function track(c: Promise<TestClient>): Promise<TestClient> {
  const client = await c;
  clients.push(client);
  return client;
}

const u32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return b;
};

/** A hand-written SPICE SASL client (the client side of red-stream.cpp's red_sasl_* exchange). */
class SaslClient {
  constructor(readonly c: TestClient) {}

  async linkMess(channelType: number = ChannelType.Main, connectionId = 0, sasl = true): Promise<LinkReply> {
    const common = sasl
      ? CapabilitySet.of(CommonCap.ProtocolAuthSelection, CommonCap.AuthSasl, CommonCap.AuthSpice, CommonCap.MiniHeader)
      : CapabilitySet.of(CommonCap.ProtocolAuthSelection, CommonCap.AuthSpice, CommonCap.MiniHeader);
    const mess = encodeLinkMess({
      connectionId,
      channelType,
      channelId: 0,
      commonCaps: common,
      channelCaps: new CapabilitySet(),
    });
    this.c.write(concatChunks([encodeLinkHeader(mess.byteLength), mess]));
    return this.readLinkReply();
  }

  async readLinkReply(): Promise<LinkReply> {
    const header = decodeLinkHeader(await this.c.read(LINK_HEADER_SIZE));
    return decodeLinkReply(await this.c.read(header.size));
  }

  /** Chooses SASL and returns the server's mechanism list. */
  async chooseSasl(): Promise<string> {
    this.c.write(u32(AuthMechanism.Sasl));
    const n = (await this.c.read(4)).readUInt32LE(0);
    return (await this.c.read(n)).toString('latin1');
  }

  mechanism(name: string): void {
    this.c.write(Buffer.concat([u32(Buffer.byteLength(name)), Buffer.from(name)]));
  }

  /** Client data: u32 length + data + NUL, or u32 0 for no data. */
  data(bytes: string | null): void {
    if (bytes === null) {
      this.c.write(u32(0));
      return;
    }
    const b = Buffer.from(bytes, 'utf8');
    this.c.write(Buffer.concat([u32(b.byteLength + 1), b, Buffer.of(0)]));
  }

  async step(): Promise<{ data: string | null; complete: boolean }> {
    const n = (await this.c.read(4)).readUInt32LE(0);
    const data = n === 0 ? null : (await this.c.read(n)).subarray(0, n - 1).toString('utf8');
    const complete = (await this.c.read(1))[0] === 1;
    return { data, complete };
  }

  async result(): Promise<number> {
    return (await this.c.read(4)).readUInt32LE(0);
  }

  /** The refusal after a failed exchange: u32 error, u32 length, text with NUL. */
  async rejection(): Promise<{ error: number; text: string }> {
    const error = await this.result();
    const n = (await this.c.read(4)).readUInt32LE(0);
    return { error, text: (await this.c.read(n)).toString('latin1') };
  }

  async plain(user: string, password: string): Promise<{ complete: boolean; result: number }> {
    this.mechanism('PLAIN');
    this.data(`\0${user}\0${password}`);
    const step = await this.step();
    return { complete: step.complete, result: await this.result() };
  }

  /** A full SCRAM-SHA-256 exchange; returns the server's final message and the auth result. */
  async scram(user: string, password: string): Promise<{ serverFinal: string | null; ok: boolean; expected: string }> {
    const bare = `n=${user},r=clientnonce${Math.random().toString(36).slice(2)}`;
    this.mechanism('SCRAM-SHA-256');
    this.data(`n,,${bare}`);
    const first = await this.step();
    expect(first.complete).toBe(false);
    const serverFirst = first.data!;
    const attrs = new Map(serverFirst.split(',').map((a) => [a.slice(0, 1), a.slice(2)]));
    const salted = pbkdf2Sync(password, Buffer.from(attrs.get('s')!, 'base64'), Number(attrs.get('i')), 32, 'sha256');
    const clientKey = createHmac('sha256', salted).update('Client Key').digest();
    const storedKey = createHash('sha256').update(clientKey).digest();
    const withoutProof = `c=biws,r=${attrs.get('r')}`;
    const authMessage = `${bare},${serverFirst},${withoutProof}`;
    const signature = createHmac('sha256', storedKey).update(authMessage).digest();
    const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]!)).toString('base64');
    this.data(`${withoutProof},p=${proof}`);
    const final = await this.step();
    expect(final.complete).toBe(true);
    const serverKey = createHmac('sha256', salted).update('Server Key').digest();
    const expected = `v=${createHmac('sha256', serverKey).update(authMessage).digest('base64')}`;
    return { serverFinal: final.data, ok: final.data !== null, expected };
  }
}

describe('SASL in the link phase', () => {
  it('offers AUTH_SASL instead of AUTH_SPICE and sends no RSA key', async () => {
    const { port } = await start();
    const s = new SaslClient(await track(TestClient.connect(port)));
    const reply = await s.linkMess();
    expect(reply.error).toBe(LinkErr.Ok);
    expect(reply.commonCaps.has(CommonCap.AuthSasl)).toBe(true);
    expect(reply.commonCaps.has(CommonCap.AuthSpice)).toBe(false);
    expect([...reply.pubKey].every((b) => b === 0)).toBe(true);
  });

  it.skipIf(!hasOpenssl)('logs in with PLAIN over TLS and opens the main channel', async () => {
    const { tlsPort } = await start({ tlsPort: 0, tls: { cert, key } });
    const s = new SaslClient(
      await track(TestClient.connectTls(tlsPort!, { ca: readFileSync(cert), servername: 'localhost' })),
    );
    await s.linkMess();
    expect(await s.chooseSasl()).toBe(',SCRAM-SHA-256,PLAIN,');
    expect(await s.plain(USER, PASSWORD)).toEqual({ complete: true, result: LinkErr.Ok });
    // Then the link result of the ordinary link phase, and the channel runs.
    expect(await s.result()).toBe(LinkErr.Ok);
    await s.c.until(MainMsg.Init);
  });

  it('logs in with PLAIN over the UNIX socket, also with the credentials sent after an empty challenge', async () => {
    const unixSocket = join(dir, 'spice.sock');
    await start({ unixSocket });
    const s = new SaslClient(await track(TestClient.connectUnix(unixSocket)));
    await s.linkMess();
    expect(await s.chooseSasl()).toBe(',SCRAM-SHA-256,PLAIN,');
    s.mechanism('PLAIN');
    s.data(null);
    expect(await s.step()).toEqual({ data: null, complete: false });
    s.data(`\0${USER}\0${PASSWORD}`);
    expect(await s.step()).toEqual({ data: null, complete: true });
    expect(await s.result()).toBe(LinkErr.Ok);
    expect(await s.result()).toBe(LinkErr.Ok);
  });

  it('closes a SASL link on the plain TCP port when PLAIN is the only mechanism configured', async () => {
    const { port } = await start({ sasl: { users: { [USER]: PASSWORD }, mechanisms: ['PLAIN'] } });
    const s = new SaslClient(await track(TestClient.connect(port)));
    await s.linkMess();
    s.c.write(u32(AuthMechanism.Sasl));
    await s.c.waitClosed();
    expect(s.c.buffered).toBe(0);
  });

  it('does not offer PLAIN on the plain TCP port and refuses a client that picks it anyway', async () => {
    const { port } = await start();
    const s = new SaslClient(await track(TestClient.connect(port)));
    await s.linkMess();
    expect(await s.chooseSasl()).toBe(',SCRAM-SHA-256,');
    s.mechanism('PLAIN');
    expect((await s.readLinkReply()).error).toBe(LinkErr.InvalidData);
    await s.c.waitClosed();
  });

  it('runs a full SCRAM-SHA-256 exchange, proves the server knows the password, and links a second channel', async () => {
    const lines: string[] = [];
    const { port } = await start({ logger: capturingLogger(lines) });
    const s = new SaslClient(await track(TestClient.connect(port)));
    await s.linkMess();
    await s.chooseSasl();
    const scram = await s.scram(USER, PASSWORD);
    expect(scram.serverFinal).toBe(scram.expected);
    expect(await s.result()).toBe(LinkErr.Ok);
    expect(await s.result()).toBe(LinkErr.Ok);
    await s.c.until(MainMsg.Init);
    const session = [...server!.sessions.keys()][0]!;
    const inputs = new SaslClient(await track(TestClient.connect(port)));
    expect((await inputs.linkMess(ChannelType.Inputs, session)).error).toBe(LinkErr.Ok);
    await inputs.chooseSasl();
    await inputs.scram(USER, PASSWORD);
    expect(await inputs.result()).toBe(LinkErr.Ok);
    expect(await inputs.result()).toBe(LinkErr.Ok);
    expect(lines.some((l) => l.includes('SASL authentication succeeded') && l.includes('SCRAM-SHA-256'))).toBe(true);
    expect(lines.join('\n')).not.toContain(PASSWORD);
  });

  it("refuses a wrong SCRAM password with upstream's refusal and closes the connection", async () => {
    const lines: string[] = [];
    const { port } = await start({ logger: capturingLogger(lines) });
    const s = new SaslClient(await track(TestClient.connect(port)));
    await s.linkMess();
    await s.chooseSasl();
    const scram = await s.scram(USER, 'battery horse correct');
    expect(scram.serverFinal).toBeNull();
    expect(await s.rejection()).toEqual({ error: LinkErr.PermissionDenied, text: 'Authentication failed\0' });
    await s.c.waitClosed();
    expect(server!.counters.authFailures).toBe(1);
    expect(server!.sessions.size).toBe(0);
    expect(server!.metrics()).toContain('reason="sasl-bad-credentials"');
    const failure = lines.find((l) => l.includes('SASL authentication failed'));
    expect(failure).toContain('"user":"alice"');
    expect(lines.join('\n')).not.toContain('battery horse correct');
  });

  it.skipIf(!hasOpenssl)('refuses a wrong PLAIN password without logging it', async () => {
    const lines: string[] = [];
    const { tlsPort } = await start({ tlsPort: 0, tls: { cert, key }, logger: capturingLogger(lines) });
    const s = new SaslClient(
      await track(TestClient.connectTls(tlsPort!, { ca: readFileSync(cert), servername: 'localhost' })),
    );
    await s.linkMess();
    await s.chooseSasl();
    s.mechanism('PLAIN');
    s.data(`\0${USER}\0hunter2-wrong`);
    expect(await s.step()).toEqual({ data: null, complete: true });
    expect((await s.rejection()).error).toBe(LinkErr.PermissionDenied);
    await s.c.waitClosed();
    expect(lines.join('\n')).not.toContain('hunter2-wrong');
  });

  it('rate-limits failed SASL attempts per address', async () => {
    const { port } = await start({ authRateLimit: { maxFailures: 2 } });
    for (let i = 0; i < 2; i++) {
      const s = new SaslClient(await track(TestClient.connect(port)));
      await s.linkMess();
      await s.chooseSasl();
      await s.scram(USER, `guess-${i}`);
      expect((await s.rejection()).error).toBe(LinkErr.PermissionDenied);
    }
    const blocked = new SaslClient(await track(TestClient.connect(port)));
    expect((await blocked.linkMess()).error).toBe(LinkErr.PermissionDenied);
    expect(server!.counters.authBlocked).toBe(1);
  });

  it('answers a malformed SCRAM message with a clean refusal and keeps serving', async () => {
    const { port } = await start();
    const s = new SaslClient(await track(TestClient.connect(port)));
    await s.linkMess();
    await s.chooseSasl();
    s.mechanism('SCRAM-SHA-256');
    s.data('this is not scram');
    expect(await s.step()).toEqual({ data: null, complete: true });
    expect((await s.rejection()).error).toBe(LinkErr.PermissionDenied);
    await s.c.waitClosed();
    expect(server!.counters.badInput).toBe(1);
    const next = new SaslClient(await track(TestClient.connect(port)));
    await next.linkMess();
    await next.chooseSasl();
    expect((await next.scram(USER, PASSWORD)).ok).toBe(true);
  });

  it('survives random bytes after the mechanism choice without an unexpected error', async () => {
    const lines: string[] = [];
    const { port } = await start({
      logger: capturingLogger(lines),
      linkTimeoutMs: 500,
      authRateLimit: { maxFailures: 0 },
    });
    // A small deterministic generator: the same inputs on every run.
    let seed = 0x5eed;
    const next = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed >>> 16;
    };
    for (let round = 0; round < 12; round++) {
      const s = new SaslClient(await track(TestClient.connect(port)));
      await s.linkMess();
      await s.chooseSasl();
      const name = round % 2 === 0 ? 'SCRAM-SHA-256' : 'PLAIN';
      if (round % 3 !== 2) s.mechanism(name);
      const junk = Buffer.alloc(4 + (next() % 64));
      for (let i = 0; i < junk.length; i++) junk[i] = next() & 0xff;
      if (round % 3 === 0) junk.writeUInt32LE(junk.length - 4, 0); // a plausible length, junk data
      s.c.write(junk);
      await s.c.waitClosed(3000);
    }
    expect(lines.some((l) => l.includes('unexpected error'))).toBe(false);
    const ok = new SaslClient(await track(TestClient.connect(port)));
    await ok.linkMess();
    await ok.chooseSasl();
    expect((await ok.scram(USER, PASSWORD)).ok).toBe(true);
  });

  it('closes the connection on a mechanism name length of 0 or over 100', async () => {
    const { port } = await start();
    for (const length of [0, 101, 0xffffffff]) {
      const s = new SaslClient(await track(TestClient.connect(port)));
      await s.linkMess();
      await s.chooseSasl();
      s.c.write(u32(length));
      await s.c.waitClosed();
      expect(s.c.buffered).toBe(0);
    }
  });

  it('refuses an oversized start length with INVALID_DATA and an oversized step length by closing', async () => {
    const { port } = await start();
    const s = new SaslClient(await track(TestClient.connect(port)));
    await s.linkMess();
    await s.chooseSasl();
    s.mechanism('SCRAM-SHA-256');
    s.c.write(u32(0xffffffff));
    expect((await s.readLinkReply()).error).toBe(LinkErr.InvalidData);
    await s.c.waitClosed();

    const t = new SaslClient(await track(TestClient.connect(port)));
    await t.linkMess();
    await t.chooseSasl();
    t.mechanism('SCRAM-SHA-256');
    t.data(`n,,n=${USER},r=abc`);
    expect((await t.step()).complete).toBe(false);
    t.c.write(u32(MAX_SASL_DATA + 1));
    await t.c.waitClosed();
    expect(t.c.buffered).toBe(0);
  });

  it('refuses a mechanism name that is not offered, or a list of them', async () => {
    const { port } = await start();
    for (const name of ['DIGEST-MD5', 'SCRAM-SHA-256,PLAIN']) {
      const s = new SaslClient(await track(TestClient.connect(port)));
      await s.linkMess();
      await s.chooseSasl();
      s.mechanism(name);
      expect((await s.readLinkReply()).error).toBe(LinkErr.InvalidData);
    }
  });

  it('refuses ticket auth when SASL is required, and a client that cannot select auth', async () => {
    const { port } = await start();
    const s = new SaslClient(await track(TestClient.connect(port)));
    await s.linkMess();
    s.c.write(u32(AuthMechanism.Spice));
    expect(await s.result()).toBe(LinkErr.InvalidData);
    await s.c.waitClosed();

    const old = await track(TestClient.connect(port));
    const mess = encodeLinkMess({
      connectionId: 0,
      channelType: ChannelType.Main,
      channelId: 0,
      commonCaps: CapabilitySet.of(CommonCap.AuthSpice),
      channelCaps: new CapabilitySet(),
    });
    old.write(concatChunks([encodeLinkHeader(mess.byteLength), mess]));
    const header = decodeLinkHeader(await old.read(LINK_HEADER_SIZE));
    await old.read(header.size); // the link reply
    const again = decodeLinkHeader(await old.read(LINK_HEADER_SIZE));
    expect(decodeLinkReply(await old.read(again.size)).error).toBe(LinkErr.VersionMismatch);
  });

  it('takes users from a function and drops the connection when the client stalls mid-exchange', async () => {
    const { port } = await start({
      sasl: { users: (u) => (u === 'bob' ? 'builder' : null) },
      linkTimeoutMs: 300,
    });
    const s = new SaslClient(await track(TestClient.connect(port)));
    await s.linkMess();
    await s.chooseSasl();
    expect((await s.scram('bob', 'builder')).ok).toBe(true);
    expect(await s.result()).toBe(LinkErr.Ok);
    const stall = new SaslClient(await track(TestClient.connect(port)));
    await stall.linkMess();
    await stall.chooseSasl();
    stall.mechanism('SCRAM-SHA-256');
    await stall.c.waitClosed(3000);
  });

  it('validates the SASL options', () => {
    expect(() => new SaslAuthenticator({ users: {}, mechanisms: ['CRAM-MD5' as 'PLAIN'] })).toThrow(BadConfigError);
    expect(() => new SaslAuthenticator({ users: {}, mechanisms: [] })).toThrow(BadConfigError);
    expect(() => new SaslAuthenticator({ users: {}, scramIterations: 100 })).toThrow(BadConfigError);
    // SASL is a password: listening beyond loopback needs no ticket then.
    expect(() => createSpiceServer({ host: '0.0.0.0', port: 0, sasl: { users: {} } })).not.toThrow();
  });
});
