import { connect, type Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { BaseMsg, ChannelType, LinkErr, MainMsg } from '@spice-ts/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { createSpiceServer, type SpiceServer } from '../src/index.js';
import { TestClient } from './support/test-client.js';
import { tcp, upgrade } from './support/ws-client.js';

let server: SpiceServer | null = null;
const clients: TestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server?.close({ graceMs: 0 });
  server = null;
});

async function start(init: Parameters<typeof createSpiceServer>[0] = {}) {
  server = createSpiceServer({ port: 0, netTest: false, webClientDir: null, ...init });
  return (await server.listen()).port;
}

function rawClient(port: number, allowHalfOpen = false): Promise<TestClient> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1', allowHalfOpen }, () => {
      const c = TestClient.fromStream(s);
      clients.push(c);
      resolve(c);
    });
    s.once('error', reject);
  });
}

describe('graceful shutdown', () => {
  it('sends DISCONNECTING on every linked channel, then closes the connections cleanly', async () => {
    const port = await start();
    const main = await rawClient(port);
    expect(await main.link(ChannelType.Main, 0, 0)).toBe(LinkErr.Ok);
    const init = await main.message();
    expect(init.type).toBe(MainMsg.Init);
    const inputs = await rawClient(port);
    expect(await inputs.link(ChannelType.Inputs, 0, init.body.readUInt32LE(0))).toBe(LinkErr.Ok);
    const started = performance.now();
    const closing = server!.close({ graceMs: 5000 });
    const [m, i] = await Promise.all([main.until(BaseMsg.Disconnecting), inputs.until(BaseMsg.Disconnecting)]);
    expect(m.body.byteLength).toBe(12);
    expect(m.body.readUInt32LE(8)).toBe(LinkErr.Ok);
    expect(i.body.byteLength).toBe(12);
    await Promise.all([main.waitClosed(), inputs.waitClosed()]);
    await closing;
    server = null;
    // The clients closed their ends in answer, so close() did not wait for the grace period.
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('cuts off a client that does not close after the grace period', async () => {
    const port = await start();
    const stubborn = await rawClient(port, true);
    expect(await stubborn.link(ChannelType.Main, 0, 0)).toBe(LinkErr.Ok);
    const started = performance.now();
    await server!.close({ graceMs: 200 });
    server = null;
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    await stubborn.until(BaseMsg.Disconnecting);
    // The server's socket is gone: the first write draws a reset, the next one fails.
    stubborn.write(Buffer.alloc(16));
    await new Promise((r) => setTimeout(r, 100));
    stubborn.write(Buffer.alloc(16));
    await stubborn.waitClosed();
  });

  it('drops connections still in the link phase at once', async () => {
    const port = await start();
    const pending = await rawClient(port);
    pending.write(Buffer.from('REDQ'));
    await new Promise((r) => setTimeout(r, 20));
    await server!.close({ graceMs: 5000 });
    server = null;
    await pending.waitClosed(1000);
  });
});

describe('link timeout', () => {
  it('drops a client that stalls after its link message (no ticket)', async () => {
    const port = await start({ linkTimeoutMs: 200 });
    const c = await rawClient(port);
    expect((await c.linkMess(ChannelType.Main, 0, 0)).error).toBe(LinkErr.Ok);
    const t = performance.now();
    await c.waitClosed(3000);
    expect(performance.now() - t).toBeLessThan(1000);
  });

  it('drops a client that stalls in the middle of an HTTP request head', async () => {
    const port = await start({ linkTimeoutMs: 200 });
    const c = await rawClient(port);
    c.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n'));
    await c.waitClosed(3000);
  });

  it('destroys a refused connection whose peer keeps its end open', async () => {
    const port = await start({ linkTimeoutMs: 200 });
    const s = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    s.on('error', () => {});
    s.resume();
    await new Promise((r) => s.once('connect', r));
    s.write('SSH-2.0-junk-junk-junk\r\n');
    await new Promise((r) => s.once('end', r));
    // Our end stays open; the server's linger timer destroys its socket, and a write then fails.
    await new Promise((r) => setTimeout(r, 400));
    s.write('x');
    await new Promise((r) => setTimeout(r, 50));
    s.write('x');
    await new Promise((r) => s.once('close', r));
  });

  it('drops a WebSocket client that upgrades and then sends nothing', async () => {
    const port = await start({ linkTimeoutMs: 200 });
    const raw = await tcp(port);
    const res = await upgrade(raw);
    expect(res.status).toBe(101);
    raw.resume();
    await new Promise((r) => raw.once('close', r));
  });
});

/** Counts of the resource types a leaked connection would leave behind. */
function resources(): Record<string, number> {
  const out: Record<string, number> = { TCPSocketWrap: 0, Timeout: 0, TCPServerWrap: 0 };
  for (const r of process.getActiveResourcesInfo()) if (r in out) out[r] = (out[r] ?? 0) + 1;
  return out;
}

function gc(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

async function cycle(port: number, kind: number): Promise<void> {
  const s: Socket = connect(port, '127.0.0.1');
  s.on('error', () => {});
  s.resume();
  const closed = new Promise((r) => s.once('close', r));
  await new Promise((r) => s.once('connect', r));
  switch (kind) {
    case 0: // connect and go
      s.destroy();
      break;
    case 1: // junk: INVALID_MAGIC, then the server closes
      s.write('SSH-2.0-junk-junk-junk\r\n');
      break;
    case 2: // a partial link header, then a half-close
      s.end(Buffer.from([0x52, 0x45, 0x44, 0x51, 2, 0]));
      break;
    case 3: // an HTTP request
      s.write('GET /healthz HTTP/1.1\r\n\r\n');
      break;
    default: // a WebSocket upgrade, then gone
      s.write(
        'GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      );
      setTimeout(() => s.destroy(), 1);
  }
  await closed;
}

describe('connection churn', () => {
  it('leaves no handles, timers or memory behind after 1000 connect/disconnect cycles', async () => {
    const port = await start();
    const run = async (n: number) => {
      for (let i = 0; i < n; i += 20) {
        await Promise.all(Array.from({ length: 20 }, (_, k) => cycle(port, (i + k) % 5)));
      }
    };
    await run(100); // warm-up: lazy allocations, JIT
    const settle = async (target: Record<string, number>) => {
      for (let i = 0; i < 100; i++) {
        const now = resources();
        if (now.TCPSocketWrap! <= target.TCPSocketWrap! && now.Timeout! <= target.Timeout!) return now;
        await new Promise((r) => setTimeout(r, 20));
      }
      return resources();
    };
    gc();
    const before = resources();
    const heapBefore = process.memoryUsage().heapUsed;
    const t = performance.now();
    await run(1000);
    const ms = performance.now() - t;
    const after = await settle(before);
    gc();
    const heapAfter = process.memoryUsage().heapUsed;
    const growth = heapAfter - heapBefore;
    console.log(
      `1000 cycles in ${ms.toFixed(0)} ms; resources before ${JSON.stringify(before)} after ${JSON.stringify(after)}; heap ${(heapBefore / 1e6).toFixed(1)} → ${(heapAfter / 1e6).toFixed(1)} MB (${(growth / 1e6).toFixed(2)} MB)`,
    );
    // Nothing more than before (a timer of an earlier test may have ended meanwhile).
    for (const [type, n] of Object.entries(after)) expect(n, type).toBeLessThanOrEqual(before[type]!);
    // Bound: 4 MB (a leaked socket with its reader costs ~10 KB: 1000 of them would show).
    expect(growth).toBeLessThan(4 * 1024 * 1024);
    expect(server!.counters.connections).toBe(1100);
  }, 60_000);
});
