import type { Duplex } from 'node:stream';
import { createSocketWriter, createTimer, type SocketWriter, type Timer } from '@spice-ts/loop';
import {
  BaseMsg,
  BaseMsgc,
  base,
  CommonCap,
  decodeSubMessageList,
  encodeFullHeader,
  encodeMiniHeader,
  encodeSubMessageTail,
  isProtocolError,
  type ProtocolError,
} from '@spice-ts/protocol';
import { isChannelError, MessageTooLargeError, UnexpectedMessageError } from './errors.js';
import type { Logger } from './logger.js';
import { type IncomingMessage, MessageAssembler } from './message-assembler.js';
import { MigrateFlags } from './migrate.js';
import { DEFAULT_PIPE_ITEM_SIZE, messageItem, type OutgoingMessage, type PipeItem, PipePriority } from './pipe-item.js';
import { DEFAULT_MAX_PIPE_BYTES, type LinkedCaps, type RedChannel } from './red-channel.js';
import type { RedClient } from './red-client.js';

export interface ChannelClientStats {
  messagesSent: number;
  messagesReceived: number;
  bytesSent: number;
  bytesReceived: number;
  /** Times the channel's squash hook shortened the pipe. */
  squashes: number;
  /** Items dropped from the pipe unsent (squashed, removed, or at disconnect). */
  itemsDropped: number;
}

const now = (): bigint => process.hrtime.bigint();

/**
 * One connection of one channel: it reassembles and dispatches client messages, keeps the
 * outgoing pipe, marshals items as the socket can take them, enforces the ACK window and measures
 * latency. A slow peer only ever stalls its own pipe.
 */
export class RedChannelClient {
  readonly channel: RedChannel;
  readonly client: RedClient;
  readonly caps: LinkedCaps;
  /** Both sides speak the 6-byte mini header (the server always offers it). */
  readonly miniHeader: boolean;
  readonly logger: Logger;
  readonly stats: ChannelClientStats = {
    messagesSent: 0,
    messagesReceived: 0,
    bytesSent: 0,
    bytesReceived: 0,
    squashes: 0,
    itemsDropped: 0,
  };
  /** Round trip of the last measured latency ping, in ms (null until measured). */
  latencyMs: number | null = null;
  /** Smallest round trip measured so far, in ms (upstream keeps the minimum over probes). */
  minLatencyMs: number | null = null;
  /** Bound of the pipe in bytes. */
  readonly maxPipeBytes: number;

  private readonly stream: Duplex;
  private readonly writer: SocketWriter;
  private readonly assembler: MessageAssembler;
  private pipe: PipeItem[] = [];
  private migrationPending = false;
  private queuedPipeBytes = 0;
  private flushQueued = false;
  private closed = false;
  private serial = 0n;
  private readonly disconnectListeners = new Set<(reason: string) => void>();
  private readonly pipeEmptyListeners = new Set<() => void>();
  private readonly messageHooks = new Map<number, (message: IncomingMessage) => void>();
  // Items whose `ready` promise settled, is being waited on, or rejected.
  private readonly readyItems = new WeakSet<PipeItem>();
  private readonly waitingItems = new WeakSet<PipeItem>();
  private readonly failedItems = new WeakSet<PipeItem>();

  // ACK window (display, cursor)
  private ackGeneration = 0;
  private clientAckGeneration = -1;
  private messagesWindow = 0;
  private ackWindow = 0;

  // latency probes: two pings each (warm-up, measured)
  private pingTimer: Timer | null = null;
  private pingId = 0;
  private pendingPings = new Map<number, { sentAt: bigint; measured: boolean }>();

  // connectivity watchdog
  private watchdog: Timer | null = null;
  private watchdogStrikes = 0;
  private watchdogMark = { bytesReceived: 0, bytesSent: 0 };

  constructor(channel: RedChannel, client: RedClient, stream: Duplex, caps: LinkedCaps) {
    this.channel = channel;
    this.client = client;
    this.stream = stream;
    this.caps = caps;
    this.miniHeader = caps.common.has(CommonCap.MiniHeader);
    this.logger = channel.logger.child({ session: client.id });
    const stats = channel.init.stats;
    this.writer = createSocketWriter(stream, {
      name: channel.name,
      ...(channel.init.writerHighWaterMark !== undefined ? { highWaterMark: channel.init.writerHighWaterMark } : {}),
      ...(stats ? { stats } : {}),
    });
    this.writer.onDrain(() => this.flush());
    this.assembler = new MessageAssembler(this.miniHeader, (type) => channel.maxMessageSize(type));
    this.maxPipeBytes = channel.init.maxPipeBytes ?? DEFAULT_MAX_PIPE_BYTES;
  }

  /** Starts reading (called once by RedChannel.connectClient). */
  start(initialData?: Uint8Array): void {
    this.stream.on('data', (chunk: Uint8Array) => this.receive(chunk));
    this.stream.on('error', (error: Error) => this.disconnect(`socket error: ${error.message}`));
    this.stream.on('close', () => this.disconnect('peer closed the connection'));
    this.stream.on('end', () => this.disconnect('peer ended the connection'));
    if (initialData && initialData.byteLength > 0) this.receive(initialData);
    const stats = this.channel.init.stats;
    const ping = this.channel.init.ping;
    if (ping) {
      this.pingTimer = createTimer(() => this.probeLatency(ping.intervalMs), {
        name: `ping:${this.channel.name}`,
        unref: true,
        ...(stats ? { stats } : {}),
      });
      this.pingTimer.start(ping.firstMs);
    }
    const connectivity = this.channel.init.connectivity;
    if (connectivity) {
      this.watchdog = createTimer(() => this.checkConnectivity(connectivity.timeoutMs), {
        name: `watchdog:${this.channel.name}`,
        unref: true,
        ...(stats ? { stats } : {}),
      });
      this.watchdog.start(connectivity.timeoutMs);
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Items waiting in the pipe. */
  get pipeSize(): number {
    return this.pipe.length;
  }

  /** Bytes the items waiting in the pipe stand for (their `size`). */
  get pipeBytes(): number {
    return this.queuedPipeBytes;
  }

  /** True while the pipe holds its byte bound or more: producers should wait for onPipeEmpty. */
  get pipeFull(): boolean {
    return this.queuedPipeBytes >= this.maxPipeBytes;
  }

  /** Bytes handed to the socket and not yet taken by the kernel. */
  get queuedBytes(): number {
    return this.writer.queuedBytes;
  }

  /** True while the ACK window is exhausted (more than 2 × window unacknowledged messages). */
  get waitingForAck(): boolean {
    return this.channel.handleAcks && this.ackWindow > 0 && this.messagesWindow > 2 * this.ackWindow;
  }

  /** True when the socket cannot take more now (back-pressure or ACK window). */
  get blocked(): boolean {
    return !this.writer.writable || this.waitingForAck;
  }

  hasCommonCap(bit: number): boolean {
    return this.caps.common.has(bit);
  }

  hasChannelCap(bit: number): boolean {
    return this.caps.channel.has(bit);
  }

  // ---- outgoing ---------------------------------------------------------------------------

  /**
   * Queues an item at the tail of its priority class (FIFO within a priority; higher priorities
   * leave first). Over the byte bound, the channel's squash hook runs.
   */
  pipeAdd(item: PipeItem): void {
    if (this.closed) {
      item.done?.(false);
      return;
    }
    const priority = item.priority ?? PipePriority.Normal;
    let at = this.pipe.length;
    while (at > 0 && (this.pipe[at - 1]!.priority ?? PipePriority.Normal) < priority) at -= 1;
    if (at === this.pipe.length) this.pipe.push(item);
    else this.pipe.splice(at, 0, item);
    this.queuedPipeBytes += itemSize(item);
    if (this.pipeFull) this.squash();
    this.scheduleFlush();
  }

  /** Puts an item at the head of the pipe: it goes out before everything queued. */
  pipeAddUrgent(item: PipeItem): void {
    if (this.closed) {
      item.done?.(false);
      return;
    }
    this.pipe.unshift(item);
    this.queuedPipeBytes += itemSize(item);
    this.scheduleFlush();
  }

  /**
   * Puts an item right after one that is still queued (a producer keeping related items
   * together). Returns false, and queues nothing, when `after` is no longer in the pipe.
   */
  pipeAddAfter(after: PipeItem, item: PipeItem): boolean {
    if (this.closed) {
      item.done?.(false);
      return false;
    }
    const i = this.pipe.indexOf(after);
    if (i < 0) return false;
    this.pipe.splice(i + 1, 0, item);
    this.queuedPipeBytes += itemSize(item);
    if (this.pipeFull) this.squash();
    this.scheduleFlush();
    return true;
  }

  /** Removes a queued item that was not sent yet (squashing). Returns whether it was queued. */
  pipeRemove(item: PipeItem): boolean {
    const i = this.pipe.indexOf(item);
    if (i < 0) return false;
    this.pipe.splice(i, 1);
    this.queuedPipeBytes -= itemSize(item);
    this.stats.itemsDropped += 1;
    item.done?.(false);
    return true;
  }

  private squash(): void {
    const hook = this.channel.handler.squash;
    if (!hook) return;
    const next = hook(this, this.pipe);
    if (!next) return;
    const kept = new Set(next);
    for (const item of this.pipe) {
      if (!kept.has(item)) {
        this.stats.itemsDropped += 1;
        item.done?.(false);
      }
    }
    this.pipe = [...next];
    this.queuedPipeBytes = this.pipe.reduce((n, i) => n + itemSize(i), 0);
    this.stats.squashes += 1;
  }

  /** The queued items, oldest first (read-only view for producers that squash). */
  pipeItems(): readonly PipeItem[] {
    return this.pipe;
  }

  /** Convenience: queue one already-built message. */
  send(message: OutgoingMessage, kind = 'message'): void {
    this.pipeAdd(messageItem(kind, message));
  }

  /** Called whenever the pipe becomes empty and the socket can take more: produce more now. */
  onPipeEmpty(listener: () => void): () => void {
    this.pipeEmptyListeners.add(listener);
    return () => this.pipeEmptyListeners.delete(listener);
  }

  /** Starts the ACK window: queues SET_ACK {generation, window} ahead of everything else. */
  startAckWindow(window = this.channel.ackWindow): void {
    this.ackGeneration += 1;
    this.ackWindow = window;
    this.messagesWindow = 0;
    const message = { type: base.setAck.type, body: base.setAck.encode({ generation: this.ackGeneration, window }) };
    this.pipeAddUrgent({ kind: 'set-ack', marshal: () => message });
  }

  private scheduleFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(() => {
      this.flushQueued = false;
      this.flush();
    });
  }

  /** Sends pipe items while the socket and the ACK window allow. Never waits, never polls. */
  flush(): void {
    if (this.closed) return;
    this.channel.init.stats?.recordPass(`flush:${this.channel.name}`);
    if (this.pipe.length > 0 && !this.blocked) {
      this.writer.cork();
      try {
        while (this.pipe.length > 0 && !this.blocked && !this.closed) {
          const head = this.pipe[0]!;
          if (head.ready && !this.readyItems.has(head) && !this.awaitReady(head)) break;
          const item = this.pipe.shift()!;
          this.queuedPipeBytes -= itemSize(item);
          if (this.failedItems.has(item)) {
            this.stats.itemsDropped += 1;
            item.done?.(false);
            continue;
          }
          let messages: OutgoingMessage | readonly OutgoingMessage[];
          try {
            messages = item.marshal();
          } catch (error) {
            item.done?.(false);
            this.logger.error({ err: error, item: item.kind }, 'failed to marshal a pipe item; item dropped');
            continue;
          }
          for (const m of Array.isArray(messages) ? messages : [messages as OutgoingMessage]) this.writeMessage(m);
          item.done?.(true);
        }
      } finally {
        this.writer.uncork();
      }
    }
    if (this.pipe.length === 0 && !this.blocked && !this.closed) {
      for (const listener of [...this.pipeEmptyListeners]) listener();
    }
  }

  /**
   * True when `item.ready` has settled (it may then be sent or dropped); otherwise arranges one
   * flush for when it settles and returns false.
   */
  private awaitReady(item: PipeItem): boolean {
    if (this.readyItems.has(item)) return true;
    if (!this.waitingItems.has(item)) {
      this.waitingItems.add(item);
      item.ready!.then(
        () => {
          this.readyItems.add(item);
          this.scheduleFlush();
        },
        (error: unknown) => {
          this.logger.warn({ err: error, item: item.kind }, 'pipe item preparation failed; item dropped');
          this.readyItems.add(item);
          this.failedItems.add(item);
          this.scheduleFlush();
        },
      );
    }
    return false;
  }

  private writeMessage(m: OutgoingMessage): void {
    const subs = m.subMessages;
    if (subs && subs.length > 0) {
      if (this.miniHeader) {
        // No sub-list in the mini header: the sub-messages go first, as one SPICE_MSG_LIST.
        const list = base.list.encode({ subMessages: subs.map((sub) => ({ type: sub.type, data: joined(sub.body) })) });
        this.writeFramed(BaseMsg.List, list, 0);
        this.writeFramed(m.type, m.body, 0);
      } else {
        // Full header: the sub-messages and their list follow the body; sub_list points at the list.
        const tail = encodeSubMessageTail(chunksSize(m.body), subs);
        this.writeFramed(m.type, [...m.body, ...tail.chunks], tail.subList);
      }
      return;
    }
    this.writeFramed(m.type, m.body, 0);
  }

  private writeFramed(type: number, body: readonly Uint8Array[], subList: number): void {
    const size = chunksSize(body);
    const header = this.miniHeader
      ? encodeMiniHeader(type, size)
      : encodeFullHeader(++this.serial, type, size, subList);
    this.writer.write([header, ...body]);
    this.stats.messagesSent += 1;
    this.stats.bytesSent += header.byteLength + size;
    if (this.channel.handleAcks) this.messagesWindow += 1;
  }

  // ---- incoming ---------------------------------------------------------------------------

  /** Lets a channel observe common messages (e.g. the main channel's net-test PONGs). */
  onCommonMessage(type: number, hook: (message: IncomingMessage) => void): void {
    this.messageHooks.set(type, hook);
  }

  private receive(chunk: Uint8Array): void {
    if (this.closed) return;
    this.channel.init.stats?.recordWakeup('socket:data');
    this.stats.bytesReceived += chunk.byteLength;
    this.assembler.push(chunk);
    try {
      for (;;) {
        const message = this.assembler.next(
          (type, size, limit) => new MessageTooLargeError(this.channel.name, type, size, limit),
        );
        if (!message || this.closed) break;
        this.stats.messagesReceived += 1;
        if (message.subList) this.dispatchWithSubList(message);
        else this.dispatch(message);
      }
    } catch (error) {
      this.fail(error);
    }
  }

  /**
   * A full-header message with a sub-list: its sub-messages are handled first, in list order,
   * then the message itself with its body cut before the first sub-message byte. Every offset is
   * checked against the body (a bad one is a typed protocol error).
   */
  private dispatchWithSubList(message: IncomingMessage): void {
    const { subMessages, ownBodyEnd } = decodeSubMessageList(message.body, message.subList!);
    for (const sub of subMessages) {
      if (this.closed) return;
      this.dispatch({ type: sub.type, serial: message.serial, body: sub.body });
    }
    if (!this.closed)
      this.dispatch({ type: message.type, serial: message.serial, body: message.body.subarray(0, ownBodyEnd) });
  }

  private dispatch(message: IncomingMessage): void {
    const hook = this.messageHooks.get(message.type);
    if (hook && message.type < 100) {
      hook(message);
      return;
    }
    switch (message.type) {
      case BaseMsgc.AckSync:
        this.clientAckGeneration = base.ackSync.decode(message.body).generation;
        return;
      case BaseMsgc.Ack:
        if (this.clientAckGeneration === this.ackGeneration) {
          const wasBlocked = this.waitingForAck;
          this.messagesWindow = Math.max(0, this.messagesWindow - this.ackWindow);
          if (wasBlocked) this.flush();
        }
        return;
      case BaseMsgc.Pong:
        this.handlePong(base.pong.decode(message.body));
        return;
      case BaseMsgc.Disconnecting:
        this.logger.debug({}, 'client announced disconnect');
        return;
      case BaseMsgc.MigrateFlushMark:
        this.handleFlushMark();
        return;
      case BaseMsgc.MigrateData: {
        const restore = this.channel.handler.restoreMigrateData;
        if (!restore) throw new UnexpectedMessageError(this.channel.name, message.type);
        restore(this, message.body.slice());
        return;
      }
      default:
        if (message.type < 100) throw new UnexpectedMessageError(this.channel.name, message.type);
        this.channel.handler.handleMessage(this, message);
    }
  }

  private fail(error: unknown): void {
    const known = isProtocolError(error) || isChannelError(error);
    const code = known ? (error as ProtocolError).code : 'ERR_CHANNEL_HANDLER';
    this.logger.warn(
      { code, err: known ? undefined : error, reason: (error as Error).message },
      'dropping connection after bad client input',
    );
    this.disconnect(`bad input: ${(error as Error).message}`);
  }

  // ---- migration --------------------------------------------------------------------------

  /** True between our MIGRATE and the client's MIGRATE_FLUSH_MARK. */
  get migrating(): boolean {
    return this.migrationPending;
  }

  /**
   * Starts the channel's part of a seamless migration: sends MIGRATE with the channel's flags
   * (ahead of what is queued). With NEED_FLUSH the client answers MIGRATE_FLUSH_MARK; then, with
   * NEED_DATA_TRANSFER, the handler's `migrateData` goes out as MIGRATE_DATA.
   */
  startMigration(): void {
    const flags = this.channel.init.migrateFlags ?? 0;
    this.migrationPending = (flags & MigrateFlags.NeedFlush) !== 0;
    this.send({ type: base.migrate.type, body: base.migrate.encode({ flags }) }, 'migrate');
    if (!this.migrationPending) this.sendMigrateData(flags);
  }

  private handleFlushMark(): void {
    if (!this.migrationPending) throw new UnexpectedMessageError(this.channel.name, BaseMsgc.MigrateFlushMark);
    this.migrationPending = false;
    this.sendMigrateData(this.channel.init.migrateFlags ?? 0);
  }

  private sendMigrateData(flags: number): void {
    if (!(flags & MigrateFlags.NeedDataTransfer)) return;
    const data = this.channel.handler.migrateData?.(this) ?? new Uint8Array(0);
    this.send({ type: BaseMsg.MigrateData, body: [data] }, 'migrate-data');
  }

  // ---- latency ----------------------------------------------------------------------------

  /** Interval between a busy socket's re-checks before a probe (upstream: 100 ms). */
  private static readonly PROBE_RETRY_MS = 100;

  private probeLatency(intervalMs: number): void {
    if (this.closed) return;
    if (this.writer.queuedBytes > 0 || this.pipe.length > 0) {
      // Our own bytes would be measured, not the link: try again shortly.
      this.pingTimer?.start(RedChannelClient.PROBE_RETRY_MS);
      return;
    }
    this.pendingPings.clear();
    for (const measured of [false, true]) {
      const id = ++this.pingId;
      this.pipeAdd({
        kind: 'ping',
        size: 18,
        marshal: () => {
          const sentAt = now();
          this.pendingPings.set(id, { sentAt, measured });
          return { type: base.ping.type, body: base.ping.encode({ id, timestamp: sentAt }) };
        },
      });
    }
    this.pingTimer?.start(intervalMs);
  }

  private handlePong(pong: { id: number; timestamp: bigint }): void {
    const sent = this.pendingPings.get(pong.id);
    if (!sent) {
      this.logger.debug({ id: pong.id }, 'ignoring a PONG with an unexpected id');
      return;
    }
    this.pendingPings.delete(pong.id);
    if (!sent.measured) return;
    const ms = Number(now() - sent.sentAt) / 1e6;
    this.latencyMs = ms;
    this.minLatencyMs = this.minLatencyMs === null ? ms : Math.min(this.minLatencyMs, ms);
  }

  /** True while this side waits on the client: a PONG, an ACK, or a socket that takes no bytes. */
  private get waitingOnClient(): boolean {
    return this.pendingPings.size > 0 || this.waitingForAck || this.writer.queuedBytes > 0;
  }

  private checkConnectivity(timeoutMs: number): void {
    if (this.closed) return;
    const heard = this.stats.bytesReceived !== this.watchdogMark.bytesReceived;
    const drained = this.stats.bytesSent !== this.watchdogMark.bytesSent && this.writer.queuedBytes === 0;
    this.watchdogMark = { bytesReceived: this.stats.bytesReceived, bytesSent: this.stats.bytesSent };
    if (!heard && !drained && this.waitingOnClient) {
      this.watchdogStrikes += 1;
      if (this.watchdogStrikes >= 2) {
        this.logger.warn({ timeoutMs }, 'client unresponsive: neither reading nor answering');
        this.disconnect(`connectivity timeout (${2 * timeoutMs} ms without progress)`);
        return;
      }
    } else {
      this.watchdogStrikes = 0;
    }
    this.watchdog?.start(timeoutMs);
  }

  // ---- teardown ---------------------------------------------------------------------------

  onDisconnect(listener: (reason: string) => void): void {
    if (this.closed) listener('already closed');
    else this.disconnectListeners.add(listener);
  }

  /** Closes the connection and drops what is queued. Idempotent. */
  disconnect(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.pingTimer?.dispose();
    this.watchdog?.dispose();
    const dropped = this.pipe;
    this.pipe = [];
    this.queuedPipeBytes = 0;
    this.stats.itemsDropped += dropped.length;
    for (const item of dropped) item.done?.(false);
    this.writer.destroy();
    this.logger.info({ reason }, 'channel client disconnected');
    for (const listener of [...this.disconnectListeners]) listener(reason);
    this.disconnectListeners.clear();
    this.pipeEmptyListeners.clear();
  }
}

function chunksSize(chunks: readonly Uint8Array[]): number {
  let n = 0;
  for (const c of chunks) n += c.byteLength;
  return n;
}

function joined(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(chunksSize(chunks));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

function itemSize(item: PipeItem): number {
  return item.size ?? DEFAULT_PIPE_ITEM_SIZE;
}
