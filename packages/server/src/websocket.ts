import { createHash } from 'node:crypto';
import { Duplex } from 'node:stream';
import { WebSocketError } from './errors.js';
import type { HttpRequestHead } from './http-request.js';

/** The GUID every Sec-WebSocket-Accept is derived from (RFC 6455 §1.3). */
export const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** Control frames carry at most 125 bytes (RFC 6455 §5.5). */
export const MAX_CONTROL_PAYLOAD = 125;
/**
 * Largest data frame accepted from a client (our choice: payloads are streamed, never buffered
 * whole, so this only rejects absurd lengths; SPICE client messages are small).
 */
export const MAX_WEBSOCKET_FRAME = 64 * 1024 * 1024;
/** The subprotocol spice-html5 asks for (and the only one upstream accepts). */
export const WEBSOCKET_SUBPROTOCOL = 'binary';

/** WebSocket opcodes (RFC 6455 §5.2). */
export const WsOpcode = {
  Continuation: 0x0,
  Text: 0x1,
  Binary: 0x2,
  Close: 0x8,
  Ping: 0x9,
  Pong: 0xa,
} as const;
export type WsOpcode = (typeof WsOpcode)[keyof typeof WsOpcode];

/** Close status codes we send (RFC 6455 §7.4.1). */
export const WsCloseStatus = {
  Normal: 1000,
  GoingAway: 1001,
  ProtocolError: 1002,
  TooBig: 1009,
} as const;

/** The Sec-WebSocket-Accept value for a client key. */
export function websocketAccept(key: string): string {
  return createHash('sha1').update(`${key}${WEBSOCKET_GUID}`).digest('base64');
}

/** True when an HTTP request asks for a WebSocket upgrade. */
export function isWebSocketUpgrade(head: HttpRequestHead): boolean {
  return (head.headers.get('upgrade') ?? '').toLowerCase() === 'websocket';
}

/**
 * Checks an upgrade request and returns the 101 response. Like upstream, a request without a
 * subprotocol is accepted, and one that lists subprotocols must include `binary`.
 * Throws WebSocketError (the caller answers 400) otherwise.
 */
export function websocketHandshake(head: HttpRequestHead): string {
  if (head.method !== 'GET') throw new WebSocketError(`upgrade with method ${head.method}`);
  const key = head.headers.get('sec-websocket-key');
  if (!key || Buffer.from(key, 'base64').byteLength !== 16)
    throw new WebSocketError('missing or bad Sec-WebSocket-Key');
  const version = head.headers.get('sec-websocket-version');
  if (version !== undefined && version !== '13') throw new WebSocketError(`unsupported WebSocket version ${version}`);
  const offered = head.headers.get('sec-websocket-protocol');
  let protocol = '';
  if (offered !== undefined) {
    const list = offered.split(',').map((p) => p.trim().toLowerCase());
    if (!list.includes(WEBSOCKET_SUBPROTOCOL)) throw new WebSocketError(`no "binary" subprotocol in "${offered}"`);
    protocol = `Sec-WebSocket-Protocol: ${WEBSOCKET_SUBPROTOCOL}\r\n`;
  }
  return (
    'HTTP/1.1 101 Switching Protocols\r\n' +
    'Upgrade: websocket\r\n' +
    'Connection: Upgrade\r\n' +
    `Sec-WebSocket-Accept: ${websocketAccept(key)}\r\n${protocol}\r\n`
  );
}

/** Encodes a frame header (server frames are never masked). */
export function encodeFrameHeader(opcode: number, length: number, fin = true): Uint8Array {
  const first = (fin ? 0x80 : 0) | opcode;
  if (length < 126) return Uint8Array.of(first, length);
  if (length < 0x10000) return Uint8Array.of(first, 126, length >>> 8, length & 0xff);
  const h = new Uint8Array(10);
  h[0] = first;
  h[1] = 127;
  new DataView(h.buffer).setBigUint64(2, BigInt(length));
  return h;
}

interface FrameState {
  opcode: number;
  fin: boolean;
  mask: Uint8Array;
  remaining: number;
  /** Bytes of the payload unmasked so far (the mask index continues from here). */
  offset: number;
  /** Control frame payload being collected. */
  control: Uint8Array | null;
}

/**
 * A SPICE byte stream carried in WebSocket binary frames, as a Duplex so channel code runs on it
 * unchanged. Reads: client frames are unmasked and their payloads pushed as they arrive (a frame
 * is never buffered whole); fragmentation, ping/pong and close are handled here. Writes: each
 * write (or writev batch) goes out as one unmasked binary frame. A protocol violation sends a
 * close frame and destroys only this connection.
 */
export class WebSocketStream extends Duplex {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private frame: FrameState | null = null;
  /** A data message is open (its continuation frames may follow). */
  private fragmented = false;
  private closeSent = false;
  private readonly onRawData = (chunk: Uint8Array) => this.receive(chunk);
  private readonly onRawEnd = () => this.push(null);
  private readonly onRawClose = () => this.destroy();
  private readonly onRawError = (error: Error) => this.destroy(error);

  constructor(
    readonly raw: Duplex,
    initial: Uint8Array = new Uint8Array(0),
    private readonly maxFrame = MAX_WEBSOCKET_FRAME,
  ) {
    super({ allowHalfOpen: false });
    raw.on('data', this.onRawData);
    raw.on('end', this.onRawEnd);
    raw.on('close', this.onRawClose);
    raw.on('error', this.onRawError);
    if (initial.byteLength > 0) queueMicrotask(() => this.receive(initial));
  }

  override _read(): void {
    // Flow control is left to the raw socket: payloads are pushed as they arrive.
  }

  override _write(chunk: Uint8Array, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.sendFrame(WsOpcode.Binary, [chunk], callback);
  }

  override _writev(
    chunks: Array<{ chunk: Uint8Array; encoding: BufferEncoding }>,
    callback: (error?: Error | null) => void,
  ): void {
    this.sendFrame(
      WsOpcode.Binary,
      chunks.map((c) => c.chunk),
      callback,
    );
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.sendClose(WsCloseStatus.Normal);
    this.raw.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error: Error | null) => void): void {
    this.raw.off('data', this.onRawData);
    this.raw.off('end', this.onRawEnd);
    this.raw.off('close', this.onRawClose);
    this.raw.off('error', this.onRawError);
    this.raw.destroy();
    callback(error);
  }

  private sendFrame(opcode: number, payload: readonly Uint8Array[], callback?: (error?: Error | null) => void): void {
    if (this.raw.destroyed || this.raw.writableEnded) {
      callback?.();
      return;
    }
    let length = 0;
    for (const p of payload) length += p.byteLength;
    this.raw.cork();
    let ok = this.raw.write(encodeFrameHeader(opcode, length));
    for (const p of payload) if (p.byteLength > 0) ok = this.raw.write(p);
    this.raw.uncork();
    if (!callback) return;
    if (ok) callback();
    else this.raw.once('drain', () => callback());
  }

  private sendClose(status: number): void {
    if (this.closeSent) return;
    this.closeSent = true;
    const body = Uint8Array.of(status >>> 8, status & 0xff);
    this.sendFrame(WsOpcode.Close, [body]);
  }

  /** Closes with a status after a protocol violation: only this connection goes. */
  private fail(error: WebSocketError): void {
    this.sendClose(error.status);
    this.raw.end();
    this.destroy(error);
  }

  private receive(chunk: Uint8Array): void {
    if (this.destroyed) return;
    this.chunks.push(chunk);
    this.buffered += chunk.byteLength;
    try {
      this.parse();
    } catch (error) {
      if (error instanceof WebSocketError) this.fail(error);
      else this.destroy(error as Error);
    }
  }

  private parse(): void {
    for (;;) {
      if (!this.frame) {
        const frame = this.readHeader();
        if (!frame) return;
        this.frame = frame;
      }
      const f = this.frame;
      if (f.control) {
        while (f.remaining > 0 && this.buffered > 0) {
          const part = this.takeUpTo(f.remaining);
          this.unmask(part, f);
          f.control.set(part, f.control.byteLength - f.remaining);
          f.remaining -= part.byteLength;
        }
        if (f.remaining > 0) return;
        this.frame = null;
        this.control(f.opcode, f.control);
        if (this.destroyed || this.closeSent) return;
        continue;
      }
      while (f.remaining > 0 && this.buffered > 0) {
        const part = this.takeUpTo(f.remaining);
        // The raw socket hands us its own buffers: unmasking in place is safe.
        this.unmask(part, f);
        f.remaining -= part.byteLength;
        this.push(part);
      }
      if (f.remaining > 0) return;
      this.frame = null;
    }
  }

  private readHeader(): FrameState | null {
    if (this.buffered < 2) return null;
    const head = this.peek(Math.min(this.buffered, 14));
    const b0 = head[0]!;
    const b1 = head[1]!;
    const len7 = b1 & 0x7f;
    const extra = len7 === 126 ? 2 : len7 === 127 ? 8 : 0;
    const size = 2 + extra + 4;
    if ((b1 & 0x80) === 0) throw new WebSocketError('unmasked frame from a client');
    if (this.buffered < size) return null;
    const fin = (b0 & 0x80) !== 0;
    if ((b0 & 0x70) !== 0) throw new WebSocketError('reserved bits set without a negotiated extension');
    const opcode = b0 & 0x0f;
    let length = len7;
    if (len7 === 126) length = (head[2]! << 8) | head[3]!;
    else if (len7 === 127) {
      const big = new DataView(head.buffer, head.byteOffset + 2, 8).getBigUint64(0);
      if (big > BigInt(this.maxFrame)) throw new WebSocketError(`frame of ${big} bytes`, WsCloseStatus.TooBig);
      length = Number(big);
    }
    const isControl = (opcode & 0x8) !== 0;
    if (isControl) {
      if (opcode !== WsOpcode.Close && opcode !== WsOpcode.Ping && opcode !== WsOpcode.Pong) {
        throw new WebSocketError(`unknown control opcode ${opcode}`);
      }
      if (!fin) throw new WebSocketError('fragmented control frame');
      if (length > MAX_CONTROL_PAYLOAD) throw new WebSocketError(`control frame of ${length} bytes`);
    } else {
      if (opcode !== WsOpcode.Continuation && opcode !== WsOpcode.Binary && opcode !== WsOpcode.Text) {
        throw new WebSocketError(`unknown data opcode ${opcode}`);
      }
      if (length > this.maxFrame) throw new WebSocketError(`frame of ${length} bytes`, WsCloseStatus.TooBig);
      if (opcode === WsOpcode.Continuation && !this.fragmented)
        throw new WebSocketError('continuation without a start');
      if (opcode !== WsOpcode.Continuation && this.fragmented)
        throw new WebSocketError('new message inside a fragmented one');
      this.fragmented = !fin;
    }
    const mask = head.slice(2 + extra, size);
    this.skip(size);
    return {
      opcode,
      fin,
      mask,
      remaining: length,
      offset: 0,
      control: isControl ? new Uint8Array(length) : null,
    };
  }

  private control(opcode: number, payload: Uint8Array): void {
    if (opcode === WsOpcode.Ping) {
      this.sendFrame(WsOpcode.Pong, [payload]);
    } else if (opcode === WsOpcode.Close) {
      if (payload.byteLength === 1) throw new WebSocketError('close frame with a 1-byte body');
      // Echo the status (RFC 6455 §5.5.1), then end: the reader sees the end of the stream.
      const status = payload.byteLength >= 2 ? (payload[0]! << 8) | payload[1]! : WsCloseStatus.Normal;
      this.sendClose(status);
      this.raw.end();
      this.push(null);
    }
    // A pong is a heartbeat: nothing to do.
  }

  private unmask(part: Uint8Array, f: FrameState): void {
    const m = f.mask;
    let k = f.offset;
    for (let i = 0; i < part.byteLength; i++, k++) part[i] = part[i]! ^ m[k & 3]!;
    f.offset = k;
  }

  private peek(n: number): Uint8Array {
    const first = this.chunks[0]!;
    if (first.byteLength >= n) return first.subarray(0, n);
    const out = new Uint8Array(n);
    let at = 0;
    for (const c of this.chunks) {
      if (at >= n) break;
      const part = Math.min(c.byteLength, n - at);
      out.set(c.subarray(0, part), at);
      at += part;
    }
    return out;
  }

  private skip(n: number): void {
    while (n > 0) {
      const first = this.chunks[0]!;
      if (first.byteLength <= n) {
        this.chunks.shift();
        n -= first.byteLength;
        this.buffered -= first.byteLength;
      } else {
        this.chunks[0] = first.subarray(n);
        this.buffered -= n;
        n = 0;
      }
    }
  }

  /** Takes the first chunk, or the first n bytes of it (a view, not a copy). */
  private takeUpTo(n: number): Uint8Array {
    const first = this.chunks[0]!;
    if (first.byteLength <= n) {
      this.chunks.shift();
      this.buffered -= first.byteLength;
      return first;
    }
    this.chunks[0] = first.subarray(n);
    this.buffered -= n;
    return first.subarray(0, n);
  }
}
