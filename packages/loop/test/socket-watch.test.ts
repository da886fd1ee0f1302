import type { Socket } from 'node:net';
import { socketPair } from '@spice-ts/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { createLoopStats, createSocketWatch, WatchEvent } from '../src/index.js';

const open: Socket[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.destroy();
});
const tick = (ms = 30) => new Promise((r) => setTimeout(r, ms));

describe('socket watch', () => {
  it('delivers data only while read interest is on, and loses none', async () => {
    const [a, b] = await socketPair();
    open.push(a, b);
    const got: number[] = [];
    const stats = createLoopStats();
    const watch = createSocketWatch(a, { onData: (c) => got.push(...c), stats });
    b.write(Uint8Array.of(1, 2));
    await tick();
    expect(got).toEqual([1, 2]);
    watch.update(0);
    b.write(Uint8Array.of(3));
    await tick();
    expect(got).toEqual([1, 2]); // not read while there is no read interest
    watch.update(WatchEvent.Read);
    await tick();
    expect(got).toEqual([1, 2, 3]);
    expect(stats.reasons['socket:read']).toBeGreaterThanOrEqual(2);
  });

  it('pushes back on the peer without read interest (the kernel buffer fills)', async () => {
    const [a, b] = await socketPair();
    open.push(a, b);
    createSocketWatch(a, { onData: () => {}, mask: 0 });
    const chunk = new Uint8Array(1024 * 1024);
    let accepted = true;
    for (let i = 0; i < 64 && accepted; i++) accepted = b.write(chunk);
    await tick(100);
    expect(b.writableLength).toBeGreaterThan(0); // the peer's own buffer is backing up
  });

  it('calls onWritable once when write interest is set on a writable socket, then on drain', async () => {
    const [a, b] = await socketPair();
    open.push(a, b);
    let writable = 0;
    const watch = createSocketWatch(a, { onData: () => {}, onWritable: () => writable++, mask: WatchEvent.Write });
    await tick();
    expect(writable).toBe(1);
    b.pause();
    const chunk = new Uint8Array(1024 * 1024);
    while (a.write(chunk)) {}
    await tick(50);
    expect(writable).toBe(1); // blocked: nothing until the peer reads
    b.resume();
    const end = Date.now() + 3000;
    while (writable < 2 && Date.now() < end) await tick(10);
    expect(writable).toBe(2);
    watch.remove();
  });

  it('never calls back after remove()', async () => {
    const [a, b] = await socketPair();
    open.push(a, b);
    let calls = 0;
    const watch = createSocketWatch(a, {
      onData: () => calls++,
      onWritable: () => calls++,
      mask: WatchEvent.Read | WatchEvent.Write,
    });
    watch.remove();
    b.write(Uint8Array.of(1));
    await tick();
    expect(calls).toBe(0);
  });
});
