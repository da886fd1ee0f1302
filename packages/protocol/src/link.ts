import { CapabilitySet, MAX_CAPS_WORDS } from './capabilities.js';
import { ChunkWriter } from './chunk-writer.js';
import { decodeBudget } from './decode-budget.js';
import type { ChannelType, LinkErr } from './enums.js';
import { BadMagicError, BadValueError, TooLargeError, TruncatedError } from './errors.js';
import {
  type LinkHeader,
  readLinkAuthMechanism,
  readLinkHeader,
  readLinkMess,
  readLinkReply,
  writeLinkAuthMechanism,
  writeLinkHeader,
  writeLinkMess,
  writeLinkReply,
} from './generated/structs.js';
import { concatChunks } from './messages/codec.js';
import { Reader } from './reader.js';

/** "REDQ" read as a little-endian u32 (SPICE_MAGIC in spice/protocol.h). */
export const SPICE_MAGIC = 0x51444552;
/** SPICE_VERSION_MAJOR / SPICE_VERSION_MINOR. */
export const SPICE_VERSION_MAJOR = 2;
export const SPICE_VERSION_MINOR = 2;
/** sizeof(SpiceLinkHeader). */
export const LINK_HEADER_SIZE = 16;
/** sizeof(SpiceLinkMess). */
export const LINK_MESS_SIZE = 18;
/** sizeof(SpiceLinkReply). */
export const LINK_REPLY_SIZE = 178;
/** SPICE_TICKET_PUBKEY_BYTES: DER SubjectPublicKeyInfo of an RSA-1024 key. */
export const TICKET_PUBKEY_BYTES = 162;
/** RSA-1024 ciphertext of the ticket. */
export const TICKET_CIPHERTEXT_BYTES = 128;
/** SPICE_MAX_PASSWORD_LENGTH. */
export const MAX_PASSWORD_LENGTH = 60;
/** Largest link message the server reads (reds.cpp). */
export const MAX_LINK_MESSAGE_SIZE = 4096;

export type { LinkHeader };

export function encodeLinkHeader(size: number): Uint8Array {
  return fixed((w) =>
    writeLinkHeader(w, { magic: SPICE_MAGIC, major: SPICE_VERSION_MAJOR, minor: SPICE_VERSION_MINOR, size }),
  );
}

/** Decodes the 16-byte link header. Checks the magic; the caller checks version and size policy. */
export function decodeLinkHeader(bytes: Uint8Array): LinkHeader {
  if (bytes.byteLength < LINK_HEADER_SIZE) throw new TruncatedError('link header', LINK_HEADER_SIZE, bytes.byteLength);
  const header = readLinkHeader(new Reader(bytes), decodeBudget(bytes));
  if (header.magic !== SPICE_MAGIC) throw new BadMagicError(header.magic);
  return header;
}

export interface LinkMess {
  connectionId: number;
  channelType: ChannelType | number;
  channelId: number;
  commonCaps: CapabilitySet;
  channelCaps: CapabilitySet;
}

/** The capability words at `capsOffset` of a link struct: common ones, then channel ones. */
function readCaps(r: Reader, numCommon: number, numChannel: number, capsOffset: number, what: string) {
  if (numCommon > MAX_CAPS_WORDS) throw new TooLargeError(`${what} common caps words`, numCommon, MAX_CAPS_WORDS);
  if (numChannel > MAX_CAPS_WORDS) throw new TooLargeError(`${what} channel caps words`, numChannel, MAX_CAPS_WORDS);
  const caps = r.at(capsOffset, `${what} caps`);
  caps.need((numCommon + numChannel) * 4, `${what} capabilities`);
  const common: number[] = [];
  for (let i = 0; i < numCommon; i++) common.push(caps.u32());
  const channel: number[] = [];
  for (let i = 0; i < numChannel; i++) channel.push(caps.u32());
  return { commonCaps: new CapabilitySet(common), channelCaps: new CapabilitySet(channel) };
}

/** Decodes SpiceLinkMess + caps (the `size` bytes after the link header). */
export function decodeLinkMess(bytes: Uint8Array): LinkMess {
  const r = new Reader(bytes);
  r.need(LINK_MESS_SIZE, 'link message');
  const m = readLinkMess(r, decodeBudget(bytes));
  if (m.capsOffset < LINK_MESS_SIZE) throw new BadValueError('link caps offset', m.capsOffset);
  return {
    connectionId: m.connectionId,
    channelType: m.channelType,
    channelId: m.channelId,
    ...readCaps(r, m.numCommonCaps, m.numChannelCaps, m.capsOffset, 'link message'),
  };
}

/** Encodes SpiceLinkMess + caps (client side; used by tests and tools). */
export function encodeLinkMess(mess: LinkMess): Uint8Array {
  const common = mess.commonCaps.toWords();
  const channel = mess.channelCaps.toWords();
  return fixed((w) => {
    writeLinkMess(w, {
      connectionId: mess.connectionId,
      channelType: mess.channelType,
      channelId: mess.channelId,
      numCommonCaps: common.length,
      numChannelCaps: channel.length,
      capsOffset: LINK_MESS_SIZE,
    });
    for (const word of [...common, ...channel]) w.u32(word);
  });
}

export interface LinkReply {
  error: LinkErr | number;
  pubKey: Uint8Array;
  commonCaps: CapabilitySet;
  channelCaps: CapabilitySet;
}

/** Encodes link header + SpiceLinkReply + caps, ready to send. */
export function encodeLinkReply(reply: LinkReply): Uint8Array {
  if (reply.pubKey.byteLength !== TICKET_PUBKEY_BYTES) {
    throw new BadValueError('link reply public key length', reply.pubKey.byteLength);
  }
  const common = reply.commonCaps.toWords();
  const channel = reply.channelCaps.toWords();
  const size = LINK_REPLY_SIZE + 4 * (common.length + channel.length);
  return fixed((w) => {
    writeLinkHeader(w, { magic: SPICE_MAGIC, major: SPICE_VERSION_MAJOR, minor: SPICE_VERSION_MINOR, size });
    writeLinkReply(w, {
      error: reply.error,
      pubKey: reply.pubKey,
      numCommonCaps: common.length,
      numChannelCaps: channel.length,
      capsOffset: LINK_REPLY_SIZE,
    });
    for (const word of [...common, ...channel]) w.u32(word);
  });
}

/** An error reply: the same 16 + 178 bytes, all zero but `error`, and no caps (reds_send_link_error). */
export function encodeLinkError(error: LinkErr | number): Uint8Array {
  return fixed((w) => {
    writeLinkHeader(w, {
      magic: SPICE_MAGIC,
      major: SPICE_VERSION_MAJOR,
      minor: SPICE_VERSION_MINOR,
      size: LINK_REPLY_SIZE,
    });
    writeLinkReply(w, {
      error,
      pubKey: new Uint8Array(TICKET_PUBKEY_BYTES),
      numCommonCaps: 0,
      numChannelCaps: 0,
      capsOffset: LINK_REPLY_SIZE,
    });
  });
}

/** Decodes SpiceLinkReply + caps (client side). */
export function decodeLinkReply(bytes: Uint8Array): LinkReply {
  const r = new Reader(bytes);
  r.need(LINK_REPLY_SIZE, 'link reply');
  const m = readLinkReply(r, decodeBudget(bytes));
  return {
    error: m.error,
    pubKey: m.pubKey,
    ...readCaps(r, m.numCommonCaps, m.numChannelCaps, m.capsOffset, 'link reply'),
  };
}

/**
 * The u32 that follows the link reply: the client's SpiceLinkAuthMechanism choice (client → server)
 * or the link result the server sends after authentication (a SpiceLinkErr, 0 = OK).
 */
export function encodeLinkResult(value: LinkErr | number): Uint8Array {
  return fixed((w) => writeLinkAuthMechanism(w, { authMechanism: value }));
}

/** Decodes SpiceLinkAuthMechanism (4 bytes, client → server) or a link result. */
export function decodeLinkU32(bytes: Uint8Array, what = 'link result'): number {
  const r = new Reader(bytes);
  r.need(4, what);
  return readLinkAuthMechanism(r, decodeBudget(bytes)).authMechanism;
}

/** One contiguous buffer written through the generated struct writers. */
function fixed(write: (w: ChunkWriter) => void): Uint8Array {
  const w = new ChunkWriter(64);
  write(w);
  return concatChunks(w.finish());
}
