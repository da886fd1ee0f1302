import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { Duplex } from 'node:stream';

/** A client frame: masked unless told otherwise. */
export function clientFrame(
  opcode: number,
  payload: Uint8Array,
  options: { fin?: boolean; mask?: boolean; rsv?: number } = {},
): Buffer {
  const fin = options.fin ?? true;
  const masked = options.mask ?? true;
  const len = payload.byteLength;
  const ext = len < 126 ? 0 : len < 0x10000 ? 2 : 8;
  const head = Buffer.alloc(2 + ext + (masked ? 4 : 0));
  head[0] = (fin ? 0x80 : 0) | ((options.rsv ?? 0) << 4) | opcode;
  head[1] = (masked ? 0x80 : 0) | (ext === 0 ? len : ext === 2 ? 126 : 127);
  if (ext === 2) head.writeUInt16BE(len, 2);
  if (ext === 8) head.writeBigUInt64BE(BigInt(len), 2);
  const body = Buffer.from(payload);
  if (masked) {
    const mask = randomBytes(4);
    mask.copy(head, 2 + ext);
    for (let i = 0; i < body.length; i++) body[i] = body[i]! ^ mask[i & 3]!;
  }
  return Buffer.concat([head, body]);
}

export interface ServerFrame {
  fin: boolean;
  opcode: number;
  masked: boolean;
  payload: Buffer;
}

/** Parses whole server frames from the front of `buf`; returns them and the rest. */
export function parseServerFrames(buf: Buffer): { frames: ServerFrame[]; rest: Buffer } {
  const frames: ServerFrame[] = [];
  let at = 0;
  for (;;) {
    if (buf.length - at < 2) break;
    const b0 = buf[at]!;
    const b1 = buf[at + 1]!;
    let len = b1 & 0x7f;
    let hl = 2;
    if (len === 126) {
      if (buf.length - at < 4) break;
      len = buf.readUInt16BE(at + 2);
      hl = 4;
    } else if (len === 127) {
      if (buf.length - at < 10) break;
      len = Number(buf.readBigUInt64BE(at + 2));
      hl = 10;
    }
    const masked = (b1 & 0x80) !== 0;
    if (masked) hl += 4;
    if (buf.length - at < hl + len) break;
    frames.push({ fin: (b0 & 0x80) !== 0, opcode: b0 & 0x0f, masked, payload: buf.subarray(at + hl, at + hl + len) });
    at += hl + len;
  }
  return { frames, rest: buf.subarray(at) };
}

export function upgradeRequest(
  key: string,
  protocol: string | null = 'binary',
  origin: string | null = 'http://127.0.0.1',
): string {
  return (
    `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` +
    (protocol !== null ? `Sec-WebSocket-Protocol: ${protocol}\r\n` : '') +
    (origin !== null ? `Origin: ${origin}\r\n` : '') +
    '\r\n'
  );
}

/** Sends an upgrade and reads the response head; resolves with it and the bytes after it. */
export function upgrade(
  socket: Duplex,
  protocol: string | null = 'binary',
  origin: string | null = 'http://127.0.0.1',
): Promise<{ head: string; status: number; key: string; rest: Buffer }> {
  const key = randomBytes(16).toString('base64');
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      socket.pause();
      const head = buf.subarray(0, end + 4).toString('latin1');
      resolve({ head, status: Number(head.split(' ')[1]), key, rest: buf.subarray(end + 4) });
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(upgradeRequest(key, protocol, origin));
  });
}

/**
 * The client end of a WebSocket as a byte stream: writes become masked binary frames (each write
 * split into `fragments` frames), server data frames are unwrapped; control frames are recorded.
 */
export class WsClientStream extends Duplex {
  readonly controls: ServerFrame[] = [];
  private buf: Buffer;
  fragments = 1;

  constructor(
    readonly raw: Duplex,
    initial: Buffer = Buffer.alloc(0),
  ) {
    super();
    this.buf = Buffer.from(initial);
    raw.on('data', (d: Buffer) => this.receive(d));
    raw.on('end', () => this.push(null));
    raw.on('close', () => this.destroy());
    raw.on('error', (e) => this.destroy(e));
    raw.resume();
    if (initial.length) queueMicrotask(() => this.receive(Buffer.alloc(0)));
  }

  private receive(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    const { frames, rest } = parseServerFrames(this.buf);
    this.buf = Buffer.from(rest);
    for (const f of frames) {
      if (f.opcode === 0x2 || f.opcode === 0x0) this.push(f.payload);
      else {
        this.controls.push(f);
        this.emit('control', f);
      }
    }
  }

  override _read(): void {}

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    const n = Math.max(1, Math.min(this.fragments, chunk.length));
    const size = Math.ceil(chunk.length / n);
    for (let i = 0; i < n; i++) {
      const part = chunk.subarray(i * size, (i + 1) * size);
      this.raw.write(clientFrame(i === 0 ? 0x2 : 0x0, part, { fin: i === n - 1 }));
    }
    cb();
  }

  override _destroy(error: Error | null, cb: (e: Error | null) => void): void {
    this.raw.destroy();
    cb(error);
  }
}

export function tcp(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

/** Sends raw bytes and collects everything until the server closes. */
export function exchange(port: number, request: string | Uint8Array, timeoutMs = 5000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error('server did not close'));
    }, timeoutMs);
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('error', () => {});
    s.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    s.write(request);
  });
}
