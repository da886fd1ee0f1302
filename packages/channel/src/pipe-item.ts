/** One message ready for the wire: its type and its body as chunks (header chunk + payloads). */
export interface OutgoingMessage {
  type: number;
  body: readonly Uint8Array[];
  /**
   * Messages the client handles just before this one, in order (upstream uses this for the
   * display channel's INVAL_LIST and WAIT_FOR_CHANNELS). With the full header they travel in this
   * message's sub-list; with the mini header as one SPICE_MSG_LIST sent right before it.
   */
  subMessages?: readonly OutgoingMessage[];
}

/**
 * Where an item goes in the pipe: items leave in order of priority, and in order of arrival within
 * one priority (each new item goes to the tail of its class).
 */
export const PipePriority = {
  /** Sent when nothing else waits (e.g. a lossless refresh after a stream). */
  Low: -1,
  Normal: 0,
  /** Ahead of drawing, behind control messages (e.g. cursor moves, stream control). */
  High: 1,
  /** Ahead of everything queued (SET_ACK, MIGRATE, INVAL_ALL). */
  Urgent: 2,
} as const;
export type PipePriority = (typeof PipePriority)[keyof typeof PipePriority];

/**
 * An entry of a channel client's pipe. Items are marshalled only when they reach the socket, so
 * a producer can still remove or replace them while they wait (squashing), and an item that was
 * never sent costs no encoding.
 */
export interface PipeItem {
  /** Short name for logs and statistics ('draw-copy', 'set-ack', ...). */
  readonly kind: string;
  /**
   * Bytes this item will put on the wire, as the producer estimates it (images dominate). The
   * pipe is bounded by the sum of these; an item without a size counts DEFAULT_PIPE_ITEM_SIZE.
   */
  readonly size?: number;
  /** Its place in the pipe (PipePriority.Normal when absent). */
  readonly priority?: PipePriority;
  /**
   * Work the item needs before it can be marshalled, started by the producer when it queues the
   * item (e.g. an image encoded in a worker thread). The pipe keeps its order: when this item
   * reaches the head unsettled, sending pauses (no polling) and resumes once it settles. A
   * rejection drops the item. The socket and every other client go on meanwhile.
   */
  readonly ready?: PromiseLike<unknown>;
  /** Produces the message(s) to send now; an empty list sends nothing. */
  marshal(): OutgoingMessage | readonly OutgoingMessage[];
  /** Called exactly once when the item leaves the pipe, sent (`true`) or dropped (`false`). */
  done?(sent: boolean): void;
}

/** Size assumed for a pipe item that does not state one (a header and a small body). */
export const DEFAULT_PIPE_ITEM_SIZE = 64;

/** Bytes a message takes on the wire with a mini header (its sub-messages included). */
export function messageSize(message: OutgoingMessage): number {
  let n = 6;
  for (const chunk of message.body) n += chunk.byteLength;
  // A sub-message costs its 6-byte sub-header, its 4-byte offset, and the list's count once.
  if (message.subMessages?.length) n += 2 + 6 + message.subMessages.reduce((t, m) => t + 4 + messageSize(m), 0);
  return n;
}

/** A pipe item for a message that is already known (its size is exact). */
export function messageItem(kind: string, message: OutgoingMessage): PipeItem {
  return { kind, size: messageSize(message), marshal: () => message };
}
