// Splits one recorded SPICE TCP connection (both directions) into its link phase and its data
// messages. Layouts from spice-protocol spice/protocol.h: SpiceLinkHeader (16 bytes), SpiceLinkMess,
// SpiceLinkReply (error, 162-byte public key, caps counts and offset), the 4-byte auth mechanism
// (only when both sides announce AUTH_SELECTION), the 128-byte RSA ticket, the 4-byte link result,
// then data messages with the mini header (u16 type, u32 size) when both sides announce
// MINI_HEADER, else the full 18-byte header (u64 serial, u16 type, u32 size, u32 sub_list).

export const CHANNEL_NAMES = {
  1: 'main',
  2: 'display',
  3: 'inputs',
  4: 'cursor',
  5: 'playback',
  6: 'record',
  7: 'tunnel',
  8: 'smartcard',
  9: 'usbredir',
  10: 'port',
  11: 'webdav',
};

const SPICE_MAGIC = 0x51444552; // "REDQ"
const LINK_HEADER_SIZE = 16;
const LINK_REPLY_PUBKEY_BYTES = 162;
const TICKET_BYTES = 128;
const CAP_AUTH_SELECTION = 1 << 0;
const CAP_MINI_HEADER = 1 << 3;

const u16 = (b, at) => b.readUInt16LE(at);
const u32 = (b, at) => b.readUInt32LE(at);

function firstCommonCaps(mess, countAt, offsetAt) {
  const n = u32(mess, countAt);
  if (n === 0) return 0;
  const at = u32(mess, offsetAt);
  return at + 4 <= mess.length ? u32(mess, at) : 0;
}

function linkBlock(stream, what) {
  if (stream.length < LINK_HEADER_SIZE) throw new Error(`${what}: no link header`);
  if (u32(stream, 0) !== SPICE_MAGIC) throw new Error(`${what}: bad magic`);
  const size = u32(stream, 12);
  const end = LINK_HEADER_SIZE + size;
  if (stream.length < end) throw new Error(`${what}: link message truncated`);
  return { wire: stream.subarray(0, end), body: stream.subarray(LINK_HEADER_SIZE, end), end };
}

/**
 * Splits data-phase bytes into messages. Returns { messages, rest } where rest is the number of
 * trailing bytes of an incomplete message (a connection cut mid-message).
 */
function splitMessages(bytes, mini) {
  const messages = [];
  const headerSize = mini ? 6 : 18;
  let at = 0;
  while (at + headerSize <= bytes.length) {
    const type = mini ? u16(bytes, at) : u16(bytes, at + 8);
    const size = mini ? u32(bytes, at + 2) : u32(bytes, at + 10);
    const subList = mini ? 0 : u32(bytes, at + 14);
    if (at + headerSize + size > bytes.length) break;
    messages.push({ type, subList, body: bytes.subarray(at + headerSize, at + headerSize + size) });
    at += headerSize + size;
  }
  return { messages, rest: bytes.length - at };
}

/**
 * Parses one connection. `c2s` and `s2c` are the complete byte streams client→server and
 * server→client. Returns null for a connection that never finished linking.
 */
export function parseConnection(c2s, s2c) {
  if (c2s.length < LINK_HEADER_SIZE || s2c.length < LINK_HEADER_SIZE) return null;
  const mess = linkBlock(c2s, 'client link');
  const reply = linkBlock(s2c, 'server link');
  const channelType = mess.body[4];
  const channelId = mess.body[5];
  const clientCommon = firstCommonCaps(mess.body, 6, 14);
  const serverCommon = firstCommonCaps(reply.body, 4 + LINK_REPLY_PUBKEY_BYTES, 4 + LINK_REPLY_PUBKEY_BYTES + 8);
  const linkError = u32(reply.body, 0);
  const both = clientCommon & serverCommon;
  const authSelection = (both & CAP_AUTH_SELECTION) !== 0;
  const mini = (both & CAP_MINI_HEADER) !== 0;
  const clientDataAt = mess.end + (authSelection ? 4 : 0) + TICKET_BYTES;
  const serverDataAt = reply.end + 4;
  const linkResult = s2c.length >= serverDataAt ? u32(s2c, reply.end) : -1;
  const client = splitMessages(c2s.subarray(Math.min(clientDataAt, c2s.length)), mini);
  const server = splitMessages(s2c.subarray(Math.min(serverDataAt, s2c.length)), mini);
  return {
    channelType,
    channelId,
    channel: CHANNEL_NAMES[channelType] ?? `type${channelType}`,
    mini,
    linkError,
    linkResult,
    linkMess: mess.wire,
    linkReply: reply.wire,
    client,
    server,
  };
}
