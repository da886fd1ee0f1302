import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import {
  type ChannelFactory,
  type RedChannel,
  type RedChannelClient,
  RedClient,
  silentLogger,
} from '@spice-ts/channel';
import { BaseMsgc, CapabilitySet, CommonCap, decodeDataHeader, encodeMiniHeader } from '@spice-ts/protocol';
import { afterEach, describe, expect, it } from 'vitest';

export interface ComplianceOptions {
  /** Client messages the channel must accept without disconnecting (type and body). */
  validMessages?: ReadonlyArray<{ type: number; body: Uint8Array }>;
  /** Channel capabilities the test client announces. */
  clientCaps?: number[];
}

interface Peer {
  socket: Socket;
  rcc: RedChannelClient;
  messages: Array<{ type: number; size: number }>;
  closed: Promise<string>;
}

async function socketPair(): Promise<[Socket, Socket]> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const accepted = new Promise<Socket>((r) => server.once('connection', r));
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
  const s = await accepted;
  server.close();
  await new Promise((r) => client.once('connect', r));
  return [s, client];
}

const settle = (ms = 60) => new Promise((r) => setTimeout(r, ms));

/**
 * Registers the compliance tests for a channel factory with the calling project's vitest:
 *
 * ```ts
 * describeChannelCompliance('echo port', echoPort());
 * ```
 *
 * The channel is connected to real loopback sockets, as the server does after the link phase.
 */
export function describeChannelCompliance(
  name: string,
  factory: ChannelFactory,
  options: ComplianceOptions = {},
): void {
  describe(`channel compliance: ${name}`, () => {
    const sockets: Socket[] = [];
    afterEach(() => {
      for (const s of sockets.splice(0)) s.destroy();
    });

    const build = (): RedChannel => factory({ logger: silentLogger });

    async function attach(channel: RedChannel, client = new RedClient(1)): Promise<Peer> {
      const [server, socket] = await socketPair();
      sockets.push(server, socket);
      const caps = {
        common: CapabilitySet.of(CommonCap.MiniHeader),
        channel: CapabilitySet.of(...(options.clientCaps ?? [])),
      };
      const rcc = channel.connectClient(client, server, caps);
      const messages: Peer['messages'] = [];
      let buf = Buffer.alloc(0);
      socket.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        for (;;) {
          const h = decodeDataHeader(buf, true);
          if (!h || buf.length < 6 + h.size) break;
          messages.push({ type: h.type, size: h.size });
          buf = buf.subarray(6 + h.size);
        }
      });
      const closed = new Promise<string>((r) => rcc.onDisconnect(r));
      return { socket, rcc, messages, closed };
    }

    it('builds a channel with a valid type and id from the injected components', () => {
      const channel = build();
      expect(Number.isInteger(channel.type) && channel.type >= 1 && channel.type <= 255).toBe(true);
      expect(Number.isInteger(channel.id) && channel.id >= 0 && channel.id <= 255).toBe(true);
    });

    it('sends only whole, well-formed messages after connecting', async () => {
      const peer = await attach(build());
      await settle();
      for (const m of peer.messages) expect(m.type).toBeGreaterThan(0);
      expect(peer.rcc.isClosed).toBe(false);
    });

    it('accepts the common client messages (ACK_SYNC, ACK, PONG) without disconnecting', async () => {
      const peer = await attach(build());
      peer.socket.write(
        Buffer.concat([
          encodeMiniHeader(BaseMsgc.AckSync, 4),
          Buffer.alloc(4),
          encodeMiniHeader(BaseMsgc.Ack, 0),
          encodeMiniHeader(BaseMsgc.Pong, 12),
          Buffer.alloc(12),
        ]),
      );
      await settle();
      expect(peer.rcc.isClosed).toBe(false);
    });

    it('accepts its valid messages', async () => {
      const peer = await attach(build());
      for (const m of options.validMessages ?? [])
        peer.socket.write(Buffer.concat([encodeMiniHeader(m.type, m.body.byteLength), m.body]));
      await settle();
      expect(peer.rcc.isClosed).toBe(false);
    });

    it('drops only the connection that announces an oversized message', async () => {
      const channel = build();
      const bad = await attach(channel, new RedClient(1));
      const good = await attach(channel, new RedClient(2));
      bad.socket.write(encodeMiniHeader(101, 0x7fffffff));
      expect(await bad.closed).toMatch(/bad input/);
      await settle();
      expect(good.rcc.isClosed).toBe(false);
      expect(channel.clients.has(good.rcc)).toBe(true);
      expect(channel.clients.has(bad.rcc)).toBe(false);
    });

    it('drops a client that sends a message type nobody knows', async () => {
      const peer = await attach(build());
      peer.socket.write(encodeMiniHeader(65000, 0));
      expect(await peer.closed).toMatch(/bad input/);
    });

    it('survives random bytes: the connection is dropped or ignores them, nothing else happens', async () => {
      let seed = 12345;
      const random = () => {
        seed = (seed * 1103515245 + 12345) >>> 0;
        return seed >>> 24;
      };
      const channel = build();
      for (let round = 0; round < 20; round++) {
        const peer = await attach(channel, new RedClient(100 + round));
        const garbage = Buffer.from(Array.from({ length: 64 + random() }, random));
        peer.socket.write(garbage);
        await settle(10);
        peer.socket.destroy();
      }
      await settle();
      expect(channel.clients.size).toBe(0);
    });

    it('leaves the channel and runs its disconnect path when the client goes', async () => {
      const channel = build();
      const peer = await attach(channel);
      peer.socket.destroy();
      await peer.closed;
      expect(channel.clients.has(peer.rcc)).toBe(false);
    });

    it('is owned by its RedClient: destroying the viewer closes the connection', async () => {
      const client = new RedClient(7);
      const peer = await attach(build(), client);
      client.destroy('viewer gone');
      expect(await peer.closed).toBe('viewer gone');
    });
  });
}
