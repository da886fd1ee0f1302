import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as baseCodecs from '../src/generated/base.js';
import * as cursorCodecs from '../src/generated/cursor.js';
import * as displayCodecs from '../src/generated/display.js';
import * as inputsCodecs from '../src/generated/inputs.js';
import * as mainCodecs from '../src/generated/main.js';
import * as playbackCodecs from '../src/generated/playback.js';
import * as portCodecs from '../src/generated/port.js';
import * as recordCodecs from '../src/generated/record.js';
import * as smartcardCodecs from '../src/generated/smartcard.js';
import * as spicevmcCodecs from '../src/generated/spicevmc.js';
import { concatChunks, isProtocolError, type MessageCodec } from '../src/index.js';
import {
  type ChannelDef,
  channels,
  type Field,
  type Member,
  type MessageDef,
  type StructDef,
  structs,
  type WireType,
} from '../src/schema/index.js';

const modules: Record<string, Record<string, unknown>> = {
  base: baseCodecs,
  main: mainCodecs,
  display: displayCodecs,
  inputs: inputsCodecs,
  cursor: cursorCodecs,
  playback: playbackCodecs,
  record: recordCodecs,
  smartcard: smartcardCodecs,
  spicevmc: spicevmcCodecs,
  port: portCodecs,
};

const structByName = new Map<string, StructDef>(structs.map((s) => [s.name, s]));
const RUNS = 200;

type Draw = <T>(arb: fc.Arbitrary<T>) => T;
type Value = Record<string, unknown>;

function codecOf(channel: ChannelDef, msg: MessageDef): MessageCodec<Value> {
  const codec = modules[channel.name]?.[msg.id] as MessageCodec<Value> | undefined;
  if (!codec) throw new Error(`no generated codec ${channel.name}.${msg.id}`);
  return codec;
}

function sizeFieldNames(members: readonly Member[]): { counts: Set<string>; dims: Set<string> } {
  const counts = new Set<string>();
  const dims = new Set<string>();
  const visit = (t: WireType): void => {
    if (t.kind === 'pointer') visit(t.to);
    if (t.kind === 'bytes' || t.kind === 'array') {
      if ('field' in t.size) counts.add(t.size.field);
      if ('image' in t.size) {
        dims.add(t.size.image.width);
        dims.add(t.size.image.height);
      }
    }
  };
  for (const m of members) {
    if (m.kind === 'field') visit(m.type);
    else for (const c of [...m.cases, { fields: m.otherwise ?? [] }]) for (const fl of c.fields) visit(fl.type);
  }
  return { counts, dims };
}

function prim(t: Extract<WireType, { kind: 'prim' }>, draw: Draw, small: boolean): number | bigint {
  if (t.values) return draw(fc.constantFrom(...t.values));
  if (small) return draw(fc.integer({ min: 0, max: 9 }));
  switch (t.prim) {
    case 'u8':
      return draw(fc.integer({ min: 0, max: 0xff }));
    case 'i8':
      return draw(fc.integer({ min: -0x80, max: 0x7f }));
    case 'u16':
      return draw(fc.integer({ min: 0, max: 0xffff }));
    case 'i16':
      return draw(fc.integer({ min: -0x8000, max: 0x7fff }));
    case 'u32':
      return draw(fc.integer({ min: 0, max: 0xffffffff }));
    case 'i32':
      return draw(fc.integer({ min: -0x80000000, max: 0x7fffffff }));
    case 'u64':
      return draw(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }));
    case 'i64':
      return draw(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }));
  }
}

function randomValue(t: WireType, draw: Draw, parent: Value, small: boolean): unknown {
  switch (t.kind) {
    case 'prim':
      return prim(t, draw, small);
    case 'struct': {
      const def = structByName.get(t.name);
      if (!def) throw new Error(`unknown struct ${t.name}`);
      return build(def.members, draw);
    }
    case 'pointer':
      if (!t.nonnull && draw(fc.boolean())) return null;
      return randomValue(t.to, draw, parent, false);
    case 'bytes': {
      const s = t.size;
      let n: number;
      if ('fixed' in s) n = s.fixed;
      else if ('image' in s) {
        const w = parent[s.image.width] as number;
        const h = parent[s.image.height] as number;
        n = Math.floor((s.image.bits * w + 7) / 8) * h;
      } else n = draw(fc.integer({ min: 0, max: 12 }));
      return draw(fc.uint8Array({ minLength: n, maxLength: n }));
    }
    case 'array': {
      const n = draw(fc.integer({ min: 0, max: 3 }));
      return Array.from({ length: n }, () => randomValue(t.of, draw, parent, false));
    }
  }
}

function tagOf(v: Value, path: readonly string[]): number {
  let x: unknown = v;
  for (const p of path) x = (x as Value)[p];
  return x as number;
}

/** A random valid value of a member list: tags first, then the arm they select. */
function build(members: readonly Member[], draw: Draw): Value {
  const { counts, dims } = sizeFieldNames(members);
  const v: Value = {};
  const put = (fl: Field): void => {
    if (counts.has(fl.name)) return;
    v[fl.name] = randomValue(fl.type, draw, v, dims.has(fl.name));
  };
  for (const m of members) {
    if (m.kind === 'field') {
      put(m);
      continue;
    }
    const tag = tagOf(v, m.on);
    const arm = m.cases.find((c) =>
      m.flags ? ((tag & c.values.reduce((a, b) => a | b, 0)) !== 0) !== (c.not ?? false) : c.values.includes(tag),
    );
    for (const fl of arm ? arm.fields : (m.otherwise ?? [])) put(fl);
  }
  return v;
}

const messageArb = (msg: MessageDef): fc.Arbitrary<Value> =>
  fc.gen().map((g) => build(msg.members, (arb) => g(() => arb)));

function expectOnlyProtocolErrors(codec: MessageCodec<Value>, bytes: Uint8Array): void {
  try {
    codec.decode(bytes);
  } catch (error) {
    if (!isProtocolError(error)) throw error;
  }
}

for (const channel of channels) {
  describe(`generated ${channel.name} codecs`, () => {
    for (const msg of [...channel.server, ...channel.client]) {
      const codec = codecOf(channel, msg);

      it(`${msg.wireName}: encode → decode → encode is the identity`, () => {
        expect(codec.name).toBe(msg.wireName);
        expect(codec.type).toBe(msg.type);
        fc.assert(
          fc.property(messageArb(msg), (value) => {
            const first = concatChunks(codec.encode(value));
            const again = concatChunks(codec.encode(codec.decode(first)));
            expect(again).toEqual(first);
          }),
          { numRuns: RUNS },
        );
      });

      it(`${msg.wireName}: random, truncated and mutated bytes give only protocol errors`, () => {
        fc.assert(
          fc.property(fc.uint8Array({ maxLength: 96 }), (bytes) => expectOnlyProtocolErrors(codec, bytes)),
          { numRuns: RUNS },
        );
        fc.assert(
          fc.property(
            messageArb(msg),
            fc.nat(),
            fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
            (value, cut, flips) => {
              const wire = concatChunks(codec.encode(value)).slice();
              expectOnlyProtocolErrors(codec, wire.subarray(0, wire.byteLength === 0 ? 0 : cut % wire.byteLength));
              for (const [at, byte] of flips) if (wire.byteLength > 0) wire[at % wire.byteLength] = byte;
              expectOnlyProtocolErrors(codec, wire);
            },
          ),
          { numRuns: RUNS },
        );
      });
    }
  });
}

describe('generated codecs: layout', () => {
  it('sends large pixel runs by reference and patches the image pointer past them', () => {
    const pixels = new Uint8Array(64 * 4 * 16).fill(7);
    const message: displayCodecs.DrawCopyMessage = {
      base: { surfaceId: 0, box: { top: 0, left: 0, bottom: 16, right: 64 }, clip: { type: 0 } },
      srcBitmap: {
        descriptor: { id: 1n, type: 0, flags: 0, width: 64, height: 16 },
        bitmap: { format: 8, flags: 0, x: 64, y: 16, stride: 256, palette: null, data: pixels },
      },
      srcArea: { top: 0, left: 0, bottom: 16, right: 64 },
      ropDescriptor: 8,
      scaleMode: 0,
      mask: { flags: 0, pos: { x: 0, y: 0 }, bitmap: null },
    };
    const chunks = displayCodecs.drawCopy.encode(message);
    expect(chunks).toContain(pixels);
    const body = concatChunks(chunks);
    // DisplayBase (4 + 16 + 1) then the src_bitmap pointer: the image follows the 57-byte fixed part.
    expect(new DataView(body.buffer).getUint32(21, true)).toBe(57);
    const decoded = displayCodecs.drawCopy.decode(body);
    expect(decoded.srcBitmap?.bitmap?.data).toEqual(pixels);
  });

  it('rejects a message whose pointers all aim at one structure (bounded decode work)', () => {
    // DRAW_TEXT with a string of 60 A8 glyphs is fine; a path whose segment count claims 2^20
    // pointers' worth of work in a small body is refused before allocating.
    const body = new Uint8Array(64);
    const view = new DataView(body.buffer);
    view.setUint32(21, 40, true); // path pointer
    view.setUint32(40, 0xffffff, true); // num_segments
    try {
      displayCodecs.drawStroke.decode(body);
      expect.unreachable();
    } catch (error) {
      expect(isProtocolError(error)).toBe(true);
    }
  });
});
