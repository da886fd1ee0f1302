import { randomBytes } from 'node:crypto';
import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { isServerError, ServerErrorCode, WebSocketStream } from '../src/index.js';
import { clientFrame, parseServerFrames } from './support/ws-client.js';

/** The socket side of a WebSocketStream, in memory: `feed` plays client bytes, `sent` collects ours. */
function fakeRaw() {
  const sent: Buffer[] = [];
  const raw = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      sent.push(Buffer.from(chunk));
      cb();
    },
  });
  return { raw, sent, feed: (b: Uint8Array) => raw.push(Buffer.from(b)) };
}

function collect(ws: WebSocketStream): { data: Buffer[]; errors: Error[] } {
  const out = { data: [] as Buffer[], errors: [] as Error[] };
  ws.on('data', (d: Buffer) => out.data.push(Buffer.from(d)));
  ws.on('error', (e) => out.errors.push(e));
  return out;
}

const tick = () => new Promise((r) => setImmediate(r));

/** A message in three fragments with a ping between them, then a small and a 70 000-byte frame. */
function golden(): { wire: Buffer; payload: Buffer } {
  const a = randomBytes(300);
  const b = randomBytes(5);
  const c = randomBytes(70_000);
  const wire = Buffer.concat([
    clientFrame(0x2, a.subarray(0, 100), { fin: false }),
    clientFrame(0x0, a.subarray(100, 200), { fin: false }),
    clientFrame(0x9, Buffer.from('ping')),
    clientFrame(0x0, a.subarray(200), { fin: true }),
    clientFrame(0x2, b),
    clientFrame(0x2, c),
  ]);
  return { wire, payload: Buffer.concat([a, b, c]) };
}

async function play(splits: (n: number) => number[]) {
  const { wire, payload } = golden();
  const { raw, sent, feed } = fakeRaw();
  const ws = new WebSocketStream(raw);
  const out = collect(ws);
  let at = 0;
  for (const cut of [...splits(wire.length), wire.length]) {
    feed(wire.subarray(at, cut));
    at = cut;
  }
  await tick();
  expect(out.errors).toEqual([]);
  expect(Buffer.concat(out.data).equals(payload)).toBe(true);
  const { frames } = parseServerFrames(Buffer.concat(sent));
  expect(frames.map((f) => [f.opcode, f.payload.toString()])).toEqual([[0xa, 'ping']]);
}

describe('WebSocketStream', () => {
  it('unmasks fragmented and large frames fed whole', () => play(() => []));

  it('unmasks the same frames fed one byte at a time', () =>
    play((n) => Array.from({ length: n - 1 }, (_, i) => i + 1)));

  it('unmasks the same frames cut at random points', async () => {
    for (let round = 0; round < 20; round++) {
      await play((n) =>
        Array.from({ length: 1 + Math.floor(Math.random() * 30) }, () => Math.floor(Math.random() * n)).sort(
          (x, y) => x - y,
        ),
      );
    }
  });

  it('writes each write as one unmasked binary frame', async () => {
    const { raw, sent } = fakeRaw();
    const ws = new WebSocketStream(raw);
    ws.write(Buffer.from('hello'));
    ws.write(Buffer.alloc(300, 1));
    await tick();
    const { frames, rest } = parseServerFrames(Buffer.concat(sent));
    expect(rest.length).toBe(0);
    expect(frames.map((f) => [f.opcode, f.masked, f.fin, f.payload.length])).toEqual([
      [2, false, true, 5],
      [2, false, true, 300],
    ]);
  });

  it('sends close 1000 and ends the socket when the stream ends', async () => {
    const { raw, sent } = fakeRaw();
    const ws = new WebSocketStream(raw);
    ws.end();
    await tick();
    const { frames } = parseServerFrames(Buffer.concat(sent));
    expect(frames.at(-1)?.opcode).toBe(0x8);
    expect(frames.at(-1)?.payload.readUInt16BE(0)).toBe(1000);
    expect(raw.writableEnded).toBe(true);
  });

  it('never throws on random garbage: it either passes data on or fails with its own error', async () => {
    for (let round = 0; round < 300; round++) {
      const { raw, feed } = fakeRaw();
      const ws = new WebSocketStream(raw);
      const out = collect(ws);
      const garbage = randomBytes(1 + Math.floor(Math.random() * 64));
      // Half of the rounds start with a valid masked header so the parser gets deeper.
      if (round % 2 === 0) garbage[1] = garbage[1]! | 0x80;
      feed(garbage);
      await tick();
      for (const e of out.errors) {
        expect(isServerError(e)).toBe(true);
        expect((e as unknown as { code: string }).code).toBe(ServerErrorCode.WebSocket);
      }
    }
  });
});
