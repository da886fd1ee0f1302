import { Reader } from './reader.js';

/** sizeof(SpiceDataHeader): u64 serial, u16 type, u32 size, u32 sub_list. */
export const FULL_HEADER_SIZE = 18;
/** sizeof(SpiceMiniDataHeader): u16 type, u32 size. */
export const MINI_HEADER_SIZE = 6;

export interface DataHeader {
  /** Message serial; with the mini header it is implicit and reported as 0n. */
  serial: bigint;
  type: number;
  size: number;
  /** Offset of a sub-message list from the body start (full header only), 0 if none. */
  subList: number;
}

/**
 * Decodes a data header of the given kind, or returns null when not enough bytes are present yet
 * (incomplete input is not an error).
 */
export function decodeDataHeader(bytes: Uint8Array, mini: boolean): DataHeader | null {
  if (mini) {
    if (bytes.byteLength < MINI_HEADER_SIZE) return null;
    // Byte arithmetic instead of a DataView: this runs once per message on the receive path.
    const type = bytes[0]! | (bytes[1]! << 8);
    const size = (bytes[2]! | (bytes[3]! << 8) | (bytes[4]! << 16)) + bytes[5]! * 0x1000000;
    return { serial: 0n, type, size, subList: 0 };
  }
  if (bytes.byteLength < FULL_HEADER_SIZE) return null;
  const r = new Reader(bytes);
  return { serial: r.u64(), type: r.u16(), size: r.u32(), subList: r.u32() };
}

export function encodeMiniHeader(type: number, size: number): Uint8Array {
  const out = new Uint8Array(MINI_HEADER_SIZE);
  const v = new DataView(out.buffer);
  v.setUint16(0, type, true);
  v.setUint32(2, size, true);
  return out;
}

export function encodeFullHeader(serial: bigint, type: number, size: number, subList = 0): Uint8Array {
  const out = new Uint8Array(FULL_HEADER_SIZE);
  const v = new DataView(out.buffer);
  v.setBigUint64(0, serial, true);
  v.setUint16(8, type, true);
  v.setUint32(10, size, true);
  v.setUint32(14, subList, true);
  return out;
}
