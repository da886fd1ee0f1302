import { CapabilitySet, MAX_CAPS_WORDS } from './capabilities.js';
import type { ChannelType, LinkErr } from './enums.js';
import { BadMagicError, BadValueError, TooLargeError, TruncatedError } from './errors.js';
import { Reader } from './reader.js';
import { Writer } from './writer.js';

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

export interface LinkHeader {
  magic: number;
  major: number;
  minor: number;
  size: number;
}

export function encodeLinkHeader(size: number): Uint8Array {
  return new Writer(LINK_HEADER_SIZE)
    .u32(SPICE_MAGIC)
    .u32(SPICE_VERSION_MAJOR)
    .u32(SPICE_VERSION_MINOR)
    .u32(size)
    .finish();
}

/** Decodes the 16-byte link header. Checks the magic; the caller checks version and size policy. */
export function decodeLinkHeader(bytes: Uint8Array): LinkHeader {
  if (bytes.byteLength < LINK_HEADER_SIZE) throw new TruncatedError('link header', LINK_HEADER_SIZE, bytes.byteLength);
  const r = new Reader(bytes);
  const magic = r.u32();
  if (magic !== SPICE_MAGIC) throw new BadMagicError(magic);
  return { magic, major: r.u32(), minor: r.u32(), size: r.u32() };
}

export interface LinkMess {
  connectionId: number;
  channelType: ChannelType | number;
  channelId: number;
  commonCaps: CapabilitySet;
  channelCaps: CapabilitySet;
}

/** Decodes SpiceLinkMess + caps (the `size` bytes after the link header). */
export function decodeLinkMess(bytes: Uint8Array): LinkMess {
  const r = new Reader(bytes);
  r.need(LINK_MESS_SIZE, 'link message');
  const connectionId = r.u32();
  const channelType = r.u8();
  const channelId = r.u8();
  const numCommon = r.u32();
  const numChannel = r.u32();
  const capsOffset = r.u32();
  if (numCommon > MAX_CAPS_WORDS) throw new TooLargeError('common caps words', numCommon, MAX_CAPS_WORDS);
  if (numChannel > MAX_CAPS_WORDS) throw new TooLargeError('channel caps words', numChannel, MAX_CAPS_WORDS);
  if (capsOffset < LINK_MESS_SIZE) throw new BadValueError('link caps offset', capsOffset);
  const capsBytes = (numCommon + numChannel) * 4;
  if (capsOffset + capsBytes > bytes.byteLength) {
    throw new TruncatedError('link capabilities', capsOffset + capsBytes, bytes.byteLength);
  }
  const caps = r.at(capsOffset, 'link caps');
  const common: number[] = [];
  for (let i = 0; i < numCommon; i++) common.push(caps.u32());
  const channel: number[] = [];
  for (let i = 0; i < numChannel; i++) channel.push(caps.u32());
  return {
    connectionId,
    channelType,
    channelId,
    commonCaps: new CapabilitySet(common),
    channelCaps: new CapabilitySet(channel),
  };
}

/** Encodes SpiceLinkMess + caps (client side; used by tests and tools). */
export function encodeLinkMess(mess: LinkMess): Uint8Array {
  const common = mess.commonCaps.toWords();
  const channel = mess.channelCaps.toWords();
  const w = new Writer(LINK_MESS_SIZE + 4 * (common.length + channel.length));
  w.u32(mess.connectionId).u8(mess.channelType).u8(mess.channelId);
  w.u32(common.length).u32(channel.length).u32(LINK_MESS_SIZE);
  for (const word of common) w.u32(word);
  for (const word of channel) w.u32(word);
  return w.finish();
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
  const w = new Writer(LINK_HEADER_SIZE + size);
  w.bytes(encodeLinkHeader(size));
  w.u32(reply.error).bytes(reply.pubKey).u32(common.length).u32(channel.length).u32(LINK_REPLY_SIZE);
  for (const word of common) w.u32(word);
  for (const word of channel) w.u32(word);
  return w.finish();
}

/** An error reply: the same 16 + 178 bytes, all zero but `error`, and no caps (reds_send_link_error). */
export function encodeLinkError(error: LinkErr | number): Uint8Array {
  const w = new Writer(LINK_HEADER_SIZE + LINK_REPLY_SIZE);
  w.bytes(encodeLinkHeader(LINK_REPLY_SIZE));
  w.u32(error).zeros(TICKET_PUBKEY_BYTES).u32(0).u32(0).u32(LINK_REPLY_SIZE);
  return w.finish();
}

/** Decodes SpiceLinkReply + caps (client side). */
export function decodeLinkReply(bytes: Uint8Array): LinkReply {
  const r = new Reader(bytes);
  r.need(LINK_REPLY_SIZE, 'link reply');
  const error = r.u32();
  const pubKey = r.bytes(TICKET_PUBKEY_BYTES);
  const numCommon = r.u32();
  const numChannel = r.u32();
  const capsOffset = r.u32();
  if (numCommon > MAX_CAPS_WORDS || numChannel > MAX_CAPS_WORDS) {
    throw new TooLargeError('link reply caps words', Math.max(numCommon, numChannel), MAX_CAPS_WORDS);
  }
  const caps = r.at(capsOffset, 'link reply caps');
  const common: number[] = [];
  for (let i = 0; i < numCommon; i++) common.push(caps.u32());
  const channel: number[] = [];
  for (let i = 0; i < numChannel; i++) channel.push(caps.u32());
  return { error, pubKey, commonCaps: new CapabilitySet(common), channelCaps: new CapabilitySet(channel) };
}

/**
 * The u32 that follows the link reply: the client's SpiceLinkAuthMechanism choice (client → server)
 * or the link result the server sends after authentication (a SpiceLinkErr, 0 = OK).
 */
export function encodeLinkResult(value: LinkErr | number): Uint8Array {
  return new Writer(4).u32(value).finish();
}

/** Decodes SpiceLinkAuthMechanism (4 bytes, client → server) or a link result. */
export function decodeLinkU32(bytes: Uint8Array, what = 'link result'): number {
  return new Reader(bytes).u32(what);
}
