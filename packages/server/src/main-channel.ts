import {
  type ChannelComponents,
  type ChannelFactory,
  type ChannelHandler,
  type IncomingMessage,
  RedChannel,
  type RedChannelClient,
  UnexpectedMessageError,
} from '@spice-ts/channel';
import { BaseMsgc, base, CapabilitySet, ChannelType, LinkErr, MainCap, MainMsgc, main } from '@spice-ts/protocol';
import { MM_TIME_DELTA_MS, mmTimeNow } from './mm-time.js';

/** Agent tokens announced in MAIN_INIT (upstream REDS_AGENT_WINDOW_SIZE). */
export const AGENT_TOKENS = 10;
/** Consumed client tokens are given back in batches of at least this many (upstream REDS_TOKENS_TO_SEND). */
export const AGENT_TOKENS_RETURN_BATCH = 5;
/** Agent messages queued per client while it has no tokens; one more disconnects it (upstream REDS_VDI_PORT_NUM_RECEIVE_BUFFS). */
export const AGENT_SEND_QUEUE_MAX = 5;
/** A client that leaves agent data queued this long without giving tokens is disconnected (upstream RED_CHAR_DEVICE_WAIT_TOKENS_TIMEOUT). */
export const AGENT_WAIT_TOKENS_TIMEOUT_MS = 30_000;
/** Largest AGENT_DATA payload the server sends; longer agent output is split (spice-protocol VD_AGENT_MAX_DATA_SIZE). */
export const AGENT_MAX_DATA_SIZE = 2048;
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

/**
 * A guest agent (spice-vdagent) as the main channel sees it. The main channel runs upstream's token
 * flow for it; the agent only moves bytes. Attach one with `MainChannel.attachAgent()`.
 */
export interface AgentPort {
  /**
   * One AGENT_DATA body from a client (VDIChunk payload as the client sent it). Return (or resolve)
   * once the data is consumed: the client's token is given back then, so a slow agent slows the
   * client down instead of growing a queue.
   */
  write(data: Uint8Array, clientId: number): void | Promise<void>;
}

/** What an attached agent holds: sending to the clients and detaching. */
export interface AgentConnection {
  /**
   * Sends agent data to every client that started its agent session (AGENT_START), split in
   * AGENT_MAX_DATA_SIZE messages, each costing one of that client's tokens. Without tokens the
   * messages wait (at most AGENT_SEND_QUEUE_MAX per client, for at most 30 s) and a client that
   * overflows is disconnected, as upstream does. Data sent while no client started is dropped.
   */
  send(data: Uint8Array): void;
  /**
   * How many messages the agent can send without queueing: the largest token count of the
   * started clients (upstream reads from the agent only while one client has tokens), or
   * Infinity when no client started (the data is dropped).
   */
  sendWindow(): number;
  /** Detaches the agent: clients get AGENT_DISCONNECTED and their agent data is dropped until a new agent. */
  detach(): void;
}

/** A client's side of the agent token flow (all counts in messages). */
interface AgentClientState {
  /** AGENT_START seen since the current agent attached; until then its data is dropped. */
  started: boolean;
  /** AGENT_DATA messages the client may still send (the window it was given). */
  clientTokens: number;
  /** Messages the agent consumed whose tokens are not given back yet. */
  freedTokens: number;
  /** AGENT_DATA messages the server may still send to the client. */
  sendTokens: number;
  /** Agent messages waiting for tokens. */
  queue: Uint8Array[];
  timer: ReturnType<typeof setTimeout> | null;
}

export interface NetTestResult {
  latencyUs: number;
  bitsPerSecond: number;
  lowBandwidth: boolean;
}

interface MainClientState {
  attached: boolean;
  agent: AgentClientState;
  netTest: { sent: Map<number, bigint>; latencyUs: number | null; result: NetTestResult | null };
}

const micros = (): bigint => process.hrtime.bigint() / 1000n;

const newAgentClientState = (): AgentClientState => ({
  started: false,
  clientTokens: AGENT_TOKENS,
  freedTokens: 0,
  sendTokens: 0,
  queue: [],
  timer: null,
});

/**
 * The main channel: MAIN_INIT, the channel list after ATTACH_CHANNELS, mouse-mode requests, the
 * multimedia time, the net test, and the agent token flow of upstream's reds.cpp/char-device.cpp:
 * each client may send as many AGENT_DATA messages as the tokens it was given (AGENT_TOKENS, given
 * back with AGENT_TOKEN as the agent consumes them), and gets agent data only while it has tokens
 * it granted with AGENT_START/AGENT_TOKEN. Without an agent, client agent data is dropped.
 */
export class MainChannel extends RedChannel implements ChannelHandler {
  private readonly state = new WeakMap<RedChannelClient, MainClientState>();
  private readonly host: MainChannelHost;
  private readonly netTest: boolean;
  /** The attached agent and its generation (tokens of an earlier agent's writes are not given back). */
  private agent: { port: AgentPort; generation: number } | null = null;
  private agentGeneration = 0;

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
      agent: newAgentClientState(),
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
          agentConnected: this.agent ? 1 : 0,
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
    rcc.onDisconnect(() => this.stopWaitingForTokens(state.agent));
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
        this.handleAgentStart(rcc, state.agent, main.agentStart.decode(body).numTokens);
        return;
      case MainMsgc.AgentToken:
        this.handleAgentToken(rcc, state.agent, main.agentToken.decode(body).numTokens);
        return;
      case MainMsgc.AgentData:
        this.handleAgentData(rcc, state.agent, body);
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

  /** Whether an agent is attached. */
  get hasAgent(): boolean {
    return this.agent !== null;
  }

  /**
   * Attaches the guest agent (one at a time): clients get AGENT_CONNECTED_TOKENS with a fresh
   * window of AGENT_TOKENS (AGENT_CONNECTED for clients without that capability) and answer with
   * AGENT_START.
   */
  attachAgent(port: AgentPort): AgentConnection {
    if (this.agent) throw new Error('an agent is already attached to the main channel');
    const generation = ++this.agentGeneration;
    this.agent = { port, generation };
    for (const rcc of this.clients) {
      const state = this.state.get(rcc);
      if (!state) continue;
      this.stopWaitingForTokens(state.agent);
      state.agent = newAgentClientState();
      if (rcc.hasChannelCap(MainCap.AgentConnectedTokens)) {
        rcc.send(
          { type: main.agentConnectedTokens.type, body: main.agentConnectedTokens.encode({ numTokens: AGENT_TOKENS }) },
          'agent-connected',
        );
      } else {
        rcc.send({ type: main.agentConnected.type, body: [] }, 'agent-connected');
      }
    }
    const live = () => this.agent?.generation === generation;
    return {
      send: (data) => {
        if (live()) this.sendAgentData(data);
      },
      sendWindow: () => (live() ? this.agentSendWindow() : 0),
      detach: () => {
        if (live()) this.detachAgent();
      },
    };
  }

  private detachAgent(): void {
    this.agent = null;
    for (const rcc of this.clients) {
      const state = this.state.get(rcc);
      if (!state) continue;
      // As upstream's reset: queued data is dropped, the client's data is discarded until the next
      // AGENT_START, and the token counts start over with the next AGENT_CONNECTED_TOKENS.
      this.stopWaitingForTokens(state.agent);
      state.agent = newAgentClientState();
      rcc.send(
        { type: main.agentDisconnected.type, body: main.agentDisconnected.encode({ errorCode: LinkErr.Ok }) },
        'agent-disconnected',
      );
    }
  }

  private handleAgentStart(rcc: RedChannelClient, agent: AgentClientState, numTokens: number): void {
    if (!this.agent) {
      rcc.logger.debug({ numTokens }, 'AGENT_START ignored: no agent is attached');
      return;
    }
    // The client's grant replaces what it gave before (upstream send_to_client_tokens_set).
    agent.started = true;
    agent.sendTokens = numTokens;
    this.flushAgentQueue(rcc, agent);
  }

  private handleAgentToken(rcc: RedChannelClient, agent: AgentClientState, numTokens: number): void {
    if (!this.agent || !agent.started) {
      rcc.logger.debug({ numTokens }, 'AGENT_TOKEN ignored: no agent session');
      return;
    }
    agent.sendTokens += numTokens;
    this.flushAgentQueue(rcc, agent);
  }

  private handleAgentData(rcc: RedChannelClient, agent: AgentClientState, data: Uint8Array): void {
    const attached = this.agent;
    if (!attached || !agent.started) {
      // Upstream discards it too (data meant for an agent that went away); no token comes back.
      rcc.logger.debug({ bytes: data.byteLength }, 'agent data dropped: no agent session');
      return;
    }
    if (agent.clientTokens === 0) {
      // Upstream: "token violation", the client is removed from the agent device and its main
      // channel shut down.
      rcc.disconnect('agent token violation: AGENT_DATA without a token');
      return;
    }
    agent.clientTokens -= 1;
    const giveBack = () => {
      if (this.agent?.generation !== attached.generation || rcc.isClosed) return;
      agent.freedTokens += 1;
      if (agent.freedTokens < AGENT_TOKENS_RETURN_BATCH) return;
      const numTokens = agent.freedTokens;
      agent.freedTokens = 0;
      agent.clientTokens += numTokens;
      rcc.send({ type: main.serverAgentToken.type, body: main.serverAgentToken.encode({ numTokens }) }, 'agent-token');
    };
    // The body is a view of the receive buffer: the agent gets its own copy.
    let consumed: void | Promise<void>;
    try {
      consumed = attached.port.write(data.slice(), rcc.client.id);
    } catch (error) {
      rcc.logger.warn({ err: error }, 'the agent failed to take client data');
      giveBack();
      return;
    }
    if (consumed instanceof Promise) {
      consumed.then(giveBack, (error: unknown) => {
        rcc.logger.warn({ err: error }, 'the agent failed to take client data');
        giveBack();
      });
    } else giveBack();
  }

  private sendAgentData(data: Uint8Array): void {
    const chunks: Uint8Array[] = [];
    for (let offset = 0; offset < data.byteLength; offset += AGENT_MAX_DATA_SIZE) {
      chunks.push(data.slice(offset, offset + AGENT_MAX_DATA_SIZE));
    }
    for (const rcc of this.clients) {
      const agent = this.state.get(rcc)?.agent;
      if (!agent?.started) continue;
      for (const chunk of chunks) {
        if (agent.queue.length === 0 && agent.sendTokens > 0) {
          agent.sendTokens -= 1;
          rcc.send({ type: main.agentData.type, body: main.agentData.encode({ data: chunk }) }, 'agent-data');
          continue;
        }
        if (agent.queue.length >= AGENT_SEND_QUEUE_MAX) {
          this.stopWaitingForTokens(agent);
          rcc.disconnect('agent data overflow: the client gives no tokens');
          break;
        }
        agent.queue.push(chunk);
        if (agent.timer === null) {
          agent.timer = setTimeout(() => {
            agent.timer = null;
            rcc.disconnect(`agent data overflow: no tokens for ${AGENT_WAIT_TOKENS_TIMEOUT_MS / 1000} s`);
          }, AGENT_WAIT_TOKENS_TIMEOUT_MS);
          agent.timer.unref?.();
        }
      }
    }
  }

  private flushAgentQueue(rcc: RedChannelClient, agent: AgentClientState): void {
    while (agent.queue.length > 0 && agent.sendTokens > 0) {
      const chunk = agent.queue.shift()!;
      agent.sendTokens -= 1;
      rcc.send({ type: main.agentData.type, body: main.agentData.encode({ data: chunk }) }, 'agent-data');
    }
    if (agent.queue.length === 0) this.stopWaitingForTokens(agent);
  }

  private agentSendWindow(): number {
    let started = false;
    let max = 0;
    for (const rcc of this.clients) {
      const agent = this.state.get(rcc)?.agent;
      if (!agent?.started) continue;
      started = true;
      max = Math.max(max, agent.sendTokens - agent.queue.length);
    }
    return started ? max : Number.POSITIVE_INFINITY;
  }

  private stopWaitingForTokens(agent: AgentClientState): void {
    if (agent.timer !== null) clearTimeout(agent.timer);
    agent.timer = null;
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

  /**
   * Tells every main client the server's multimedia time (MAIN_MULTI_MEDIA_TIME), as upstream does
   * when the mm_time latency changes, so their audio/video clocks follow.
   */
  broadcastMultiMediaTime(time: number = (mmTimeNow() - MM_TIME_DELTA_MS) >>> 0): void {
    for (const rcc of this.clients) {
      rcc.send({ type: main.multiMediaTime.type, body: main.multiMediaTime.encode({ time }) }, 'mm-time');
    }
  }

  /**
   * Sends a NOTIFY to every main client (spice-gtk logs it; a visibility of HIGH may be shown to
   * the user). Severity and visibility are SPICE_NOTIFY_SEVERITY_* / SPICE_NOTIFY_VISIBILITY_*.
   */
  notifyAll(message: string, options: { severity?: number; visibility?: number; what?: number } = {}): void {
    for (const rcc of this.clients) {
      rcc.send(
        {
          type: base.notify.type,
          body: base.notify.encode({
            timestamp: BigInt(mmTimeNow()),
            severity: options.severity ?? 0,
            visibility: options.visibility ?? 0,
            what: options.what ?? 0,
            message,
          }),
        },
        'notify',
      );
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
