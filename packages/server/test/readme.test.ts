// The README's first example, kept compiling and running (port 0 instead of 5900 so that tests
// never collide with a running server), and a real client linking to it.
import { ChannelType, LinkErr, MainMsg } from '@spice-ts/protocol';
import { afterEach, expect, it } from 'vitest';
import { createSpiceServer, type SpiceServer } from '../src/index.js';
import { TestClient } from './support/test-client.js';

let server: SpiceServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

it('runs the README example: a server with a password and a keyboard', async () => {
  const scancodes: number[] = [];
  server = createSpiceServer({
    host: '127.0.0.1',
    port: 0,
    password: 'secret',
    keyboard: { pushScancode: (byte) => scancodes.push(byte), leds: () => 0 },
  });
  const { port } = await server.listen();
  expect(port).toBeGreaterThan(0);
  const client = await TestClient.connect(port);
  expect(await client.link(ChannelType.Main, 0, 0, 'secret')).toBe(LinkErr.Ok);
  expect((await client.message()).type).toBe(MainMsg.Init);
});
