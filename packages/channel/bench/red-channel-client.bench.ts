import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { createLoopStats } from '@spice-ts/loop';
import { CapabilitySet, CommonCap } from '@spice-ts/protocol';
import { afterAll, bench, describe } from 'vitest';
import { RedChannel, RedClient } from '../src/index.js';

// One RedChannelClient over a loopback socket; the peer only counts bytes. Each bench call sends a
// batch and waits until the peer has all of it, so the figure includes the kernel and the peer.
const server = createServer();
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const accepted = new Promise<Socket>((r) => server.once('connection', r));
const peer = connect((server.address() as AddressInfo).port, '127.0.0.1');
const socket = await accepted;
server.close();
await new Promise((r) => peer.once('connect', r));

const stats = createLoopStats();
const channel = new RedChannel({ type: 2, id: 0, stats, handler: { handleMessage: () => {} } });
const rcc = channel.connectClient(new RedClient(1), socket, {
  common: CapabilitySet.of(CommonCap.MiniHeader),
  channel: new CapabilitySet(),
});

let received = 0;
let waiter: (() => void) | null = null;
let target = 0;
peer.on('data', (d: Buffer) => {
  received += d.length;
  if (waiter && received >= target) {
    const w = waiter;
    waiter = null;
    w();
  }
});

async function sendBatch(count: number, payload: Uint8Array): Promise<void> {
  target = received + count * (6 + payload.byteLength);
  const done = new Promise<void>((r) => {
    waiter = r;
  });
  for (let i = 0; i < count; i++)
    rcc.pipeAdd({ kind: 'bench', size: payload.byteLength + 6, marshal: () => ({ type: 200, body: [payload] }) });
  await done;
}

const small = new Uint8Array(32);
const large = new Uint8Array(64 * 1024);
const totals = {
  small: { messages: 0, wakeups: 0, passes: 0, ms: 0 },
  large: { messages: 0, bytes: 0, ms: 0 },
};

describe('RedChannelClient over loopback', () => {
  bench('1000 messages of 32 bytes', async () => {
    const before = stats.snapshot();
    const t0 = performance.now();
    await sendBatch(1000, small);
    totals.small.ms += performance.now() - t0;
    const after = stats.snapshot();
    totals.small.messages += 1000;
    totals.small.wakeups += after.wakeups - before.wakeups;
    totals.small.passes += after.passes - before.passes;
  });
  bench('100 messages of 64 KiB', async () => {
    const t0 = performance.now();
    await sendBatch(100, large);
    totals.large.ms += performance.now() - t0;
    totals.large.messages += 100;
    totals.large.bytes += 100 * large.byteLength;
  });
});

afterAll(() => {
  const perK = (n: number) => ((1000 * n) / Math.max(1, totals.small.messages)).toFixed(1);
  const smallRate = (1000 * totals.small.messages) / Math.max(1, totals.small.ms);
  const largeRate = (1000 * totals.large.messages) / Math.max(1, totals.large.ms);
  const mbps = (1000 * totals.large.bytes) / Math.max(1, totals.large.ms) / 1e6;
  console.log(
    `RedChannelClient over loopback: 32-byte messages ${Math.round(smallRate).toLocaleString('en')} msg/s ` +
      `(${((smallRate * 38) / 1e6).toFixed(1)} MB/s on the wire), ${perK(totals.small.wakeups)} loop wake-ups and ` +
      `${perK(totals.small.passes)} flush passes per 1000 messages; 64 KiB messages ${Math.round(largeRate).toLocaleString('en')} msg/s = ${mbps.toFixed(0)} MB/s`,
  );
  peer.destroy();
  rcc.disconnect('bench done');
});
