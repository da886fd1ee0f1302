import { Reader } from './reader.js';
import { Writer } from './writer.js';

/** One sub-message: its type and its body as chunks. */
export interface SubMessageChunks {
  type: number;
  body: readonly Uint8Array[];
}

/** A decoded sub-message: a view of its body inside the message. */
export interface SubMessageView {
  type: number;
  body: Uint8Array;
}

/**
 * The tail a full-header message carries after its own body when it has sub-messages: each
 * sub-message (u16 type, u32 size, body), then the SpiceSubMessageList (u16 count, u32 offsets).
 * Offsets count from the start of the message body, whose own part is `bodySize` bytes. Returns
 * the chunks to append and the list's offset (the header's sub_list field).
 */
export function encodeSubMessageTail(
  bodySize: number,
  subs: readonly SubMessageChunks[],
): { chunks: Uint8Array[]; subList: number } {
  const chunks: Uint8Array[] = [];
  const list = new Writer(2 + 4 * subs.length).u16(subs.length);
  let at = bodySize;
  for (const sub of subs) {
    let size = 0;
    for (const c of sub.body) size += c.byteLength;
    list.u32(at);
    chunks.push(new Writer(6).u16(sub.type).u32(size).finish(), ...sub.body);
    at += 6 + size;
  }
  chunks.push(list.finish());
  return { chunks, subList: at };
}

/**
 * Reads the sub-message list at `subList` in a message body (full header's sub_list). Every offset
 * and size is checked against the body: a bad one is a typed protocol error. Also returns where
 * the message's own body ends (before the first sub-message byte or the list).
 */
export function decodeSubMessageList(
  body: Uint8Array,
  subList: number,
): { subMessages: SubMessageView[]; ownBodyEnd: number } {
  const list = new Reader(body).at(subList, 'sub-message list');
  const count = list.u16('sub-message list count');
  list.need(4 * count, 'sub-message list offsets');
  const subMessages: SubMessageView[] = [];
  let ownBodyEnd = subList;
  for (let i = 0; i < count; i++) {
    const offset = list.u32('sub-message offset');
    const sub = new Reader(body).at(offset, 'sub-message');
    const type = sub.u16('sub-message type');
    const size = sub.u32('sub-message size');
    subMessages.push({ type, body: sub.bytes(size, 'sub-message body') });
    ownBodyEnd = Math.min(ownBodyEnd, offset);
  }
  return { subMessages, ownBodyEnd };
}
