import type { Socket } from 'node:net';
import { silentLogger } from '@spice-ts/channel';
import { base, MainCap, MainMsgc, main, NotifySeverity, NotifyVisibility } from '@spice-ts/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AGENT_MAX_DATA_SIZE,
  AGENT_SEND_QUEUE_MAX,
  AGENT_TOKENS,
  AGENT_WAIT_TOKENS_TIMEOUT_MS,
  type AgentPort,
  type MainChannel,
  type MainChannelHost,
  mainChannel,
} from '../src/main-channel.js';
import { type ChannelPeer, connectPeer, settle } from './support/channel-peer.js';

const host: MainChannelHost = {
  listChannels: () => [{ type: 2, id: 0 }],
  supportedMouseModes: () => 1,
  currentMouseMode: () => 1,
  requestMouseMode: () => {},
  displayChannelsHint: () => 1,
  ramHint: () => 0,
  name: null,
  uuid: null,
};

const u32 = (n: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
};
const numTokens = (body: Uint8Array): number => new DataView(body.buffer, body.byteOffset).getUint32(0, true);

/** A fake agent that records what clients sent and lets the test decide when the data is consumed. */
function fakeAgent(mode: 'sync' | 'async' = 'sync') {
  const received: Array<{ data: Uint8Array; clientId: number }> = [];
  const pending: Array<() => void> = [];
  const port: AgentPort = {
    write(data, clientId) {
      received.push({ data, clientId });
      if (mode === 'async') return new Promise<void>((resolve) => pending.push(resolve));
    },
  };
  return { port, received, pending };
}

const T = {
  init: main.mainInit.type,
  connected: main.agentConnected.type,
  connectedTokens: main.agentConnectedTokens.type,
  disconnected: main.agentDisconnected.type,
  data: main.agentData.type,
  token: main.serverAgentToken.type,
};

describe('main channel agent token flow', () => {
  const sockets: Socket[] = [];
  afterEach(() => {
    vi.useRealTimers();
    for (const s of sockets.splice(0)) s.destroy();
  });

  const build = (): MainChannel => mainChannel(host, { netTest: false })({ logger: silentLogger });
  const connectClient = (channel: MainChannel, clientId = 1, tokensCap = true): Promise<ChannelPeer> =>
    connectPeer(channel, { clientId, channelCaps: tokensCap ? [MainCap.AgentConnectedTokens] : [], sockets });
  /** A client that started its agent session, granting `grant` tokens to the server. */
  async function startedClient(channel: MainChannel, grant: number, clientId = 1): Promise<ChannelPeer> {
    const peer = await connectClient(channel, clientId);
    peer.send(MainMsgc.AgentStart, u32(grant));
    await settle();
    return peer;
  }

  it('announces the token window and no agent in MAIN_INIT, and the agent once attached', async () => {
    const channel = build();
    const before = await connectClient(channel);
    await before.waitFor(T.init);
    expect(main.mainInit.decode(before.received(T.init)[0]!)).toMatchObject({
      agentConnected: 0,
      agentTokens: AGENT_TOKENS,
    });
    channel.attachAgent(fakeAgent().port);
    expect(channel.hasAgent).toBe(true);
    const after = await connectClient(channel, 2);
    await after.waitFor(T.init);
    expect(main.mainInit.decode(after.received(T.init)[0]!)).toMatchObject({ agentConnected: 1 });
  });

  it('drops agent data without an agent, gives no tokens back, and keeps the client', async () => {
    const channel = build();
    const peer = await connectClient(channel);
    peer.send(MainMsgc.AgentStart, u32(10));
    peer.send(MainMsgc.AgentToken, u32(3));
    for (let i = 0; i < AGENT_TOKENS + 5; i++) peer.send(MainMsgc.AgentData, Uint8Array.of(i));
    await settle();
    expect(peer.rcc.isClosed).toBe(false);
    expect(peer.received(T.token)).toHaveLength(0);
  });

  it('tells clients the agent connected: with tokens when they can take them, plainly otherwise', async () => {
    const channel = build();
    const modern = await connectClient(channel, 1, true);
    const old = await connectClient(channel, 2, false);
    channel.attachAgent(fakeAgent().port);
    await modern.waitFor(T.connectedTokens);
    await old.waitFor(T.connected);
    expect(numTokens(modern.received(T.connectedTokens)[0]!)).toBe(AGENT_TOKENS);
    expect(old.received(T.connectedTokens)).toHaveLength(0);
    expect(() => channel.attachAgent(fakeAgent().port)).toThrow(/already attached/);
  });

  it('drops client data sent before AGENT_START, then delivers it and gives tokens back in fives', async () => {
    const channel = build();
    const agent = fakeAgent('sync');
    channel.attachAgent(agent.port);
    const peer = await connectClient(channel, 7);
    peer.send(MainMsgc.AgentData, Uint8Array.of(0xee));
    await settle();
    expect(agent.received).toHaveLength(0);

    peer.send(MainMsgc.AgentStart, u32(AGENT_TOKENS));
    for (let i = 0; i < 4; i++) peer.send(MainMsgc.AgentData, Uint8Array.of(i));
    await settle();
    expect(agent.received.map((r) => [...r.data])).toEqual([[0], [1], [2], [3]]);
    expect(agent.received[0]!.clientId).toBe(7);
    expect(peer.received(T.token)).toHaveLength(0); // 4 consumed: below the batch of 5

    peer.send(MainMsgc.AgentData, Uint8Array.of(4));
    await peer.waitFor(T.token);
    expect(numTokens(peer.received(T.token)[0]!)).toBe(5);
    // Tokens given back are tokens the client may spend again: 20 messages in all stay within the window.
    for (let i = 5; i < 20; i++) peer.send(MainMsgc.AgentData, Uint8Array.of(i));
    await peer.waitFor(T.token, 4);
    expect(agent.received).toHaveLength(20);
    expect(peer.rcc.isClosed).toBe(false);
  });

  it('gives tokens back only when the agent has consumed the data', async () => {
    const channel = build();
    const agent = fakeAgent('async');
    channel.attachAgent(agent.port);
    const peer = await startedClient(channel, 10);
    for (let i = 0; i < 5; i++) peer.send(MainMsgc.AgentData, Uint8Array.of(i));
    await settle();
    expect(agent.received).toHaveLength(5);
    expect(peer.received(T.token)).toHaveLength(0);
    for (const resolve of agent.pending.splice(0)) resolve();
    await peer.waitFor(T.token);
    expect(numTokens(peer.received(T.token)[0]!)).toBe(5);
  });

  it('disconnects a client that sends AGENT_DATA beyond its tokens (upstream token violation)', async () => {
    const channel = build();
    const agent = fakeAgent('async'); // never consumes: no token comes back
    channel.attachAgent(agent.port);
    const peer = await startedClient(channel, 10);
    for (let i = 0; i < AGENT_TOKENS; i++) peer.send(MainMsgc.AgentData, Uint8Array.of(i));
    await settle();
    expect(peer.rcc.isClosed).toBe(false);
    peer.send(MainMsgc.AgentData, Uint8Array.of(0xff));
    expect(await peer.closed).toMatch(/agent token violation/);
    expect(agent.received).toHaveLength(AGENT_TOKENS);
  });

  it('sends agent data only within the tokens the client gave, queueing the rest until AGENT_TOKEN', async () => {
    const channel = build();
    const agent = channel.attachAgent(fakeAgent().port);
    expect(agent.sendWindow()).toBe(Number.POSITIVE_INFINITY); // no client started: data is dropped
    agent.send(Uint8Array.of(0xaa));
    const peer = await startedClient(channel, 2);
    expect(agent.sendWindow()).toBe(2);
    for (const b of [1, 2, 3]) agent.send(Uint8Array.of(b));
    await peer.waitFor(T.data, 2);
    await settle();
    expect(peer.received(T.data).map((d) => [...d])).toEqual([[1], [2]]);
    expect(agent.sendWindow()).toBe(0);

    peer.send(MainMsgc.AgentToken, u32(4));
    await peer.waitFor(T.data, 3);
    expect(peer.received(T.data).map((d) => [...d])).toEqual([[1], [2], [3]]);
    await settle();
    expect(agent.sendWindow()).toBe(3);
  });

  it('replaces the grant on a second AGENT_START instead of adding to it', async () => {
    const channel = build();
    const agent = channel.attachAgent(fakeAgent().port);
    const peer = await startedClient(channel, 5);
    peer.send(MainMsgc.AgentStart, u32(1));
    await settle();
    expect(agent.sendWindow()).toBe(1);
  });

  it('splits agent output into messages of at most 2048 bytes, each costing a token', async () => {
    const channel = build();
    const agent = channel.attachAgent(fakeAgent().port);
    const peer = await startedClient(channel, 10);
    const data = Uint8Array.from({ length: 2 * AGENT_MAX_DATA_SIZE + 100 }, (_, i) => i & 0xff);
    agent.send(data);
    await peer.waitFor(T.data, 3);
    const chunks = peer.received(T.data);
    expect(chunks.map((c) => c.byteLength)).toEqual([AGENT_MAX_DATA_SIZE, AGENT_MAX_DATA_SIZE, 100]);
    expect(Buffer.concat(chunks).equals(Buffer.from(data))).toBe(true);
    expect(agent.sendWindow()).toBe(7);
  });

  it('disconnects a client whose agent queue overflows, and leaves the others alone', async () => {
    const channel = build();
    const agent = channel.attachAgent(fakeAgent().port);
    const stuck = await startedClient(channel, 0, 1);
    const fine = await startedClient(channel, 100, 2);
    for (let i = 0; i < AGENT_SEND_QUEUE_MAX; i++) agent.send(Uint8Array.of(i));
    await settle();
    expect(stuck.rcc.isClosed).toBe(false);
    agent.send(Uint8Array.of(0xff));
    expect(await stuck.closed).toMatch(/agent data overflow/);
    await fine.waitFor(T.data, AGENT_SEND_QUEUE_MAX + 1);
    expect(fine.rcc.isClosed).toBe(false);
  });

  it('disconnects a client that leaves agent data waiting for tokens for 30 s', async () => {
    const channel = build();
    const agent = channel.attachAgent(fakeAgent().port);
    const peer = await startedClient(channel, 0);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    agent.send(Uint8Array.of(1));
    vi.advanceTimersByTime(AGENT_WAIT_TOKENS_TIMEOUT_MS - 1);
    expect(peer.rcc.isClosed).toBe(false);
    vi.advanceTimersByTime(1);
    expect(peer.rcc.isClosed).toBe(true);
    expect(await peer.closed).toMatch(/no tokens for 30 s/);
  });

  it('stops the token timer once the client gives tokens', async () => {
    const channel = build();
    const agent = channel.attachAgent(fakeAgent().port);
    const peer = await startedClient(channel, 0);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    agent.send(Uint8Array.of(1));
    peer.send(MainMsgc.AgentToken, u32(1));
    await peer.waitFor(T.data); // socket I/O is real; only the timers are fake
    vi.advanceTimersByTime(AGENT_WAIT_TOKENS_TIMEOUT_MS);
    expect(peer.rcc.isClosed).toBe(false);
  });

  it('on detach sends AGENT_DISCONNECTED, drops queued and later data, and starts over on the next agent', async () => {
    const channel = build();
    const first = fakeAgent('async');
    const agent = channel.attachAgent(first.port);
    const peer = await startedClient(channel, 0);
    agent.send(Uint8Array.of(1)); // queued: no tokens
    for (let i = 0; i < 5; i++) peer.send(MainMsgc.AgentData, Uint8Array.of(i));
    await settle();
    agent.detach();
    expect(channel.hasAgent).toBe(false);
    await peer.waitFor(T.disconnected);
    expect(numTokens(peer.received(T.disconnected)[0]!)).toBe(0); // error code: LINK_ERR_OK
    // The old agent's late completions give nothing back, its handle is dead.
    for (const resolve of first.pending.splice(0)) resolve();
    agent.send(Uint8Array.of(2));
    peer.send(MainMsgc.AgentToken, u32(5));
    peer.send(MainMsgc.AgentData, Uint8Array.of(0xdd));
    await settle();
    expect(peer.received(T.data)).toHaveLength(0);
    expect(peer.received(T.token)).toHaveLength(0);
    expect(first.received).toHaveLength(5);
    expect(agent.sendWindow()).toBe(0);

    const second = fakeAgent('sync');
    channel.attachAgent(second.port);
    await peer.waitFor(T.connectedTokens);
    peer.send(MainMsgc.AgentData, Uint8Array.of(0xde)); // before AGENT_START: dropped
    peer.send(MainMsgc.AgentStart, u32(1));
    // A full fresh window: the 5 messages the first agent never consumed do not count.
    for (let i = 0; i < AGENT_TOKENS; i++) peer.send(MainMsgc.AgentData, Uint8Array.of(i));
    await peer.waitFor(T.token, 2);
    expect(second.received).toHaveLength(AGENT_TOKENS);
    expect(peer.rcc.isClosed).toBe(false);
  });

  it('sends agent output to every started client within each one’s tokens', async () => {
    const channel = build();
    const agent = channel.attachAgent(fakeAgent().port);
    const a = await startedClient(channel, 1, 1);
    const b = await startedClient(channel, 3, 2);
    const idle = await connectClient(channel, 3); // never sent AGENT_START
    agent.send(Uint8Array.of(1));
    agent.send(Uint8Array.of(2));
    await b.waitFor(T.data, 2);
    await settle();
    expect(a.received(T.data)).toHaveLength(1);
    expect(idle.received(T.data)).toHaveLength(0);
    expect(agent.sendWindow()).toBe(1);
  });
});

describe('main channel broadcasts', () => {
  const sockets: Socket[] = [];
  afterEach(() => {
    for (const s of sockets.splice(0)) s.destroy();
  });

  it('sends MULTI_MEDIA_TIME and NOTIFY to every main client', async () => {
    const channel = mainChannel(host, { netTest: false })({ logger: silentLogger });
    const peers = [
      await connectPeer(channel, { clientId: 1, channelCaps: [], sockets }),
      await connectPeer(channel, { clientId: 2, channelCaps: [], sockets }),
    ];
    for (const p of peers) await p.waitFor(main.mainInit.type);
    channel.broadcastMultiMediaTime(123456);
    channel.notifyAll('keyboard channel is insecure', {
      severity: NotifySeverity.Warn,
      visibility: NotifyVisibility.High,
    });
    for (const p of peers) {
      await p.waitFor(base.notify.type);
      expect(main.multiMediaTime.decode(p.received(main.multiMediaTime.type)[0]!)).toEqual({ time: 123456 });
      expect(base.notify.decode(p.received(base.notify.type)[0]!)).toMatchObject({
        severity: NotifySeverity.Warn,
        visibility: NotifyVisibility.High,
        message: 'keyboard channel is insecure',
      });
    }
  });
});
