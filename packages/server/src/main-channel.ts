import {
  type ChannelComponents,
  type ChannelFactory,
  type ChannelHandler,
  type IncomingMessage,
  RedChannel,
  type RedChannelClient,
  UnexpectedMessageError,
} from '@spice-ts/channel';
import { BaseMsgc, base, CapabilitySet, ChannelType, MainCap, MainMsgc, main } from '@spice-ts/protocol';
import { MM_TIME_DELTA_MS, mmTimeNow } from './mm-time.js';

/** Agent tokens announced in MAIN_INIT (upstream REDS_AGENT_WINDOW_SIZE). */
export const AGENT_TOKENS = 10;
/** Payload of the net test's bandwidth ping (upstream NET_TEST_BYTES = 250 KiB). */
export const NET_TEST_BYTES = 250 * 1024;
/** The zeros of the bandwidth ping: never written, so every connection sends the same buffer. */
const NET_TEST_PAYLOAD = new Uint8Array(NET_TEST_BYTES);
/** Below this the link counts as low bandwidth (10 Mibit/s, upstream). */
export const LOW_BANDWIDTH_BITS_PER_SEC = 10 * 1024 * 1024;
/** Largest main-channel client message: 4 KiB + agent data chunks (upstream ≈ 4096 + 11 × 2048). */
export const MAIN_MAX_CLIENT_MESSAGE = 4096 + 11 * 2048;

/** What the main channel needs from the server. */
export interface MainChannelHost {
  /** Channels a client may connect, excluding main (type, id). */
  listChannels(): Array<{ type: number; id: number }>;
  supportedMouseModes(): number;
  currentMouseMode(): number;
  requestMouseMode(mode: number, rcc: RedChannelClient): void;
  displayChannelsHint(): number;
  ramHint(): number;
  name: string | null;
  uuid: Uint8Array | null;
}

export interface MainChannelOptions {
  /** Measure latency and bandwidth with three pings when a client connects (upstream does). */
  netTest: boolean;
}

export interface NetTestResult {
  latencyUs: number;
  bitsPerSecond: number;
  lowBandwidth: boolean;
}

interface MainClientState {
  attached: boolean;
  agentTokens: number;
  netTest: { sent: Map<number, bigint>; latencyUs: number | null; result: NetTestResult | null };
}

const micros = (): bigint => process.hrtime.bigint() / 1000n;

/**
 * The main channel: MAIN_INIT, the channel list after ATTACH_CHANNELS, mouse-mode requests, the
 * multimedia time, the net test, and agent messages (no agent is attached yet: its data is
 * dropped and AGENT_CONNECTED is never sent).
 */
export class MainChannel extends RedChannel implements ChannelHandler {
  private readonly state = new WeakMap<RedChannelClient, MainClientState>();
  private readonly host: MainChannelHost;
  private readonly netTest: boolean;

  constructor(host: MainChannelHost, options: MainChannelOptions, components: ChannelComponents) {
    super({
      type: ChannelType.Main,
      id: 0,
      name: 'main',
      caps: CapabilitySet.of(MainCap.NameAndUuid, MainCap.AgentConnectedTokens),
      maxMessageSize: MAIN_MAX_CLIENT_MESSAGE,
      multiClient: true,
      logger: components.logger,
      ...(components.stats ? { stats: components.stats } : {}),
    });
    this.host = host;
    this.netTest = options.netTest;
  }

  handleMessage(rcc: RedChannelClient, message: IncomingMessage): void {
    this.handle(rcc, message.type, message.body);
  }

  netTestResult(rcc: RedChannelClient): NetTestResult | null {
    return this.state.get(rcc)?.netTest.result ?? null;
  }

  connect(rcc: RedChannelClient): void {
    const netTest = this.netTest;
    const state: MainClientState = {
      attached: false,
      agentTokens: 0,
      netTest: { sent: new Map(), latencyUs: null, result: null },
    };
    this.state.set(rcc, state);
    rcc.send(
      {
        type: main.mainInit.type,
        body: main.mainInit.encode({
          sessionId: rcc.client.id,
          displayChannelsHint: this.host.displayChannelsHint(),
          supportedMouseModes: this.host.supportedMouseModes(),
          currentMouseMode: this.host.currentMouseMode(),
          agentConnected: 0,
          agentTokens: AGENT_TOKENS,
          multiMediaTime: (mmTimeNow() - MM_TIME_DELTA_MS) >>> 0,
          ramHint: this.host.ramHint(),
        }),
      },
      'main-init',
    );
    if (rcc.hasChannelCap(MainCap.NameAndUuid)) {
      if (this.host.name !== null)
        rcc.send({ type: main.mainName.type, body: main.mainName.encode({ name: this.host.name }) }, 'name');
      if (this.host.uuid !== null)
        rcc.send({ type: main.mainUuid.type, body: main.mainUuid.encode({ uuid: this.host.uuid }) }, 'uuid');
    }
    rcc.onCommonMessage(BaseMsgc.Pong, (message) => this.handlePong(rcc, base.pong.decode(message.body)));
    if (netTest) this.startNetTest(rcc, state);
  }

  /** Three pings: warm-up, latency, and one with 250 KiB to estimate the bandwidth. */
  private startNetTest(rcc: RedChannelClient, state: MainClientState): void {
    const payload = NET_TEST_PAYLOAD;
    for (const [id, data] of [
      [1, null],
      [2, null],
      [3, payload],
    ] as const) {
      rcc.pipeAdd({
        kind: 'net-test',
        marshal: () => {
          const timestamp = micros();
          state.netTest.sent.set(id, timestamp);
          return { type: base.ping.type, body: base.ping.encode(data ? { id, timestamp, data } : { id, timestamp }) };
        },
      });
    }
  }

  private handlePong(rcc: RedChannelClient, pong: { id: number; timestamp: bigint }): void {
    const state = this.state.get(rcc);
    const sentAt = state?.netTest.sent.get(pong.id);
    if (!state || sentAt === undefined) {
      rcc.logger.debug({ id: pong.id }, 'ignoring a PONG with an unexpected id');
      return;
    }
    state.netTest.sent.delete(pong.id);
    const rtt = Number(micros() - sentAt);
    if (pong.id === 2) state.netTest.latencyUs = rtt;
    if (pong.id === 3 && state.netTest.latencyUs !== null) {
      const transferUs = Math.max(1, rtt - state.netTest.latencyUs);
      const bitsPerSecond = (NET_TEST_BYTES * 8 * 1e6) / transferUs;
      state.netTest.result = {
        latencyUs: state.netTest.latencyUs,
        bitsPerSecond,
        lowBandwidth: bitsPerSecond < LOW_BANDWIDTH_BITS_PER_SEC,
      };
      rcc.logger.info(
        { latencyUs: state.netTest.latencyUs, mbitPerSec: Math.round(bitsPerSecond / 1e5) / 10 },
        'net test done',
      );
    }
  }

  private handle(rcc: RedChannelClient, type: number, body: Uint8Array): void {
    const state = this.state.get(rcc)!;
    switch (type) {
      case MainMsgc.AttachChannels:
        state.attached = true;
        rcc.send(
          { type: main.channelsList.type, body: main.channelsList.encode({ channels: this.host.listChannels() }) },
          'channels-list',
        );
        return;
      case MainMsgc.MouseModeRequest:
        this.host.requestMouseMode(main.mouseModeRequest.decode(body).mode, rcc);
        return;
      case MainMsgc.AgentStart:
        state.agentTokens = main.agentStart.decode(body).numTokens;
        return;
      case MainMsgc.AgentToken:
        state.agentTokens += main.agentToken.decode(body).numTokens;
        return;
      case MainMsgc.AgentData:
        rcc.logger.debug({ bytes: body.byteLength }, 'agent data dropped: no agent is attached');
        return;
      case MainMsgc.MigrateConnected:
      case MainMsgc.MigrateConnectError:
      case MainMsgc.MigrateEnd:
      case MainMsgc.MigrateConnectedSeamless:
        rcc.logger.debug({ type }, 'migration message ignored: migration is not supported');
        return;
      default:
        // CLIENT_INFO, QUALITY_INDICATOR and unknown types: upstream disconnects as well.
        throw new UnexpectedMessageError(rcc.channel.name, type);
    }
  }

  /** Announces a channel registered after clients attached (a one-entry CHANNELS_LIST). */
  announceChannel(type: number, id: number): void {
    for (const rcc of this.clients) {
      if (this.state.get(rcc)?.attached) {
        rcc.send(
          { type: main.channelsList.type, body: main.channelsList.encode({ channels: [{ type, id }] }) },
          'channels-list',
        );
      }
    }
  }

  /** Broadcasts the mouse mode to every main client. */
  broadcastMouseMode(supported: number, current: number): void {
    for (const rcc of this.clients) {
      rcc.send(
        { type: main.mouseMode.type, body: main.mouseMode.encode({ supportedModes: supported, currentMode: current }) },
        'mouse-mode',
      );
    }
  }
}

/** The main channel as a channel plugin: `mainChannel(host, options)(components)`. */
export function mainChannel(host: MainChannelHost, options: MainChannelOptions): ChannelFactory<MainChannel> {
  return (components) => new MainChannel(host, options, components);
}
