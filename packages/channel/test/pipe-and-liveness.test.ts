import type { Socket } from 'node:net';
import { BaseMsg, CapabilitySet, CommonCap, decodeDataHeader, encodeMiniHeader } from '@spice-ts/protocol';
import { socketPair } from '@spice-ts/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { type ChannelHandler, type PipeItem, RedChannel, type RedChannelInit, RedClient } from '../src/index.js';

const open: Socket[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.destroy();
});

async function connectChannel(init: Partial<RedChannelInit> & { handler?: ChannelHandler }) {
  const [server, peer] = await socketPair();
  open.push(server, peer);
  const channel = new RedChannel({ type: 2, id: 0, handler: { handleMessage: () => {} }, ...init });
  const rcc = channel.connectClient(new RedClient(1), server, {
    common: CapabilitySet.of(CommonCap.MiniHeader),
    channel: new CapabilitySet(),
  });
  return { rcc, peer, server };
}

/** A peer that answers every PING with a PONG, like spice-gtk. */
function pongingPeer(peer: Socket) {
  let buf = Buffer.alloc(0);
  const pings: number[] = [];
  peer.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      const h = decodeDataHeader(buf, true);
      if (!h || buf.length < 6 + h.size) break;
      if (h.type === BaseMsg.Ping) {
        pings.push(buf.readUInt32LE(6));
        peer.write(Buffer.concat([encodeMiniHeader(3, 12), buf.subarray(6, 18)]));
      }
      buf = buf.subarray(6 + h.size);
    }
  });
  return pings;
}

const item = (size: number, tag: string, log: string[]): PipeItem => ({
  kind: tag,
  size,
  marshal: () => ({ type: 200, body: [new Uint8Array(4)] }),
  done: (sent) => log.push(`${tag}:${sent ? 'sent' : 'dropped'}`),
});

describe('pipe bounded by bytes', () => {
  it('tracks the bytes of queued items and reports when the bound is reached', async () => {
    const { rcc, peer } = await connectChannel({ maxPipeBytes: 1000 });
    peer.pause();
    rcc.pipeAdd(item(400, 'a', []));
    rcc.pipeAdd(item(400, 'b', []));
    expect(rcc.pipeBytes).toBe(800);
    expect(rcc.pipeFull).toBe(false);
    rcc.pipeAdd(item(400, 'c', []));
    expect(rcc.pipeFull).toBe(true);
    expect(rcc.maxPipeBytes).toBe(1000);
  });

  it('calls the channel squash hook over the bound and drops what it leaves out', async () => {
    const log: string[] = [];
    const { rcc } = await connectChannel({
      maxPipeBytes: 1000,
      handler: {
        handleMessage: () => {},
        // keep only the newest item: the outcome of the whole queue
        squash: (_rcc, items) => [items[items.length - 1]!],
      },
    });
    for (const tag of ['a', 'b', 'c']) rcc.pipeAdd(item(400, tag, log));
    expect(rcc.pipeSize).toBe(1);
    expect(rcc.pipeBytes).toBe(400);
    expect(rcc.stats.squashes).toBe(1);
    expect(log).toEqual(['a:dropped', 'b:dropped']);
    await new Promise((r) => setTimeout(r, 20));
    expect(log).toEqual(['a:dropped', 'b:dropped', 'c:sent']);
  });
});

describe('latency and connectivity', () => {
  it('probes with two pings and keeps the smallest measured round trip', async () => {
    const { rcc, peer } = await connectChannel({ ping: { firstMs: 10, intervalMs: 40 } });
    const pings = pongingPeer(peer);
    const end = Date.now() + 2000;
    while (pings.length < 4 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 20));
    expect(pings.slice(0, 4)).toEqual([1, 2, 3, 4]);
    expect(rcc.latencyMs).not.toBeNull();
    expect(rcc.minLatencyMs!).toBeLessThanOrEqual(rcc.latencyMs!);
  });

  it('disconnects a client that answers nothing for two watchdog periods', async () => {
    const { rcc } = await connectChannel({ ping: { firstMs: 5, intervalMs: 1000 }, connectivity: { timeoutMs: 60 } });
    const reason = await new Promise<string>((r) => rcc.onDisconnect(r));
    expect(reason).toMatch(/connectivity timeout/);
  });

  it('keeps a client that answers its pings', async () => {
    const { rcc, peer } = await connectChannel({
      ping: { firstMs: 5, intervalMs: 30 },
      connectivity: { timeoutMs: 60 },
    });
    pongingPeer(peer);
    await new Promise((r) => setTimeout(r, 400));
    expect(rcc.isClosed).toBe(false);
  });

  it('does not probe while its own bytes are still queued', async () => {
    const { rcc, peer } = await connectChannel({ ping: { firstMs: 5, intervalMs: 1000 }, writerHighWaterMark: 1024 });
    peer.pause();
    const big = new Uint8Array(4 * 1024 * 1024);
    rcc.send({ type: 200, body: [big] });
    await new Promise((r) => setTimeout(r, 100));
    expect(rcc.queuedBytes).toBeGreaterThan(0);
    expect(rcc.stats.messagesSent).toBe(1); // the big message only: no PING went behind it
    peer.resume();
    const end = Date.now() + 2000;
    while (rcc.stats.messagesSent < 3 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    expect(rcc.stats.messagesSent - 1).toBe(2); // once the bytes drained, one probe: two PINGs
  });
});
