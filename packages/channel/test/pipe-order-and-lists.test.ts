import type { Socket } from 'node:net';
import {
  BaseMsg,
  base,
  CapabilitySet,
  CommonCap,
  decodeDataHeader,
  encodeFullHeader,
  FULL_HEADER_SIZE,
  MINI_HEADER_SIZE,
  Reader,
} from '@spice-ts/protocol';
import { socketPair } from '@spice-ts/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type IncomingMessage,
  type PipeItem,
  PipePriority,
  RedChannel,
  type RedChannelClient,
  RedClient,
} from '../src/index.js';

const open: Socket[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.destroy();
});

interface Wire {
  header: { serial: bigint; type: number; size: number; subList: number };
  body: Buffer;
}

/** Connects a channel client and collects the framed messages its peer receives. */
async function setup(mini: boolean, onMessage: (m: IncomingMessage) => void = () => {}) {
  const [server, peer] = await socketPair();
  open.push(server, peer);
  const channel = new RedChannel({ type: 2, id: 0, handler: { handleMessage: (_rcc, m) => onMessage(m) } });
  const rcc = channel.connectClient(new RedClient(1), server, {
    common: mini ? CapabilitySet.of(CommonCap.MiniHeader) : new CapabilitySet(),
    channel: new CapabilitySet(),
  });
  const headerSize = mini ? MINI_HEADER_SIZE : FULL_HEADER_SIZE;
  const wire: Wire[] = [];
  let buf = Buffer.alloc(0);
  peer.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      const header = decodeDataHeader(buf, mini);
      if (!header || buf.length < headerSize + header.size) break;
      wire.push({ header, body: buf.subarray(headerSize, headerSize + header.size) });
      buf = buf.subarray(headerSize + header.size);
    }
  });
  const until = async (n: number) => {
    const end = Date.now() + 3000;
    while (wire.length < n && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    expect(wire.length).toBe(n);
  };
  return { rcc, peer, wire, until };
}

const tagged = (tag: number, priority?: PipePriority): PipeItem => ({
  kind: `item-${tag}`,
  ...(priority !== undefined ? { priority } : {}),
  marshal: () => ({ type: 200, body: [Uint8Array.of(tag)] }),
});

/** Queues items synchronously (before the flush microtask runs) and returns the order they left in. */
async function sentOrder(queue: (rcc: RedChannelClient) => void, expected: number): Promise<number[]> {
  const { rcc, wire, until } = await setup(true);
  queue(rcc);
  await until(expected);
  return wire.map((w) => w.body[0]!);
}

describe('pipe order', () => {
  it('sends higher priorities first and keeps arrival order within a priority (tail insertion)', async () => {
    const order = await sentOrder((rcc) => {
      rcc.pipeAdd(tagged(1));
      rcc.pipeAdd(tagged(2, PipePriority.Low));
      rcc.pipeAdd(tagged(3, PipePriority.High));
      rcc.pipeAdd(tagged(4));
      rcc.pipeAdd(tagged(5, PipePriority.High));
      rcc.pipeAdd(tagged(6, PipePriority.Low));
      rcc.pipeAdd(tagged(7, PipePriority.Urgent));
    }, 7);
    expect(order).toEqual([7, 3, 5, 1, 4, 2, 6]);
  });

  it('puts an urgent item ahead of everything, and an item right after a queued one', async () => {
    const order = await sentOrder((rcc) => {
      const first = tagged(1);
      rcc.pipeAdd(first);
      rcc.pipeAdd(tagged(2));
      expect(rcc.pipeAddAfter(first, tagged(3))).toBe(true);
      rcc.pipeAddUrgent(tagged(4));
      expect(rcc.pipeAddAfter(tagged(99), tagged(5))).toBe(false); // not queued: nothing added
    }, 4);
    expect(order).toEqual([4, 1, 3, 2]);
  });

  it('counts the bytes of items added after another one against the bound', async () => {
    const { rcc } = await setup(true);
    const first: PipeItem = { kind: 'a', size: 100, marshal: () => [] };
    rcc.pipeAdd(first);
    rcc.pipeAddAfter(first, { kind: 'b', size: 250, marshal: () => [] });
    expect(rcc.pipeBytes).toBe(350);
    expect(rcc.pipeSize).toBe(2);
  });
});

describe('items that need preparation', () => {
  it('waits for an unsettled head item without reordering, then sends it and what follows', async () => {
    const { rcc, wire, until } = await setup(true);
    let finish!: () => void;
    const ready = new Promise<void>((r) => {
      finish = r;
    });
    rcc.pipeAdd({ ...tagged(1), ready });
    rcc.pipeAdd(tagged(2));
    await new Promise((r) => setTimeout(r, 50));
    expect(wire.length).toBe(0); // 2 is not sent ahead of 1
    expect(rcc.pipeSize).toBe(2);
    finish();
    await until(2);
    expect(wire.map((w) => w.body[0])).toEqual([1, 2]);
  });

  it('drops an item whose preparation failed and goes on with the next', async () => {
    const { rcc, wire, until } = await setup(true);
    const outcomes: boolean[] = [];
    rcc.pipeAdd({
      ...tagged(1),
      ready: Promise.reject(new Error('encoder crashed')),
      done: (sent) => outcomes.push(sent),
    });
    rcc.pipeAdd(tagged(2));
    await until(1);
    expect(wire.map((w) => w.body[0])).toEqual([2]);
    expect(outcomes).toEqual([false]);
    expect(rcc.stats.itemsDropped).toBe(1);
  });
});

const subMessages = [
  { type: 105, body: [Uint8Array.of(1, 0), Uint8Array.of(2, 0, 0)] },
  { type: 5, body: [Uint8Array.of(0)] },
];

describe('sub-message lists', () => {
  it('with the mini header, sends the sub-messages as one SPICE_MSG_LIST right before the message', async () => {
    const { rcc, wire, until } = await setup(true);
    rcc.send({ type: 200, body: [Uint8Array.of(9, 9)], subMessages });
    await until(2);
    expect(wire[0]!.header.type).toBe(BaseMsg.List);
    const list = base.list.decode(wire[0]!.body);
    expect(list.subMessages.map((s) => [s.type, [...s.data]])).toEqual([
      [105, [1, 0, 2, 0, 0]],
      [5, [0]],
    ]);
    expect(wire[1]!.header.type).toBe(200);
    expect([...wire[1]!.body]).toEqual([9, 9]);
    expect(rcc.stats.messagesSent).toBe(2);
  });

  it('with the full header, appends the sub-messages and points sub_list at their list', async () => {
    const { rcc, wire, until } = await setup(false);
    rcc.send({ type: 200, body: [Uint8Array.of(9, 9)], subMessages });
    await until(1);
    const { header, body } = wire[0]!;
    expect(header.type).toBe(200);
    expect(header.subList).toBeGreaterThan(0);
    // What a client does: read the list at sub_list, then each sub-message at its offset.
    const r = new Reader(body).at(header.subList, 'list');
    const count = r.u16();
    const subs = [];
    for (let i = 0; i < count; i++) {
      const at = new Reader(body).at(r.u32(), 'sub');
      const type = at.u16();
      subs.push([type, [...at.bytes(at.u32())]]);
    }
    expect(subs).toEqual([
      [105, [1, 0, 2, 0, 0]],
      [5, [0]],
    ]);
    expect([...body.subarray(0, 2)]).toEqual([9, 9]); // the message's own body comes first
    expect(rcc.stats.messagesSent).toBe(1);
  });

  it('hands a full-header sub-list from the client to the channel, sub-messages first', async () => {
    const seen: Array<[number, number[]]> = [];
    const { peer } = await setup(false, (m) => seen.push([m.type, [...m.body]]));
    // Body: own bytes [7], sub-message (type 101, 1 byte [3]), then the list: count 1, offset 1.
    const body = Buffer.from([7, 101, 0, 1, 0, 0, 0, 3, 1, 0, 1, 0, 0, 0]);
    peer.write(Buffer.concat([encodeFullHeader(1n, 102, body.length, 8), body]));
    const end = Date.now() + 3000;
    while (seen.length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    expect(seen).toEqual([
      [101, [3]],
      [102, [7]],
    ]);
  });

  it('drops a client whose sub-list points outside the message, and only that client', async () => {
    const seen: number[] = [];
    const { rcc, peer } = await setup(false, (m) => seen.push(m.type));
    const other = await setup(false, (m) => seen.push(m.type));
    const closed = new Promise<string>((r) => rcc.onDisconnect(r));
    const body = Buffer.from([7, 1, 0, 0xff, 0, 0, 0]); // one sub-message at offset 255
    peer.write(Buffer.concat([encodeFullHeader(1n, 102, body.length, 1), body]));
    expect(await closed).toMatch(/bad input/);
    expect(seen).toEqual([]);
    other.peer.write(Buffer.concat([encodeFullHeader(1n, 103, 0), Buffer.alloc(0)]));
    const end = Date.now() + 3000;
    while (seen.length < 1 && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    expect(seen).toEqual([103]);
    expect(other.rcc.isClosed).toBe(false);
  });
});
