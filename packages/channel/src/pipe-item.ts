/** One message ready for the wire: its type and its body as chunks (header chunk + payloads). */
export interface OutgoingMessage {
  type: number;
  body: readonly Uint8Array[];
}

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
  /** Produces the message(s) to send now; an empty list sends nothing. */
  marshal(): OutgoingMessage | readonly OutgoingMessage[];
  /** Called exactly once when the item leaves the pipe, sent (`true`) or dropped (`false`). */
  done?(sent: boolean): void;
}

/** Size assumed for a pipe item that does not state one (a header and a small body). */
export const DEFAULT_PIPE_ITEM_SIZE = 64;

/** Bytes a message takes on the wire with a mini header. */
export function messageSize(message: OutgoingMessage): number {
  let n = 6;
  for (const chunk of message.body) n += chunk.byteLength;
  return n;
}

/** A pipe item for a message that is already known (its size is exact). */
export function messageItem(kind: string, message: OutgoingMessage): PipeItem {
  return { kind, size: messageSize(message), marshal: () => message };
}
