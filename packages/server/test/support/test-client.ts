import { constants, createPublicKey, publicEncrypt } from 'node:crypto';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';
import {
  AuthMechanism,
  CapabilitySet,
  CommonCap,
  concatChunks,
  decodeDataHeader,
  decodeLinkHeader,
  decodeLinkReply,
  encodeLinkHeader,
  encodeLinkMess,
  encodeMiniHeader,
  LINK_HEADER_SIZE,
  type LinkReply,
} from '@spice-ts/protocol';

/** A minimal SPICE client for tests: link phase, ticket, then raw mini-header messages. */
export class TestClient {
  private chunks: Buffer[] = [];
  private waiters: Array<() => void> = [];
  closed = false;

  private constructor(readonly socket: Duplex) {
    socket.on('data', (d: Buffer) => {
      this.chunks.push(d);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  static connect(port: number): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(new TestClient(s)));
      s.once('error', reject);
    });
  }

  /** A client on any stream (a TLS socket, a UNIX socket, a WebSocket stream). */
  static fromStream(stream: Duplex): TestClient {
    return new TestClient(stream);
  }

  static connectUnix(path: string): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const s = connect(path, () => resolve(new TestClient(s)));
      s.once('error', reject);
    });
  }

  static connectTls(port: number, options: ConnectionOptions): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const s = tlsConnect({ port, host: '127.0.0.1', ...options }, () => resolve(new TestClient(s)));
      s.once('error', reject);
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  get buffered(): number {
    return this.chunks.reduce((n, c) => n + c.length, 0);
  }

  /** Reads exactly n bytes; rejects if the server closes first. */
  async read(n: number, timeoutMs = 5000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    while (this.buffered < n) {
      if (this.closed) throw new Error(`closed with ${this.buffered}/${n} bytes`);
      if (Date.now() > deadline) throw new Error(`timeout waiting for ${n} bytes`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
    const all = Buffer.concat(this.chunks);
    this.chunks = [all.subarray(n)];
    return all.subarray(0, n);
  }

  /** Resolves when the server has closed the connection. */
  async waitClosed(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('server did not close the connection');
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Sends the link message, reads the reply. */
  async linkMess(
    channelType: number,
    channelId: number,
    connectionId: number,
    channelCaps = new CapabilitySet(),
  ): Promise<LinkReply> {
    const mess = encodeLinkMess({
      connectionId,
      channelType,
      channelId,
      commonCaps: CapabilitySet.of(CommonCap.ProtocolAuthSelection, CommonCap.AuthSpice, CommonCap.MiniHeader),
      channelCaps,
    });
    this.write(concatChunks([encodeLinkHeader(mess.byteLength), mess]));
    const header = decodeLinkHeader(await this.read(LINK_HEADER_SIZE));
    return decodeLinkReply(await this.read(header.size));
  }

  /** Auth mechanism + ticket; returns the u32 link result. */
  async ticket(reply: LinkReply, password: string): Promise<number> {
    const key = createPublicKey({ key: Buffer.from(reply.pubKey), format: 'der', type: 'spki' });
    const cipher = publicEncrypt(
      { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
      Buffer.from(`${password}\0`),
    );
    const mech = Buffer.alloc(4);
    mech.writeUInt32LE(AuthMechanism.Spice);
    this.write(Buffer.concat([mech, cipher]));
    return (await this.read(4)).readUInt32LE(0);
  }

  async link(
    channelType: number,
    channelId: number,
    connectionId: number,
    password = '',
    channelCaps?: CapabilitySet,
  ): Promise<number> {
    const reply = await this.linkMess(channelType, channelId, connectionId, channelCaps);
    if (reply.error !== 0) return reply.error;
    return this.ticket(reply, password);
  }

  send(type: number, body: Uint8Array = new Uint8Array(0)): void {
    this.write(concatChunks([encodeMiniHeader(type, body.byteLength), body]));
  }

  /** Next message (mini header). */
  async message(timeoutMs = 5000): Promise<{ type: number; body: Buffer }> {
    const h = decodeDataHeader(await this.read(6, timeoutMs), true)!;
    return { type: h.type, body: await this.read(h.size, timeoutMs) };
  }

  /** Reads messages until one of `type` arrives (others are returned in `skipped`). */
  async until(type: number, timeoutMs = 5000): Promise<{ body: Buffer; skipped: number[] }> {
    const skipped: number[] = [];
    for (;;) {
      const m = await this.message(timeoutMs);
      if (m.type === type) return { body: m.body, skipped };
      skipped.push(m.type);
    }
  }

  close(): void {
    this.socket.destroy();
  }
}
