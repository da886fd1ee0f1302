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
  /** Produces the message(s) to send now; an empty list sends nothing. */
  marshal(): OutgoingMessage | readonly OutgoingMessage[];
  /** Called exactly once when the item leaves the pipe, sent (`true`) or dropped (`false`). */
  done?(sent: boolean): void;
}

/** A pipe item for a message that is already known. */
export function messageItem(kind: string, message: OutgoingMessage): PipeItem {
  return { kind, marshal: () => message };
}
