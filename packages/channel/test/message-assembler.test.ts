import { encodeFullHeader, encodeMiniHeader } from '@spice-ts/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MessageAssembler, MessageTooLargeError } from '../src/index.js';

const tooLarge = (type: number, size: number, limit: number) => new MessageTooLargeError('test', type, size, limit);

function stream(mini: boolean): { bytes: Uint8Array; expected: Array<{ type: number; body: number[] }> } {
  const expected = [
    { type: 101, body: [1, 2, 3] },
    { type: 104, body: [] },
    { type: 3, body: Array.from({ length: 300 }, (_, i) => i & 0xff) },
  ];
  const parts: Uint8Array[] = [];
  let serial = 0n;
  for (const m of expected) {
    parts.push(
      mini ? encodeMiniHeader(m.type, m.body.length) : encodeFullHeader(++serial, m.type, m.body.length),
      Uint8Array.from(m.body),
    );
  }
  return { bytes: Buffer.concat(parts), expected };
}

function drain(a: MessageAssembler) {
  const out: Array<{ type: number; body: number[] }> = [];
  for (let m = a.next(tooLarge); m; m = a.next(tooLarge)) out.push({ type: m.type, body: [...m.body] });
  return out;
}

describe('message assembler', () => {
  for (const mini of [true, false]) {
    const kind = mini ? 'mini' : 'full';
    it(`decodes ${kind}-header messages fed whole`, () => {
      const { bytes, expected } = stream(mini);
      const a = new MessageAssembler(mini, () => 4096);
      a.push(bytes);
      expect(drain(a)).toEqual(expected);
      expect(a.bufferedBytes).toBe(0);
    });

    it(`decodes ${kind}-header messages fed one byte at a time`, () => {
      const { bytes, expected } = stream(mini);
      const a = new MessageAssembler(mini, () => 4096);
      const out = [];
      for (const b of bytes) {
        a.push(Uint8Array.of(b));
        out.push(...drain(a));
      }
      expect(out).toEqual(expected);
    });

    it(`decodes ${kind}-header messages split at random points`, () => {
      const { bytes, expected } = stream(mini);
      fc.assert(
        fc.property(fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 10 }), (cuts) => {
          const a = new MessageAssembler(mini, () => 4096);
          const points = [0, ...cuts.sort((x, y) => x - y), bytes.length];
          const out = [];
          for (let i = 0; i + 1 < points.length; i++) {
            a.push(bytes.subarray(points[i], points[i + 1]));
            out.push(...drain(a));
          }
          expect(out).toEqual(expected);
        }),
        { numRuns: 300 },
      );
    });
  }

  it('rejects an oversized message from its header, before the body arrives', () => {
    const a = new MessageAssembler(true, (type) => (type === 101 ? 1024 : 4096));
    a.push(encodeMiniHeader(101, 1_000_000));
    expect(() => a.next(tooLarge)).toThrowError(expect.objectContaining({ code: 'ERR_CHANNEL_MESSAGE_TOO_LARGE' }));
  });
});
