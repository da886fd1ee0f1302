import { Writer } from '../writer.js';

/**
 * A message body codec. `encode` returns the body as chunks so that large payloads (pixels) are
 * sent by reference after a small header chunk, never concatenated. `decode` reads a complete body
 * and throws a ProtocolError for malformed input; views it returns point into `body`.
 */
export interface MessageCodec<T> {
  readonly name: string;
  readonly type: number;
  encode(message: T): Uint8Array[];
  decode(body: Uint8Array): T;
}

/** Total byte length of a chunk list. */
export function chunksLength(chunks: readonly Uint8Array[]): number {
  let n = 0;
  for (const c of chunks) n += c.byteLength;
  return n;
}

/** Copies a chunk list into one buffer (tests and tools; the send path never does this). */
export function concatChunks(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunksLength(chunks));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** Helper for fixed-layout messages: one chunk from a writer callback. */
export function single(size: number, fill: (w: Writer) => void): Uint8Array[] {
  const w = new Writer(size);
  fill(w);
  return [w.finish()];
}

/** A codec for a message without a body. */
export function emptyCodec(name: string, type: number): MessageCodec<Record<string, never>> {
  return {
    name,
    type,
    encode: () => [],
    decode: () => ({}),
  };
}
