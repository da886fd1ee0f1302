import { once } from 'node:events';
import * as net from 'node:net';
import { Duplex } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLoopStats, createSocketWriter, isLoopError, LoopErrorCode } from '../src/index.js';

interface Pair {
  /** The side we write on (an accepted server socket, like a SPICE channel connection). */
  server: net.Socket;
  /** The peer (a client that may stop reading). */
  client: net.Socket;
}

const open: net.Socket[] = [];

async function connectPair(options: { pauseClient?: boolean } = {}): Promise<Pair> {
  const listener = net.createServer();
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const { port } = listener.address() as net.AddressInfo;
  const accepted = once(listener, 'connection') as Promise<[net.Socket]>;
  const client = net.connect(port, '127.0.0.1');
  if (options.pauseClient) client.pause();
  const [[server]] = await Promise.all([accepted, once(client, 'connect')]);
  listener.close();
  // Errors such as EPIPE after the peer went away are expected in some tests; 'close' follows.
  server.on('error', () => {});
  client.on('error', () => {});
  open.push(server, client);
  return { server, client };
}

function collect(socket: net.Socket): { chunks: Buffer[]; ended: Promise<Buffer> } {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = once(socket, 'end').then(() => Buffer.concat(chunks));
  socket.resume();
  return { chunks, ended };
}

/** A chunk whose bytes encode its index, so reordering or loss shows up in a byte comparison. */
function patterned(index: number, size: number): Buffer {
  const chunk = Buffer.alloc(size);
  for (let i = 0; i < size; i++) chunk[i] = (index * 31 + i * 7 + (i >>> 8)) & 0xff;
  return chunk;
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

type WriteFn = (chunk: unknown, encoding: unknown, callback: unknown) => void;
type WritevFn = (chunks: { chunk: Uint8Array }[], callback: unknown) => void;

/** Records the chunk sizes of every `_write`/`_writev` (i.e. every write syscall) of a socket. */
function recordWrites(socket: net.Socket): { writes: number[]; writevs: number[][] } {
  const target = socket as unknown as { _write: WriteFn; _writev: WritevFn };
  const record = { writes: [] as number[], writevs: [] as number[][] };
  const write = target._write;
  const writev = target._writev;
  target._write = function (this: unknown, chunk, encoding, callback) {
    record.writes.push((chunk as Uint8Array).byteLength);
    write.call(this, chunk, encoding, callback);
  };
  target._writev = function (this: unknown, chunks, callback) {
    record.writevs.push(chunks.map((entry) => entry.chunk.byteLength));
    writev.call(this, chunks, callback);
  };
  return record;
}

afterEach(() => {
  vi.useRealTimers();
  for (const socket of open.splice(0)) socket.destroy();
});

describe('createSocketWriter', () => {
  it('signals back-pressure at the high-water mark and drains when the stalled peer reads again, without timers', async () => {
    const { server, client } = await connectPair({ pauseClient: true });
    // Freeze every user-land timer: if the writer polled with setTimeout/setInterval, drain would never come.
    vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval'] });
    const stats = createLoopStats();
    const highWaterMark = 256 * 1024;
    const writer = createSocketWriter(server, { highWaterMark, stats });
    const sent: Buffer[] = [];

    // Fill the kernel buffers, then our queue, while the peer does not read.
    for (let index = 0; ; index++) {
      const chunk = patterned(index, 64 * 1024);
      sent.push(chunk);
      if (!writer.write([chunk])) break;
      expect(index).toBeLessThan(4096); // ~256 MiB: the kernel would have pushed back long before
      await turn();
    }
    expect(writer.writable).toBe(false);
    expect(writer.queuedBytes).toBeGreaterThanOrEqual(highWaterMark);
    expect(writer.queuedBytes).toBe(server.writableLength);

    // Still stalled: more writes are queued and counted, nothing wakes us up.
    const queued = writer.queuedBytes;
    const extra = patterned(sent.length, 1000);
    sent.push(extra);
    expect(writer.write([extra])).toBe(false);
    expect(writer.queuedBytes).toBe(queued + extra.byteLength);
    for (let i = 0; i < 20; i++) await turn();
    expect(stats.wakeups).toBe(0);
    expect(writer.queuedBytes).toBe(queued + extra.byteLength);

    let drains = 0;
    const drained = new Promise<void>((resolve) =>
      writer.onDrain(() => {
        drains += 1;
        resolve();
      }),
    );
    const received = collect(client);
    await drained;
    expect(writer.queuedBytes).toBeLessThan(highWaterMark);
    expect(writer.writable).toBe(true);
    expect(drains).toBe(1);
    expect(stats.reasons['socket:drain']).toBe(1);
    expect(Object.keys(stats.reasons).filter((reason) => reason.startsWith('timer'))).toEqual([]);

    writer.end();
    const bytes = await received.ended;
    expect(bytes.equals(Buffer.concat(sent))).toBe(true);
  });

  it('sends a header and its payload intact, in one writev, without concatenating them', async () => {
    const { server, client } = await connectPair();
    const syscalls = recordWrites(server);
    const writer = createSocketWriter(server);
    const received = collect(client);

    const header = Uint8Array.from([0x65, 0x00, 0x10, 0x00, 0x10, 0x00]); // a 6-byte mini header
    const payload = new Uint8Array(patterned(7, 1024 * 1024)); // a plain Uint8Array, not a Buffer
    expect(writer.write([header, payload])).toBe(true);
    expect(syscalls).toEqual({ writes: [], writevs: [[6, 1024 * 1024]] });

    writer.end();
    const bytes = await received.ended;
    expect(bytes.subarray(0, 6)).toEqual(Buffer.from(header));
    expect(bytes.subarray(6).equals(Buffer.from(payload))).toBe(true);
  });

  it('batches several messages written under cork() into one writev at uncork()', async () => {
    const { server, client } = await connectPair();
    const syscalls = recordWrites(server);
    const writer = createSocketWriter(server);
    const received = collect(client);
    const expected: Buffer[] = [];

    writer.cork();
    writer.cork(); // nests
    for (let i = 0; i < 3; i++) {
      const header = patterned(100 + i, 8);
      const body = patterned(200 + i, 1000 + i);
      expected.push(header, body);
      writer.write([header, body]);
    }
    expect(syscalls).toEqual({ writes: [], writevs: [] });
    expect(writer.queuedBytes).toBe(3 * 8 + 1000 + 1001 + 1002);
    writer.uncork();
    expect(syscalls.writevs).toEqual([]);
    writer.uncork();
    expect(syscalls).toEqual({ writes: [], writevs: [[8, 1000, 8, 1001, 8, 1002]] });
    writer.uncork(); // unbalanced uncork is a no-op

    writer.end();
    expect((await received.ended).equals(Buffer.concat(expected))).toBe(true);
  });

  it('ignores empty chunks and empty batches', async () => {
    const { server, client } = await connectPair();
    const writer = createSocketWriter(server);
    const received = collect(client);
    expect(writer.write([])).toBe(true);
    expect(writer.write([new Uint8Array(0)])).toBe(true);
    expect(writer.write([new Uint8Array(0), Uint8Array.of(1, 2), new Uint8Array(0)])).toBe(true);
    writer.end();
    expect([...(await received.ended)]).toEqual([1, 2]);
  });

  it('end() flushes what is queued, then half-closes; later writes are dropped', async () => {
    const { server, client } = await connectPair({ pauseClient: true });
    const writer = createSocketWriter(server, { highWaterMark: 1024 });
    const sent: Buffer[] = [];
    for (let i = 0; i < 64; i++) {
      const chunk = patterned(i, 64 * 1024);
      sent.push(chunk);
      writer.write([chunk]);
    }
    writer.end();
    expect(writer.closed).toBe(true);
    expect(writer.writable).toBe(false);
    expect(writer.write([Uint8Array.of(9)])).toBe(false);
    const received = collect(client);
    expect((await received.ended).equals(Buffer.concat(sent))).toBe(true);
  });

  it('destroy() drops the queue, closes the connection and never signals drain', async () => {
    const { server, client } = await connectPair({ pauseClient: true });
    const writer = createSocketWriter(server, { highWaterMark: 1024 });
    const drained = vi.fn();
    writer.onDrain(drained);
    writer.write([patterned(0, 8 * 1024 * 1024)]);
    expect(writer.writable).toBe(false);
    const peerClosed = once(client, 'close');
    const serverClosed = once(server, 'close');
    client.resume();
    writer.destroy();
    expect(writer.closed).toBe(true);
    expect(writer.queuedBytes).toBe(0);
    expect(writer.writable).toBe(false);
    expect(writer.write([Uint8Array.of(1)])).toBe(false);
    expect(server.destroyed).toBe(true);
    await Promise.all([peerClosed, serverClosed]);
    expect(drained).not.toHaveBeenCalled();
  });

  it('destroy(error) hands the error to the socket', async () => {
    const { server } = await connectPair();
    const writer = createSocketWriter(server);
    const failure = new Error('protocol violation');
    const errored = once(server, 'error');
    writer.destroy(failure);
    const [error] = await errored;
    expect(error).toBe(failure);
  });

  it('reports closed once the peer goes away', async () => {
    const { server, client } = await connectPair();
    const writer = createSocketWriter(server);
    expect(writer.closed).toBe(false);
    const closed = once(server, 'close');
    client.destroy();
    server.resume(); // read the FIN so the socket notices
    await closed;
    expect(writer.closed).toBe(true);
    expect(writer.write([Uint8Array.of(1)])).toBe(false);
  });

  it('does not call unsubscribed drain listeners', async () => {
    const stream = new HeldDuplex();
    const writer = createSocketWriter(stream, { highWaterMark: 10 });
    const kept = vi.fn();
    const dropped = vi.fn();
    writer.onDrain(kept);
    const unsubscribe = writer.onDrain(dropped);
    expect(writer.write([new Uint8Array(12)])).toBe(false);
    unsubscribe();
    stream.completeAll();
    await turn();
    expect(kept).toHaveBeenCalledTimes(1);
    expect(dropped).not.toHaveBeenCalled();
  });

  it('on any Duplex, counts bytes until their write completes and drains on completion', async () => {
    const stream = new HeldDuplex();
    const stats = createLoopStats();
    const writer = createSocketWriter(stream, { highWaterMark: 100, stats });
    const drained = vi.fn();
    writer.onDrain(drained);

    expect(writer.write([new Uint8Array(60)])).toBe(true);
    expect(writer.queuedBytes).toBe(60);
    expect(writer.write([new Uint8Array(10), new Uint8Array(40)])).toBe(false);
    expect(writer.queuedBytes).toBe(110);
    stream.completeNext(); // the first 60 bytes reach the "kernel"
    await turn();
    expect(writer.queuedBytes).toBe(50);
    expect(drained).toHaveBeenCalledTimes(1);
    expect(stats.snapshot().reasons).toEqual({ 'socket:drain': 1 });

    // No second drain without another write returning false.
    stream.completeAll();
    await turn();
    expect(writer.queuedBytes).toBe(0);
    expect(drained).toHaveBeenCalledTimes(1);
  });

  it('rejects a high-water mark that is not a positive integer', async () => {
    const { server } = await connectPair();
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      let caught: unknown;
      try {
        createSocketWriter(server, { highWaterMark: bad });
      } catch (error) {
        caught = error;
      }
      expect(isLoopError(caught, LoopErrorCode.InvalidArgument)).toBe(true);
    }
  });
});

/** A Duplex whose writes complete only when the test says so (no kernel, fully deterministic). */
class HeldDuplex extends Duplex {
  private readonly held: (() => void)[] = [];

  override _read(): void {}

  override _write(_chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.held.push(() => callback());
  }

  override _writev(
    _chunks: { chunk: Buffer; encoding: BufferEncoding }[],
    callback: (error?: Error | null) => void,
  ): void {
    this.held.push(() => callback());
  }

  completeNext(): void {
    this.held.shift()?.();
  }

  completeAll(): void {
    while (this.held.length > 0) this.completeNext();
  }
}
