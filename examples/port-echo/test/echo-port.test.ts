import type { Socket } from 'node:net';
import { RedClient, silentLogger } from '@spice-ts/channel';
import { CapabilitySet, CommonCap, decodeDataHeader, encodeMiniHeader, PortMsg, SpicevmcMsg } from '@spice-ts/protocol';
import { socketPair } from '@spice-ts/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { echoPort } from '../src/index.js';

const open: Socket[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.destroy();
});

describe('echo port', () => {
  it('announces its name in PORT_INIT and echoes data', async () => {
    const channel = echoPort()({ logger: silentLogger });
    expect(channel.type).toBe(10);
    const [server, peer] = await socketPair();
    open.push(server, peer);
    channel.connectClient(new RedClient(1), server, {
      common: CapabilitySet.of(CommonCap.MiniHeader),
      channel: new CapabilitySet(),
    });
    let buf = Buffer.alloc(0);
    const messages: Array<{ type: number; body: Buffer }> = [];
    peer.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const h = decodeDataHeader(buf, true);
        if (!h || buf.length < 6 + h.size) break;
        messages.push({ type: h.type, body: buf.subarray(6, 6 + h.size) });
        buf = buf.subarray(6 + h.size);
      }
    });
    peer.write(
      Buffer.concat([encodeMiniHeader(201, 1), Buffer.from([0]), encodeMiniHeader(101, 5), Buffer.from('hello')]),
    );
    const end = Date.now() + 2000;
    while (messages.length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    expect(messages[0]!.type).toBe(PortMsg.Init);
    const init = messages[0]!.body;
    expect(init.readUInt32LE(0)).toBe('org.spice-ts.echo'.length + 1);
    expect(init.subarray(init.readUInt32LE(4), init.readUInt32LE(4) + 17).toString()).toBe('org.spice-ts.echo');
    expect(messages[1]).toEqual({ type: SpicevmcMsg.Data, body: Buffer.from('hello') });
  });
});
