// Upstream's worst stall, end to end with a real QXL guest: a display client stops reading, its
// socket buffer and pipe fill, the worker stops taking commands, the guest fills its command ring
// and waits for room without kicking again. When the client reads again, the server must resume by
// itself (the socket's drain event, no timer, no guest kick) and the guest must get room back.
import type { Socket } from 'node:net';
import { RedClient } from '@spice-ts/channel';
import { createLoopStats, type LoopStats } from '@spice-ts/loop';
import {
  CapabilitySet,
  CommonCap,
  concatChunks,
  DisplayCap,
  DisplayMsg,
  display,
  encodeMiniHeader,
} from '@spice-ts/protocol';
import { createGuestDriver, createQxlDevice } from '@spice-ts/qxl';
import { socketPair } from '@spice-ts/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { DisplayWorker } from '../src/index.js';

const sockets: Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
});

interface LoopEvent {
  kind: 'wakeup' | 'pass';
  reason: string;
  /** Display messages the server had sent when the event happened. */
  sent: number;
}

/** Loop statistics that also keep the order of events, to see what woke the server up. */
function tracingStats(sent: () => number): LoopStats & { events: LoopEvent[] } {
  const inner = createLoopStats();
  const events: LoopEvent[] = [];
  return {
    events,
    get wakeups() {
      return inner.wakeups;
    },
    get passes() {
      return inner.passes;
    },
    get reasons() {
      return inner.reasons;
    },
    get passReasons() {
      return inner.passReasons;
    },
    recordWakeup(reason: string) {
      events.push({ kind: 'wakeup', reason, sent: sent() });
      inner.recordWakeup(reason);
    },
    recordPass(reason: string) {
      events.push({ kind: 'pass', reason, sent: sent() });
      inner.recordPass(reason);
    },
    snapshot: () => inner.snapshot(),
    reset: () => inner.reset(),
  };
}

/**
 * A display client that acknowledges like spice-gtk and can stop reading. It parses as it reads,
 * in linear time (it shares the thread with the server, so it must not slow the measurement).
 */
function ackingClient(socket: Socket) {
  const header = Buffer.alloc(6);
  let headerHave = 0;
  let body: Buffer | null = null; // kept only for small control messages
  let bodyHave = 0;
  let bodyLeft = 0;
  let type = 0;
  let sinceAck = 0;
  let window = 0;
  let marked = false;
  const finish = () => {
    if (type === DisplayMsg.Mark) marked = true;
    if (type === 3 && body) {
      window = body.readUInt32LE(4);
      socket.write(Buffer.concat([encodeMiniHeader(1, 4), body.subarray(0, 4)]));
    } else if (window > 0 && ++sinceAck >= window) {
      sinceAck = 0;
      socket.write(encodeMiniHeader(2, 0));
    }
  };
  socket.on('data', (d: Buffer) => {
    let at = 0;
    while (at < d.length) {
      if (headerHave < 6) {
        const n = Math.min(6 - headerHave, d.length - at);
        d.copy(header, headerHave, at, at + n);
        headerHave += n;
        at += n;
        if (headerHave < 6) break;
        type = header.readUInt16LE(0);
        bodyLeft = header.readUInt32LE(2);
        body = bodyLeft <= 64 ? Buffer.alloc(bodyLeft) : null;
        bodyHave = 0;
      }
      const n = Math.min(bodyLeft, d.length - at);
      if (body) d.copy(body, bodyHave, at, at + n);
      bodyHave += n;
      bodyLeft -= n;
      at += n;
      if (bodyLeft === 0) {
        finish();
        headerHave = 0;
      }
    }
  });
  return { marked: () => marked };
}

const waitFor = async (pred: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('a stalled display client never leaves the guest stuck', () => {
  it('resumes within 50 ms of the client reading again, woken by the socket alone, and gives the guest room', async () => {
    let sentNow = () => 0;
    const stats = tracingStats(() => sentNow());
    const device = createQxlDevice();
    // Squashing off: this reproduces the upstream worker, which stops while a pipe is full.
    const worker = new DisplayWorker({ device, stats, maxPipeBytes: 256 * 1024, squash: false });
    const driver = createGuestDriver(device);
    await driver.createPrimary({ width: 256, height: 192 });
    const [server, socket] = await socketPair();
    sockets.push(server, socket);
    const client = ackingClient(socket);
    const rcc = worker.displayChannel.connectClient(new RedClient(1), server, {
      common: CapabilitySet.of(CommonCap.MiniHeader),
      channel: CapabilitySet.of(DisplayCap.MonitorsConfig),
    });
    sentNow = () => rcc.stats.messagesSent;
    socket.write(
      Buffer.concat([
        encodeMiniHeader(101, 14),
        concatChunks(
          display.displayInit.encode({
            pixmapCacheId: 1,
            pixmapCacheSize: 1000n,
            glzDictionaryId: 1,
            glzDictionaryWindowSize: 0,
          }),
        ),
      ]),
    );
    await waitFor(client.marked);

    // The client stops reading; the guest keeps drawing 192 KiB images until it has to wait.
    socket.pause();
    const pixels = new Uint8Array(256 * 192 * 4);
    const draws: Array<Promise<void>> = [];
    let drawn = 0;
    for (let i = 0; i < 600; i++) {
      pixels.fill(i & 0xff);
      draws.push(
        driver
          .drawCopy({
            bbox: { top: 0, left: 0, bottom: 192, right: 256 },
            pixels: pixels.slice(),
            stride: 1024,
            width: 256,
            height: 192,
          })
          .then(() => {
            drawn += 1;
          }),
      );
    }
    await waitFor(() => rcc.blocked && rcc.queuedBytes > 0 && driver.pending.commands > 0);
    await new Promise((r) => setTimeout(r, 250));
    // Everything is backed up: the kernel's socket buffers full, our writer over its mark, the
    // worker stopped, the guest's ring full with calls waiting for room, and nobody moving.
    const stalled = {
      sent: rcc.stats.messagesSent,
      commands: worker.counters.commands,
      notifies: driver.stats.notifies,
      drawn,
      pending: driver.pending.commands,
    };
    expect(rcc.blocked).toBe(true);
    expect(rcc.queuedBytes).toBeGreaterThan(0); // the kernel took all it would
    expect(stalled.pending).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 250));
    expect(rcc.stats.messagesSent).toBe(stalled.sent);
    expect(worker.counters.commands).toBe(stalled.commands);
    expect(driver.stats.notifies).toBe(stalled.notifies); // the guest is silent
    expect(drawn).toBe(stalled.drawn);

    // The client reads again.
    const mark = stats.events.length;
    const resumedAt = performance.now();
    socket.resume();
    await waitFor(() => rcc.stats.messagesSent > stalled.sent);
    const resumeMs = performance.now() - resumedAt;
    await waitFor(() => drawn > stalled.drawn); // the guest got room back and was asked for more
    const askedMs = performance.now() - resumedAt;
    await Promise.all(draws);
    await worker.whenIdle();

    const after = stats.events.slice(mark);
    const firstSend = after.findIndex((e) => e.sent > stalled.sent);
    const beforeFirstSend = after.slice(0, firstSend === -1 ? after.length : firstSend);
    const lastWakeup = beforeFirstSend.filter((e) => e.kind === 'wakeup').at(-1);
    expect(['socket:drain', 'socket:data']).toContain(lastWakeup?.reason); // the socket woke us, not a timer
    expect(beforeFirstSend.filter((e) => e.reason === 'qxl:notify-cmd')).toEqual([]); // nor the guest
    expect(resumeMs).toBeLessThan(50);
    expect(drawn).toBe(600);
    expect(worker.counters.commands).toBeGreaterThanOrEqual(600);

    const items = rcc.stats.messagesSent - stalled.sent;
    const passes = after.filter((e) => e.kind === 'pass').length;
    const wakeups = after.filter((e) => e.kind === 'wakeup').length;
    console.log(
      `display never-stuck: sending resumed ${resumeMs.toFixed(2)} ms and the guest got room ${askedMs.toFixed(2)} ms after the client read again; ` +
        `${items} messages, ${passes} passes (${(passes / items).toFixed(2)}/message), ${wakeups} wake-ups (${(wakeups / items).toFixed(2)}/message)`,
    );
    expect(passes / items).toBeLessThan(2);
  });
});
