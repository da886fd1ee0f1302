import { Ropd } from '@spice-ts/protocol';
import { describe, expect, it } from 'vitest';
import { applyRop, Rop, RopInput, ropdToRop } from '../src/index.js';
import { prng, randomWord } from './helpers.js';

const { InversSrc: IS, InversBrush: IB, InversDest: ID, InversRes: IR } = Ropd;
const B = RopInput.Brush;
const D = RopInput.Dest;
const S = RopInput.Src;

describe('ropdToRop', () => {
  // The table of canvas_base.c's ropd_descriptor_to_rop, written out case by case.
  const cases: [number, Rop][] = [
    [Ropd.OpPut, Rop.Copy],
    [Ropd.OpPut | IB, Rop.CopyInverted],
    [Ropd.OpPut | IR, Rop.CopyInverted],
    [Ropd.OpPut | IB | IR, Rop.Copy],
    [Ropd.OpPut | ID, Rop.Copy],
    [Ropd.OpOr, Rop.Or],
    [Ropd.OpOr | IB, Rop.OrInverted],
    [Ropd.OpOr | ID, Rop.OrReverse],
    [Ropd.OpOr | IB | ID, Rop.Nand],
    [Ropd.OpOr | IR, Rop.Nor],
    [Ropd.OpOr | IR | IB, Rop.AndReverse],
    [Ropd.OpOr | IR | ID, Rop.AndInverted],
    [Ropd.OpOr | IR | IB | ID, Rop.And],
    [Ropd.OpAnd, Rop.And],
    [Ropd.OpAnd | IB, Rop.AndInverted],
    [Ropd.OpAnd | ID, Rop.AndReverse],
    [Ropd.OpAnd | IB | ID, Rop.Nor],
    [Ropd.OpAnd | IR, Rop.Nand],
    [Ropd.OpAnd | IR | IB, Rop.OrReverse],
    [Ropd.OpAnd | IR | ID, Rop.OrInverted],
    [Ropd.OpAnd | IR | IB | ID, Rop.Or],
    [Ropd.OpXor, Rop.Xor],
    [Ropd.OpXor | IB, Rop.Equiv],
    [Ropd.OpXor | ID, Rop.Equiv],
    [Ropd.OpXor | IB | ID, Rop.Xor],
    [Ropd.OpXor | IR, Rop.Equiv],
    [Ropd.OpXor | IR | IB, Rop.Xor],
    [Ropd.OpXor | IR | ID, Rop.Xor],
    [Ropd.OpXor | IR | IB | ID, Rop.Equiv],
    [Ropd.OpBlackness, Rop.Clear],
    [Ropd.OpWhiteness, Rop.Set],
    [Ropd.OpInvers, Rop.Invert],
    [0, Rop.Copy],
    [IR, Rop.Copy],
  ];
  it.each(cases)('maps descriptor %i for a FILL (brush on dest)', (desc, rop) => {
    expect(ropdToRop(desc, B, D)).toBe(rop);
  });

  it('reads INVERS_SRC, not INVERS_BRUSH, for the source of a COPY', () => {
    expect(ropdToRop(Ropd.OpOr | IS, S, D)).toBe(Rop.OrInverted);
    expect(ropdToRop(Ropd.OpOr | IB, S, D)).toBe(Rop.Or);
  });

  it('reads INVERS_SRC as the dest inversion of an OPAQUE (brush on the source)', () => {
    expect(ropdToRop(Ropd.OpAnd | IS, B, S)).toBe(Rop.AndReverse);
    expect(ropdToRop(Ropd.OpAnd | ID, B, S)).toBe(Rop.And);
  });

  it('tries PUT before OR, AND and XOR', () => {
    expect(ropdToRop(Ropd.OpPut | Ropd.OpXor, B, D)).toBe(Rop.Copy);
    expect(ropdToRop(Ropd.OpAnd | Ropd.OpXor, B, D)).toBe(Rop.And);
  });
});

describe('applyRop', () => {
  const reference: Record<Rop, (s: number, d: number) => number> = {
    [Rop.Clear]: () => 0,
    [Rop.And]: (s, d) => s & d,
    [Rop.AndReverse]: (s, d) => s & ~d,
    [Rop.Copy]: (s) => s,
    [Rop.AndInverted]: (s, d) => ~s & d,
    [Rop.Noop]: (_, d) => d,
    [Rop.Xor]: (s, d) => s ^ d,
    [Rop.Or]: (s, d) => s | d,
    [Rop.Nor]: (s, d) => ~(s | d),
    [Rop.Equiv]: (s, d) => ~s ^ d,
    [Rop.Invert]: (_, d) => ~d,
    [Rop.OrReverse]: (s, d) => s | ~d,
    [Rop.CopyInverted]: (s) => ~s,
    [Rop.OrInverted]: (s, d) => ~s | d,
    [Rop.Nand]: (s, d) => ~(s & d),
    [Rop.Set]: () => -1,
  };
  it('computes each of the sixteen ops as its C expression in pixman_utils.h', () => {
    const r = prng(7);
    for (let i = 0; i < 200; i++) {
      const s = randomWord(r);
      const d = randomWord(r);
      for (const op of Object.values(Rop)) expect(applyRop(op, s, d)).toBe(reference[op](s, d) >>> 0);
    }
  });
});
