import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChannelType, LinkErr } from '@spice-ts/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resolveStaticPath } from '../src/http-site.js';
import { createSpiceServer, type SpiceServer } from '../src/index.js';
import { TestClient } from './support/test-client.js';
import { exchange } from './support/ws-client.js';

let server: SpiceServer | null = null;
let webDir = '';

beforeAll(() => {
  webDir = mkdtempSync(join(tmpdir(), 'spice-html5-'));
  mkdirSync(join(webDir, 'src'));
  writeFileSync(join(webDir, 'src', 'main.js'), 'export class SpiceMainConn {}\n');
  writeFileSync(join(webDir, 'spice.css'), 'body{}\n');
  writeFileSync(join(tmpdir(), 'spice-ts-secret.txt'), 'secret\n');
});
afterAll(() => {
  rmSync(webDir, { recursive: true, force: true });
  rmSync(join(tmpdir(), 'spice-ts-secret.txt'), { force: true });
});

async function start(init: Parameters<typeof createSpiceServer>[0] = {}) {
  server = createSpiceServer({ port: 0, netTest: false, webClientDir: webDir, ...init });
  return (await server.listen()).port;
}

afterEach(async () => {
  await server?.close({ graceMs: 0 });
  server = null;
});

function parse(response: Buffer) {
  const end = response.indexOf('\r\n\r\n');
  const head = response.subarray(0, end).toString('latin1');
  const headers = new Map(
    head
      .split('\r\n')
      .slice(1)
      .map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()] as const),
  );
  return { status: Number(head.split(' ')[1]), headers, body: response.subarray(end + 4).toString('utf8') };
}

const get = async (port: number, path: string) =>
  parse(await exchange(port, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`));

describe('HTTP on the SPICE port', () => {
  it('answers /healthz with 200 and a JSON status', async () => {
    const port = await start();
    const r = await get(port, '/healthz');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json');
    expect(JSON.parse(r.body)).toMatchObject({ status: 'ok', sessions: 0 });
  });

  it('serves Prometheus metrics with connections, linked channels, traffic and auth failures', async () => {
    const port = await start({ password: 'pw' });
    const bad = await TestClient.connect(port);
    expect(await bad.link(ChannelType.Main, 0, 0, 'nope')).toBe(LinkErr.PermissionDenied);
    bad.close();
    const good = await TestClient.connect(port);
    expect(await good.link(ChannelType.Main, 0, 0, 'pw')).toBe(LinkErr.Ok);
    await good.message();
    const r = await get(port, '/metrics');
    good.close();
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(r.body).toContain('# TYPE spice_connections_total counter');
    expect(r.body).toMatch(/^spice_connections_total\{listener="tcp",transport="spice"\} 2$/m);
    expect(r.body).toMatch(/^spice_channel_clients\{channel="main"\} 1$/m);
    expect(r.body).toMatch(/^spice_auth_failures_total\{reason="wrong-password"\} 1$/m);
    expect(r.body).toMatch(/^spice_link_refusals_total\{error="permission_denied"\} 1$/m);
    const sent = /^spice_sent_bytes_total\{channel="main"\} (\d+)$/m.exec(r.body);
    expect(Number(sent?.[1])).toBeGreaterThan(0);
    expect(r.body).toMatch(/^spice_event_loop_delay_seconds\{quantile="0.99"\} [0-9.e-]+$/m);
    expect(r.body).toMatch(/^spice_pipe_bytes\{channel="display"\} 0$|^spice_pipe_bytes\{channel="main"\} \d+$/m);
  });

  it('serves our page at / that loads spice-html5 from the same server and connects back over ws', async () => {
    const port = await start();
    const r = await get(port, '/');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(r.body).toContain("import * as SpiceHtml5 from './src/main.js'");
    expect(r.body).toContain("'wss://' : 'ws://') + location.host");
    expect(r.body).toContain("params.get('password')");
  });

  it('serves the web client files with their content types', async () => {
    const port = await start();
    const js = await get(port, '/src/main.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.body).toContain('SpiceMainConn');
    const css = await get(port, '/spice.css?v=1');
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect((await get(port, '/nope.js')).status).toBe(404);
  });

  it.each([
    '/../spice-ts-secret.txt',
    '/%2e%2e/spice-ts-secret.txt',
    '/src/..%2f..%2fspice-ts-secret.txt',
    '/..%5cspice-ts-secret.txt',
  ])('does not leave the web client directory for %s', async (path) => {
    const port = await start();
    const r = await get(port, path);
    expect([403, 404]).toContain(r.status);
    expect(r.body).not.toContain('secret');
  });

  it('says how to install spice-html5 when it is missing', async () => {
    const port = await start({ webClientDir: join(webDir, 'missing') });
    const r = await get(port, '/');
    expect(r.status).toBe(200);
    expect(r.body).toContain('apt-get install spice-html5');
  });

  it('answers 431 to a request head over 8 KiB and 400 to a bad request line', async () => {
    const port = await start();
    const big = parse(await exchange(port, `GET / HTTP/1.1\r\nX-Big: ${'a'.repeat(9000)}\r\n\r\n`));
    expect(big.status).toBe(431);
    const bad = parse(await exchange(port, 'GET nonsense\r\n\r\n'));
    expect(bad.status).toBe(400);
  });

  it('maps paths under the root and refuses escapes', () => {
    expect(resolveStaticPath('/srv/web', '/src/main.js')).toBe('/srv/web/src/main.js');
    expect(resolveStaticPath('/srv/web', '/a/../b.js')).toBeNull();
    expect(resolveStaticPath('/srv/web', '/%00')).toBeNull();
    expect(resolveStaticPath('/srv/web', '/%E0%A4%A')).toBeNull();
  });
});
