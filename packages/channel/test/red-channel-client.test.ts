import type { Socket } from 'node:net';
import { createLoopStats, type LoopStats } from '@spice-ts/loop';
import { BaseMsg, base, CapabilitySet, CommonCap, decodeDataHeader, encodeMiniHeader } from '@spice-ts/protocol';
import { socketPair } from '@spice-ts/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { RedChannel, type RedChannelClient, RedClient, UnexpectedMessageError } from '../src/index.js';

/** Collects mini-header messages arriving at the peer. */
function collector(peer: Socket) {
  let buf = Buffer.alloc(0);
  const messages: Array<{ type: number; body: Buffer }> = [];
  let notify: (() => void) | null = null;
  peer.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      const h = decodeDataHeader(buf, true);
      if (!h || buf.length < 6 + h.size) break;
      messages.push({ type: h.type, body: buf.subarray(6, 6 + h.size) });
      buf = buf.subarray(6 + h.size);
    }
    notify?.();
  });
  return {
    messages,
    async count(n: number) {
      while (messages.length < n) await new Promise<void>((r) => (notify = r));
    },
  };
}

const open: Socket[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.destroy();
});

async function setup(handleAcks: boolean, stats?: LoopStats) {
  const [server, peer] = await socketPair();
  open.push(server, peer);
  const received: number[] = [];
  const channel = new RedChannel({
    type: 2,
    id: 0,
    handleAcks,
    ackWindow: 10,
    ...(stats ? { stats } : {}),
    handler: {
      handleMessage: (_rcc, m) => {
        if (m.type !== 101) throw new UnexpectedMessageError('test', m.type);
        received.push(m.type);
      },
    },
  });
  const client = new RedClient(1);
  const rcc = channel.connectClient(client, server, {
    common: CapabilitySet.of(CommonCap.MiniHeader),
    channel: new CapabilitySet(),
  });
  return { rcc, peer, received, channel, client };
}

const item = (rcc: RedChannelClient, n: number) => rcc.send({ type: 200, body: [Uint8Array.of(n)] });

describe('RedChannelClient', () => {
  it('stops at twice the ACK window and resumes after an ACK, without spinning', async () => {
    const stats = createLoopStats();
    const { rcc, peer } = await setup(true, stats);
    const got = collector(peer);
    rcc.startAckWindow(10);
    for (let i = 0; i < 25; i++) item(rcc, i);
    await got.count(21); // SET_ACK + 20 messages: 21 > 2 × 10 stops the pipe
    const stalled = stats.snapshot();
    await new Promise((r) => setTimeout(r, 50));
    expect(got.messages.length).toBe(21);
    expect(stats.snapshot()).toEqual(stalled); // waiting for the ACK costs no pass and no wake-up
    expect(got.messages[0]!.type).toBe(BaseMsg.SetAck);
    expect(base.setAck.decode(got.messages[0]!.body)).toEqual({ generation: 1, window: 10 });
    expect(rcc.waitingForAck).toBe(true);
    expect(rcc.pipeSize).toBe(5);
    const ackSync = Buffer.concat([encodeMiniHeader(1, 4), Buffer.from([1, 0, 0, 0])]);
    peer.write(Buffer.concat([ackSync, encodeMiniHeader(2, 0)]));
    await got.count(26);
    expect(got.messages.slice(1).map((m) => m.body[0])).toEqual(Array.from({ length: 25 }, (_, i) => i));
  });

  it('ignores an ACK of an older generation', async () => {
    const { rcc, peer } = await setup(true);
    const got = collector(peer);
    rcc.startAckWindow(10);
    for (let i = 0; i < 30; i++) item(rcc, i);
    await got.count(21);
    peer.write(Buffer.concat([encodeMiniHeader(1, 4), Buffer.from([7, 0, 0, 0]), encodeMiniHeader(2, 0)]));
    await new Promise((r) => setTimeout(r, 50));
    expect(got.messages.length).toBe(21);
  });

  it('tells the producer when its pipe ran empty', async () => {
    const { rcc, peer } = await setup(false);
    collector(peer);
    let empties = 0;
    rcc.onPipeEmpty(() => empties++);
    item(rcc, 1);
    item(rcc, 2);
    await new Promise((r) => setTimeout(r, 20));
    expect(empties).toBeGreaterThanOrEqual(1);
    expect(rcc.pipeSize).toBe(0);
  });

  it('disconnects on an unknown common message type and drops queued items', async () => {
    const { rcc, peer, client } = await setup(false);
    let dropped = 0;
    rcc.onDisconnect(() => {});
    // Block the pipe behind a never-sent item by closing right after queueing.
    rcc.pipeAdd({
      kind: 'x',
      marshal: () => [],
      done: (sent) => {
        if (!sent) dropped++;
      },
    });
    peer.write(encodeMiniHeader(77, 0));
    await new Promise<void>((r) => rcc.onDisconnect(() => r()));
    expect(rcc.isClosed).toBe(true);
    expect(client.channelClients.size).toBe(0);
    expect(dropped).toBeLessThanOrEqual(1);
  });

  it('passes channel messages to the handler and survives a handler that rejects one type', async () => {
    const { rcc, peer, received } = await setup(false);
    peer.write(Buffer.concat([encodeMiniHeader(101, 2), Buffer.from([1, 2])]));
    await new Promise((r) => setTimeout(r, 20));
    expect(received).toEqual([101]);
    peer.write(encodeMiniHeader(150, 0));
    await new Promise<void>((r) => rcc.onDisconnect(() => r()));
  });

  it('destroys every channel of the viewer when its main channel closes', async () => {
    const [s1, p1] = await socketPair();
    const [s2, p2] = await socketPair();
    open.push(s1, p1, s2, p2);
    const mainCh = new RedChannel({ type: 1, id: 0, handler: { handleMessage: () => {} } });
    const other = new RedChannel({ type: 3, id: 0, handler: { handleMessage: () => {} } });
    const client = new RedClient(9);
    const caps = { common: CapabilitySet.of(CommonCap.MiniHeader), channel: new CapabilitySet() };
    mainCh.connectClient(client, s1, caps);
    const inputsRcc = other.connectClient(client, s2, caps);
    p1.destroy();
    await new Promise<void>((r) => inputsRcc.onDisconnect(() => r()));
    expect(client.isDestroyed).toBe(true);
  });
});

describe('RedChannelClient with a client that lacks MINI_HEADER', () => {
  it('sends 18-byte full headers with serials counting from 1 and reads full-header messages', async () => {
    const [server, peer] = await socketPair();
    open.push(server, peer);
    const received: number[] = [];
    const channel = new RedChannel({ type: 3, id: 0, handler: { handleMessage: (_r, m) => received.push(m.type) } });
    const rcc = channel.connectClient(new RedClient(2), server, {
      common: new CapabilitySet(),
      channel: new CapabilitySet(),
    });
    expect(rcc.miniHeader).toBe(false);
    let buf = Buffer.alloc(0);
    peer.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
    });
    rcc.send({ type: 101, body: [Uint8Array.of(1, 2)] });
    rcc.send({ type: 111, body: [] });
    while (buf.length < 18 + 2 + 18) await new Promise((r) => setTimeout(r, 10));
    expect(decodeDataHeader(buf, false)).toEqual({ serial: 1n, type: 101, size: 2, subList: 0 });
    expect(decodeDataHeader(buf.subarray(20), false)).toEqual({ serial: 2n, type: 111, size: 0, subList: 0 });
    const { encodeFullHeader } = await import('@spice-ts/protocol');
    peer.write(Buffer.concat([encodeFullHeader(1n, 101, 4), Buffer.from([0, 0, 0, 0])]));
    while (received.length < 1) await new Promise((r) => setTimeout(r, 10));
    expect(received).toEqual([101]);
  });
});
