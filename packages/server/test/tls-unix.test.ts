import { spawnSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { BaseMsg, ChannelType, LinkErr, MainMsg } from '@spice-ts/protocol';
import { opensslAvailable, writeSelfSignedCertificate } from '@spice-ts/test-support';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSpiceServer, ServerErrorCode, type SpiceServer } from '../src/index.js';
import { TestClient } from './support/test-client.js';
import { upgrade, WsClientStream } from './support/ws-client.js';

const hasOpenssl = opensslAvailable();
let dir = '';
let cert = '';
let key = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'spice-tls-'));
  cert = join(dir, 'cert.pem');
  key = join(dir, 'key.pem');
  if (hasOpenssl) {
    writeSelfSignedCertificate(dir, {
      key: 'ec',
      subject: '/CN=localhost',
      subjectAltName: 'DNS:localhost,IP:127.0.0.1',
    });
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let server: SpiceServer | null = null;
const clients: TestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server?.close({ graceMs: 0 });
  server = null;
});

const tlsClient = async (port: number) => {
  const c = await TestClient.connectTls(port, { ca: readFileSync(cert), servername: 'localhost' });
  clients.push(c);
  return c;
};

describe.skipIf(!hasOpenssl)('TLS port', () => {
  it('links the main channel over TLS 1.2 or newer with the certificate from a path', async () => {
    server = createSpiceServer({ port: 0, tlsPort: 0, tls: { cert, key }, netTest: false, password: 'pw' });
    const address = await server.listen();
    expect(address.tlsPort).toBeGreaterThan(0);
    const c = await tlsClient(address.tlsPort!);
    expect(['TLSv1.2', 'TLSv1.3']).toContain((c.socket as TLSSocket).getProtocol());
    expect(await c.link(ChannelType.Main, 0, 0, 'pw')).toBe(LinkErr.Ok);
    expect((await c.message()).type).toBe(MainMsg.Init);
  });

  it('takes the certificate and key as bytes too', async () => {
    server = createSpiceServer({
      port: 0,
      tlsPort: 0,
      tls: { cert: readFileSync(cert), key: new Uint8Array(readFileSync(key)) },
      netTest: false,
    });
    const { tlsPort } = await server.listen();
    const c = await tlsClient(tlsPort!);
    expect(await c.link(ChannelType.Main, 0, 0)).toBe(LinkErr.Ok);
  });

  it('refuses a client that offers only TLS 1.1', async () => {
    server = createSpiceServer({ port: 0, tlsPort: 0, tls: { cert, key }, netTest: false });
    const { tlsPort } = await server.listen();
    await expect(
      TestClient.connectTls(tlsPort!, {
        ca: readFileSync(cert),
        servername: 'localhost',
        maxVersion: 'TLSv1.1',
        minVersion: 'TLSv1',
      }),
    ).rejects.toThrow();
  });

  it('answers NEED_SECURED for a secure channel on the plain port and links it on the TLS port', async () => {
    server = createSpiceServer({
      port: 0,
      tlsPort: 0,
      tls: { cert, key },
      secureChannels: [ChannelType.Inputs],
      netTest: false,
    });
    const { port, tlsPort } = await server.listen();
    const main = await TestClient.connect(port);
    clients.push(main);
    expect(await main.link(ChannelType.Main, 0, 0)).toBe(LinkErr.Ok);
    const init = await main.message();
    const sessionId = init.body.readUInt32LE(0);
    const plain = await TestClient.connect(port);
    clients.push(plain);
    expect((await plain.linkMess(ChannelType.Inputs, 0, sessionId)).error).toBe(LinkErr.NeedSecured);
    await plain.waitClosed();
    const secure = await tlsClient(tlsPort!);
    expect(await secure.link(ChannelType.Inputs, 0, sessionId)).toBe(LinkErr.Ok);
    expect(server.metrics()).toMatch(/spice_link_refusals_total\{error="need_secured"\} 1/);
  });

  it('sends DISCONNECTING to a TLS client on close, and drops a handshake in progress', async () => {
    server = createSpiceServer({ port: 0, tlsPort: 0, tls: { cert, key }, netTest: false });
    const { tlsPort } = await server.listen();
    const c = await tlsClient(tlsPort!);
    expect(await c.link(ChannelType.Main, 0, 0)).toBe(LinkErr.Ok);
    // A raw TCP connection to the TLS port that never starts its handshake.
    const stalled = connect(tlsPort!, '127.0.0.1');
    stalled.on('error', () => {});
    await new Promise((r) => stalled.once('connect', r));
    const closing = server.close({ graceMs: 5000 });
    await c.until(BaseMsg.Disconnecting);
    await c.waitClosed();
    await closing;
    server = null;
    await new Promise((r) => (stalled.destroyed ? r(null) : stalled.once('close', r)));
  });

  it('answers HTTPS on the TLS port (/healthz)', async () => {
    server = createSpiceServer({ port: 0, tlsPort: 0, tls: { cert, key }, netTest: false, webClientDir: null });
    const { tlsPort } = await server.listen();
    const c = await tlsClient(tlsPort!);
    c.write(Buffer.from('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n'));
    await c.waitClosed();
    const text = (await c.read(c.buffered)).toString('utf8');
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(text).toContain('"status":"ok"');
  });

  it('runs a WebSocket over the TLS port (wss)', async () => {
    server = createSpiceServer({ port: 0, tlsPort: 0, tls: { cert, key }, netTest: false, webClientDir: null });
    const { tlsPort } = await server.listen();
    const raw = await tlsClient(tlsPort!);
    const res = await upgrade(raw.socket);
    expect(res.status).toBe(101);
    const c = TestClient.fromStream(new WsClientStream(raw.socket, res.rest));
    expect(await c.link(ChannelType.Main, 0, 0)).toBe(LinkErr.Ok);
    expect((await c.message()).type).toBe(MainMsg.Init);
  });

  it('fails with a clear configuration error for a missing certificate file', () => {
    expect(() => createSpiceServer({ tlsPort: 0, tls: { cert: join(dir, 'nope.pem'), key } })).toThrowError(
      expect.objectContaining({ code: ServerErrorCode.BadConfig }),
    );
    expect(() => createSpiceServer({ tlsPort: 0 })).toThrowError(
      expect.objectContaining({ code: ServerErrorCode.BadConfig }),
    );
  });
});

describe('UNIX socket', () => {
  it('links channels over a UNIX socket, where secure channels are allowed, and removes the socket on close', async () => {
    const path = join(dir, 'spice.sock');
    server = createSpiceServer({
      port: 0,
      unixSocket: path,
      secureChannels: [ChannelType.Main],
      netTest: false,
    });
    const address = await server.listen();
    expect(address.unixSocket).toBe(path);
    const c = await TestClient.connectUnix(path);
    clients.push(c);
    expect(await c.link(ChannelType.Main, 0, 0)).toBe(LinkErr.Ok);
    expect((await c.message()).type).toBe(MainMsg.Init);
    const plain = await TestClient.connect(address.port);
    clients.push(plain);
    expect((await plain.linkMess(ChannelType.Main, 0, 0)).error).toBe(LinkErr.NeedSecured);
    await server.close({ graceMs: 0 });
    server = null;
    await expect(TestClient.connectUnix(path)).rejects.toThrow();
  });

  it('replaces a stale socket file left by a crashed server', async () => {
    const path = join(dir, 'stale.sock');
    // A process killed while listening leaves its socket file behind.
    spawnSync(process.execPath, [
      '-e',
      `require('node:net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`,
    ]);
    expect(lstatSync(path).isSocket()).toBe(true);
    server = createSpiceServer({ port: 0, unixSocket: path, netTest: false });
    await server.listen();
    const c = await TestClient.connectUnix(path);
    clients.push(c);
    expect(await c.link(ChannelType.Main, 0, 0)).toBe(LinkErr.Ok);
  });
});
