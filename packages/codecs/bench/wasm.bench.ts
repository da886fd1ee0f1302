import { afterAll, bench, describe } from 'vitest';
import { encodeLz, encodeQuic, LzImageType, QuicImageType, type XrgbPixels } from '../src/index.js';
import { createWasmLzEncoder } from '../src/lz-wasm.js';
import { createWasmQuicEncoder } from '../src/quic-wasm.js';
import { useWasmEncoders } from '../src/wasm-encoders.js';
import { BENCH_IMAGES, benchImagesPresent, cropPixels, loadBenchImage } from '../test/support/png.js';

/** Runs `f` with the WebAssembly encoders off: the TypeScript reference path. */
function typescriptOnly<T>(f: () => T): T {
  useWasmEncoders(false);
  try {
    return f();
  } finally {
    useWasmEncoders(true);
  }
}

// The WebAssembly encoders side by side with the TypeScript ones, in the same process. MB/s of
// input = width × height × 4 bytes per second. "wasm" includes copying the pixels into linear
// memory; "wasm prep" encodes pixels already there (a caller that renders into the input view).

/** C reference MB/s from ../shared/bench-images/README.md (spice-common, gcc -O2, one thread). */
const C_REFERENCE: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  'LZ RGB32': { desktop: 2782, photo: 520, shot: 3534, desktop256: 2061, photo256: 543, shot256: 2154 },
  'QUIC RGB32': { desktop: 2059, photo: 339, shot: 2508, desktop256: 868, photo256: 297, shot256: 878 },
};

const images: { label: string; pixels: XrgbPixels }[] = [];
if (benchImagesPresent()) {
  for (const image of BENCH_IMAGES) {
    const full = loadBenchImage(image.file);
    images.push({ label: image.name, pixels: full });
    images.push({ label: `${image.name}256`, pixels: cropPixels(full, image.crop[0], image.crop[1], 256, 256) });
  }
}

/**
 * Milliseconds of CPU time per call (process user + system time): one warm-up call, then the best
 * of 5 rounds of 100 ms. CPU time, not wall time, so that other jobs on a shared machine do not
 * count against the encoder; the C reference was measured on an idle machine.
 */
const time = (fn: () => void): number => {
  fn();
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    const start = performance.now();
    const cpu = process.cpuUsage();
    let n = 0;
    while (performance.now() - start < 100) {
      fn();
      n++;
    }
    const used = process.cpuUsage(cpu);
    best = Math.min(best, (used.user + used.system) / 1000 / n);
  }
  return best;
};
const mbps = (bytes: number, ms: number): number => (bytes / ms) * 1e-3;
const col = (v: number, digits = 0): string => v.toFixed(digits).padStart(7);

const rows: (() => string)[] = [];

afterAll(() => {
  if (rows.length === 0) return;
  process.stdout.write(
    `\ncodec      image        TS MB/s  wasm MB/s  wasm prep    C ref  wasm/TS  wasm/C  prep/C\n${rows.map((row) => row()).join('\n')}\n`,
  );
});

interface Variant {
  encode(pixels: XrgbPixels): Uint8Array;
  inputView(width: number, height: number): Uint8Array;
  encodePrepared(width: number, height: number): Uint8Array;
}

function compare(codec: string, ts: (pixels: XrgbPixels) => Uint8Array, wasm: Variant): void {
  for (const { label, pixels } of images) {
    const bytes = pixels.width * pixels.height * 4;
    bench(`${codec} TS   ${label}`, () => {
      ts(pixels);
    });
    bench(`${codec} wasm ${label}`, () => {
      wasm.encode(pixels);
    });
    rows.push(() => {
      const same = Buffer.compare(ts(pixels), wasm.encode(pixels)) === 0 ? 'same bytes' : 'BYTES DIFFER';
      const tsSpeed = mbps(
        bytes,
        time(() => ts(pixels)),
      );
      const copied = mbps(
        bytes,
        time(() => wasm.encode(pixels)),
      );
      wasm.inputView(pixels.width, pixels.height).set(pixels.data.subarray(0, bytes));
      const prepared = mbps(
        bytes,
        time(() => wasm.encodePrepared(pixels.width, pixels.height)),
      );
      const c = C_REFERENCE[codec]![label]!;
      return `${codec.padEnd(10)} ${label.padEnd(11)} ${col(tsSpeed)}    ${col(copied)}    ${col(prepared)} ${col(c)}  ${col(copied / tsSpeed, 2)} ${col(copied / c, 2)} ${col(prepared / c, 2)}  ${same}`;
    });
  }
}

describe.skipIf(images.length === 0)('LZ RGB32: TypeScript vs WebAssembly', () => {
  if (images.length === 0) return;
  const lz = createWasmLzEncoder();
  compare('LZ RGB32', (pixels) => typescriptOnly(() => encodeLz(pixels, LzImageType.Rgb32)), {
    encode: (pixels) => lz.encodeRgb32(pixels),
    inputView: (width, height) => lz.inputView(width, height),
    encodePrepared: (width, height) => lz.encodePreparedRgb32(width, height),
  });
});

describe.skipIf(images.length === 0)('QUIC RGB32: TypeScript vs WebAssembly', () => {
  if (images.length === 0) return;
  const quic = createWasmQuicEncoder();
  compare('QUIC RGB32', (pixels) => typescriptOnly(() => encodeQuic(pixels, QuicImageType.Rgb32)), {
    encode: (pixels) => quic.encodeRgb32(pixels),
    inputView: (width, height) => quic.inputView(width, height),
    encodePrepared: (width, height) => quic.encodePreparedRgb32(width, height),
  });
});

if (images.length === 0) {
  describe('wasm encoders', () => {
    bench('skipped: bench images absent', () => {});
  });
}
