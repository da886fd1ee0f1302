import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { lstat, unlink } from 'node:fs/promises';
import { type AddressInfo, createServer, connect as netConnect, type Server, Socket } from 'node:net';
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import { createSecureContext, createServer as createTlsServer, type SecureContextOptions } from 'node:tls';
import {
  type ChannelFactory,
  type Logger,
  PipePriority,
  RedChannel,
  type RedChannelClient,
  RedClient,
  silentLogger,
} from '@spice-ts/channel';
import { type DisplayWorker, ENCODE_TIME_BUCKETS } from '@spice-ts/display';
import type { LoopStats } from '@spice-ts/loop';
import {
  AuthMechanism,
  base,
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
  TICKET_PUBKEY_BYTES,
} from '@spice-ts/protocol';
import { AuthRateLimiter, type AuthRateLimitInit } from './auth-rate-limiter.js';
import type { KeyboardDevice, MouseDevice, TabletDevice } from './devices.js';
import {
  BadConfigError,
  ClientConnectedError,
  HttpError,
  isServerError,
  ServerError,
  ServerErrorCode,
  type WebSocketError,
} from './errors.js';
import { HTTP_HEAD_END, type HttpRequestHead, MAX_HTTP_HEAD, parseHttpHead } from './http-request.js';
import { type HttpSite, sendHttpError, serveHttp } from './http-site.js';
import { type InputsChannel, inputsChannel } from './inputs-channel.js';
import { LinkReader } from './link-reader.js';
import { type MainChannel, mainChannel } from './main-channel.js';
import { LabelledCounter, type MetricFamily, renderPrometheus } from './metrics.js';
import { createSaslAuthenticator, type SaslAuthenticator, type SaslInit } from './sasl.js';
import {
  checkTicket,
  createLinkKey,
  decryptTicket,
  type LinkKey,
  MAX_TICKET_PASSWORD,
  type TicketPolicy,
} from './ticket.js';
import { DEFAULT_WEB_CLIENT_DIR } from './web-client-page.js';
import { isWebSocketUpgrade, WebSocketStream, websocketHandshake } from './websocket.js';

/** How long a client may take to complete the link phase (spice-html5 itself gives up after 30 s). */
export const DEFAULT_LINK_TIMEOUT_MS = 30_000;
/** TCP keepalive on client sockets (upstream KEEPALIVE_TIMEOUT, 600 s). */
export const KEEPALIVE_MS = 600_000;

/** How long a refused or answered connection may stay open for the peer to read our reply. */
export const CLOSE_LINGER_MS = 5_000;
/** Sampling interval of the event-loop delay histogram behind spice_event_loop_delay_seconds. */
export const LOOP_DELAY_RESOLUTION_MS = 20;
/** How long close() waits for clients to take DISCONNECTING and close before it cuts them off. */
export const DEFAULT_CLOSE_GRACE_MS = 2_000;

export type MultiClientPolicy = 'replace' | 'share' | 'refuse';

/** Where a connection came in. */
export type ListenerKind = 'tcp' | 'tls' | 'unix';

/**
 * TLS material: a string is a file path, a Uint8Array the PEM (or DER) contents. TLS 1.2 is the
 * lowest version offered.
 */
export interface SpiceTlsInit {
  cert: string | Uint8Array;
  key: string | Uint8Array;
  /** CA certificate(s) to present with the chain. */
  ca?: string | Uint8Array;
  /** Passphrase of an encrypted key. */
  passphrase?: string;
}

/** The addresses a server listens on. */
export interface SpiceServerAddress {
  host: string;
  port: number;
  /** Present when a TLS port is configured. */
  tlsPort?: number;
  /** Present when a UNIX socket is configured. */
  unixSocket?: string;
}

export interface SpiceServerCloseOptions {
  /** How long to wait for clients to close after DISCONNECTING; default DEFAULT_CLOSE_GRACE_MS. */
  graceMs?: number;
}

export interface SpiceServerCounters {
  connections: number;
  linked: number;
  rejected: number;
  badInput: number;
  /** Failed ticket checks (wrong, expired or undecryptable ticket). */
  authFailures: number;
  /** Links refused because the address had too many failures. */
  authBlocked: number;
}

export interface SpiceServerInit {
  /** Address to listen on; default 127.0.0.1. */
  host?: string;
  /** TCP port; default 5900; 0 picks a free one. */
  port?: number;
  /** TLS port (0 picks a free one); needs `tls`. Without it, no TLS listener. */
  tlsPort?: number;
  /** Certificate and key of the TLS port. */
  tls?: SpiceTlsInit;
  /** Path of a UNIX socket to listen on as well (spice+unix:// in spice-gtk). */
  unixSocket?: string;
  /**
   * Channel types (ChannelType values) that need TLS: on the plain port they get NEED_SECURED in
   * the link reply and spice-gtk reconnects them on the TLS port (upstream's secure channels).
   * Connections over the UNIX socket count as secure (local, guarded by file permissions).
   */
  secureChannels?: readonly number[];
  /**
   * Same-port HTTP on the plain and TLS ports: WebSocket (SPICE for browsers), `/healthz`,
   * `/metrics` and the web client at `/`. Default true.
   */
  http?: boolean;
  /** Directory of spice-html5, served at `/`; default /usr/share/spice-html5; null serves none. */
  webClientDir?: string | null;
  /** Rate limit of failed ticket attempts per remote address. */
  authRateLimit?: AuthRateLimitInit;
  /** Ticket password. Without one, ticketing is off: allowed on loopback, elsewhere only with `disableTicketing`. */
  password?: string | null;
  /**
   * SASL instead of tickets (spice-gtk): the link reply offers AUTH_SASL, and clients log in with
   * a user name and password through SCRAM-SHA-256 (anywhere) or PLAIN (TLS and UNIX socket only).
   * Failures count towards `authRateLimit`. A client that cannot do SASL is refused.
   */
  sasl?: SaslInit;
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
  /** Starts listening (TCP, and TLS and UNIX when configured); resolves with the bound addresses. */
  listen(): Promise<SpiceServerAddress>;
  /**
   * Stops listening, sends DISCONNECTING on every linked channel, ends the connections, and
   * destroys what has not closed after the grace period.
   */
  close(options?: SpiceServerCloseOptions): Promise<void>;
  /** The metrics served at /metrics, in the Prometheus text format. */
  metrics(): string;
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
  /**
   * Changes the ticket password (and its lifetime in seconds, 0 = forever), as upstream's
   * spice_server_set_ticket: with `failIfConnected` it refuses (ClientConnectedError) while a
   * viewer is connected; with `disconnectIfConnected` it disconnects the viewers.
   */
  setTicket(password: string | null, lifetimeSec?: number, options?: TicketChangeOptions): void;
  /** Counters for tests and metrics. */
  readonly counters: SpiceServerCounters;
}

export interface TicketChangeOptions {
  /** Refuse the change while a viewer is connected. */
  failIfConnected?: boolean;
  /** Disconnect the connected viewers after the change. */
  disconnectIfConnected?: boolean;
}

/** Per-connection facts the link phase needs. */
interface Conn {
  listener: ListenerKind;
  /** Remote address (rate limiting); 'unix' for the UNIX socket. */
  address: string;
  secure: boolean;
  transport: 'spice' | 'websocket';
  /** performance.now() at accept: the link timeout runs from here. */
  acceptedAt: number;
  log: Logger;
}

interface Traffic {
  bytesSent: number;
  bytesReceived: number;
  messagesSent: number;
  messagesReceived: number;
}

const CHANNEL_NAMES = new Map<number, string>(
  Object.entries(ChannelType).map(([name, type]) => [type, name.toLowerCase()]),
);
const LINK_ERROR_NAMES = new Map<number, string>(
  Object.entries(LinkErr).map(([name, code]) => [
    code,
    name.replace(/[A-Z]/g, (c, i) => (i ? '_' : '') + c.toLowerCase()),
  ]),
);
const channelName = (type: number) => CHANNEL_NAMES.get(type) ?? `type${type}`;

/** Reads a TLS option: a path (string) or the bytes themselves. */
function tlsMaterial(value: string | Uint8Array, what: string): Buffer {
  if (typeof value !== 'string') return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  try {
    return readFileSync(value);
  } catch (error) {
    throw new BadConfigError(`cannot read the TLS ${what} ${value}: ${(error as Error).message}`);
  }
}

function listenOn(server: Server, args: { port: number; host: string } | { path: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(args, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/**
 * After our last bytes, the peer has `ms` of silence to close its end; then the socket
 * is destroyed (a half-open peer cannot hold it). The idle timer goes with the socket.
 */
function linger(stream: Duplex, ms: number): void {
  const raw = stream instanceof WebSocketStream ? stream.raw : stream;
  if (raw instanceof Socket) raw.setTimeout(ms, () => raw.destroy());
}

/** True when the request has no Origin (not a browser) or one whose host:port is the Host header's. */
function isSameOrigin(request: HttpRequestHead): boolean {
  const origin = request.headers.get('origin');
  if (origin === undefined) return true;
  const host = request.headers.get('host');
  try {
    return host !== undefined && new URL(origin).host === host.toLowerCase();
  } catch {
    return false;
  }
}

/** Removes a stale UNIX socket file (one nobody listens on); leaves a live one alone. */
async function removeStaleSocket(path: string): Promise<void> {
  try {
    if (!(await lstat(path)).isSocket()) return;
  } catch {
    return;
  }
  const live = await new Promise<boolean>((resolve) => {
    const probe = netConnect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (!live) await unlink(path).catch(() => undefined);
}

const isLoopback = (host: string): boolean =>
  host === 'localhost' || host === '::1' || host.startsWith('127.') || host === '::ffff:127.0.0.1';

class Reds implements SpiceServer {
  readonly sessions = new Map<number, RedClient>();
  readonly mainChannel: MainChannel;
  readonly inputsChannel: InputsChannel;
  readonly counters: SpiceServerCounters = {
    connections: 0,
    linked: 0,
    rejected: 0,
    badInput: 0,
    authFailures: 0,
    authBlocked: 0,
  };
  private readonly channels = new Map<string, RedChannel>();
  private readonly displays: DisplayWorker[];
  private readonly logger: Logger;
  private ticket: TicketPolicy;
  private readonly sasl: SaslAuthenticator | null;
  private readonly servers: Server[] = [];
  /** Every accepted socket (TLS sockets once their handshake is done). */
  private readonly sockets = new Set<Socket>();
  /** TCP sockets under the TLS port, from their first byte (handshakes in progress included). */
  private readonly tlsRaw = new Set<Socket>();
  /** Linked channel clients and the stream each runs on. */
  private readonly linked = new Map<RedChannelClient, Duplex>();
  /** Validated TLS material of the TLS port (null without one). */
  private readonly tlsOptions: SecureContextOptions | null;
  private readonly secureChannels: ReadonlySet<number>;
  private readonly limiter: AuthRateLimiter;
  private readonly site: HttpSite;
  private readonly startedAt = performance.now();
  private closing = false;
  /** Linger of refused or answered connections: CLOSE_LINGER_MS, or the link timeout when shorter. */
  private readonly lingerMs: number;
  // metrics
  private readonly connectionsBy = new LabelledCounter();
  private readonly linkRefusals = new LabelledCounter();
  private readonly authFailuresBy = new LabelledCounter();
  private readonly httpRequests = new LabelledCounter();
  private readonly retired = new Map<number, Traffic>();
  /** Event-loop delay while listening (a native histogram: sampling costs nothing on our side). */
  private loopDelay: IntervalHistogram | null = null;
  private currentMouseMode: number = MouseMode.Server;

  constructor(private readonly init: SpiceServerInit) {
    this.logger = (init.logger ?? silentLogger).child({ component: 'reds' });
    const host = init.host ?? '127.0.0.1';
    const password = init.password ?? null;
    if (password !== null && password.length > MAX_TICKET_PASSWORD) {
      throw new BadConfigError(`password longer than ${MAX_TICKET_PASSWORD} characters`);
    }
    this.sasl = init.sasl ? createSaslAuthenticator(init.sasl) : null;
    if (password === null && this.sasl === null && !isLoopback(host) && !init.disableTicketing) {
      throw new BadConfigError(
        `refusing to listen on ${host} without a password: set a password, or disable ticketing explicitly`,
      );
    }
    this.ticket = { password, expiresAt: this.expiry(init.passwordLifetimeSec) };
    if (init.tlsPort !== undefined && !init.tls) throw new BadConfigError('a TLS port needs a certificate and a key');
    this.tlsOptions = null;
    if (init.tls && init.tlsPort !== undefined) {
      const { cert, key, ca, passphrase } = init.tls;
      const options: SecureContextOptions = {
        cert: tlsMaterial(cert, 'certificate'),
        key: tlsMaterial(key, 'key'),
        ...(ca !== undefined ? { ca: tlsMaterial(ca, 'CA certificate') } : {}),
        ...(passphrase !== undefined ? { passphrase } : {}),
        minVersion: 'TLSv1.2',
      };
      try {
        createSecureContext(options); // a clear error now rather than at the first client
      } catch (error) {
        throw new BadConfigError(`bad TLS certificate or key: ${(error as Error).message}`);
      }
      this.tlsOptions = options;
    }
    this.secureChannels = new Set(init.secureChannels ?? []);
    if (this.secureChannels.size > 0 && !this.tlsOptions && init.unixSocket === undefined) {
      throw new BadConfigError('secure channels need a TLS port (or a UNIX socket) to be reachable');
    }
    this.limiter = new AuthRateLimiter(init.authRateLimit);
    this.lingerMs = Math.min(CLOSE_LINGER_MS, init.linkTimeoutMs ?? DEFAULT_LINK_TIMEOUT_MS);
    this.site = {
      webClientDir: init.webClientDir === undefined ? DEFAULT_WEB_CLIENT_DIR : init.webClientDir,
      title: init.name ?? 'spice-ts',
      health: () => ({
        sessions: this.sessions.size,
        uptimeSec: Math.round((performance.now() - this.startedAt) / 1000),
      }),
      metrics: () => this.metrics(),
    };
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

  setTicket(password: string | null, lifetimeSec?: number, options: TicketChangeOptions = {}): void {
    if (password !== null && password.length > MAX_TICKET_PASSWORD) {
      throw new BadConfigError(`password longer than ${MAX_TICKET_PASSWORD} characters`);
    }
    if (options.failIfConnected && this.sessions.size > 0) throw new ClientConnectedError();
    this.ticket = { password, expiresAt: this.expiry(lifetimeSec) };
    if (options.disconnectIfConnected) {
      for (const client of [...this.sessions.values()]) client.destroy('the ticket was changed');
    }
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

  async listen(): Promise<SpiceServerAddress> {
    const host = this.init.host ?? '127.0.0.1';
    const port = this.init.port ?? 5900;
    const socketOptions = { noDelay: true, keepAlive: true, keepAliveInitialDelay: KEEPALIVE_MS };
    const track = (server: Server) => {
      this.servers.push(server);
      return server;
    };
    const attempt = async (what: string, run: () => Promise<void>) => {
      try {
        await run();
      } catch (error) {
        await this.close({ graceMs: 0 });
        throw new ServerError(ServerErrorCode.Listen, `cannot listen on ${what}: ${(error as Error).message}`, {
          cause: error,
        });
      }
    };
    // Handlers are attached synchronously in each listener's callback: the client speaks first.
    const tcp = track(createServer(socketOptions, (socket) => this.accept(socket, 'tcp')));
    await attempt(`${host}:${port}`, () => listenOn(tcp, { port, host }));
    const bound = tcp.address() as AddressInfo;
    const address: SpiceServerAddress = { host: bound.address, port: bound.port };
    const tlsPort = this.init.tlsPort;
    if (this.tlsOptions && tlsPort !== undefined) {
      const tls = createTlsServer({
        ...socketOptions,
        ...this.tlsOptions,
        handshakeTimeout: this.init.linkTimeoutMs ?? DEFAULT_LINK_TIMEOUT_MS,
      });
      // Raw sockets under TLS are tracked from their first byte, so close() also reaches handshakes
      // in progress (a TLS socket itself is tracked once accepted, like any other).
      tls.on('connection', (raw: Socket) => {
        this.tlsRaw.add(raw);
        raw.once('close', () => this.tlsRaw.delete(raw));
      });
      tls.on('secureConnection', (socket) => this.accept(socket, 'tls'));
      tls.on('tlsClientError', (error, socket) => {
        this.connectionsBy.inc({ listener: 'tls', transport: 'tls_error' });
        this.logger.warn(
          { peer: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`, reason: error.message },
          'TLS handshake failed',
        );
      });
      track(tls);
      await attempt(`${host}:${tlsPort} (TLS)`, () => listenOn(tls, { port: tlsPort, host }));
      address.tlsPort = (tls.address() as AddressInfo).port;
    }
    const path = this.init.unixSocket;
    if (path !== undefined) {
      const unix = track(createServer((socket) => this.accept(socket, 'unix')));
      await attempt(path, async () => {
        await removeStaleSocket(path);
        await listenOn(unix, { path });
      });
      address.unixSocket = path;
    }
    for (const server of this.servers) {
      server.on('error', (error) => this.logger.error({ err: error }, 'listener error'));
    }
    this.loopDelay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
    this.loopDelay.enable();
    this.logger.info({ ...address }, 'listening');
    return address;
  }

  async close(options: SpiceServerCloseOptions = {}): Promise<void> {
    this.closing = true;
    this.loopDelay?.disable();
    const graceMs = options.graceMs ?? DEFAULT_CLOSE_GRACE_MS;
    const servers = this.servers.splice(0);
    const stopped = servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
    // Sockets still in the link phase (or serving HTTP) go at once.
    const linkedRaw = new Set<Duplex>();
    for (const stream of this.linked.values()) linkedRaw.add(stream instanceof WebSocketStream ? stream.raw : stream);
    for (const socket of this.sockets) if (!linkedRaw.has(socket)) socket.destroy();
    if (graceMs > 0 && this.linked.size > 0) {
      // DISCONNECTING on every channel, ahead of anything queued; the stream ends once it is out.
      const timestamp = BigInt(Date.now());
      for (const [rcc, stream] of this.linked) {
        rcc.pipeAdd({
          kind: 'disconnecting',
          priority: PipePriority.Urgent,
          marshal: () => ({
            type: base.disconnecting.type,
            body: base.disconnecting.encode({ timestamp, reason: LinkErr.Ok }),
          }),
          done: () => stream.end(),
        });
      }
      const allClosed = Promise.all(
        [...this.sockets].map((s) => (s.destroyed ? undefined : new Promise((r) => s.once('close', r)))),
      );
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([allClosed, new Promise((r) => (timer = setTimeout(r, graceMs)))]);
      clearTimeout(timer);
    }
    for (const client of [...this.sessions.values()]) client.destroy('server shutting down');
    this.sessions.clear();
    for (const socket of this.sockets) socket.destroy();
    for (const raw of this.tlsRaw) raw.destroy();
    await Promise.all(stopped);
  }

  metrics(): string {
    const live = new Map<number, Traffic & { clients: number; pipeBytes: number; queuedBytes: number }>();
    for (const channel of this.channels.values()) {
      let t = live.get(channel.type);
      if (!t) {
        const r = this.retired.get(channel.type);
        t = {
          bytesSent: r?.bytesSent ?? 0,
          bytesReceived: r?.bytesReceived ?? 0,
          messagesSent: r?.messagesSent ?? 0,
          messagesReceived: r?.messagesReceived ?? 0,
          clients: 0,
          pipeBytes: 0,
          queuedBytes: 0,
        };
        live.set(channel.type, t);
      }
      for (const rcc of channel.clients) {
        t.clients += 1;
        t.bytesSent += rcc.stats.bytesSent;
        t.bytesReceived += rcc.stats.bytesReceived;
        t.messagesSent += rcc.stats.messagesSent;
        t.messagesReceived += rcc.stats.messagesReceived;
        t.pipeBytes += rcc.pipeBytes;
        t.queuedBytes += rcc.queuedBytes;
      }
    }
    const per = (pick: (t: Traffic & { clients: number; pipeBytes: number; queuedBytes: number }) => number) =>
      [...live].map(([type, t]) => ({ labels: { channel: channelName(type) }, value: pick(t) }));
    const families: MetricFamily[] = [
      {
        name: 'spice_connections_total',
        help: 'Connections accepted, by listener and what they turned out to be.',
        type: 'counter',
        samples: this.connectionsBy.samples(),
      },
      { name: 'spice_sessions', help: 'Viewers connected.', type: 'gauge', samples: [{ value: this.sessions.size }] },
      {
        name: 'spice_links_total',
        help: 'Channel connections that completed the link phase.',
        type: 'counter',
        samples: [{ value: this.counters.linked }],
      },
      {
        name: 'spice_channel_clients',
        help: 'Linked channel connections.',
        type: 'gauge',
        samples: per((t) => t.clients),
      },
      {
        name: 'spice_sent_bytes_total',
        help: 'SPICE bytes sent (headers included).',
        type: 'counter',
        samples: per((t) => t.bytesSent),
      },
      {
        name: 'spice_received_bytes_total',
        help: 'SPICE bytes received.',
        type: 'counter',
        samples: per((t) => t.bytesReceived),
      },
      {
        name: 'spice_sent_messages_total',
        help: 'SPICE messages sent.',
        type: 'counter',
        samples: per((t) => t.messagesSent),
      },
      {
        name: 'spice_received_messages_total',
        help: 'SPICE messages received.',
        type: 'counter',
        samples: per((t) => t.messagesReceived),
      },
      {
        name: 'spice_pipe_bytes',
        help: 'Bytes waiting in channel pipes.',
        type: 'gauge',
        samples: per((t) => t.pipeBytes),
      },
      {
        name: 'spice_socket_queued_bytes',
        help: 'Bytes handed to sockets and not yet taken by the kernel.',
        type: 'gauge',
        samples: per((t) => t.queuedBytes),
      },
      {
        name: 'spice_auth_failures_total',
        help: 'Failed ticket checks, by reason.',
        type: 'counter',
        samples: this.authFailuresBy.samples(),
      },
      {
        name: 'spice_link_refusals_total',
        help: 'Links refused, by link error.',
        type: 'counter',
        samples: this.linkRefusals.samples(),
      },
      {
        name: 'spice_http_requests_total',
        help: 'HTTP requests answered on the SPICE ports, by status.',
        type: 'counter',
        samples: this.httpRequests.samples(),
      },
    ];
    const delay = this.loopDelay;
    if (delay) {
      // Zero until the first sample is taken.
      const q = (p: number) => ({
        labels: { quantile: String(p) },
        value: delay.count > 0 ? delay.percentile(p * 100) / 1e9 : 0,
      });
      families.push({
        name: 'spice_event_loop_delay_seconds',
        help: `Event-loop delay percentiles since listen (sampled every ${LOOP_DELAY_RESOLUTION_MS} ms).`,
        type: 'gauge',
        samples: [q(0.5), q(0.9), q(0.99), { labels: { quantile: '1' }, value: delay.max / 1e9 }],
      });
    }
    const stats = this.init.stats;
    if (stats) {
      families.push(
        {
          name: 'spice_loop_wakeups_total',
          help: 'Callbacks entered from the event loop.',
          type: 'counter',
          samples: [{ value: stats.wakeups }],
        },
        {
          name: 'spice_loop_passes_total',
          help: 'Processing passes run by the channels and workers.',
          type: 'counter',
          samples: [{ value: stats.passes }],
        },
      );
    }
    families.push(this.encodeTimeFamily());
    return renderPrometheus(families);
  }

  /** Image encode times of every display, per codec, as one Prometheus histogram. */
  private encodeTimeFamily(): MetricFamily {
    const samples: Array<{ labels: Record<string, string>; value: number; suffix: string }> = [];
    for (const [display, worker] of this.displays.entries()) {
      for (const [codec, series] of worker.encodeTimes.series) {
        const labels = { display: String(display), codec };
        let cumulative = 0;
        for (const [i, le] of [...ENCODE_TIME_BUCKETS, Number.POSITIVE_INFINITY].entries()) {
          cumulative += series.counts[i] ?? 0;
          samples.push({
            suffix: '_bucket',
            labels: { ...labels, le: le === Number.POSITIVE_INFINITY ? '+Inf' : String(le) },
            value: cumulative,
          });
        }
        samples.push({ suffix: '_sum', labels, value: series.sum });
        samples.push({ suffix: '_count', labels, value: series.count });
      }
    }
    return {
      name: 'spice_image_encode_seconds',
      help: 'Time to encode an image for a client, per codec (encoder-thread encodes from submission).',
      type: 'histogram',
      samples,
    };
  }

  // ---- link phase -----------------------------------------------------------------------------

  private accept(socket: Socket, listener: ListenerKind): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    this.counters.connections += 1;
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    const peer = listener === 'unix' ? 'unix' : `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    const log = this.logger.child({ peer, listener });
    const conn: Conn = {
      listener,
      address: listener === 'unix' ? 'unix' : (socket.remoteAddress ?? '?'),
      secure: listener !== 'tcp',
      transport: 'spice',
      acceptedAt: performance.now(),
      log,
    };
    // The link reader or the channel that owns the socket reports the close that follows.
    socket.on('error', (error) => log.debug({ reason: error.message }, 'socket error'));
    // The reader attaches its data listener before anything is awaited: the client speaks first.
    const timeoutMs = this.init.linkTimeoutMs ?? DEFAULT_LINK_TIMEOUT_MS;
    let reader = new LinkReader(socket, timeoutMs);
    this.sniff(socket, reader, conn, (next) => {
      reader = next;
    }).catch((error: unknown) => {
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

  /** The first bytes decide: "REDQ" is SPICE, "GET " is HTTP (WebSocket or a page), else INVALID_MAGIC. */
  private async sniff(
    socket: Socket,
    reader: LinkReader,
    conn: Conn,
    replaceReader: (r: LinkReader) => void,
  ): Promise<void> {
    const magic = await reader.read(4, 'link header');
    const word = String.fromCharCode(...magic);
    const http = this.init.http ?? true;
    if (!http || word !== 'GET ') {
      this.connectionsBy.inc({ listener: conn.listener, transport: word === 'REDQ' ? 'spice' : 'invalid' });
      const rest = await reader.read(LINK_HEADER_SIZE - 4, 'link header');
      const header = new Uint8Array(LINK_HEADER_SIZE);
      header.set(magic);
      header.set(rest, 4);
      return this.link(socket, reader, conn, header);
    }
    let head: Uint8Array;
    try {
      const tail = await reader.readUntil(HTTP_HEAD_END, MAX_HTTP_HEAD - 4, 'HTTP request head');
      head = new Uint8Array(4 + tail.byteLength);
      head.set(magic);
      head.set(tail, 4);
    } catch (error) {
      if ((error as ServerError).code !== ServerErrorCode.TooLarge) throw error;
      reader.dispose();
      this.connectionsBy.inc({ listener: conn.listener, transport: 'http' });
      return this.answerHttpError(socket, new HttpError(431, (error as Error).message), conn);
    }
    let request: ReturnType<typeof parseHttpHead>;
    try {
      request = parseHttpHead(head);
    } catch (error) {
      reader.dispose();
      this.connectionsBy.inc({ listener: conn.listener, transport: 'http' });
      return this.answerHttpError(socket, error as HttpError, conn);
    }
    if (isWebSocketUpgrade(request)) {
      this.connectionsBy.inc({ listener: conn.listener, transport: 'websocket' });
      let response: string;
      try {
        response = websocketHandshake(request);
      } catch (error) {
        reader.dispose();
        return this.answerHttpError(socket, new HttpError(400, (error as WebSocketError).message), conn);
      }
      if (this.ticket.password === null && !isSameOrigin(request)) {
        // Without a password, any web page the user visits could open this session: only pages
        // served from this very host:port may (clients that are not browsers send no Origin).
        reader.dispose();
        conn.log.warn({ origin: request.headers.get('origin') }, 'cross-origin WebSocket refused (no password set)');
        return this.answerHttpError(socket, new HttpError(403, 'cross-origin WebSocket without a password'), conn);
      }
      socket.write(response);
      // Synchronous hand-over from the raw reader to the WebSocket stream, then to a new reader.
      const ws = new WebSocketStream(socket, reader.release());
      ws.on('error', (error) => conn.log.debug({ reason: error.message }, 'websocket error'));
      // The link timeout runs from the TCP accept, not from the upgrade.
      const timeoutMs = this.init.linkTimeoutMs ?? DEFAULT_LINK_TIMEOUT_MS;
      const left = timeoutMs > 0 ? Math.max(1, timeoutMs - (performance.now() - conn.acceptedAt)) : 0;
      const wsReader = new LinkReader(ws, left);
      replaceReader(wsReader);
      const wsConn: Conn = { ...conn, transport: 'websocket', log: conn.log.child({ transport: 'websocket' }) };
      wsConn.log.debug({}, 'websocket upgrade');
      const header = await wsReader.read(LINK_HEADER_SIZE, 'link header');
      return this.link(ws, wsReader, wsConn, header);
    }
    this.connectionsBy.inc({ listener: conn.listener, transport: 'http' });
    reader.dispose();
    try {
      linger(socket, this.lingerMs);
      const status = await serveHttp(socket, request, this.site);
      this.httpRequests.inc({ status: String(status) });
      conn.log.debug({ status, target: request.target.split('?')[0] }, 'http request');
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      this.answerHttpError(socket, error, conn);
    }
  }

  private answerHttpError(socket: Socket, error: HttpError, conn: Conn): void {
    this.httpRequests.inc({ status: String(error.status) });
    conn.log.debug({ status: error.status, reason: error.message }, 'http request refused');
    sendHttpError(socket, error);
    linger(socket, this.lingerMs);
  }

  private refuse(stream: Duplex, error: number, log: Logger, reason: string): void {
    this.counters.rejected += 1;
    this.linkRefusals.inc({ error: LINK_ERROR_NAMES.get(error) ?? String(error) });
    log.warn({ linkError: error, reason }, 'link refused');
    stream.end(encodeLinkError(error));
    linger(stream, this.lingerMs);
  }

  /** Refuses after the link reply was sent: the answer is a 4-byte link result. */
  private refuseResult(stream: Duplex, error: number, log: Logger, reason: string, fields: object = {}): void {
    this.counters.rejected += 1;
    this.linkRefusals.inc({ error: LINK_ERROR_NAMES.get(error) ?? String(error) });
    log.warn({ linkError: error, ...fields }, reason);
    stream.end(encodeLinkResult(error));
    linger(stream, this.lingerMs);
  }

  /**
   * The SASL branch of the link phase, after the link reply (upstream reds_handle_auth_mechanism):
   * true when the client is in; otherwise the refusal was sent and the connection is closing.
   */
  private async authenticateSasl(
    sasl: SaslAuthenticator,
    stream: Duplex,
    reader: LinkReader,
    conn: Conn,
    caps: CapabilitySet,
    log: Logger,
  ): Promise<boolean> {
    if (!caps.has(CommonCap.ProtocolAuthSelection) || !caps.has(CommonCap.AuthSasl)) {
      // Upstream answers a client without auth selection VERSION_MISMATCH when SASL is on.
      reader.dispose();
      this.refuse(stream, LinkErr.VersionMismatch, log, 'SASL is required and the client cannot do it');
      return false;
    }
    const mech = decodeLinkU32(await reader.read(4, 'auth mechanism'), 'auth mechanism');
    if (mech !== AuthMechanism.Sasl) {
      reader.dispose();
      this.refuseResult(stream, LinkErr.InvalidData, log, 'SASL is required; connection closed', { mechanism: mech });
      return false;
    }
    let flushed: Promise<void> = Promise.resolve();
    const write = (bytes: Uint8Array): void => {
      flushed = new Promise((resolve) => stream.write(bytes, () => resolve()));
    };
    const result = await sasl.authenticate(
      { read: (n, stage) => reader.read(n, stage), write },
      { secure: conn.secure },
    );
    if (result.ok) {
      log.info({ user: result.user, mechanism: result.mechanism }, 'SASL authentication succeeded');
      // spice-gtk reads the link result that follows through its SASL layer, which keeps whatever
      // else came in the same read and then waits for the socket: the channel's first messages
      // must not share a TLS record with the link result, or they sit unread. Once the SASL reply
      // has left, the link result is a write of its own and what follows is queued behind it.
      await flushed;
      return true;
    }
    // The refusal is on the wire already; passwords are never part of `detail`.
    reader.dispose();
    this.counters.rejected += 1;
    this.counters.authFailures += 1;
    if (result.failure !== 'bad-credentials') this.counters.badInput += 1;
    this.authFailuresBy.inc({ reason: `sasl-${result.failure}` });
    if (this.limiter.recordFailure(conn.address)) {
      log.warn(
        {
          address: conn.address,
          failures: this.limiter.maxFailures,
          windowMs: this.limiter.windowMs,
          blockMs: this.limiter.blockMs,
        },
        'address blocked after repeated authentication failures',
      );
    }
    log.warn(
      { failure: result.failure, detail: result.detail, user: result.user, mechanism: result.mechanism },
      'SASL authentication failed',
    );
    stream.end();
    linger(stream, this.lingerMs);
    return false;
  }

  private async link(stream: Duplex, reader: LinkReader, conn: Conn, headerBytes: Uint8Array): Promise<void> {
    const log = conn.log;
    let header: LinkHeader;
    try {
      header = decodeLinkHeader(headerBytes);
    } catch (error) {
      if (!isProtocolError(error)) throw error;
      this.counters.badInput += 1;
      reader.dispose();
      return this.refuse(stream, LinkErr.InvalidMagic, log, `${error.message} (not a SPICE client)`);
    }
    const { major, size } = header;
    if (major !== SPICE_VERSION_MAJOR) {
      reader.dispose();
      if (major === 0) {
        stream.destroy();
        return;
      }
      return this.refuse(stream, LinkErr.VersionMismatch, log, `protocol major version ${major}`);
    }
    if (size < LINK_MESS_SIZE || size > MAX_LINK_MESSAGE_SIZE) {
      this.counters.badInput += 1;
      reader.dispose();
      return this.refuse(stream, LinkErr.InvalidData, log, `link message size ${size}`);
    }
    const mess = decodeLinkMess(await reader.read(size, 'link message'));
    const clog = log.child({ channelType: mess.channelType, channelId: mess.channelId });
    // Upstream checks the channel's security before anything else about it.
    if (this.secureChannels.has(mess.channelType) && !conn.secure) {
      reader.dispose();
      return this.refuse(
        stream,
        LinkErr.NeedSecured,
        clog,
        'this channel needs TLS; the client should use the TLS port',
      );
    }
    if (this.limiter.isBlocked(conn.address)) {
      reader.dispose();
      this.counters.authBlocked += 1;
      return this.refuse(
        stream,
        LinkErr.PermissionDenied,
        clog,
        'too many failed authentication attempts from this address',
      );
    }
    const channel = this.channels.get(`${mess.channelType}:${mess.channelId}`);
    if (!channel) {
      reader.dispose();
      return this.refuse(stream, LinkErr.ChannelNotAvailable, clog, 'no such channel');
    }
    // With SASL the client ignores the RSA key (upstream sends zeros): skip the key generation.
    const auth: { sasl: SaslAuthenticator } | { key: LinkKey } = this.sasl
      ? { sasl: this.sasl }
      : { key: await createLinkKey() };
    const authCap = 'sasl' in auth ? CommonCap.AuthSasl : CommonCap.AuthSpice;
    const common = CapabilitySet.of(CommonCap.ProtocolAuthSelection, authCap, CommonCap.MiniHeader);
    stream.write(
      encodeLinkReply({
        error: LinkErr.Ok,
        pubKey: 'key' in auth ? auth.key.publicDer : new Uint8Array(TICKET_PUBKEY_BYTES),
        commonCaps: common,
        channelCaps: channel.caps ?? new CapabilitySet(),
      }),
    );
    if ('sasl' in auth) {
      if (!(await this.authenticateSasl(auth.sasl, stream, reader, conn, mess.commonCaps, clog))) return;
    } else {
      if (mess.commonCaps.has(CommonCap.ProtocolAuthSelection)) {
        const mech = decodeLinkU32(await reader.read(4, 'auth mechanism'), 'auth mechanism');
        if (mech !== AuthMechanism.Spice) {
          reader.dispose();
          return this.refuseResult(stream, LinkErr.InvalidData, clog, 'unsupported auth mechanism; connection closed', {
            mechanism: mech,
          });
        }
      }
      const ticket = await reader.read(TICKET_CIPHERTEXT_BYTES, 'ticket');
      // The password itself is never logged: only the verdict.
      const verdict = checkTicket(this.ticket, decryptTicket(auth.key, ticket), performance.now());
      if (verdict !== 'ok') {
        reader.dispose();
        this.counters.authFailures += 1;
        this.authFailuresBy.inc({ reason: verdict });
        if (this.limiter.recordFailure(conn.address)) {
          clog.warn(
            {
              address: conn.address,
              failures: this.limiter.maxFailures,
              windowMs: this.limiter.windowMs,
              blockMs: this.limiter.blockMs,
            },
            'address blocked after repeated authentication failures',
          );
        }
        return this.refuseResult(stream, LinkErr.PermissionDenied, clog, 'authentication failed', { verdict });
      }
    }
    this.limiter.recordSuccess(conn.address);
    let client: RedClient;
    if (mess.channelType === ChannelType.Main) {
      const policy = this.init.clients ?? 'replace';
      if (this.sessions.size > 0 && policy === 'refuse') {
        reader.dispose();
        return this.refuseResult(
          stream,
          LinkErr.Error,
          clog,
          'a viewer is connected already and the policy is "refuse"',
        );
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
        return this.refuseResult(stream, LinkErr.BadConnectionId, clog, 'unknown session id', {
          connectionId: mess.connectionId,
        });
      }
      client = found;
    }
    stream.write(encodeLinkResult(LinkErr.Ok));
    this.counters.linked += 1;
    // Synchronous hand-over: no data event can slip between release() and the channel's listener.
    const rest = reader.release();
    const rcc: RedChannelClient = channel.connectClient(
      client,
      stream,
      { common: mess.commonCaps, channel: mess.channelCaps },
      rest,
    );
    if (rcc.isClosed) return;
    this.linked.set(rcc, stream);
    rcc.onDisconnect((reason) => {
      this.linked.delete(rcc);
      const r = this.retired.get(channel.type) ?? {
        bytesSent: 0,
        bytesReceived: 0,
        messagesSent: 0,
        messagesReceived: 0,
      };
      r.bytesSent += rcc.stats.bytesSent;
      r.bytesReceived += rcc.stats.bytesReceived;
      r.messagesSent += rcc.stats.messagesSent;
      r.messagesReceived += rcc.stats.messagesReceived;
      this.retired.set(channel.type, r);
      if (reason.startsWith('bad input')) this.counters.badInput += 1;
    });
    clog.info({ session: client.id, miniHeader: rcc.miniHeader, transport: conn.transport }, 'channel linked');
  }
}

/** Creates a SPICE server (call `listen()` to accept clients). */
export function createSpiceServer(init: SpiceServerInit = {}): SpiceServer {
  return new Reds(init);
}
