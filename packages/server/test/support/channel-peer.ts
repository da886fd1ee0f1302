import type { Socket } from 'node:net';
import { type RedChannel, type RedChannelClient, RedClient } from '@spice-ts/channel';
import { CapabilitySet, CommonCap, decodeDataHeader, encodeMiniHeader } from '@spice-ts/protocol';
import { socketPair } from '@spice-ts/test-support';

/** A channel client on a loopback socket pair, with the client's side reading mini-header messages. */
export interface ChannelPeer {
  socket: Socket;
  rcc: RedChannelClient;
  messages: Array<{ type: number; body: Uint8Array }>;
  closed: Promise<string>;
  /** Sends one message from the client. */
  send(type: number, body?: Uint8Array): void;
  /** Resolves once the client received `count` messages of `type` in all. */
  waitFor(type: number, count?: number): Promise<void>;
  /** Messages of one type received so far. */
  received(type: number): Uint8Array[];
}

/** Connects a client to `channel` as the server does after the link phase. */
export async function connectPeer(
  channel: RedChannel,
  options: { clientId?: number; channelCaps?: number[]; sockets?: Socket[] } = {},
): Promise<ChannelPeer> {
  const [server, socket] = await socketPair();
  options.sockets?.push(server, socket);
  const caps = {
    common: CapabilitySet.of(CommonCap.MiniHeader),
    channel: CapabilitySet.of(...(options.channelCaps ?? [])),
  };
  const rcc = channel.connectClient(new RedClient(options.clientId ?? 1), server, caps);
  const messages: ChannelPeer['messages'] = [];
  const waiters = new Set<() => void>();
  let buf = Buffer.alloc(0);
  socket.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      const h = decodeDataHeader(buf, true);
      if (!h || buf.length < 6 + h.size) break;
      messages.push({ type: h.type, body: Uint8Array.from(buf.subarray(6, 6 + h.size)) });
      buf = buf.subarray(6 + h.size);
    }
    for (const w of [...waiters]) w();
  });
  socket.on('error', () => {});
  const closed = new Promise<string>((r) => rcc.onDisconnect(r));
  const received = (type: number) => messages.filter((m) => m.type === type).map((m) => m.body);
  return {
    socket,
    rcc,
    messages,
    closed,
    send: (type, body = new Uint8Array(0)) => {
      socket.write(Buffer.concat([encodeMiniHeader(type, body.byteLength), body]));
    },
    waitFor: (type, count = 1) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (received(type).length >= count) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${count} message(s) of type ${type}`));
        }, 2000);
        waiters.add(check);
        check();
      }),
    received,
  };
}

/** Lets the sockets deliver what was written (a few event-loop turns). */
export const settle = (ms = 30) => new Promise((r) => setTimeout(r, ms));

/** Waits (on real I/O, whatever the timers) until `condition` holds; fails after `turns` loop turns. */
export async function until(condition: () => boolean, turns = 20_000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (condition()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error('condition not met');
}
