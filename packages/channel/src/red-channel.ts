import type { Duplex } from 'node:stream';
import type { LoopStats } from '@spice-ts/loop';
import type { CapabilitySet } from '@spice-ts/protocol';
import { type Logger, silentLogger } from './logger.js';
import type { IncomingMessage } from './message-assembler.js';
import type { PipeItem } from './pipe-item.js';
import { RedChannelClient } from './red-channel-client.js';
import type { RedClient } from './red-client.js';

/** Largest client message accepted by default (upstream main channel ≈ 4 KiB + agent chunks). */
export const DEFAULT_MAX_MESSAGE_SIZE = 4096;

/** Default bound of a client's pipe in bytes: a few full 1080p frames, uncompressed. */
export const DEFAULT_MAX_PIPE_BYTES = 8 * 1024 * 1024;

/**
 * What a channel implementation provides. First-party channels (main, display, inputs, cursor)
 * and third-party ones implement the same interface.
 */
export interface ChannelHandler {
  /** The link succeeded: queue the channel's first messages here. */
  connect?(rcc: RedChannelClient): void;
  /**
   * A client message that is not one of the common ones (ACK, PONG, ...). Throw (e.g.
   * UnexpectedMessageError) for a type the channel does not handle: that client is disconnected.
   */
  handleMessage(rcc: RedChannelClient, message: IncomingMessage): void;
  /** The client is gone (socket closed, error, or its RedClient was destroyed). */
  disconnect?(rcc: RedChannelClient): void;
  /**
   * The pipe went over its byte bound: return a shorter list that stands for the same outcome
   * (e.g. outstanding drawing squashed into one surface image), or null to keep it as it is.
   * Items left out of the returned list are dropped (their `done(false)` is called).
   */
  squash?(rcc: RedChannelClient, items: readonly PipeItem[]): PipeItem[] | null;
  /**
   * Seamless migration (source side): the client sent MIGRATE_FLUSH_MARK after our MIGRATE with
   * NEED_DATA_TRANSFER. Return the channel's migration data; it is sent as MIGRATE_DATA.
   */
  migrateData?(rcc: RedChannelClient): Uint8Array;
  /** Seamless migration (destination side): the client forwarded the source's MIGRATE_DATA. */
  restoreMigrateData?(rcc: RedChannelClient, data: Uint8Array): void;
}

export interface RedChannelInit {
  type: number;
  id: number;
  /** Name for logs, e.g. 'display:0'. */
  name?: string;
  /** Channel capabilities this side advertises in the link reply. */
  caps?: CapabilitySet;
  /** Use the SET_ACK / ACK window (display and cursor). */
  handleAcks?: boolean;
  /** ACK window announced in SET_ACK (20 by default, 40 for low bandwidth). */
  ackWindow?: number;
  /** Largest client message body accepted, per message type. */
  maxMessageSize?: number | ((type: number) => number);
  /**
   * Latency probes: the first after `firstMs`, then every `intervalMs`. Each probe sends two
   * PINGs (a warm-up, then the measured one); the round trip is the minimum over probes. A probe
   * is put off while the socket still has bytes queued. Omit for none.
   */
  ping?: { firstMs: number; intervalMs: number };
  /**
   * Disconnect a client that, for two checks in a row `timeoutMs` apart, sent us nothing while we
   * waited on it (a PONG, an ACK, or its socket taking our bytes). Omit for no watchdog.
   */
  connectivity?: { timeoutMs: number };
  /** Bound of each client's pipe in bytes (the sum of the items' `size`); default 8 MiB. */
  maxPipeBytes?: number;
  /**
   * What this channel needs when a session migrates (upstream's per-channel migrate flags):
   * NEED_FLUSH (the client flushes what it has, then sends MIGRATE_FLUSH_MARK) and/or
   * NEED_DATA_TRANSFER (the handler's `migrateData` travels to the destination). Default 0.
   */
  migrateFlags?: number;
  /** Whether several viewers may connect this channel at once. */
  multiClient?: boolean;
  /**
   * The channel's behaviour. Omit it only in a subclass of RedChannel that implements the
   * ChannelHandler methods itself (as the first-party channels do).
   */
  handler?: ChannelHandler;
  logger?: Logger;
  stats?: LoopStats;
  /** Back-pressure threshold of each client's socket writer, in bytes. */
  writerHighWaterMark?: number;
}

export interface LinkedCaps {
  common: CapabilitySet;
  channel: CapabilitySet;
}

/** A server-side channel (type + id): its capabilities, its handler and its connected clients. */
export class RedChannel {
  readonly type: number;
  readonly id: number;
  readonly name: string;
  readonly caps: CapabilitySet | undefined;
  readonly handleAcks: boolean;
  readonly ackWindow: number;
  readonly multiClient: boolean;
  readonly logger: Logger;
  readonly init: RedChannelInit;
  readonly handler: ChannelHandler;
  private readonly members = new Set<RedChannelClient>();

  constructor(init: RedChannelInit) {
    this.init = init;
    this.type = init.type;
    this.id = init.id;
    this.name = init.name ?? `channel-${init.type}:${init.id}`;
    this.caps = init.caps;
    this.handleAcks = init.handleAcks ?? false;
    this.ackWindow = init.ackWindow ?? 20;
    this.multiClient = init.multiClient ?? false;
    this.logger = (init.logger ?? silentLogger).child({ channel: this.name });
    const own = this as unknown as Partial<ChannelHandler>;
    if (init.handler) this.handler = init.handler;
    else if (typeof own.handleMessage === 'function') this.handler = own as ChannelHandler;
    else throw new TypeError(`channel ${this.name}: give a handler, or subclass RedChannel with handleMessage()`);
  }

  get clients(): ReadonlySet<RedChannelClient> {
    return this.members;
  }

  maxMessageSize(type: number): number {
    const m = this.init.maxMessageSize;
    if (typeof m === 'function') return m(type);
    return m ?? DEFAULT_MAX_MESSAGE_SIZE;
  }

  /** Takes over a linked stream for `client` and starts the channel on it. */
  connectClient(client: RedClient, stream: Duplex, caps: LinkedCaps, initialData?: Uint8Array): RedChannelClient {
    const rcc = new RedChannelClient(this, client, stream, caps);
    this.members.add(rcc);
    rcc.onDisconnect(() => {
      this.members.delete(rcc);
      this.handler.disconnect?.(rcc);
    });
    client.add(rcc);
    rcc.start(initialData);
    this.handler.connect?.(rcc);
    return rcc;
  }

  /** Queues an item for every connected client (one item per client). */
  pipesAdd(make: (rcc: RedChannelClient) => PipeItem): void {
    for (const rcc of this.members) rcc.pipeAdd(make(rcc));
  }

  /** Disconnects every client of this channel. */
  disconnectAll(reason: string): void {
    for (const rcc of [...this.members]) rcc.disconnect(reason);
  }
}
