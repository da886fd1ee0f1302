import { describe, expect, it } from 'vitest';
import {
  CapabilitySet,
  ChannelType,
  CommonCap,
  decodeLinkHeader,
  decodeLinkMess,
  decodeLinkReply,
  encodeLinkError,
  encodeLinkHeader,
  encodeLinkMess,
  encodeLinkReply,
  isProtocolError,
  LINK_HEADER_SIZE,
  LINK_REPLY_SIZE,
  LinkErr,
  ProtocolErrorCode,
  SPICE_MAGIC,
} from '../src/index.js';

describe('link phase structures', () => {
  it('encodes the link header as "REDQ", 2, 2, size', () => {
    const bytes = encodeLinkHeader(26);
    expect([...bytes.subarray(0, 4)]).toEqual([0x52, 0x45, 0x44, 0x51]);
    expect(decodeLinkHeader(bytes)).toEqual({ magic: SPICE_MAGIC, major: 2, minor: 2, size: 26 });
  });

  it('rejects a header with a bad magic with ERR_SPICE_BAD_MAGIC', () => {
    const bytes = encodeLinkHeader(18);
    bytes[0] = 0x47; // 'G' as in an HTTP GET
    try {
      decodeLinkHeader(bytes);
      expect.unreachable();
    } catch (error) {
      expect(isProtocolError(error)).toBe(true);
      expect((error as { code: string }).code).toBe(ProtocolErrorCode.BadMagic);
    }
  });

  it('decodes a link message as spice-gtk sends it (18 bytes + 1 common + 1 channel cap word)', () => {
    const mess = {
      connectionId: 0x12345678,
      channelType: ChannelType.Display,
      channelId: 0,
      commonCaps: CapabilitySet.of(CommonCap.ProtocolAuthSelection, CommonCap.MiniHeader, CommonCap.AuthSpice),
      channelCaps: CapabilitySet.of(1, 4, 8),
    };
    const bytes = encodeLinkMess(mess);
    expect(bytes.byteLength).toBe(18 + 8);
    const decoded = decodeLinkMess(bytes);
    expect(decoded.connectionId).toBe(0x12345678);
    expect(decoded.channelType).toBe(ChannelType.Display);
    expect(decoded.commonCaps.has(CommonCap.MiniHeader)).toBe(true);
    expect(decoded.commonCaps.has(CommonCap.AuthSasl)).toBe(false);
    expect(decoded.channelCaps.toWords()).toEqual([0b100010010]);
  });

  it('rejects caps that do not fit in the message and absurd cap counts', () => {
    const bytes = encodeLinkMess({
      connectionId: 0,
      channelType: 1,
      channelId: 0,
      commonCaps: CapabilitySet.of(0),
      channelCaps: CapabilitySet.of(0),
    });
    expect(() => decodeLinkMess(bytes.subarray(0, 22))).toThrowError(
      expect.objectContaining({ code: 'ERR_SPICE_TRUNCATED' }),
    );
    const huge = bytes.slice();
    new DataView(huge.buffer).setUint32(6, 5000, true);
    expect(() => decodeLinkMess(huge)).toThrowError(expect.objectContaining({ code: 'ERR_SPICE_TOO_LARGE' }));
    const badOffset = bytes.slice();
    new DataView(badOffset.buffer).setUint32(14, 4, true);
    expect(() => decodeLinkMess(badOffset)).toThrowError(expect.objectContaining({ code: 'ERR_SPICE_BAD_VALUE' }));
  });

  it('encodes a 178-byte reply with a 162-byte key and caps after it', () => {
    const pubKey = new Uint8Array(162).fill(7);
    const bytes = encodeLinkReply({
      error: LinkErr.Ok,
      pubKey,
      commonCaps: CapabilitySet.of(CommonCap.ProtocolAuthSelection, CommonCap.AuthSpice, CommonCap.MiniHeader),
      channelCaps: CapabilitySet.of(0, 3),
    });
    expect(bytes.byteLength).toBe(LINK_HEADER_SIZE + LINK_REPLY_SIZE + 8);
    expect(decodeLinkHeader(bytes).size).toBe(LINK_REPLY_SIZE + 8);
    const reply = decodeLinkReply(bytes.subarray(LINK_HEADER_SIZE));
    expect(reply.pubKey).toEqual(pubKey);
    expect(reply.commonCaps.toWords()).toEqual([0b1011]);
    expect(reply.channelCaps.toWords()).toEqual([0b1001]);
  });

  it('encodes an error reply as the full 16+178 bytes with only the error set', () => {
    const bytes = encodeLinkError(LinkErr.PermissionDenied);
    expect(bytes.byteLength).toBe(194);
    const reply = decodeLinkReply(bytes.subarray(16));
    expect(reply.error).toBe(7);
    expect(reply.pubKey.every((b) => b === 0)).toBe(true);
    expect(reply.commonCaps.wordCount).toBe(0);
  });
});
