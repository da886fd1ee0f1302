import type { Socket } from 'node:net';
import { BaseMsg, CapabilitySet, CommonCap, decodeDataHeader, encodeMiniHeader } from '@spice-ts/protocol';
import { socketPair } from '@spice-ts/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { MigrateFlags, RedChannel, RedClient } from '../src/index.js';

const open: Socket[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.destroy();
});

function reader(peer: Socket) {
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
  return async (n: number) => {
    const end = Date.now() + 2000;
    while (messages.length < n && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    return messages;
  };
}

/** A test channel with upstream's display-like flags: flush, then hand over its state. */
async function migratingChannel() {
  const restored: Buffer[] = [];
  const channel = new RedChannel({
    type: 9,
    id: 0,
    migrateFlags: MigrateFlags.NeedFlush | MigrateFlags.NeedDataTransfer,
    handler: {
      handleMessage: () => {},
      migrateData: () => Buffer.from('state-v1'),
      restoreMigrateData: (_rcc, data) => restored.push(Buffer.from(data)),
    },
  });
  const [server, peer] = await socketPair();
  open.push(server, peer);
  const rcc = channel.connectClient(new RedClient(1), server, {
    common: CapabilitySet.of(CommonCap.MiniHeader),
    channel: new CapabilitySet(),
  });
  return { rcc, peer, restored, read: reader(peer) };
}

describe('migration hooks', () => {
  it('sends MIGRATE with the channel flags, and MIGRATE_DATA from the handler after the flush mark', async () => {
    const { rcc, peer, read } = await migratingChannel();
    rcc.startMigration();
    const first = await read(1);
    expect(first[0]!.type).toBe(BaseMsg.Migrate);
    expect(first[0]!.body.readUInt32LE(0)).toBe(3);
    expect(rcc.migrating).toBe(true);
    peer.write(encodeMiniHeader(4, 0)); // MIGRATE_FLUSH_MARK
    const all = await read(2);
    expect(all[1]).toEqual({ type: BaseMsg.MigrateData, body: Buffer.from('state-v1') });
    expect(rcc.migrating).toBe(false);
  });

  it('gives the client-forwarded MIGRATE_DATA to the channel on the destination side', async () => {
    const { peer, restored } = await migratingChannel();
    peer.write(Buffer.concat([encodeMiniHeader(5, 4), Buffer.from('abcd')]));
    const end = Date.now() + 2000;
    while (restored.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    expect(restored).toEqual([Buffer.from('abcd')]);
  });

  it('closes the connection on a flush mark that was not asked for', async () => {
    const { rcc, peer } = await migratingChannel();
    peer.write(encodeMiniHeader(4, 0));
    const reason = await new Promise<string>((r) => rcc.onDisconnect(r));
    expect(reason).toMatch(/unexpected client message type 4/);
  });
});
