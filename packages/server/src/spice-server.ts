import { randomInt } from 'node:crypto';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import {
  type ChannelFactory,
  type Logger,
  RedChannel,
  type RedChannelClient,
  RedClient,
  silentLogger,
} from '@spice-ts/channel';
import type { DisplayWorker } from '@spice-ts/display';
import type { LoopStats } from '@spice-ts/loop';
import {
  AuthMechanism,
  CapabilitySet,
  ChannelType,
  CommonCap,
  decodeLinkHeader,
  decodeLinkMess,
  decodeLinkU32,
  encodeLinkError,
  encodeLinkReply,
  encodeLinkResult,
  isProtocolError,
  LINK_HEADER_SIZE,
  LINK_MESS_SIZE,
  LinkErr,
  type LinkHeader,
  MAX_LINK_MESSAGE_SIZE,
  MouseMode,
  SPICE_VERSION_MAJOR,
  TICKET_CIPHERTEXT_BYTES,
} from '@spice-ts/protocol';
import type { KeyboardDevice, MouseDevice, TabletDevice } from './devices.js';
import { BadConfigError, isServerError, ServerError, ServerErrorCode } from './errors.js';
import { type InputsChannel, inputsChannel } from './inputs-channel.js';
import { LinkReader } from './link-reader.js';
import { type MainChannel, mainChannel } from './main-channel.js';
import { checkTicket, createLinkKey, decryptTicket, MAX_TICKET_PASSWORD, type TicketPolicy } from './ticket.js';

/** How long a client may take to complete the link phase (spice-html5 itself gives up after 30 s). */
export const DEFAULT_LINK_TIMEOUT_MS = 30_000;
/** TCP keepalive on client sockets (upstream KEEPALIVE_TIMEOUT, 600 s). */
export const KEEPALIVE_MS = 600_000;

export type MultiClientPolicy = 'replace' | 'share' | 'refuse';

export interface SpiceServerInit {
  /** Address to listen on; default 127.0.0.1. */
  host?: string;
  /** TCP port; default 5900; 0 picks a free one. */
  port?: number;
  /** Ticket password. Without one, ticketing is off: allowed on loopback, elsewhere only with `disableTicketing`. */
  password?: string | null;
  /** Seconds the password stays valid (0 or absent: forever). */
  passwordLifetimeSec?: number;
  /** Accept clients without a password on a non-loopback address. */
  disableTicketing?: boolean;
  /** What a second viewer does: take over (default, as upstream), share the session, or be refused. */
  clients?: MultiClientPolicy;
  /** Session name and UUID sent to clients that ask (MAIN_NAME / MAIN_UUID). */
  name?: string;
  uuid?: Uint8Array;
  linkTimeoutMs?: number;
  /** Run the main channel's bandwidth test on connect (default true). */
  netTest?: boolean;
  keyboard?: KeyboardDevice;
  mouse?: MouseDevice;
  tablet?: TabletDevice;
  /** Display workers (one per QXL device); their display and cursor channels are registered. */
  displays?: DisplayWorker[];
  /** More channels (first- or third-party), as channel factories from the channel SDK. */
  channels?: ChannelFactory[];
  /** QXL RAM size announced in MAIN_INIT (spice-gtk sizes its GLZ window from it). */
  ramHint?: number;
  logger?: Logger;
  stats?: LoopStats;
}

export interface SpiceServer {
  /** Starts listening; resolves with the bound address. */
  listen(): Promise<{ host: string; port: number }>;
  /** Stops listening and disconnects every client. */
  close(): Promise<void>;
  /**
   * Adds a channel, built or as a channel factory from the SDK (the server injects its logger and
   * statistics); clients already attached are told about it.
   */
  addChannel(channel: RedChannel | ChannelFactory): RedChannel;
  /** Viewers currently connected. */
  readonly sessions: ReadonlyMap<number, RedClient>;
  readonly mainChannel: MainChannel;
  readonly inputsChannel: InputsChannel;
  readonly mouseMode: number;
  /** Changes the ticket password (and its lifetime in seconds, 0 = forever). */
  setTicket(password: string | null, lifetimeSec?: number): void;
  /** Counters for tests and metrics. */
  readonly counters: { connections: number; linked: number; rejected: number; badInput: number };
}

const isLoopback = (host: string): boolean =>
  host === 'localhost' || host === '::1' || host.startsWith('127.') || host === '::ffff:127.0.0.1';

class Reds implements SpiceServer {
  readonly sessions = new Map<number, RedClient>();
  readonly mainChannel: MainChannel;
  readonly inputsChannel: InputsChannel;
  readonly counters = { connections: 0, linked: 0, rejected: 0, badInput: 0 };
  private readonly channels = new Map<string, RedChannel>();
  private readonly displays: DisplayWorker[];
  private readonly logger: Logger;
  private ticket: TicketPolicy;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private currentMouseMode: number = MouseMode.Server;

  constructor(private readonly init: SpiceServerInit) {
    this.logger = (init.logger ?? silentLogger).child({ component: 'reds' });
    const host = init.host ?? '127.0.0.1';
    const password = init.password ?? null;
    if (password !== null && password.length > MAX_TICKET_PASSWORD) {
      throw new BadConfigError(`password longer than ${MAX_TICKET_PASSWORD} characters`);
    }
    if (password === null && !isLoopback(host) && !init.disableTicketing) {
      throw new BadConfigError(
        `refusing to listen on ${host} without a password: set a password, or disable ticketing explicitly`,
      );
    }
    this.ticket = { password, expiresAt: this.expiry(init.passwordLifetimeSec) };
    this.displays = init.displays ?? [];
    this.mainChannel = mainChannel(
      {
        listChannels: () =>
          [...this.channels.values()]
            .filter((c) => c.type !== ChannelType.Main)
            .map((c) => ({ type: c.type, id: c.id })),
        supportedMouseModes: () => this.supportedMouseModes(),
        currentMouseMode: () => this.currentMouseMode,
        requestMouseMode: (mode) => this.requestMouseMode(mode),
        displayChannelsHint: () => Math.max(1, this.displays.length),
        ramHint: () => init.ramHint ?? 0,
        name: init.name ?? null,
        uuid: init.uuid ?? null,
      },
      { netTest: init.netTest ?? true },
    )(this.components());
    this.inputsChannel = inputsChannel({
      keyboard: init.keyboard ?? null,
      mouse: init.mouse ?? null,
      tablet: init.tablet ?? null,
      mouseMode: () => this.currentMouseMode,
    })(this.components());
    this.register(this.mainChannel);
    this.register(this.inputsChannel);
    for (const worker of this.displays) {
      this.register(worker.displayChannel);
      this.register(worker.cursorChannel);
      worker.setMouseMode(this.currentMouseMode);
    }
    for (const factory of init.channels ?? []) this.register(factory(this.components()));
  }

  private components(): { logger: Logger; stats?: LoopStats } {
    return { logger: this.init.logger ?? silentLogger, ...(this.init.stats ? { stats: this.init.stats } : {}) };
  }

  get mouseMode(): number {
    return this.currentMouseMode;
  }

  private expiry(lifetimeSec: number | undefined): number | null {
    return lifetimeSec && lifetimeSec > 0 ? performance.now() + lifetimeSec * 1000 : null;
  }

  setTicket(password: string | null, lifetimeSec?: number): void {
    if (password !== null && password.length > MAX_TICKET_PASSWORD) {
      throw new BadConfigError(`password longer than ${MAX_TICKET_PASSWORD} characters`);
    }
    this.ticket = { password, expiresAt: this.expiry(lifetimeSec) };
  }

  private register(channel: RedChannel): void {
    const key = `${channel.type}:${channel.id}`;
    if (this.channels.has(key)) throw new BadConfigError(`channel ${key} is registered already`);
    this.channels.set(key, channel);
  }

  addChannel(channel: RedChannel | ChannelFactory): RedChannel {
    const built = channel instanceof RedChannel ? channel : channel(this.components());
    this.register(built);
    this.mainChannel.announceChannel(built.type, built.id);
    return built;
  }

  private supportedMouseModes(): number {
    // Client mode needs an absolute pointer and exactly one display (upstream rule).
    const clientAllowed = this.init.tablet !== undefined && this.displays.length === 1;
    return MouseMode.Server | (clientAllowed ? MouseMode.Client : 0);
  }

  private requestMouseMode(mode: number): void {
    if (mode !== MouseMode.Server && mode !== MouseMode.Client) {
      this.logger.warn({ mode }, 'ignoring a request for an unknown mouse mode');
      return;
    }
    if ((this.supportedMouseModes() & mode) === 0) {
      this.logger.info({ mode }, 'client mouse mode requested but not available');
      return;
    }
    if (mode === this.currentMouseMode) return;
    this.currentMouseMode = mode;
    for (const worker of this.displays) worker.setMouseMode(mode);
    this.logger.info({ mode: mode === MouseMode.Client ? 'client' : 'server' }, 'mouse mode changed');
    this.mainChannel.broadcastMouseMode(this.supportedMouseModes(), mode);
  }

  listen(): Promise<{ host: string; port: number }> {
    const host = this.init.host ?? '127.0.0.1';
    const port = this.init.port ?? 5900;
    return new Promise((resolve, reject) => {
      const server = createServer({ noDelay: true, keepAlive: true, keepAliveInitialDelay: KEEPALIVE_MS }, (socket) =>
        this.accept(socket),
      );
      server.once('error', (error) =>
        reject(
          new ServerError(ServerErrorCode.Listen, `cannot listen on ${host}:${port}: ${error.message}`, {
            cause: error,
          }),
        ),
      );
      server.listen(port, host, () => {
        server.removeAllListeners('error');
        server.on('error', (error) => this.logger.error({ err: error }, 'listener error'));
        this.server = server;
        const address = server.address() as AddressInfo;
        this.logger.info({ host: address.address, port: address.port }, 'listening');
        resolve({ host: address.address, port: address.port });
      });
    });
  }

  async close(): Promise<void> {
    for (const client of this.sessions.values()) client.destroy('server shutting down');
    this.sessions.clear();
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  // ---- link phase -----------------------------------------------------------------------------

  private accept(socket: Socket): void {
    this.counters.connections += 1;
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    const log = this.logger.child({ peer });
    // The link reader or the channel that owns the socket reports the close that follows.
    socket.on('error', (error) => log.debug({ reason: error.message }, 'socket error'));
    // The reader attaches its data listener before anything is awaited: the client speaks first.
    const reader = new LinkReader(socket, this.init.linkTimeoutMs ?? DEFAULT_LINK_TIMEOUT_MS);
    this.link(socket, reader, log).catch((error: unknown) => {
      reader.dispose();
      this.counters.rejected += 1;
      const expected = isServerError(error) || isProtocolError(error);
      if (expected && (error as ServerError).code !== ServerErrorCode.LinkClosed) this.counters.badInput += 1;
      log.warn(
        { code: (error as { code?: string }).code, reason: (error as Error).message },
        'link failed; connection closed',
      );
      if (!expected) log.error({ err: error }, 'unexpected error in the link phase');
      socket.destroy();
    });
  }

  private refuse(socket: Socket, error: number, log: Logger, reason: string): void {
    this.counters.rejected += 1;
    log.warn({ linkError: error, reason }, 'link refused');
    socket.end(encodeLinkError(error));
  }

  private async link(socket: Socket, reader: LinkReader, log: Logger): Promise<void> {
    let header: LinkHeader;
    try {
      header = decodeLinkHeader(await reader.read(LINK_HEADER_SIZE, 'link header'));
    } catch (error) {
      if (!isProtocolError(error)) throw error;
      this.counters.badInput += 1;
      reader.dispose();
      return this.refuse(socket, LinkErr.InvalidMagic, log, `${error.message} (not a SPICE client)`);
    }
    const { major, size } = header;
    if (major !== SPICE_VERSION_MAJOR) {
      reader.dispose();
      if (major === 0) {
        socket.destroy();
        return;
      }
      return this.refuse(socket, LinkErr.VersionMismatch, log, `protocol major version ${major}`);
    }
    if (size < LINK_MESS_SIZE || size > MAX_LINK_MESSAGE_SIZE) {
      this.counters.badInput += 1;
      reader.dispose();
      return this.refuse(socket, LinkErr.InvalidData, log, `link message size ${size}`);
    }
    const mess = decodeLinkMess(await reader.read(size, 'link message'));
    const channel = this.channels.get(`${mess.channelType}:${mess.channelId}`);
    const clog = log.child({ channelType: mess.channelType, channelId: mess.channelId });
    if (!channel) {
      reader.dispose();
      return this.refuse(socket, LinkErr.ChannelNotAvailable, clog, 'no such channel');
    }
    const key = await createLinkKey();
    const common = CapabilitySet.of(CommonCap.ProtocolAuthSelection, CommonCap.AuthSpice, CommonCap.MiniHeader);
    socket.write(
      encodeLinkReply({
        error: LinkErr.Ok,
        pubKey: key.publicDer,
        commonCaps: common,
        channelCaps: channel.caps ?? new CapabilitySet(),
      }),
    );
    if (mess.commonCaps.has(CommonCap.ProtocolAuthSelection)) {
      const mech = decodeLinkU32(await reader.read(4, 'auth mechanism'), 'auth mechanism');
      if (mech !== AuthMechanism.Spice) {
        reader.dispose();
        this.counters.rejected += 1;
        clog.warn({ mechanism: mech }, 'unsupported auth mechanism; connection closed');
        socket.end(encodeLinkResult(LinkErr.InvalidData));
        return;
      }
    }
    const ticket = await reader.read(TICKET_CIPHERTEXT_BYTES, 'ticket');
    const verdict = checkTicket(this.ticket, decryptTicket(key, ticket), performance.now());
    if (verdict !== 'ok') {
      reader.dispose();
      this.counters.rejected += 1;
      clog.warn({ verdict }, 'authentication failed');
      socket.end(encodeLinkResult(LinkErr.PermissionDenied));
      return;
    }
    let client: RedClient;
    if (mess.channelType === ChannelType.Main) {
      const policy = this.init.clients ?? 'replace';
      if (this.sessions.size > 0 && policy === 'refuse') {
        reader.dispose();
        this.counters.rejected += 1;
        clog.warn({}, 'a viewer is connected already and the policy is "refuse"');
        socket.end(encodeLinkResult(LinkErr.Error));
        return;
      }
      if (policy === 'replace') {
        for (const old of [...this.sessions.values()]) old.destroy('replaced by a new viewer');
      }
      let id = 0;
      while (id === 0 || this.sessions.has(id)) id = randomInt(1, 0xffffffff);
      client = new RedClient(id, this.init.logger ?? silentLogger);
      this.sessions.set(id, client);
      client.onDestroy((reason) => {
        this.sessions.delete(id);
        this.logger.info({ session: id, reason }, 'session closed');
      });
      clog.info({ session: id }, 'new session');
    } else {
      const found = this.sessions.get(mess.connectionId);
      if (!found) {
        reader.dispose();
        this.counters.rejected += 1;
        clog.warn({ connectionId: mess.connectionId }, 'unknown session id');
        socket.end(encodeLinkResult(LinkErr.BadConnectionId));
        return;
      }
      client = found;
    }
    socket.write(encodeLinkResult(LinkErr.Ok));
    this.counters.linked += 1;
    // Synchronous hand-over: no data event can slip between release() and the channel's listener.
    const rest = reader.release();
    const rcc: RedChannelClient = channel.connectClient(
      client,
      socket,
      { common: mess.commonCaps, channel: mess.channelCaps },
      rest,
    );
    rcc.onDisconnect((reason) => {
      if (reason.startsWith('bad input')) this.counters.badInput += 1;
    });
    clog.info({ session: client.id, miniHeader: rcc.miniHeader }, 'channel linked');
  }
}

/** Creates a SPICE server (call `listen()` to accept clients). */
export function createSpiceServer(init: SpiceServerInit = {}): SpiceServer {
  return new Reds(init);
}
