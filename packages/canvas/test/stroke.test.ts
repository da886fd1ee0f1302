import { BrushType, ClipType, Ropd } from '@spice-ts/protocol';
import { describe, expect, it } from 'vitest';
import {
  createCanvasImage,
  drawStroke,
  fixToInt,
  LineFlags,
  PathFlags,
  type StrokeDraw,
  strokePolylines,
  wideDashPixels,
  zeroLinePixels,
} from '../src/index.js';
import { NO_CLIP, prng, rect, rgb, surfaceWith } from './helpers.js';

const fix = (x: number, y: number) => ({ x: x * 16, y: y * 16 });
const solid = (color: number) => ({ type: BrushType.Solid, color }) as const;

/**
 * A literal transcription of the mi zero-line segment loop (error term stepping, octant bias,
 * end point left out) without clipping: the reference the closed form is checked against.
 */
function miSegment(x1: number, y1: number, x2: number, y2: number): [number, number][] {
  const bias = (1 << 3) | (1 << 7) | (1 << 6) | (1 << 4);
  let octant = 0;
  let adx = x2 - x1;
  let ady = y2 - y1;
  let sdx = 1;
  let sdy = 1;
  if (adx < 0) {
    adx = -adx;
    sdx = -1;
    octant |= 4;
  }
  if (ady < 0) {
    ady = -ady;
    sdy = -1;
    octant |= 2;
  }
  const out: [number, number][] = [];
  let x = x1;
  let y = y1;
  if (adx > ady) {
    const e1 = ady << 1;
    const e2 = e1 - (adx << 1);
    let e = e1 - adx - ((bias >> octant) & 1);
    const e3 = e2 - e1;
    e -= e1;
    for (let n = adx; n > 0; n--) {
      out.push([x, y]);
      e += e1;
      if (e >= 0) {
        y += sdy;
        e += e3;
      }
      x += sdx;
    }
  } else {
    octant |= 1;
    const e1 = adx << 1;
    const e2 = e1 - (ady << 1);
    let e = e1 - ady - ((bias >> octant) & 1);
    const e3 = e2 - e1;
    e -= e1;
    for (let n = ady; n > 0; n--) {
      out.push([x, y]);
      e += e1;
      if (e >= 0) {
        x += sdx;
        e += e3;
      }
      y += sdy;
    }
  }
  return out;
}

const linePixels = (x1: number, y1: number, x2: number, y2: number, w = 64, h = 64) => {
  const out: [number, number][] = [];
  zeroLinePixels(x1, y1, x2, y2, w, h, (x, y) => out.push([x, y]));
  return out;
};

const stroke = (segments: StrokeDraw['path']['segments'], extra: Partial<StrokeDraw> = {}): StrokeDraw => ({
  path: { segments },
  attr: { flags: 0 },
  brush: solid(0xff0000),
  foreMode: Ropd.OpPut,
  backMode: Ropd.OpPut,
  ...extra,
});

describe('fixToInt', () => {
  it('rounds 28.4 values up only above one half', () => {
    expect(fixToInt(0x18)).toBe(1);
    expect(fixToInt(0x19)).toBe(2);
    expect(fixToInt(-8)).toBe(-1);
    expect(fixToInt(-7)).toBe(0);
    expect(fixToInt(-9)).toBe(-1);
    expect(fixToInt(-1)).toBe(0);
  });
});

describe('zeroLinePixels', () => {
  it('leaves the end point out of a horizontal line', () => {
    expect(linePixels(1, 1, 5, 1)).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 1],
    ]);
  });

  it('steps on the error-term tie as X biases each octant', () => {
    expect(linePixels(0, 0, 4, 2)).toEqual([
      [0, 0],
      [1, 1],
      [2, 1],
      [3, 2],
    ]);
    // Drawn backwards the inner pixels are the same (the bias of octant 4 breaks the tie the other way).
    expect(linePixels(4, 2, 0, 0)).toEqual([
      [4, 2],
      [3, 2],
      [2, 1],
      [1, 1],
    ]);
  });

  it('draws nothing for a zero-length segment', () => {
    expect(linePixels(3, 3, 3, 3)).toEqual([]);
  });

  it('agrees with the stepping loop on random lines, clipped to the surface', () => {
    const r = prng(7);
    for (let k = 0; k < 400; k++) {
      const c = () => Math.floor(r() * 100) - 20;
      const [x1, y1, x2, y2] = [c(), c(), c(), c()];
      const expected = miSegment(x1, y1, x2, y2).filter(([x, y]) => x >= 0 && y >= 0 && x < 64 && y < 48);
      expect(linePixels(x1, y1, x2, y2, 64, 48)).toEqual(expected);
    }
  });
});

describe('strokePolylines', () => {
  it('rounds points, closes back to the first point and splits at BEGIN', () => {
    const lines = strokePolylines([
      { flags: PathFlags.Begin | PathFlags.End | PathFlags.Close, points: [fix(1, 1), fix(4, 1), fix(4, 4)] },
      { flags: PathFlags.Begin, points: [{ x: 0x19, y: 0x18 }, fix(3, 3)] },
    ]);
    expect(lines).toEqual([
      [1, 1, 4, 1, 4, 4, 1, 1],
      [2, 1, 3, 3],
    ]);
  });

  it('flattens a straight bezier to its end point', () => {
    const lines = strokePolylines([
      {
        flags: PathFlags.Begin | PathFlags.Bezier | PathFlags.End,
        points: [fix(0, 0), fix(2, 0), fix(4, 0), fix(6, 0)],
      },
    ]);
    expect(lines).toEqual([[0, 0, 6, 0]]);
  });

  it('subdivides a curved bezier into several points that end at its end point', () => {
    const [line] = strokePolylines([
      { flags: PathFlags.Begin | PathFlags.Bezier, points: [fix(0, 0), fix(0, 20), fix(20, 20), fix(20, 0)] },
    ]);
    expect(line!.length).toBeGreaterThan(6);
    expect(line!.slice(-2)).toEqual([20, 0]);
    expect(line!.slice(0, 2)).toEqual([0, 0]);
  });

  it('stops the path at a bezier segment whose point count is not a multiple of three', () => {
    const lines = strokePolylines([
      { flags: PathFlags.Begin | PathFlags.End, points: [fix(0, 0), fix(3, 0)] },
      { flags: PathFlags.Begin | PathFlags.Bezier, points: [fix(0, 0), fix(1, 1)] },
    ]);
    expect(lines).toEqual([[0, 0, 3, 0]]);
  });
});

describe('drawStroke', () => {
  it('draws each pixel of a closed outline once (XOR leaves no corner cleared)', () => {
    const s = surfaceWith(6, 6, new Array(36).fill(0));
    drawStroke(
      s,
      rect(0, 0, 6, 6),
      NO_CLIP,
      stroke(
        [
          {
            flags: PathFlags.Begin | PathFlags.End | PathFlags.Close,
            points: [fix(1, 1), fix(4, 1), fix(4, 4), fix(1, 4)],
          },
        ],
        { foreMode: Ropd.OpXor, brush: solid(0x0000ff) },
      ),
    );
    const on: string[] = [];
    for (let y = 0; y < 6; y++) for (let x = 0; x < 6; x++) if (rgb(s, x, y) === 0xff) on.push(`${x},${y}`);
    expect(on.sort()).toEqual(
      ['1,1', '2,1', '3,1', '4,1', '4,2', '4,3', '4,4', '3,4', '2,4', '1,4', '1,3', '1,2'].sort(),
    );
    expect(rgb(s, 2, 2)).toBe(0);
  });

  it('keeps to the box and the clip rectangles', () => {
    const s = surfaceWith(8, 1, new Array(8).fill(0));
    drawStroke(
      s,
      rect(1, 0, 7, 1),
      { type: ClipType.Rects, rects: [rect(0, 0, 3, 1), rect(5, 0, 8, 1)] },
      stroke([{ flags: PathFlags.Begin | PathFlags.End, points: [fix(0, 0), fix(8, 0)] }]),
    );
    expect(Array.from({ length: 8 }, (_, x) => rgb(s, x, 0))).toEqual([
      0, 0xff0000, 0xff0000, 0, 0, 0xff0000, 0xff0000, 0,
    ]);
  });

  it('paints with the pattern tile at its offset', () => {
    const s = surfaceWith(4, 1, [0, 0, 0, 0]);
    const pattern = createCanvasImage(2, 1, Uint32Array.of(0xaaaaaa, 0xbbbbbb));
    drawStroke(
      s,
      rect(0, 0, 4, 1),
      NO_CLIP,
      stroke([{ flags: PathFlags.Begin, points: [fix(0, 0), fix(4, 0)] }], {
        brush: { type: BrushType.Pattern, pattern, pos: { x: 1, y: 0 } },
      }),
    );
    expect(Array.from({ length: 4 }, (_, x) => rgb(s, x, 0))).toEqual([0xbbbbbb, 0xaaaaaa, 0xbbbbbb, 0xaaaaaa]);
  });

  it('draws styled lines as on-off dashes along the line', () => {
    const s = surfaceWith(8, 1, new Array(8).fill(0));
    drawStroke(
      s,
      rect(0, 0, 8, 1),
      NO_CLIP,
      stroke([{ flags: PathFlags.Begin, points: [fix(0, 0), fix(8, 0)] }], {
        attr: { flags: LineFlags.Styled, style: [2 * 16, 2 * 16] },
      }),
    );
    expect(Array.from({ length: 8 }, (_, x) => rgb(s, x, 0) !== 0)).toEqual([
      true,
      true,
      false,
      false,
      true,
      true,
      false,
      false,
    ]);
  });

  for (const [name, foreMode] of [
    ['put', Ropd.OpPut],
    ['xor', Ropd.OpXor],
  ] as const) {
    it(`closes a dashed square with its joins, each pixel once (${name})`, () => {
      const s = surfaceWith(10, 10, new Array(100).fill(0));
      drawStroke(
        s,
        rect(0, 0, 10, 10),
        NO_CLIP,
        stroke(
          [
            {
              flags: PathFlags.Begin | PathFlags.End | PathFlags.Close,
              points: [fix(2, 2), fix(8, 2), fix(8, 8), fix(2, 8)],
            },
          ],
          { attr: { flags: LineFlags.Styled, style: [200 * 16, 16] }, foreMode, brush: solid(0x0000ff) },
        ),
      );
      const on: string[] = [];
      for (let y = 0; y < 10; y++) for (let x = 0; x < 10; x++) if (rgb(s, x, y) !== 0) on.push(`${x},${y}`);
      const outline: string[] = [];
      for (let i = 2; i <= 8; i++) outline.push(`${i},2`, `${i},8`, `2,${i}`, `8,${i}`);
      expect(on.sort()).toEqual([...new Set(outline)].sort());
      expect(on.every((p) => rgb(s, Number(p.split(',')[0]), Number(p.split(',')[1])) === 0xff)).toBe(true);
    });
  }

  it('starts with the gap when START_WITH_GAP is set', () => {
    const s = surfaceWith(8, 1, new Array(8).fill(0));
    drawStroke(
      s,
      rect(0, 0, 8, 1),
      NO_CLIP,
      stroke([{ flags: PathFlags.Begin, points: [fix(0, 0), fix(8, 0)] }], {
        attr: { flags: LineFlags.Styled | LineFlags.StartWithGap, style: [1 * 16, 3 * 16] },
      }),
    );
    // Dashes become [3, 1] with offset 3: gap of 1, then 3 on.
    expect(Array.from({ length: 8 }, (_, x) => rgb(s, x, 0) !== 0)).toEqual([
      false,
      true,
      true,
      true,
      false,
      true,
      true,
      true,
    ]);
  });
});

describe('wideDashPixels', () => {
  const dashPixels = (line: number[], dashes: number[], offset = 0) => {
    const out: string[] = [];
    wideDashPixels(line, dashes, offset, { width: 16, height: 16 }, (x, y) => out.push(`${x},${y}`));
    return out.sort();
  };

  it('draws a leftward dash from the pixel before its start (X takes left edges, not right ones)', () => {
    expect(dashPixels([8, 0, 0, 0], [2, 2])).toEqual(['2,0', '3,0', '6,0', '7,0']);
    expect(dashPixels([0, 0, 8, 0], [2, 2])).toEqual(['0,0', '1,0', '4,0', '5,0']);
  });

  it('covers the one-pixel-wide band of a sloped line: two pixels in some columns', () => {
    // |x - 2y| <= 1 around (0,0)-(4,2), the end point left out.
    expect(dashPixels([0, 0, 4, 2], [200, 1])).toEqual(['0,0', '1,0', '1,1', '2,1', '3,1', '3,2']);
  });

  it('draws a 45 degree dash on the diagonal pixels only', () => {
    expect(dashPixels([0, 0, 4, 4], [200, 1])).toEqual(['0,0', '1,1', '2,2', '3,3']);
  });

  it('carries the dash phase into the next segment, dropping its fraction', () => {
    // Segment 1 (length 3) ends one pixel into the gap; segment 2 starts with the gap's last pixel.
    expect(dashPixels([0, 0, 3, 0, 3, 6], [2, 2])).toEqual(['0,0', '1,0', '3,1', '3,2', '3,5']);
  });

  it('reports a pixel shared by two dashes once', () => {
    const out: string[] = [];
    wideDashPixels([0, 0, 4, 0, 0, 0], [200, 1], 0, { width: 8, height: 8 }, (x, y) => out.push(`${x},${y}`));
    expect(out.length).toBe(new Set(out).size);
  });
});
