#!/usr/bin/env node
// Fuzzes every decoder of the built package (dist/, run `pnpm --filter @spice-ts/protocol build`
// first): for each channel, N inputs (random bytes and mutated valid encodings) go to the decoders of
// both directions. Every outcome must be a decoded value or a typed ProtocolError; decoded values are
// re-encoded and the encoder may only throw typed errors too. Anything else, or one decode slower than
// --max-ms, is a failure: the channel, message, error and input hex are printed and the exit code is 1.
//
//   node scripts/fuzz.mjs [--per-channel N] [--seed S] [--channel a,b] [--jobs J] [--max-ms MS]
//   node scripts/fuzz.mjs --seed S --replay channel:index     rerun one input and print it
//
// Each channel runs in a worker thread; the main thread watches its progress counter, so a decoder
// that never returns is caught too (reported after --stall-ms without progress).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import * as P from '../dist/index.js';
import { fuzzChannels, makeInput } from './fuzz-inputs.mjs';

/** Captured traffic used as extra seeds when present (the golden fixtures). */
const DEFAULT_CORPUS = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures', 'golden');
const DEFAULTS = { perChannel: 1_000_000, maxMs: 1000, stallMs: 20_000, jobs: 1, corpus: DEFAULT_CORPUS };

function hex(bytes, max = 4096) {
  const shown = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, max)).toString('hex');
  return bytes.length > max ? `${shown}… (${bytes.length} bytes, first ${max} shown)` : shown;
}

function describeError(error) {
  if (error instanceof Error) return `${error.name}: ${error.message}\n${error.stack ?? ''}`;
  return `non-Error thrown: ${String(error)}`;
}

/** Runs one input; returns null or a failure description. Updates `stats`. */
function runInput(channel, seed, index, maxMs, stats) {
  const input = makeInput(channel, seed, index);
  stats.inputs++;
  stats.kinds[input.kind] = (stats.kinds[input.kind] ?? 0) + 1;
  if (input.seedError) {
    stats.seedErrors++;
    stats.seedErrorSample ??= `${input.target.label}: ${describeError(input.seedError).split('\n')[0]}`;
  }
  const fail = (stage, what) => ({
    channel: channel.name,
    index,
    message: input.target.label,
    kind: input.kind,
    stage,
    what,
    hex: hex(input.bytes),
    length: input.bytes.length,
  });

  let decoded;
  const t0 = performance.now();
  try {
    decoded = input.target.decode(input.bytes);
  } catch (error) {
    const ms = performance.now() - t0;
    if (ms > stats.slowestMs) Object.assign(stats, { slowestMs: ms, slowestAt: `${input.target.label} #${index}` });
    if (!P.isProtocolError(error)) return fail('decode', describeError(error));
    stats.errors[error.code] = (stats.errors[error.code] ?? 0) + 1;
    if (input.kind === 'valid' || input.kind === 'captured') {
      stats.validRejected++;
      stats.validRejectedSample ??= `${input.target.label} #${index}: ${error.message}`;
    }
    if (ms > maxMs) return fail('decode', `took ${ms.toFixed(1)} ms (limit ${maxMs} ms)`);
    return null;
  }
  const ms = performance.now() - t0;
  if (ms > stats.slowestMs) Object.assign(stats, { slowestMs: ms, slowestAt: `${input.target.label} #${index}` });
  if (ms > maxMs) return fail('decode', `took ${ms.toFixed(1)} ms (limit ${maxMs} ms)`);
  stats.decoded++;

  let encoded = null;
  const t1 = performance.now();
  try {
    encoded = input.target.encode(decoded);
    stats.reencoded++;
  } catch (error) {
    if (!P.isProtocolError(error)) return fail('re-encode', describeError(error));
    stats.reencodeErrors[error.code] = (stats.reencodeErrors[error.code] ?? 0) + 1;
  }
  const encodeMs = performance.now() - t1;
  if (encodeMs > stats.slowestEncodeMs) stats.slowestEncodeMs = encodeMs;
  if (encodeMs > maxMs) return fail('re-encode', `took ${encodeMs.toFixed(1)} ms (limit ${maxMs} ms)`);
  // What the encoder wrote must decode again (not a failure of the brief's rule, but counted).
  if (encoded !== null && encoded.length > 0) {
    try {
      input.target.decode(encoded);
    } catch (error) {
      if (!P.isProtocolError(error)) return fail('re-decode', describeError(error));
      stats.redecodeErrors++;
      stats.redecodeSample ??= `${input.target.label} #${index}: ${error.message}`;
    }
  }
  return null;
}

function newStats(channel) {
  return {
    channel: channel.name,
    messages: channel.targets.length,
    inputs: 0,
    kinds: {},
    decoded: 0,
    errors: {},
    validRejected: 0,
    validRejectedSample: null,
    redecodeErrors: 0,
    redecodeSample: null,
    reencoded: 0,
    reencodeErrors: {},
    seedErrors: 0,
    seedErrorSample: null,
    slowestMs: 0,
    slowestAt: '',
    slowestEncodeMs: 0,
    elapsedMs: 0,
  };
}

// ---------------------------------------------------------------------------------------------
// Worker: fuzzes the channels it is sent, one at a time, and reports progress through a shared
// counter. The package is loaded once per worker, when it starts.

function workerMain() {
  const { seed, perChannel, maxMs, progress, corpus } = workerData;
  const counter = new Int32Array(progress);
  const channels = fuzzChannels(corpus);
  parentPort.on('message', ({ channelName }) => {
    const channel = channels.find((c) => c.name === channelName);
    const stats = newStats(channel);
    const start = performance.now();
    for (let i = 0; i < perChannel; i++) {
      Atomics.store(counter, 0, i);
      const failure = runInput(channel, seed, i, maxMs, stats);
      if (failure) {
        parentPort.postMessage({ failure, stats });
        return;
      }
    }
    stats.elapsedMs = performance.now() - start;
    parentPort.postMessage({ stats });
  });
}

// ---------------------------------------------------------------------------------------------
// Main thread.

function parseArgs(argv) {
  const opts = { ...DEFAULTS, seed: Date.now() >>> 0, channels: null, replay: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    const num = (v) => {
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) throw new Error(`${arg}: not a number: ${v}`);
      return Math.floor(n);
    };
    if (arg === '--per-channel') opts.perChannel = num(next());
    else if (arg === '--seed') opts.seed = num(next()) >>> 0;
    else if (arg === '--channel') opts.channels = next().split(',');
    else if (arg === '--jobs') opts.jobs = Math.max(1, num(next()));
    else if (arg === '--max-ms') opts.maxMs = num(next());
    else if (arg === '--stall-ms') opts.stallMs = num(next());
    else if (arg === '--replay') opts.replay = next();
    else if (arg === '--corpus') opts.corpus = next();
    else if (arg === '--no-corpus') opts.corpus = null;
    else if (arg === '--help' || arg === '-h') {
      console.log(
        'usage: node scripts/fuzz.mjs [--per-channel N] [--seed S] [--channel a,b] [--jobs J] [--max-ms MS] ' +
          '[--stall-ms MS] [--corpus DIR | --no-corpus] [--replay channel:index]',
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${arg}`);
  }
  return opts;
}

function formatCounts(counts) {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  return entries.length === 0 ? '-' : entries.map(([k, v]) => `${k.replace(/^ERR_SPICE_/, '')}=${v}`).join(' ');
}

function summaryLine(s) {
  return (
    `${s.channel.padEnd(9)} ${String(s.inputs).padStart(8)} inputs (${s.messages} msgs; ` +
    `random=${s.kinds.random ?? 0} mutated=${s.kinds.mutated ?? 0} valid=${s.kinds.valid ?? 0} ` +
    `captured=${s.kinds.captured ?? 0} captured-mutated=${s.kinds['captured-mutated'] ?? 0}) ` +
    `decoded=${s.decoded} typed-errors: ${formatCounts(s.errors)} | re-encoded=${s.reencoded} ` +
    `re-encode-errors: ${formatCounts(s.reencodeErrors)} re-decode-errors=${s.redecodeErrors} | ` +
    `valid-rejected=${s.validRejected} ` +
    `seed-errors=${s.seedErrors} | slowest decode ${s.slowestMs.toFixed(2)} ms (${s.slowestAt}), ` +
    `slowest encode ${s.slowestEncodeMs.toFixed(2)} ms | ${(s.elapsedMs / 1000).toFixed(1)} s`
  );
}

function printFailure(f, opts) {
  let corpus = '';
  if (opts.corpus === null) corpus = ' --no-corpus';
  else if (opts.corpus !== DEFAULT_CORPUS) corpus = ` --corpus ${opts.corpus}`;
  console.error(`\nFAILURE in channel ${f.channel}, ${f.message} (${f.kind} input #${f.index}, ${f.stage})`);
  console.error(f.what);
  console.error(`input (${f.length} bytes): ${f.hex}`);
  console.error(`reproduce: node scripts/fuzz.mjs --seed ${opts.seed}${corpus} --replay ${f.channel}:${f.index}`);
}

function replay(opts) {
  const [name, indexText] = opts.replay.split(':');
  const channel = fuzzChannels(opts.corpus).find((c) => c.name === name);
  if (!channel) throw new Error(`unknown channel ${name}`);
  const index = Number(indexText);
  const input = makeInput(channel, opts.seed, index);
  console.log(`${name} #${index}: ${input.target.label} (${input.kind}, ${input.bytes.length} bytes)`);
  console.log(hex(input.bytes));
  const stats = newStats(channel);
  const failure = runInput(channel, opts.seed, index, opts.maxMs, stats);
  if (failure) {
    printFailure(failure, opts);
    process.exit(1);
  }
  const outcome = stats.decoded ? 'decoded (and re-encoded)' : `typed error: ${formatCounts(stats.errors)}`;
  console.log(`${outcome}; decode took ${stats.slowestMs.toFixed(3)} ms`);
}

/** A worker thread with its progress counter. */
function startWorker(opts) {
  const progress = new SharedArrayBuffer(4);
  const worker = new Worker(new URL(import.meta.url), {
    workerData: { seed: opts.seed, perChannel: opts.perChannel, maxMs: opts.maxMs, progress, corpus: opts.corpus },
  });
  return { worker, counter: new Int32Array(progress) };
}

/** Fuzzes one channel on a worker; resolves with `{ stats }` or `{ failure }`. */
function runChannel({ worker, counter }, name, opts) {
  return new Promise((resolve) => {
    let last = -1;
    let lastChange = Date.now();
    const finish = (result) => {
      clearInterval(watchdog);
      worker.off('message', finish);
      worker.off('error', onError);
      resolve(result);
    };
    const onError = (error) =>
      finish({
        failure: {
          channel: name,
          index: Atomics.load(counter, 0),
          message: '?',
          kind: '?',
          stage: 'worker (the fuzz harness itself or loading dist/)',
          what: describeError(error),
          hex: '',
          length: 0,
        },
      });
    const watchdog = setInterval(() => {
      const now = Atomics.load(counter, 0);
      if (now !== last) {
        last = now;
        lastChange = Date.now();
        return;
      }
      if (Date.now() - lastChange < opts.stallMs) return;
      const channel = fuzzChannels(opts.corpus).find((c) => c.name === name);
      const input = makeInput(channel, opts.seed, now);
      void worker.terminate();
      finish({
        failure: {
          channel: name,
          index: now,
          message: input.target.label,
          kind: input.kind,
          stage: 'decode or re-encode',
          what: `no progress for ${opts.stallMs} ms (hang)`,
          hex: hex(input.bytes),
          length: input.bytes.length,
        },
      });
    }, 250);
    worker.on('message', finish);
    worker.on('error', onError);
    worker.postMessage({ channelName: name });
  });
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.replay) {
    replay(opts);
    return;
  }
  const channels = fuzzChannels(opts.corpus);
  const all = channels.map((c) => c.name);
  const names = opts.channels ?? all;
  for (const n of names) if (!all.includes(n)) throw new Error(`unknown channel ${n} (have ${all.join(', ')})`);
  const captured = channels.filter((c) => c.corpus.length > 0).map((c) => `${c.name}=${c.corpus.length}`);
  console.log(
    `fuzzing ${names.length} channels × ${opts.perChannel} inputs, seed ${opts.seed}, ${opts.jobs} job(s), ` +
      `max ${opts.maxMs} ms per decode; captured seeds: ${captured.length > 0 ? captured.join(' ') : 'none'}`,
  );
  const started = performance.now();
  const results = [];
  let failed = false;
  let nextChannel = 0;
  const workers = Array.from({ length: Math.min(opts.jobs, names.length) }, () => startWorker(opts));
  const lane = async (w) => {
    while (!failed && nextChannel < names.length) {
      const name = names[nextChannel++];
      const result = await runChannel(w, name, opts);
      if (result.failure) {
        failed = true;
        printFailure(result.failure, opts);
        if (result.stats) console.error(summaryLine(result.stats));
        return;
      }
      results.push(result.stats);
      console.log(summaryLine(result.stats));
    }
  };
  await Promise.all(workers.map(lane));
  if (failed) process.exit(1);
  await Promise.all(workers.map((w) => w.worker.terminate()));

  const total = results.reduce(
    (t, s) => {
      t.inputs += s.inputs;
      t.decoded += s.decoded;
      t.reencoded += s.reencoded;
      t.seedErrors += s.seedErrors;
      for (const [k, v] of Object.entries(s.errors)) t.errors[k] = (t.errors[k] ?? 0) + v;
      t.slowestMs = Math.max(t.slowestMs, s.slowestMs);
      return t;
    },
    { inputs: 0, decoded: 0, reencoded: 0, seedErrors: 0, errors: {}, slowestMs: 0 },
  );
  const typed = Object.values(total.errors).reduce((a, b) => a + b, 0);
  console.log(
    `TOTAL ${total.inputs} inputs: decoded=${total.decoded} typed-errors=${typed} (${formatCounts(total.errors)}) ` +
      `re-encoded=${total.reencoded} crashes=0 hangs=0 seed-errors=${total.seedErrors} ` +
      `slowest decode ${total.slowestMs.toFixed(2)} ms | ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  for (const s of results) {
    if (s.seedErrorSample) console.log(`  seed error sample (${s.channel}): ${s.seedErrorSample}`);
    if (s.validRejectedSample) console.log(`  valid input rejected (${s.channel}): ${s.validRejectedSample}`);
    if (s.redecodeSample) console.log(`  re-encoded value rejected (${s.channel}): ${s.redecodeSample}`);
  }
}

if (isMainThread) {
  main().catch((error) => {
    console.error(describeError(error));
    process.exit(2);
  });
} else {
  workerMain();
}
