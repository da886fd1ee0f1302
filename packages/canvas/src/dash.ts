/**
 * On-off dashed polylines as the client draws styled strokes: X's wide-dash rasterization with a
 * line width of 1 (spice-common lines.c, miWideDash). Each "on" dash of a segment is a
 * rectangle one pixel wide around the segment, cut square at the dash ends; a pixel is drawn
 * when its centre (integer coordinates) is inside, with X's polygon rules: an edge's line is
 * x·dy − y·dx = k with k rounded up to an integer (after making dy positive), a left edge takes
 * the pixels on it and a right edge does not, rows run from the rounded-up top to the rounded-up
 * bottom (exclusive). Dash boundaries are placed at whole distances along each segment, and the
 * dash phase carried into the next segment drops the fraction, as the client does. Where a dash
 * runs through a vertex the two bands are joined with a miter (a bevel past X's miter limit).
 */

/** Rounds up as X's ICEIL (through a truncating int conversion). */
const iceil = (x: number): number => {
  const t = Math.trunc(x);
  return x === t || x < 0 ? t : t + 1;
};

/** The dash state at a polyline's start: index and offset into that dash (miStepDash from 0). */
export function startDash(dashes: readonly number[], offset: number): { index: number; offset: number } {
  let index = 0;
  let dist = offset;
  if (dist < dashes[0]!) return { index, offset: dist };
  dist -= dashes[0]!;
  index = 1 % dashes.length;
  const total = dashes.reduce((a, b) => a + b, 0);
  if (total > 0 && total <= dist) dist %= total;
  while (dist >= dashes[index]!) {
    dist -= dashes[index]!;
    index = (index + 1) % dashes.length;
  }
  return { index, offset: dist };
}

interface Edge {
  readonly dx: number;
  readonly dy: number;
  readonly k: number;
}

/** One end of a segment's band: its point, direction away from the band, half-width offset, k. */
interface Face {
  x: number;
  y: number;
  dx: number;
  dy: number;
  xa: number;
  ya: number;
  k: number;
}

/** 1 / sin²(11° / 2): X's miter limit (SQSECANT in lines.c). */
const SQ_SECANT = 108.856472512142;

/**
 * The miter join between the band ending at `right` and the band starting at `left` (both at
 * the same point), as X joins wide-line segments; a miter longer than the limit becomes a bevel.
 * With `shortcut` (X's width-1 lines painted without span merging), joins the lines' own pixels
 * already cover are skipped.
 */
function joinPixels(
  leftFace: Face,
  rightFace: Face,
  shortcut: boolean,
  bounds: { readonly width: number; readonly height: number },
  fn: (x: number, y: number) => void,
): void {
  const l = { ...leftFace };
  const r = { ...rightFace };
  if (shortcut) {
    if (l.dx > 0 || (l.dx === 0 && l.dy > 0)) return;
    if (r.dx > 0 || (r.dx === 0 && r.dy > 0)) return;
  }
  const denom = -l.dx * r.dy + r.dx * l.dy;
  if (denom === 0) return;
  const swap = denom <= 0;
  const flip = (f: Face) => {
    f.xa = -f.xa;
    f.ya = -f.ya;
    f.dx = -f.dx;
    f.dy = -f.dy;
  };
  flip(swap ? r : l);
  const vx = [r.xa, 0, l.xa];
  const vy = [r.ya, 0, l.ya];
  const edges: Edge[] = [
    { dx: -r.dy, dy: r.dx, k: 0 },
    { dx: l.dy, dy: -l.dx, k: 0 },
  ];
  const my = (l.dy * (r.xa * r.dy - r.ya * r.dx) - r.dy * (l.xa * l.dy - l.ya * l.dx)) / denom;
  const mx = l.dy !== 0 ? l.xa + ((my - l.ya) * l.dx) / l.dy : r.xa + ((my - r.ya) * r.dx) / r.dy;
  if ((mx * mx + my * my) * 4 <= SQ_SECANT) {
    const sg = swap ? -1 : 1;
    edges.push({ dx: l.dx * sg, dy: l.dy * sg, k: l.k * sg });
    vx.push(mx);
    vy.push(my);
    edges.push({ dx: r.dx * sg, dy: r.dy * sg, k: r.k * sg });
  } else {
    const dx = r.xa - l.xa;
    const dy = r.ya - l.ya;
    const scale = Math.max(Math.abs(dx), Math.abs(dy));
    const ex = Math.trunc((dx * 65536) / scale);
    const ey = Math.trunc((dy * 65536) / scale);
    edges.push({ dx: ex, dy: ey, k: ((l.xa + r.xa) * ey - (l.ya + r.ya) * ex) / 2 });
  }
  fillPolygon(vx, vy, edges, leftFace.x, leftFace.y, bounds, fn);
}

/**
 * Calls fn for each pixel centre inside a convex polygon (vertices relative to (xi, yi); edge j
 * runs from vertex j to vertex j + 1 on the line x·dy − y·dx = k).
 */
function fillPolygon(
  vx: readonly number[],
  vy: readonly number[],
  edges: readonly Edge[],
  xi: number,
  yi: number,
  bounds: { readonly width: number; readonly height: number },
  fn: (x: number, y: number) => void,
): void {
  const n = vx.length;
  const cx = vx.reduce((a, b) => a + b, 0) / n;
  const cy = vy.reduce((a, b) => a + b, 0) / n;
  // Each non-horizontal edge (edge j runs from vertex j to vertex j + 1) as g(x, y) = x·dy − y·dx
  // against K, dy made positive; a left edge (interior towards +x) keeps g ≥ K, a right edge
  // g < K. An edge bounds only the rows from its rounded-up top to its rounded-up bottom.
  const tests: { dx: number; dy: number; K: number; left: boolean; from: number; to: number }[] = [];
  edges.forEach((e, j) => {
    if (e.dy === 0) return;
    const s = e.dy < 0 ? -1 : 1;
    const dx = e.dx * s;
    const dy = e.dy * s;
    const k = e.k * s;
    const ya = vy[j]!;
    const yb = vy[(j + 1) % n]!;
    tests.push({
      dx,
      dy,
      K: iceil(k),
      left: cx * dy - cy * dx > k,
      from: iceil(Math.min(ya, yb)),
      to: iceil(Math.max(ya, yb)),
    });
  });
  // Rows and columns of the quad, cut to the surface (coordinates relative to (xi, yi)).
  const top = Math.max(iceil(Math.min(...vy)), -yi);
  const bottom = Math.min(iceil(Math.max(...vy)), bounds.height - yi);
  const xl = Math.max(Math.floor(Math.min(...vx)) - 1, -xi);
  const xr = Math.min(Math.ceil(Math.max(...vx)) + 1, bounds.width - 1 - xi);
  for (let y = top; y < bottom; y++) {
    for (let x = xl; x <= xr; x++) {
      let inside = true;
      for (const t of tests) {
        if (y < t.from || y >= t.to) continue;
        const g = x * t.dy - y * t.dx;
        if (t.left ? g < t.K : g >= t.K) {
          inside = false;
          break;
        }
      }
      if (inside) fn(x + xi, y + yi);
    }
  }
}

/**
 * The pixels of an on-off dashed polyline ([x0, y0, x1, y1, ...], integers) of width 1 inside
 * [0, width) × [0, height), each reported once. `dashes` are whole pixel lengths (on, off, on,
 * ...; their sum must be positive), `offset` the distance into the pattern at the start.
 */
export function wideDashPixels(
  line: readonly number[],
  dashes: readonly number[],
  offset: number,
  bounds: { readonly width: number; readonly height: number },
  fn: (x: number, y: number) => void,
  careful = false,
): void {
  const n = dashes.length;
  let { index, offset: into } = startDash(dashes, offset);
  // Pixels already reported (the client merges a polyline's spans before filling them).
  const seen = new Set<number>();
  const emit = (x: number, y: number) => {
    const key = y * bounds.width + x;
    if (seen.has(key)) return;
    seen.add(key);
    fn(x, y);
  };
  const half = 0.5;
  // X merges a polyline's spans (and draws full joins) for ROPs that are not idempotent and
  // polylines of three points or more; merging is what reporting each pixel once does here.
  const shortcut = !careful || line.length < 6;
  const last = line.length - 2;
  const selfJoin = line[0] === line[last] && line[1] === line[last + 1];
  let first = true;
  let prevIsFg = false;
  let firstIsFg = false;
  let firstFace: Face | null = null;
  let prevRight: Face | null = null;
  for (let i = 0; i + 3 < line.length; i += 2) {
    const x1 = line[i]!;
    const y1 = line[i + 1]!;
    const x2 = line[i + 2]!;
    const y2 = line[i + 3]!;
    const dx = x2 - x1;
    const dy = y2 - y1;
    if (dx === 0 && dy === 0) continue;
    const startIsFg = (index & 1) === 0;
    let remain = dashes[index]! - into;
    let L: number;
    let rdx: number;
    let rdy: number;
    if (dx === 0) {
      L = Math.abs(dy);
      rdx = 0;
      rdy = dy < 0 ? -half : half;
    } else if (dy === 0) {
      L = Math.abs(dx);
      rdx = dx < 0 ? -half : half;
      rdy = 0;
    } else {
      L = Math.sqrt(dx * dx + dy * dy);
      const r = half / L;
      rdx = r * dx;
      rdy = r * dy;
    }
    const k = half * L;
    let lRemain = L;
    // Vertices top, right, bottom, left (relative to the segment start) and the end-cap k values.
    const vx = [rdy, rdy, -rdy, -rdy];
    const vy = [-rdx, -rdx, rdx, rdx];
    let kLeft = 0;
    let kRight = 0;
    const quad = (xi: number, yi: number) =>
      fillPolygon(
        vx,
        vy,
        [
          { dx, dy, k },
          { dx: -dy, dy: dx, k: kRight },
          { dx: -dx, dy: -dy, k },
          { dx: dy, dy: -dx, k: kLeft },
        ],
        xi,
        yi,
        bounds,
        emit,
      );
    while (lRemain > remain) {
      const ddx = (remain * dx) / L;
      const ddy = (remain * dy) / L;
      vx[1] = vx[1]! + ddx;
      vy[1] = vy[1]! + ddy;
      vx[2] = vx[2]! + ddx;
      vy[2] = vy[2]! + ddy;
      kRight = vx[1]! * dx + vy[1]! * dy;
      if ((index & 1) === 0) quad(x1, y1);
      lRemain -= remain;
      index = (index + 1) % n;
      remain = dashes[index]!;
      vx[0] = vx[1]!;
      vy[0] = vy[1]!;
      vx[3] = vx[2]!;
      vy[3] = vy[2]!;
      kLeft = -kRight;
    }
    if ((index & 1) === 0) {
      // The rest of the segment, now relative to its end point.
      vx[0] = vx[0]! - dx;
      vy[0] = vy[0]! - dy;
      vx[3] = vx[3]! - dx;
      vy[3] = vy[3]! - dy;
      vx[1] = rdy;
      vy[1] = -rdx;
      vx[2] = -rdy;
      vy[2] = rdx;
      kRight = 0;
      kLeft += dx * dx + dy * dy;
      quad(x2, y2);
    }
    remain = Math.trunc(remain - lRemain);
    if (remain === 0) {
      index = (index + 1) % n;
      remain = dashes[index]!;
    }
    into = dashes[index]! - remain;
    const leftFace: Face = { x: x1, y: y1, dx, dy, xa: rdy, ya: -rdx, k };
    const rightFace: Face = { x: x2, y: y2, dx: -dx, dy: -dy, xa: -rdy, ya: rdx, k };
    const endIsFg = ((index & 1) ^ (into !== 0 ? 1 : 0)) === 1;
    if (startIsFg) {
      if (first || !prevIsFg) {
        if (first && selfJoin) {
          firstFace = leftFace;
          firstIsFg = true;
        }
      } else if (prevRight) {
        joinPixels(leftFace, prevRight, shortcut, bounds, emit);
      }
    }
    prevRight = rightFace;
    prevIsFg = endIsFg;
    first = false;
  }
  // A closed polyline whose dash runs through its first point joins its last segment to its first.
  if (prevIsFg && selfJoin && firstIsFg && firstFace && prevRight) {
    joinPixels(firstFace, prevRight, shortcut, bounds, emit);
  }
}
