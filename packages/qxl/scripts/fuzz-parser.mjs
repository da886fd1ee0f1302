#!/usr/bin/env node
// Long fuzz run of the QXL device's parser (and of the replay writer riding on it) against the
// built package (`pnpm --filter @spice-ts/qxl fuzz` builds first). Every case lays out a random
// command of some QXL type as real guest structures (all draw types, images with palettes and
// chunk lists, surfaces, cursors, updates, messages), then mutates it (byte flips, pointers turned
// into loops and cross links, wild addresses, edge-case sizes) or replaces it with random bytes,
// pushes it on a ring and lets the device take it. An outcome is a parsed record or a typed
// QxlError; anything else is a failure. The cases run in a worker thread; the main thread is a
// watchdog that reports a case that runs longer than --hang-ms as a hang.
//
//   node scripts/fuzz-parser.mjs [--cases N] [--seed S] [--hang-ms MS] [--case I] [--no-writer]
//
// Each case is a pure function of (seed, index): `--case I` reruns one and prints what happened.
// Exit status: 0 all cases typed, 1 an untyped exception, 2 a hang.

import { Writable } from 'node:stream';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

const DEFAULTS = { cases: 1_000_000, seed: 0x5eed, hangMs: 10_000, case: -1, writer: true };

function parseArgs(argv) {
  const options = { ...DEFAULTS };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v)) throw new Error(`${arg} needs a number`);
      return v;
    };
    if (arg === '--cases') options.cases = value();
    else if (arg === '--seed') options.seed = value();
    else if (arg === '--hang-ms') options.hangMs = value();
    else if (arg === '--case') options.case = value();
    else if (arg === '--no-writer') options.writer = false;
    else throw new Error(`unknown option ${arg}`);
  }
  return options;
}

// ---- main thread: watchdog and report ------------------------------------------------------------

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const heartbeat = new Int32Array(new SharedArrayBuffer(8));
  heartbeat[0] = -1;
  const worker = new Worker(new URL(import.meta.url), { workerData: { options, heartbeat } });
  const started = performance.now();
  let lastCase = -2;
  let lastChange = performance.now();
  let outcome = null;
  const watchdog = setInterval(() => {
    const current = Atomics.load(heartbeat, 0);
    if (current !== lastCase) {
      lastCase = current;
      lastChange = performance.now();
      return;
    }
    if (performance.now() - lastChange > options.hangMs) {
      clearInterval(watchdog);
      console.error(
        `HANG: case ${current} (seed ${options.seed}) has run for over ${options.hangMs} ms; rerun it with --case ${current}`,
      );
      void worker.terminate();
      process.exitCode = 2;
    }
  }, 250);
  worker.on('message', (m) => {
    if (m.type === 'progress') {
      const s = ((performance.now() - started) / 1000).toFixed(1);
      console.log(`${m.done.toLocaleString('en')} cases, ${s} s, failures ${m.failures}`);
    } else if (m.type === 'done') {
      outcome = m;
    } else if (m.type === 'case') {
      console.log(JSON.stringify(m.detail, (_k, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v), 2));
    }
  });
  await new Promise((resolve) => {
    worker.on('exit', resolve);
    worker.on('error', (err) => {
      console.error('fuzz worker crashed:', err);
      process.exitCode = 1;
    });
  });
  clearInterval(watchdog);
  if (outcome === null) return;
  const elapsed = (performance.now() - started) / 1000;
  const r = outcome.result;
  const codes = Object.entries(r.outcomes).sort((a, b) => b[1] - a[1]);
  console.log('');
  console.log(`cases            ${r.cases.toLocaleString('en')} (seed ${options.seed})`);
  console.log(
    `time             ${elapsed.toFixed(1)} s (${Math.round(r.cases / elapsed).toLocaleString('en')} cases/s)`,
  );
  console.log(`slowest case     #${r.slowest.index} (${r.slowest.kind}) ${r.slowest.ms.toFixed(2)} ms`);
  console.log(`parsed           ${(r.outcomes.parsed ?? 0).toLocaleString('en')}`);
  console.log(`typed QxlError   ${r.typed.toLocaleString('en')}`);
  for (const [code, n] of codes) if (code !== 'parsed') console.log(`  ${code.padEnd(26)} ${n.toLocaleString('en')}`);
  console.log(`untyped (fail)   ${r.failures}`);
  if (r.writer) {
    console.log(
      `replay writer    ${r.writer.commands.toLocaleString('en')} recorded, ${r.writer.skipped.toLocaleString('en')} skipped (typed), ${r.writerFailures} untyped`,
    );
  }
  console.log(`case kinds       ${JSON.stringify(r.kinds)}`);
  const fields = Object.entries(r.fields).sort((a, b) => b[1] - a[1]);
  console.log(
    `top error fields ${fields
      .slice(0, 12)
      .map(([f, n]) => `${f}: ${n}`)
      .join('; ')}`,
  );
  for (const f of r.failureSamples) console.log(`FAILURE case ${f.index} (${f.kind}): ${f.error}`);
  if (r.failures > 0 || r.writerFailures > 0) process.exitCode = 1;
}

// ---- worker: the cases ---------------------------------------------------------------------------

/** xorshift32 seeded from (seed, index) through a splitmix-style hash. */
function caseRandom(seed, index) {
  let x = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d) >>> 0;
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b) >>> 0;
  x = (x ^ (x >>> 16)) >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

async function runWorker() {
  const q = await import('../dist/index.js');
  const { options, heartbeat } = workerData;
  const WORK_START = 0x100;
  const RAM = 256 * 1024 + 8192;

  let loggedErrors = 0;
  const logger = {
    debug() {},
    info() {},
    warn() {},
    error() {
      loggedErrors++;
    },
  };
  const device = q.createQxlDevice({ ramSize: RAM, vramSize: 64 * 1024, numSurfaces: 8, logger });
  const h = device.ramHeaderOffset;
  const WORK_END = h - 64;
  const ram = new DataView(device.ram.buffer, device.ram.byteOffset, device.ram.byteLength);
  const addSlot = (slot, start, end) => {
    ram.setBigUint64(h + q.QXL_RAM.memSlot + q.QXL_MEM_SLOT.memStart, BigInt(start), true);
    ram.setBigUint64(h + q.QXL_RAM.memSlot + q.QXL_MEM_SLOT.memEnd, BigInt(end), true);
    device.io(q.QxlIo.MemslotAdd, slot);
  };
  addSlot(1, device.bars.ram.base, device.bars.ram.base + h);
  addSlot(2, device.bars.vram.base, device.bars.vram.base + device.bars.vram.size);
  const generation = new DataView(device.rom.buffer).getUint8(q.QXL_ROM.slotGeneration);
  const ring = (at) => q.createQxlRing({ bytes: device.ram, offset: h + at, numItems: 32, itemSize: 16 });
  const cmdRing = ring(q.QXL_RAM.cmdRing);
  const cursorRing = ring(q.QXL_RAM.cursorRing);
  const releaseRing = q.createQxlRing({
    bytes: device.ram,
    offset: h + q.QXL_RAM.releaseRing,
    numItems: 8,
    itemSize: 8,
  });
  const addr = (offset) => device.memory.physicalAddress(1, generation, offset);

  // The replay writer rides along: every command the device takes is recorded (into nothing).
  let writer = null;
  let writerFailures = 0;
  let lastWriterError = null;
  if (options.writer) {
    const nothing = new Writable({
      write(_chunk, _encoding, done) {
        done();
      },
    });
    writer = q.createReplayWriter(device.memory, { output: nothing });
    device.onCommand((command) => {
      try {
        writer.writeCommand(command);
      } catch (err) {
        writerFailures++;
        lastWriterError = err;
      }
    });
  }

  // ---- random valid commands, as the replay layout writes them ----
  let r = Math.random;
  const int = (n) => Math.floor(r() * n);
  const chance = (p) => r() < p;
  const pick = (list) => list[int(list.length)];
  const bytes = (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = int(256);
    return out;
  };
  const split = (data) => {
    const chunks = [];
    let pos = 0;
    const parts = 1 + int(4);
    for (let i = 0; i < parts - 1 && pos < data.length; i++) {
      const n = int(data.length - pos + 1);
      chunks.push(data.subarray(pos, pos + n));
      pos += n;
    }
    chunks.push(data.subarray(pos));
    return chunks;
  };
  const rect = () => {
    const top = int(20);
    const left = int(20);
    return { top, left, bottom: top + int(20), right: left + int(20) };
  };
  /** A surface id, now and then one beyond n_surfaces (8). */
  const surfaceId = () => (chance(0.03) ? 8 + int(3) : int(8));
  const point = () => ({ x: int(40) - 8, y: int(40) - 8 });
  // [format, bpp, needs palette]
  const FORMATS = [
    [1, 1, true],
    [2, 1, true],
    [3, 4, true],
    [4, 4, true],
    [5, 8, true],
    [6, 16, false],
    [7, 24, false],
    [8, 32, false],
    [9, 32, false],
    [10, 8, false],
  ];
  const image = (mask = false) => {
    const kind = r();
    const id = BigInt(int(2 ** 32)) << 16n;
    const width = 1 + int(12);
    const height = 1 + int(12);
    if (kind < 0.12) return { kind: 'surface', id, flags: 0, width, height, surfaceId: surfaceId() };
    if (kind < 0.25) {
      const data = bytes(1 + int(64));
      return { kind: 'quic', id, flags: int(4), width, height, dataSize: data.length, chunks: split(data) };
    }
    const [format, bpp, needsPalette] = mask ? [1, 1, false] : pick(FORMATS);
    const stride = Math.ceil((width * bpp) / 8) + int(3);
    const data = bytes(stride * height);
    const direct = chance(0.2);
    const palette =
      needsPalette || chance(0.1)
        ? { unique: BigInt(int(1000)), entries: Uint32Array.from({ length: 1 + int(16) }, () => int(2 ** 32)) }
        : null;
    return {
      kind: 'bitmap',
      id,
      flags: int(4),
      width,
      height,
      format,
      bitmapFlags: (direct ? 1 : 0) | (chance(0.5) ? 4 : 0),
      x: width,
      y: height,
      stride,
      palette,
      chunks: direct ? [data] : split(data),
    };
  };
  const brush = () => {
    const t = r();
    if (t < 0.2) return { type: 'none' };
    if (t < 0.8) return { type: 'solid', color: int(2 ** 32) };
    return { type: 'pattern', pattern: image(), pos: point() };
  };
  const qmask = () =>
    chance(0.6)
      ? { flags: 0, pos: { x: 0, y: 0 }, bitmap: null }
      : { flags: int(2), pos: point(), bitmap: image(true) };
  const clip = () =>
    chance(0.6) ? { type: 'none' } : { type: 'rects', rects: Array.from({ length: 1 + int(4) }, () => rect()) };
  const DRAWS = [
    'nop',
    'fill',
    'opaque',
    'copy',
    'copy-bits',
    'blend',
    'blackness',
    'whiteness',
    'invers',
    'rop3',
    'stroke',
    'text',
    'transparent',
    'alpha-blend',
    'composite',
  ];
  const draw = (type) => {
    switch (type) {
      case 'nop':
        return { type };
      case 'fill':
        return { type, brush: brush(), ropDescriptor: int(1 << 10), mask: qmask() };
      case 'opaque':
        return {
          type,
          src: image(),
          srcArea: rect(),
          brush: brush(),
          ropDescriptor: int(1 << 10),
          scaleMode: int(2),
          mask: qmask(),
        };
      case 'copy':
      case 'blend':
        return { type, src: image(), srcArea: rect(), ropDescriptor: int(1 << 10), scaleMode: int(2), mask: qmask() };
      case 'copy-bits':
        return { type, srcPos: point() };
      case 'blackness':
      case 'whiteness':
      case 'invers':
        return { type, mask: qmask() };
      case 'rop3':
        return {
          type,
          src: image(),
          srcArea: rect(),
          brush: brush(),
          rop3: int(256),
          scaleMode: int(2),
          mask: qmask(),
        };
      case 'stroke': {
        const styled = chance(0.4);
        const nseg = styled ? 1 + int(6) : 0;
        return {
          type,
          path: split(bytes(4 + 12 * int(5))),
          attrFlags: styled ? 8 : 0,
          styleNseg: nseg,
          style: styled ? bytes(nseg * 4) : null,
          brush: brush(),
          foreMode: int(16),
          backMode: int(16),
        };
      }
      case 'text': {
        const data = bytes(int(80));
        return {
          type,
          dataSize: data.length,
          length: int(8),
          flags: int(4),
          string: split(data),
          backArea: rect(),
          foreBrush: brush(),
          backBrush: brush(),
          foreMode: int(16),
          backMode: int(16),
        };
      }
      case 'transparent':
        return { type, src: image(), srcArea: rect(), srcColor: int(2 ** 32), trueColor: int(2 ** 32) };
      case 'alpha-blend':
        return { type, alphaFlags: int(4), alpha: int(256), src: image(), srcArea: rect() };
      default:
        return {
          type: 'composite',
          flags: int(2 ** 32),
          src: image(),
          srcTransform: chance(0.5) ? bytes(24) : null,
          mask: chance(0.5) ? image(true) : null,
          maskTransform: chance(0.5) ? bytes(24) : null,
          srcOrigin: point(),
          maskOrigin: point(),
        };
    }
  };
  const surfaceIds = (id) => id;
  /** A random command laid out as QXL blocks: { raw, kind, cursor }. */
  const command = () => {
    const t = r();
    if (t < 0.6) {
      const drawType = pick(DRAWS);
      const drawTypeNumber = DRAWS.indexOf(drawType);
      const drawable = {
        compat: false,
        bbox: rect(),
        clip: clip(),
        effect: int(8),
        mmTime: int(2 ** 32),
        selfBitmap: int(2),
        selfBitmapArea: rect(),
        surfaceId: surfaceId(),
        surfacesDest: [chance(0.5) ? -1 : surfaceId(), chance(0.8) ? -1 : surfaceId(), -1],
        surfacesRects: [rect(), rect(), rect()],
        drawType: drawTypeNumber,
        draw: draw(drawType),
      };
      return { raw: q.layoutReplayCommand({ type: 'draw', drawable }, surfaceIds), kind: drawType, cursor: false };
    }
    if (t < 0.7) {
      const format = pick([1, 8, 16, 32, 80, 96, 7]);
      const width = 1 + int(16);
      const height = 1 + int(16);
      const stride = (chance(0.5) ? 1 : -1) * (Math.ceil((width * 32) / 8) + 4 * int(2));
      const create = chance(0.7);
      const flags = int(2);
      const raw = q.layoutSurfaceCommand(
        { type: create ? 'create' : 'destroy', flags, format, width, height, stride },
        surfaceId(),
        create && flags & 1 ? bytes(Math.abs(stride) * height) : null,
      );
      return { raw, kind: 'surface', cursor: false };
    }
    if (t < 0.8) {
      const c = r();
      let cmd;
      if (c < 0.5) {
        const type = int(7);
        const width = 1 + int(16);
        const height = 1 + int(16);
        const size = type === 0 ? width * height * 4 : type === 1 ? Math.ceil(width / 8) * height * 2 : int(200);
        const data = bytes(size + (chance(0.3) ? int(8) : 0));
        cmd = {
          type: 'set',
          pos: point(),
          visible: int(2),
          shape: {
            unique: BigInt(int(2 ** 32)),
            type,
            width,
            height,
            hotX: int(width),
            hotY: int(height),
            dataSize: chance(0.8) ? data.length : int(2 ** 16),
            chunks: split(data),
          },
        };
      } else if (c < 0.7) cmd = { type: 'move', pos: point() };
      else if (c < 0.85) cmd = { type: 'hide' };
      else cmd = { type: 'trail', length: int(2 ** 16), frequency: int(2 ** 16) };
      return { raw: q.layoutReplayCommand({ type: 'cursor', command: cmd }, surfaceIds), kind: 'cursor', cursor: true };
    }
    if (t < 0.9) {
      const raw = q.layoutReplayCommand(
        { type: 'update', area: rect(), updateId: int(2 ** 32), surfaceId: surfaceId() },
        surfaceIds,
      );
      return { raw, kind: 'update', cursor: false };
    }
    const text = bytes(int(40)).map((b) => 32 + (b % 90));
    return { raw: q.layoutReplayCommand({ type: 'message', text }, surfaceIds), kind: 'message', cursor: false };
  };

  /** Places the blocks in RAM from WORK_START and links the pointers; returns their offsets or null. */
  const place = (raw) => {
    const offsets = [];
    let at = WORK_START;
    for (const b of raw.blocks) {
      if (at + b.byteLength > WORK_END) return null;
      offsets.push(at);
      device.ram.set(b, at);
      at = Math.ceil((at + Math.max(b.byteLength, 1)) / 8) * 8;
    }
    for (const p of raw.pointers ?? []) {
      ram.setBigUint64(offsets[p.block] + p.at, addr(offsets[p.target] + p.offset), true);
    }
    return { offsets, end: at };
  };

  const INTERESTING = [0, 1, 2, 7, 8, 16, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff];
  const mutate = (layout, raw) => {
    const span = layout.end - WORK_START;
    const pointers = raw.pointers ?? [];
    const n = int(7);
    for (let m = 0; m < n; m++) {
      const at = WORK_START + int(Math.max(1, span - 8));
      const kind = r();
      if (kind < 0.15 && pointers.length > 0) {
        // One pointer takes another's target: back links make chunk loops, others type confusion.
        const from = pick(pointers);
        const to = pick(pointers);
        ram.setBigUint64(layout.offsets[from.block] + from.at, addr(layout.offsets[to.target] + to.offset), true);
      } else if (kind < 0.4) ram.setUint8(at, int(256));
      else if (kind < 0.55) ram.setBigUint64(at, addr(WORK_START + int(span)), true);
      else if (kind < 0.7) ram.setBigUint64(at, addr(pick(layout.offsets) + pick([0, 4, 8, 12, 18, 22, 24])), true);
      else if (kind < 0.85) ram.setUint32(at, pick(INTERESTING) >>> 0, true);
      else if (kind < 0.95) ram.setBigUint64(at, device.memory.physicalAddress(int(8), int(256), int(RAM * 2)), true);
      else ram.setBigUint64(at, (BigInt(int(2 ** 32)) << 32n) | BigInt(int(2 ** 32)), true);
    }
    return n;
  };

  const result = {
    cases: 0,
    outcomes: {},
    typed: 0,
    failures: 0,
    failureSamples: [],
    kinds: {},
    fields: {},
    slowest: { ms: 0, index: -1, kind: '' },
    writer: null,
    writerFailures: 0,
  };
  const single = options.case >= 0;
  const first = single ? options.case : 0;
  const last = single ? options.case + 1 : options.cases;

  for (let index = first; index < last; index++) {
    Atomics.store(heartbeat, 0, index);
    r = caseRandom(options.seed, index);
    const t0 = performance.now();
    let kind;
    let cursor = false;
    let entry;
    let detail = null;
    if (r() < 0.2) {
      // Random bytes behind a random address.
      kind = 'random';
      for (let j = 0; j < 4096; j += 4) ram.setUint32(WORK_START + j, int(2 ** 32), true);
      const c = r();
      const data =
        c < 0.6
          ? addr(WORK_START + int(4096))
          : c < 0.8
            ? device.memory.physicalAddress(int(8), int(256), int(2 ** 20))
            : (BigInt(int(2 ** 32)) << 32n) | BigInt(int(2 ** 32));
      cursor = chance(0.1);
      entry = { data, type: 1 + int(5) };
    } else {
      let built = command();
      let layout = place(built.raw);
      while (layout === null) {
        built = command();
        layout = place(built.raw);
      }
      kind = built.kind;
      const mutations = mutate(layout, built.raw);
      cursor = chance(0.03) ? !built.cursor : built.cursor;
      entry = { data: addr(layout.offsets[0]), type: chance(0.05) ? int(8) : built.raw.type };
      if (single) detail = { kind, mutations, blocks: layout.offsets, entry };
    }
    const ringUsed = cursor ? cursorRing : cmdRing;
    q.writeCommandEntry(ram, ringUsed.prodItemOffset(), entry);
    ringUsed.push();
    let outcome;
    const errorsBefore = loggedErrors;
    try {
      const record = cursor ? device.getCursorCommand() : device.getAnyCommand();
      if (record === null) throw new Error('the ring was empty');
      device.releaseResource(
        record.type === 'draw'
          ? record.drawable.releaseId
          : record.type === 'message'
            ? record.releaseId
            : record.command.releaseId,
      );
      outcome = 'parsed';
      if (single) detail.record = record;
    } catch (err) {
      if (q.isQxlError(err)) {
        outcome = err.code;
        result.typed++;
        const field = `${err.code} ${err.field}`;
        result.fields[field] = (result.fields[field] ?? 0) + 1;
        if (single) detail.error = `${err.code}: ${err.message}`;
      } else {
        outcome = 'untyped';
        result.failures++;
        if (result.failureSamples.length < 10) {
          result.failureSamples.push({
            index,
            kind,
            error: err instanceof Error ? (err.stack ?? err.message) : String(err),
          });
        }
      }
    }
    if (loggedErrors !== errorsBefore) {
      result.failures++;
      if (result.failureSamples.length < 10)
        result.failureSamples.push({ index, kind, error: 'the device logged an error' });
    }
    // The guest takes what the device released.
    releaseRing.cons = releaseRing.prod;
    const ms = performance.now() - t0;
    if (ms > result.slowest.ms) result.slowest = { ms, index, kind };
    result.outcomes[outcome] = (result.outcomes[outcome] ?? 0) + 1;
    result.kinds[kind] = (result.kinds[kind] ?? 0) + 1;
    result.cases++;
    if (single) {
      detail.outcome = outcome;
      detail.ms = ms;
      parentPort.postMessage({
        type: 'case',
        detail: JSON.parse(JSON.stringify(detail, (_k, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v))),
      });
    }
    if ((index + 1) % 1000 === 0) {
      // Lets the writer's output drain and the progress out.
      await new Promise((resolve) => setImmediate(resolve));
      if ((index + 1) % 100_000 === 0)
        parentPort.postMessage({ type: 'progress', done: index + 1, failures: result.failures });
    }
  }
  result.writerFailures = writerFailures;
  if (writer !== null) {
    result.writer = { ...writer.stats };
    if (lastWriterError !== null && result.failureSamples.length < 10) {
      result.failureSamples.push({
        index: -1,
        kind: 'writer',
        error: lastWriterError.stack ?? String(lastWriterError),
      });
    }
  }
  parentPort.postMessage({ type: 'done', result });
}

if (isMainThread) {
  await main();
} else {
  await runWorker();
}
