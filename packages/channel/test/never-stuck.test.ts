import type { Socket } from 'node:net';
import { createLoopStats } from '@spice-ts/loop';
import { CapabilitySet, CommonCap } from '@spice-ts/protocol';
import { socketPair } from '@spice-ts/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { RedChannel, RedClient } from '../src/index.js';

const open: Socket[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.destroy();
});

describe('a stalled client never leaves the server stuck', () => {
  it('resumes sending within 50 ms of the client reading again, with no timer and no producer signal, and asks the producer for more', async () => {
    const stats = createLoopStats();
    const [server, peer] = await socketPair();
    open.push(server, peer);
    const channel = new RedChannel({
      type: 2,
      id: 0,
      stats,
      maxPipeBytes: 512 * 1024,
      writerHighWaterMark: 256 * 1024,
      handler: { handleMessage: () => {} },
    });
    const rcc = channel.connectClient(new RedClient(1), server, {
      common: CapabilitySet.of(CommonCap.MiniHeader),
      channel: new CapabilitySet(),
    });

    // The producer: it queues 64 KiB items while the pipe has room, and otherwise only reacts
    // to onPipeEmpty. It never polls and never signals on its own.
    const payload = new Uint8Array(64 * 1024);
    let produced = 0;
    let askedForMore = 0;
    let stopped = false;
    const produce = () => {
      while (!rcc.pipeFull && !stopped) {
        produced += 1;
        rcc.pipeAdd({ kind: 'data', size: payload.byteLength + 6, marshal: () => ({ type: 200, body: [payload] }) });
      }
    };
    rcc.onPipeEmpty(() => {
      askedForMore += 1;
      produce();
    });

    peer.pause(); // the client stops reading
    produce();
    // Wait until everything backs up: kernel buffers full, the writer over its mark, items left
    // in the pipe, and the producer (which only reacts to an empty pipe) silent.
    const end = Date.now() + 5000;
    while (!(rcc.blocked && rcc.pipeSize > 0) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(rcc.blocked).toBe(true);
    expect(rcc.pipeSize).toBeGreaterThan(0);
    expect(rcc.queuedBytes).toBeGreaterThanOrEqual(256 * 1024);
    const askedWhileStalled = askedForMore;
    const sentWhileStalled = rcc.stats.messagesSent;
    await new Promise((r) => setTimeout(r, 200));
    expect(rcc.stats.messagesSent).toBe(sentWhileStalled); // nothing moves, nothing spins
    const before = stats.snapshot();

    // The client reads again.
    let firstByteAt = 0;
    let received = 0;
    peer.on('data', (d: Buffer) => {
      received += d.length;
    });
    const resumedAt = performance.now();
    peer.resume();
    while (rcc.stats.messagesSent === sentWhileStalled) await new Promise((r) => setImmediate(r));
    firstByteAt = performance.now();
    while (askedForMore === askedWhileStalled && performance.now() - resumedAt < 5000)
      await new Promise((r) => setTimeout(r, 5));
    stopped = true;
    const after = stats.snapshot();

    const resumeMs = firstByteAt - resumedAt;
    expect(resumeMs).toBeLessThan(50);
    expect(askedForMore).toBeGreaterThan(askedWhileStalled); // the producer was asked for more
    const timerWakeups = Object.entries(after.reasons).filter(
      ([r, n]) => r.startsWith('timer:') && n !== (before.reasons[r] ?? 0),
    );
    expect(timerWakeups).toEqual([]); // no timer took part in resuming
    expect((after.reasons['socket:drain'] ?? 0) - (before.reasons['socket:drain'] ?? 0)).toBeGreaterThan(0);
    const items = rcc.stats.messagesSent - sentWhileStalled;
    const passes = after.passes - before.passes;
    console.log(
      `never-stuck: resumed ${resumeMs.toFixed(2)} ms after the client read again; ${items} items sent with ${passes} flush passes (${(passes / items).toFixed(2)} passes/item), ${received} bytes received, ${produced} items produced in all`,
    );
    expect(passes / items).toBeLessThan(1);
  });
});
