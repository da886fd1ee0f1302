import { describe, expect, it } from 'vitest';
import {
  concatChunks,
  decodeLinkU32,
  decodeSubMessageList,
  encodeLinkResult,
  encodeSubMessageTail,
  isProtocolError,
} from '../src/index.js';

describe('sub-message lists (full header sub_list)', () => {
  it('appends the sub-messages and their list after the body, with offsets from the body start', () => {
    const own = Uint8Array.of(9, 9, 9);
    const tail = encodeSubMessageTail(own.byteLength, [
      { type: 105, body: [Uint8Array.of(1, 2), Uint8Array.of(3)] },
      { type: 5, body: [] },
    ]);
    const body = concatChunks([own, ...tail.chunks]);
    // own (3) + sub 1 (6 + 3) + sub 2 (6 + 0) = 18: the list starts there.
    expect(tail.subList).toBe(18);
    expect([...body.subarray(18)]).toEqual([2, 0, 3, 0, 0, 0, 12, 0, 0, 0]);
    const { subMessages, ownBodyEnd } = decodeSubMessageList(body, tail.subList);
    expect(ownBodyEnd).toBe(3);
    expect(subMessages.map((m) => [m.type, [...m.body]])).toEqual([
      [105, [1, 2, 3]],
      [5, []],
    ]);
  });

  it('rejects offsets and sizes outside the body with typed errors', () => {
    const cases = [
      Uint8Array.of(1, 0), // count 1, no offset
      Uint8Array.of(1, 0, 200, 0, 0, 0), // offset past the end
      Uint8Array.of(1, 0, 6, 0, 0, 0, 7, 0, 50, 0, 0, 0), // a 50-byte sub-message in 0 bytes
    ];
    for (const body of cases) {
      let caught: unknown;
      try {
        decodeSubMessageList(body, 0);
      } catch (error) {
        caught = error;
      }
      expect(isProtocolError(caught)).toBe(true);
    }
    expect(() => decodeSubMessageList(Uint8Array.of(0, 0), 7)).toThrow();
  });
});

describe('link result words', () => {
  it('encodes and decodes the u32 after the link reply', () => {
    expect([...encodeLinkResult(7)]).toEqual([7, 0, 0, 0]);
    expect(decodeLinkU32(Uint8Array.of(1, 0, 0, 0), 'auth mechanism')).toBe(1);
    expect(() => decodeLinkU32(Uint8Array.of(1, 0))).toThrow(/auth mechanism|link result/);
  });
});
