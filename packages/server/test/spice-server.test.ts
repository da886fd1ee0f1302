import { connect } from 'node:net';
import {
  BaseMsgc,
  ChannelType,
  InputsMsg,
  InputsMsgc,
  inputs,
  LinkErr,
  MainMsg,
  MainMsgc,
  MouseMode,
  main,
} from '@spice-ts/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { createSpiceServer, type SpiceServer } from '../src/index.js';
import { TestClient } from './support/test-client.js';

let server: SpiceServer | null = null;
const clients: TestClient[] = [];

async function start(init: Parameters<typeof createSpiceServer>[0] = {}) {
  server = createSpiceServer({ port: 0, netTest: false, ...init });
  const { port } = await server.listen();
  return port;
}

async function client(port: number): Promise<TestClient> {
  const c = await TestClient.connect(port);
  clients.push(c);
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server?.close();
  server = null;
});

describe('link phase', () => {
  it('links the main channel and sends MAIN_INIT first, CHANNELS_LIST after ATTACH_CHANNELS', async () => {
    const port = await start();
    const c = await client(port);
    expect(await c.link(ChannelType.Main, 0, 0)).toBe(LinkErr.Ok);
    const first = await c.message();
    expect(first.type).toBe(MainMsg.Init);
    const init = main.mainInit.decode(first.body);
    expect(init.sessionId).not.toBe(0);
    expect(init.agentTokens).toBe(10);
    expect(init.supportedMouseModes & MouseMode.Server).toBe(MouseMode.Server);
    c.send(MainMsgc.AttachChannels);
    const list = main.channelsList.decode((await c.until(MainMsg.ChannelsList)).body);
    expect(list.channels).toContainEqual({ type: ChannelType.Inputs, id: 0 });
  });

  it('sends a fresh 162-byte RSA key per link', async () => {
    const port = await start();
    const a = await client(port);
    const b = await client(port);
    const ra = await a.linkMess(ChannelType.Main, 0, 0);
    const rb = await b.linkMess(ChannelType.Main, 0, 0);
    expect(ra.pubKey.byteLength).toBe(162);
    expect(Buffer.from(ra.pubKey).equals(Buffer.from(rb.pubKey))).toBe(false);
  });

  it('refuses a wrong password with PERMISSION_DENIED and accepts the right one', async () => {
    const port = await start({ password: 's3cret' });
    const bad = await client(port);
    expect(await bad.link(ChannelType.Main, 0, 0, 'wrong')).toBe(LinkErr.PermissionDenied);
    await bad.waitClosed();
    const good = await client(port);
    expect(await good.link(ChannelType.Main, 0, 0, 's3cret')).toBe(LinkErr.Ok);
    expect((await good.message()).type).toBe(MainMsg.Init);
  });

  it('refuses an expired password', async () => {
    const port = await start({ password: 'pw' });
    server!.setTicket('pw', 0.001);
    await new Promise((r) => setTimeout(r, 20));
    const c = await client(port);
    expect(await c.link(ChannelType.Main, 0, 0, 'pw')).toBe(LinkErr.PermissionDenied);
  });

  it('changes the ticket as upstream: failIfConnected refuses while a viewer is on, disconnectIfConnected drops it', async () => {
    const port = await start({ password: 'one' });
    const viewer = await client(port);
    expect(await viewer.link(ChannelType.Main, 0, 0, 'one')).toBe(LinkErr.Ok);
    expect((await viewer.message()).type).toBe(MainMsg.Init);
    expect(() => server!.setTicket('two', 0, { failIfConnected: true })).toThrow(/a client is connected/);
    server!.setTicket('two', 0, { disconnectIfConnected: true });
    const end = Date.now() + 3000;
    while (server!.sessions.size > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    expect(server!.sessions.size).toBe(0);
    const next = await client(port);
    expect(await next.link(ChannelType.Main, 0, 0, 'one')).toBe(LinkErr.PermissionDenied);
    const third = await client(port);
    expect(await third.link(ChannelType.Main, 0, 0, 'two')).toBe(LinkErr.Ok);
  });

  it('answers non-SPICE bytes with an INVALID_MAGIC reply that starts with REDQ, then closes', async () => {
    const port = await start();
    const c = await client(port);
    c.write(Buffer.from('SSH-2.0-OpenSSH_9.6\r\n'));
    const reply = await c.read(194);
    expect(reply.subarray(0, 4).toString('latin1')).toBe('REDQ');
    expect(reply.readUInt32LE(16)).toBe(LinkErr.InvalidMagic);
    await c.waitClosed();
  });

  it('answers an HTTP request with INVALID_MAGIC when HTTP is turned off', async () => {
    const port = await start({ http: false });
    const c = await client(port);
    c.write(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    const reply = await c.read(194);
    expect(reply.subarray(0, 4).toString('latin1')).toBe('REDQ');
    expect(reply.readUInt32LE(16)).toBe(LinkErr.InvalidMagic);
    await c.waitClosed();
  });

  it('refuses other channels with an unknown session id (BAD_CONNECTION_ID)', async () => {
    const port = await start();
    const c = await client(port);
    expect(await c.link(ChannelType.Inputs, 0, 12345)).toBe(LinkErr.BadConnectionId);
  });

  it('refuses a channel that does not exist with CHANNEL_NOT_AVAILABLE', async () => {
    const port = await start();
    const c = await client(port);
    const reply = await c.linkMess(ChannelType.Smartcard, 0, 0);
    expect(reply.error).toBe(LinkErr.ChannelNotAvailable);
  });

  it('drops a client that connects and says nothing after the link timeout, and keeps serving', async () => {
    const port = await start({ linkTimeoutMs: 200 });
    const silent = await client(port);
    await silent.waitClosed(3000);
    const next = await client(port);
    expect(await next.link(ChannelType.Main, 0, 0)).toBe(LinkErr.Ok);
  });

  it('drops a client that closes mid-message and keeps serving', async () => {
    const port = await start();
    const s = connect(port, '127.0.0.1');
    await new Promise((r) => s.once('connect', r));
    s.end(Buffer.from([0x52, 0x45, 0x44, 0x51, 2, 0, 0, 0]));
    await new Promise((r) => s.once('close', r));
    const next = await client(port);
    expect(await next.link(ChannelType.Main, 0, 0)).toBe(LinkErr.Ok);
    expect(server!.counters.rejected).toBeGreaterThanOrEqual(1);
  });
});

describe('channels after the link', () => {
  it('disconnects only the connection that sends an oversized message', async () => {
    const port = await start();
    const a = await client(port);
    expect(await a.link(ChannelType.Main, 0, 0)).toBe(LinkErr.Ok);
    const init = main.mainInit.decode((await a.message()).body);
    const b = await client(port);
    expect(await b.link(ChannelType.Inputs, 0, init.sessionId)).toBe(LinkErr.Ok);
    b.write(Buffer.from([101, 0, 0xff, 0xff, 0xff, 0x7f])); // KEY_DOWN announcing 2 GiB
    await b.waitClosed();
    a.send(MainMsgc.AttachChannels);
    expect((await a.until(MainMsg.ChannelsList)).body.length).toBeGreaterThan(4);
  });

  it('forwards keys as scancode bytes and acknowledges every 4th motion', async () => {
    const keys: number[] = [];
    const moves: number[][] = [];
    const port = await start({
      keyboard: { pushScancode: (b) => keys.push(b), leds: () => 2 },
      mouse: { motion: (dx, dy) => moves.push([dx, dy]), buttons: () => {} },
    });
    const m = await client(port);
    expect(await m.link(ChannelType.Main, 0, 0)).toBe(LinkErr.Ok);
    const { sessionId } = main.mainInit.decode((await m.message()).body);
    const i = await client(port);
    expect(await i.link(ChannelType.Inputs, 0, sessionId)).toBe(LinkErr.Ok);
    const first = await i.message();
    expect(first.type).toBe(InputsMsg.Init);
    expect(inputs.inputsInit.decode(first.body).keyboardModifiers).toBe(2);
    const enc = (codec: { encode(m: never): Uint8Array[] }, msg: unknown) => Buffer.concat(codec.encode(msg as never));
    i.send(InputsMsgc.KeyDown, enc(inputs.keyDown, { code: 0x1de0 }));
    i.send(InputsMsgc.KeyUp, enc(inputs.keyUp, { code: 0x9de0 }));
    for (let n = 0; n < 8; n++) i.send(InputsMsgc.MouseMotion, enc(inputs.mouseMotion, { dx: 1, dy: -1, buttons: 0 }));
    expect((await i.message()).type).toBe(InputsMsg.MouseMotionAck);
    expect((await i.message()).type).toBe(InputsMsg.MouseMotionAck);
    expect(keys).toEqual([0xe0, 0x1d, 0xe0, 0x9d]);
    expect(moves).toHaveLength(8);
  });

  it('closes every channel of a viewer when its main channel goes', async () => {
    const port = await start();
    const m = await client(port);
    expect(await m.link(ChannelType.Main, 0, 0)).toBe(LinkErr.Ok);
    const { sessionId } = main.mainInit.decode((await m.message()).body);
    const i = await client(port);
    expect(await i.link(ChannelType.Inputs, 0, sessionId)).toBe(LinkErr.Ok);
    m.close();
    await i.waitClosed();
    expect(server!.sessions.size).toBe(0);
  });

  it('replaces the viewer when a second one connects (default policy)', async () => {
    const port = await start();
    const a = await client(port);
    expect(await a.link(ChannelType.Main, 0, 0)).toBe(LinkErr.Ok);
    const b = await client(port);
    expect(await b.link(ChannelType.Main, 0, 0)).toBe(LinkErr.Ok);
    await a.waitClosed();
    expect(server!.sessions.size).toBe(1);
  });

  it('builds channels from SDK factories with the injected components and lists them', async () => {
    const { RedChannel, UnexpectedMessageError } = await import('@spice-ts/channel');
    let injected = false;
    const port = await start({
      channels: [
        (components) => {
          injected = typeof components.logger.info === 'function';
          return new RedChannel({
            type: ChannelType.Port,
            id: 3,
            handler: {
              handleMessage: (rcc, m) => {
                throw new UnexpectedMessageError(rcc.channel.name, m.type);
              },
            },
          });
        },
      ],
    });
    expect(injected).toBe(true);
    const c = await client(port);
    expect(await c.link(ChannelType.Main, 0, 0)).toBe(LinkErr.Ok);
    await c.message();
    c.send(MainMsgc.AttachChannels);
    const list = main.channelsList.decode((await c.until(MainMsg.ChannelsList)).body);
    expect(list.channels).toContainEqual({ type: ChannelType.Port, id: 3 });
  });

  it('answers PONG-less pings quietly and ignores unexpected PONG ids', async () => {
    const port = await start();
    const a = await client(port);
    expect(await a.link(ChannelType.Main, 0, 0)).toBe(LinkErr.Ok);
    await a.message();
    const pong = Buffer.alloc(12);
    pong.writeUInt32LE(999, 0);
    a.send(BaseMsgc.Pong, pong);
    a.send(MainMsgc.AttachChannels);
    expect((await a.until(MainMsg.ChannelsList)).body.length).toBeGreaterThan(4);
  });
});
