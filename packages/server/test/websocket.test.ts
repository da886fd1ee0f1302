import { ChannelType, LinkErr, MainMsg } from '@spice-ts/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { createSpiceServer, encodeFrameHeader, type SpiceServer, websocketAccept } from '../src/index.js';
import { TestClient } from './support/test-client.js';
import { clientFrame, parseServerFrames, type ServerFrame, tcp, upgrade, WsClientStream } from './support/ws-client.js';

let server: SpiceServer | null = null;
const cleanup: Array<() => void> = [];

async function start(init: Parameters<typeof createSpiceServer>[0] = {}) {
  server = createSpiceServer({ port: 0, netTest: false, webClientDir: null, ...init });
  return (await server.listen()).port;
}

afterEach(async () => {
  for (const c of cleanup.splice(0)) c();
  await server?.close({ graceMs: 0 });
  server = null;
});

async function wsClient(port: number): Promise<{ ws: WsClientStream; client: TestClient }> {
  const raw = await tcp(port);
  cleanup.push(() => raw.destroy());
  const res = await upgrade(raw);
  expect(res.status).toBe(101);
  const ws = new WsClientStream(raw, res.rest);
  return { ws, client: TestClient.fromStream(ws) };
}

/** Collects server frames from a raw socket until it closes or `count` frames arrived. */
function collectFrames(raw: import('node:net').Socket, initial: Buffer, count = 1, timeoutMs = 3000) {
  return new Promise<{ frames: ServerFrame[]; closed: boolean }>((resolve) => {
    let buf = Buffer.from(initial);
    const frames: ServerFrame[] = [];
    const done = (closed: boolean) => {
      clearTimeout(timer);
      resolve({ frames, closed });
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    raw.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const parsed = parseServerFrames(buf);
      buf = Buffer.from(parsed.rest);
      frames.push(...parsed.frames);
      if (frames.length >= count && count > 0) done(false);
    });
    raw.on('close', () => done(true));
    raw.resume();
  });
}

describe('WebSocket handshake', () => {
  it("computes Sec-WebSocket-Accept as in RFC 6455's example", () => {
    expect(websocketAccept('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  it('answers 101 with the accept key and the binary subprotocol', async () => {
    const port = await start();
    const raw = await tcp(port);
    cleanup.push(() => raw.destroy());
    const res = await upgrade(raw, 'binary');
    expect(res.status).toBe(101);
    expect(res.head).toContain(`Sec-WebSocket-Accept: ${websocketAccept(res.key)}\r\n`);
    expect(res.head).toContain('Sec-WebSocket-Protocol: binary\r\n');
  });

  it('accepts an upgrade without a subprotocol, as upstream does', async () => {
    const port = await start();
    const raw = await tcp(port);
    cleanup.push(() => raw.destroy());
    const res = await upgrade(raw, null);
    expect(res.status).toBe(101);
    expect(res.head).not.toContain('Sec-WebSocket-Protocol');
  });

  it('refuses a cross-origin upgrade with 403 when no password is set, and allows it with one', async () => {
    const port = await start();
    const raw = await tcp(port);
    cleanup.push(() => raw.destroy());
    expect((await upgrade(raw, 'binary', 'https://evil.example')).status).toBe(403);
    const noOrigin = await tcp(port);
    cleanup.push(() => noOrigin.destroy());
    expect((await upgrade(noOrigin, 'binary', null)).status).toBe(101);
    await server!.close({ graceMs: 0 });
    const withPassword = await start({ password: 'pw' });
    const other = await tcp(withPassword);
    cleanup.push(() => other.destroy());
    expect((await upgrade(other, 'binary', 'https://app.example')).status).toBe(101);
  });

  it('refuses an upgrade that offers only other subprotocols with 400', async () => {
    const port = await start();
    const raw = await tcp(port);
    cleanup.push(() => raw.destroy());
    const res = await upgrade(raw, 'chat, superchat');
    expect(res.status).toBe(400);
  });
});

describe('SPICE over WebSocket', () => {
  it('links the main channel over a WebSocket and receives MAIN_INIT', async () => {
    const port = await start();
    const { client } = await wsClient(port);
    expect(await client.link(ChannelType.Main, 0, 0)).toBe(LinkErr.Ok);
    expect((await client.message()).type).toBe(MainMsg.Init);
    expect(server!.metrics()).toMatch(/spice_connections_total\{listener="tcp",transport="websocket"\} 1/);
  });

  it('reassembles SPICE bytes sent in fragmented frames with a ping in between, and answers the ping', async () => {
    const port = await start({ password: 'pw' });
    const { ws, client } = await wsClient(port);
    ws.fragments = 3;
    const pong = new Promise<ServerFrame>((resolve) => ws.once('control', resolve));
    // A ping between two data frames of one message: control frames may interleave (RFC 6455 §5.4).
    ws.raw.write(clientFrame(0x2, Buffer.from([]), { fin: false }));
    ws.raw.write(clientFrame(0x9, Buffer.from('hi!')));
    ws.raw.write(clientFrame(0x0, Buffer.from([]), { fin: true }));
    const p = await pong;
    expect(p.opcode).toBe(0xa);
    expect(p.payload.toString()).toBe('hi!');
    expect(await client.link(ChannelType.Main, 0, 0, 'pw')).toBe(LinkErr.Ok);
    expect((await client.message()).type).toBe(MainMsg.Init);
  });

  it('closes only the offending connection on an unmasked frame (close 1002)', async () => {
    const port = await start();
    const raw = await tcp(port);
    cleanup.push(() => raw.destroy());
    const res = await upgrade(raw);
    const seen = collectFrames(raw, res.rest, 0);
    raw.write(clientFrame(0x2, Buffer.from('REDQ'), { mask: false }));
    const { frames, closed } = await seen;
    expect(closed).toBe(true);
    expect(frames.at(-1)?.opcode).toBe(0x8);
    expect(frames.at(-1)?.payload.readUInt16BE(0)).toBe(1002);
    const other = await wsClient(port);
    expect(await other.client.link(ChannelType.Main, 0, 0)).toBe(LinkErr.Ok);
  });

  it('refuses a frame longer than the limit with close 1009', async () => {
    const port = await start();
    const raw = await tcp(port);
    cleanup.push(() => raw.destroy());
    const res = await upgrade(raw);
    const seen = collectFrames(raw, res.rest, 0);
    const head = Buffer.alloc(14);
    head[0] = 0x82;
    head[1] = 0x80 | 127;
    head.writeBigUInt64BE(1n << 40n, 2);
    raw.write(head);
    const { frames, closed } = await seen;
    expect(closed).toBe(true);
    expect(frames.at(-1)?.payload.readUInt16BE(0)).toBe(1009);
  });

  it.each([
    ['reserved bits', clientFrame(0x2, Buffer.from('x'), { rsv: 4 })],
    ['a continuation without a start', clientFrame(0x0, Buffer.from('x'))],
    ['a fragmented ping', clientFrame(0x9, Buffer.from('x'), { fin: false })],
    ['a control frame over 125 bytes', clientFrame(0x9, Buffer.alloc(126))],
    ['an unknown opcode', clientFrame(0x3, Buffer.from('x'))],
  ])('closes the connection with 1002 on %s', async (_what, frame) => {
    const port = await start();
    const raw = await tcp(port);
    cleanup.push(() => raw.destroy());
    const res = await upgrade(raw);
    const seen = collectFrames(raw, res.rest, 0);
    raw.write(frame);
    const { frames, closed } = await seen;
    expect(closed).toBe(true);
    expect(frames.at(-1)?.payload.readUInt16BE(0)).toBe(1002);
  });

  it('answers a close frame with a close frame carrying the same status, then closes', async () => {
    const port = await start();
    const raw = await tcp(port);
    cleanup.push(() => raw.destroy());
    const res = await upgrade(raw);
    const seen = collectFrames(raw, res.rest, 0);
    raw.write(clientFrame(0x8, Buffer.from([0x03, 0xe9])));
    const { frames, closed } = await seen;
    expect(closed).toBe(true);
    expect(frames[0]?.opcode).toBe(0x8);
    expect(frames[0]?.payload.readUInt16BE(0)).toBe(1001);
  });

  it('sends unmasked binary frames with 7-, 16- and 64-bit lengths', () => {
    expect([...encodeFrameHeader(2, 125)]).toEqual([0x82, 125]);
    expect([...encodeFrameHeader(2, 126)]).toEqual([0x82, 126, 0, 126]);
    expect([...encodeFrameHeader(2, 0x10000)]).toEqual([0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0]);
  });
});
