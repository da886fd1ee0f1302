#!/usr/bin/env node
// Captures real SPICE traffic into the golden fixtures of @spice-ts/protocol.
//
//   node tooling/golden/capture.mjs [--out DIR] [--keep-raw DIR] [--only SESSION,...]
//
// For each session variant below: starts Xspice (Xorg + the spiceqxl driver, libspice-server) on
// a free display and port without a ticket, puts a recording TCP relay in front of it, connects
// spice-gtk (tooling/e2e/clients/glib_client.py, SpiceClientGLib) through the relay, runs X
// clients that draw (xterm with core and Xft text, xclock, xeyes, xlogo, ImageMagick `display`
// of a photo-like and a flat image, xsetroot) and moves the X pointer with xdotool, while the
// client sends mouse motion, a click and typed keys. Then everything is stopped (by PID), each
// recorded connection is split into messages per channel and direction, and a bounded selection
// is written to packages/protocol/test/fixtures/golden/ (see fixtures.mjs for the format).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { selectFixtures, writeFixtures } from './fixtures.mjs';
import { startRelay } from './relay.mjs';
import { parseConnection } from './spice-stream.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const GLIB_CLIENT = join(repo, 'tooling/e2e/clients/glib_client.py');
const GOLDEN_CLIENT = join(here, 'golden_client.py');
const DEFAULT_OUT = join(repo, 'packages/protocol/test/fixtures/golden');

/**
 * Session variants: image compression decides QUIC/LZ/GLZ; off-screen surfaces and the image
 * caches (off by default in this driver) bring SURFACE_CREATE/DESTROY, composite and cached
 * images; streaming "all" with an animation provokes video streams.
 */
const SESSIONS = [
  { name: 'plain-glz', imageCompression: 'auto_glz', streaming: 'filter', surfaces: false },
  { name: 'surfaces-glz', imageCompression: 'auto_glz', streaming: 'filter', surfaces: true },
  { name: 'surfaces-lz', imageCompression: 'auto_lz', streaming: 'filter', surfaces: true },
  { name: 'stream-all', imageCompression: 'auto_glz', streaming: 'all', surfaces: false },
  // golden_client.py: server mouse mode (MOUSE_MOTION, CURSOR_MOVE), preferred compression, scancodes
  { name: 'server-mouse', imageCompression: 'auto_glz', streaming: 'filter', surfaces: true, client: 'golden' },
];

const XORG_CONF = (port, s) => `Section "Device"
    Identifier "XSPICE"
    Driver "spiceqxl"
    Option "SpicePort" "${port}"
    Option "SpiceAddr" "127.0.0.1"
    Option "SpiceDisableTicketing" "True"
    Option "SpiceImageCompression" "${s.imageCompression}"
    Option "SpiceStreamingVideo" "${s.streaming}"
    Option "NumHeads" "1"
    Option "EnableSurfaces" "${s.surfaces}"
    Option "EnableImageCache" "${s.surfaces}"
    Option "EnableFallbackCache" "${s.surfaces}"
    Option "FrameBufferSize" "16"
    Option "SurfaceBufferSize" "128"
    Option "CommandBufferSize" "128"
EndSection
Section "InputDevice"
    Identifier "XSPICE POINTER"
    Driver "xspice pointer"
EndSection
Section "InputDevice"
    Identifier "XSPICE KEYBOARD"
    Driver "xspice keyboard"
EndSection
Section "Monitor"
    Identifier "Monitor0"
EndSection
Section "Screen"
    Identifier "Screen0"
    Monitor "Monitor0"
    Device "XSPICE"
    DefaultDepth 24
    SubSection "Display"
        Depth 24
        Modes "1024x768"
    EndSubSection
EndSection
Section "ServerLayout"
    Identifier "Layout0"
    Screen "Screen0"
    InputDevice "XSPICE KEYBOARD"
    InputDevice "XSPICE POINTER"
EndSection
Section "ServerFlags"
    Option "AutoAddDevices" "False"
EndSection
`;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => process.stderr.write(`capture: ${a.join(' ')}\n`);

function parseArgs(argv) {
  const args = { out: DEFAULT_OUT, keepRaw: null, only: null };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') args.out = resolve(argv[++i]);
    else if (argv[i] === '--keep-raw') args.keepRaw = resolve(argv[++i]);
    else if (argv[i] === '--only') args.only = argv[++i].split(',');
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return args;
}

function freeDisplay() {
  for (let n = 60; n < 200; n++) {
    if (!existsSync(`/tmp/.X${n}-lock`) && !existsSync(`/tmp/.X11-unix/X${n}`)) return n;
  }
  throw new Error('no free X display number');
}

async function freePort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

function canConnect(port) {
  return new Promise((r) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      r(true);
    });
    s.once('error', () => r(false));
  });
}

/** Children started here, stopped by PID in reverse order. */
class Processes {
  constructor(env) {
    this.env = env;
    this.list = [];
  }
  start(cmd, args, opts = {}) {
    const child = spawn(cmd, args, { env: this.env, stdio: opts.stdio ?? 'ignore', ...opts });
    child.exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
    child.once('error', (e) => log(`${cmd}: ${e.message}`));
    this.list.push(child);
    return child;
  }
  run(cmd, args) {
    return spawnSync(cmd, args, { env: this.env, stdio: 'ignore', timeout: 10_000 });
  }
  async stop(child) {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const done = await Promise.race([child.exited.then(() => true), sleep(5000).then(() => false)]);
    if (!done) child.kill('SIGKILL');
  }
  async stopAll() {
    for (const c of [...this.list].reverse()) await this.stop(c);
  }
}

async function makeImages(dir) {
  const photo = join(dir, 'photo.png');
  const flat = join(dir, 'flat.png');
  spawnSync('convert', ['-seed', '7', '-size', '420x300', 'plasma:fractal', photo]);
  spawnSync('convert', [
    '-size',
    '360x260',
    'xc:white',
    '-fill',
    '#c03030',
    '-draw',
    'rectangle 20,20 170,120',
    '-fill',
    '#3050c0',
    '-draw',
    'circle 260,150 320,210',
    '-fill',
    '#30a040',
    '-draw',
    'polygon 40,240 140,150 200,240',
    flat,
  ]);
  // an animation: the photo rolled sideways, 24 frames
  const frames = [];
  for (let i = 0; i < 24; i++) {
    const frame = join(dir, `frame-${String(i).padStart(2, '0')}.png`);
    spawnSync('convert', [photo, '-roll', `+${i * 17}+0`, '-resize', '50%', frame]);
    frames.push(frame);
  }
  return { photo, flat, frames };
}

/** The X workload: runs while the client is connected. */
async function workload(procs, images, until) {
  const started = [];
  const start = (cmd, args) => {
    const child = procs.start(cmd, args);
    started.push(child);
    return child;
  };
  const run = procs.run.bind(procs);
  run('xsetroot', ['-solid', '#336699']);
  await sleep(400);
  const text = 'for i in $(seq 1 15); do ls -la /usr/bin | head -n 25; sleep 0.1; done; sleep 600';
  start('xterm', ['-geometry', '80x24+0+0', '-e', 'bash', '-c', text]);
  start('xterm', ['-fa', 'DejaVu Sans Mono', '-fs', '10', '-geometry', '70x20+520+0', '-e', 'bash', '-c', text]);
  await sleep(1500);
  start('xclock', ['-geometry', '160x160+20+420', '-update', '1']);
  start('xeyes', ['-geometry', '200x150+200+420']);
  start('xlogo', ['-geometry', '150x150+420+420']);
  start('xclock', ['-digital', '-strftime', '%H:%M:%S', '-geometry', '180x40+600+420', '-update', '1']);
  await sleep(1000);
  start('display', ['-geometry', '+560+300', images.photo]);
  await sleep(1200);
  start('display', ['-geometry', '+100+250', images.flat]);
  await sleep(1200);
  run('xsetroot', ['-solid', '#884422']);
  const animation = start('animate', ['-delay', '4', '-loop', '0', '-geometry', '+700+520', ...images.frames]);
  await sleep(3000);
  // the pointer sweeps over the windows: cursor moves, cursor shape changes (xterm I-beam)
  for (let i = 0; i < 120 && Date.now() < until; i++) {
    const a = (i * 2 * Math.PI) / 60;
    const x = Math.round(512 + 420 * Math.cos(a));
    const y = Math.round(384 + 300 * Math.sin(a));
    run('xdotool', ['mousemove', String(x), String(y)]);
    await sleep(40);
  }
  // drag the photo window a little: copies of what is on screen
  for (let i = 0; i < 8 && Date.now() < until; i++) {
    run('xdotool', ['search', '--class', 'display', 'windowmove', '%@', String(500 + i * 20), String(280 + i * 10)]);
    await sleep(150);
  }
  await sleep(1500);
  // stop the animation (its stream times out: STREAM_DESTROY) and then every X client, so that
  // the display goes quiet and the SPICE client finishes
  await procs.stop(animation);
  await sleep(1500);
  for (const child of started.reverse()) await procs.stop(child);
}

async function runSession(session, images, rawDir) {
  const disp = freeDisplay();
  const port = await freePort();
  const rundir = await mkdtemp(join(tmpdir(), `golden-${session.name}-`));
  const conf = join(rundir, 'xorg.conf');
  await writeFile(conf, XORG_CONF(port, session));
  const env = { ...process.env, DISPLAY: `:${disp}` };
  const procs = new Processes(env);
  log(`${session.name}: Xspice on :${disp}, SPICE port ${port}`);
  const xorg = procs.start('Xorg', [
    '-noreset',
    '-nolisten',
    'tcp',
    '-config',
    conf,
    '-logfile',
    join(rundir, 'xorg.log'),
    `:${disp}`,
  ]);
  let relay = null;
  try {
    let up = false;
    for (let i = 0; i < 100 && !up; i++) {
      if (xorg.exitCode !== null) throw new Error(`Xorg exited, see ${rundir}/xorg.log`);
      up = procs.run('xdpyinfo', []).status === 0 && (await canConnect(port));
      if (!up) await sleep(100);
    }
    if (!up) throw new Error('Xspice did not come up in 10 s');
    relay = await startRelay(port);
    const clientArgs =
      session.client === 'golden'
        ? [GOLDEN_CLIENT, '--port', String(relay.port), '--seconds', '26']
        : [
            GLIB_CLIENT,
            '--port',
            String(relay.port),
            '--timeout',
            '45',
            '--idle-ms',
            '1500',
            '--wait-ms',
            '20000',
            '--motion',
            '24',
            '--click',
            '300,200',
            '--type',
            'echo golden\\n',
          ];
    const client = procs.start('/usr/bin/python3', clientArgs, { stdio: ['ignore', 'pipe', 'ignore'] });
    let report = '';
    client.stdout.on('data', (d) => {
      report += d;
    });
    for (let i = 0; i < 50 && relay.connections.length < 3; i++) await sleep(100);
    await workload(procs, images, Date.now() + 22_000);
    const { code } = await Promise.race([client.exited, sleep(70_000).then(() => ({ code: 'timeout' }))]);
    log(`${session.name}: client exit ${code} ${report.trim().slice(0, 300)}`);
  } finally {
    await procs.stopAll();
    if (relay) await relay.close();
    await rm(rundir, { recursive: true, force: true });
  }
  const conns = relay.connections.map((c) => ({ c2s: Buffer.concat(c.c2s), s2c: Buffer.concat(c.s2c) }));
  if (rawDir) {
    await mkdir(rawDir, { recursive: true });
    for (const [i, c] of conns.entries()) {
      await writeFile(join(rawDir, `${session.name}-${i}.c2s`), c.c2s);
      await writeFile(join(rawDir, `${session.name}-${i}.s2c`), c.s2c);
    }
  }
  return conns;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const work = await mkdtemp(join(tmpdir(), 'golden-images-'));
  const images = await makeImages(work);
  const streams = new Map();
  const links = [];
  const sessions = [];
  try {
    for (const session of SESSIONS.filter((s) => !args.only || args.only.includes(s.name))) {
      const conns = await runSession(session, images, args.keepRaw);
      const channels = [];
      for (const c of conns) {
        const p = parseConnection(c.c2s, c.s2c);
        if (!p) continue;
        channels.push(`${p.channel}:${p.channelId}${p.mini ? '' : ' (full header)'}`);
        links.push({ direction: 0, channelType: p.channelType, bytes: p.linkMess });
        links.push({ direction: 1, channelType: p.channelType, bytes: p.linkReply });
        for (const [dir, part] of [
          ['client', p.client],
          ['server', p.server],
        ]) {
          if (part.rest !== 0) log(`${session.name} ${p.channel} ${dir}: ${part.rest} trailing bytes dropped`);
          const key = `${p.channel}-${dir}`;
          if (!streams.has(key)) streams.set(key, []);
          for (const m of part.messages) {
            if (m.subList !== 0) log(`${p.channel} ${dir} type ${m.type}: sub-message list ignored`);
            streams.get(key).push(m);
          }
        }
      }
      sessions.push({ ...session, channels });
      log(`${session.name}: ${channels.join(', ')}`);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const selection = selectFixtures(streams);
  const info = {
    capturedAt: new Date().toISOString(),
    by: 'tooling/golden/capture.mjs',
    server: 'Xspice (xserver-xspice, libspice-server)',
    client: 'spice-gtk SpiceClientGLib (tooling/e2e/clients/glib_client.py)',
    sessions,
  };
  const sizes = await writeFixtures(args.out, selection, links, info);
  // the repository formats JSON with Biome; keep the manifest as `biome check` wants it
  spawnSync('pnpm', ['exec', 'biome', 'format', '--write', join(args.out, 'manifest.json')], {
    cwd: repo,
    stdio: 'ignore',
  });
  let total = 0;
  for (const [f, n] of Object.entries(sizes)) {
    total += n;
    log(`${f}: ${n} bytes`);
  }
  log(`total ${total} bytes in ${args.out}`);
}

main().catch((e) => {
  log(e.stack ?? String(e));
  process.exitCode = 1;
});
