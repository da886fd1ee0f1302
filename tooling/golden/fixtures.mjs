// Chooses which captured messages become fixtures (a few of each kind, keeping variety) and
// writes them. Fixture format, per channel and direction, `<channel>-<server|client>.bin`:
// repeated [u16 type][u32 body size][body], little-endian. `link.bin` holds the link messages:
// repeated [u8 direction (0 client SpiceLinkMess, 1 server SpiceLinkReply)][u8 channel type]
// [u32 size][link header + message]. `manifest.json` says what was captured and kept.
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Messages kept per variety key (type plus the discriminating fields below). */
const MAX_PER_KEY = 4;
/** Messages kept per type beyond the first of each key. */
const MAX_PER_TYPE = 40;
/** Bodies above this are kept only as the first of their key. */
const LARGE_BODY = 64 * 1024;
/** Bodies above this are never kept (the checked-in total must stay small). */
const MAX_BODY = 256 * 1024;

const DISPLAY_SRC_AT_BASE = { 303: 0, 304: 0, 305: 0, 309: 0, 312: 0, 313: 2, 318: 4 };

function sizeBucket(n) {
  return n === 0 ? 0 : 32 - Math.clz32(n);
}

function displayKey(type, body) {
  if (body.length < 21) return '';
  const clipType = body[20];
  const afterBase = clipType === 1 ? 25 : 21;
  const parts = [`clip${clipType}`];
  const srcAt = DISPLAY_SRC_AT_BASE[type];
  if (srcAt !== undefined && afterBase + srcAt + 4 <= body.length) {
    const ptr = body.readUInt32LE(afterBase + srcAt);
    if (ptr + 10 <= body.length) parts.push(`img${body[ptr + 8]}f${body[ptr + 9]}`);
    else parts.push(`ptr${ptr === 0 ? 0 : 'x'}`);
  }
  if (type === 302 && afterBase < body.length) parts.push(`brush${body[afterBase]}`);
  if (type === 311 && afterBase + 4 <= body.length) {
    const ptr = body.readUInt32LE(afterBase);
    if (ptr + 4 <= body.length) parts.push(`str${body.readUInt16LE(ptr + 2)}`);
  }
  if (type === 318 && afterBase + 4 <= body.length) parts.push(`flags${body.readUInt32LE(afterBase)}`);
  return parts.join(':');
}

function cursorKey(type, body) {
  const at = type === 101 ? 9 : type === 103 ? 5 : -1;
  if (at < 0 || at + 2 > body.length) return '';
  const flags = body.readUInt16LE(at);
  const cursorType = at + 11 <= body.length && (flags & 1) === 0 ? body[at + 10] : 'none';
  return `flags${flags}:type${cursorType}`;
}

function varietyKey(channel, type, body) {
  let detail = '';
  if (channel === 'display' && type >= 300) detail = displayKey(type, body);
  else if (channel === 'cursor') detail = cursorKey(type, body);
  return `${type}:${detail}:size${sizeBucket(body.length)}`;
}

/**
 * Builds the selection. `streams` maps "channel-direction" to captured messages. A first pass
 * takes the first message of every variety key (so rare kinds are never crowded out), a second
 * fills up to the per-key and per-type limits; captured order is kept.
 */
export function selectFixtures(streams) {
  const files = new Map();
  const manifest = {};
  for (const [name, messages] of streams) {
    const channel = name.split('-')[0];
    const keys = messages.map((m) => varietyKey(channel, m.type, m.body));
    const perKey = new Map();
    const perType = new Map();
    const chosen = new Set();
    const take = (i) => {
      const m = messages[i];
      chosen.add(i);
      perKey.set(keys[i], (perKey.get(keys[i]) ?? 0) + 1);
      perType.set(m.type, (perType.get(m.type) ?? 0) + 1);
    };
    messages.forEach((m, i) => {
      if (m.body.length <= MAX_BODY && !perKey.has(keys[i])) take(i);
    });
    messages.forEach((m, i) => {
      if (chosen.has(i) || m.body.length > LARGE_BODY) return;
      if ((perKey.get(keys[i]) ?? 0) >= MAX_PER_KEY || (perType.get(m.type) ?? 0) >= MAX_PER_TYPE) return;
      take(i);
    });
    const stats = {};
    messages.forEach((m, i) => {
      stats[m.type] ??= { captured: 0, kept: 0 };
      const s = stats[m.type];
      s.captured += 1;
      if (chosen.has(i)) s.kept += 1;
    });
    files.set(
      name,
      messages.filter((_, i) => chosen.has(i)),
    );
    manifest[name] = stats;
  }
  return { files, manifest };
}

function encodeRecords(messages) {
  let size = 0;
  for (const m of messages) size += 6 + m.body.length;
  const out = Buffer.alloc(size);
  let at = 0;
  for (const m of messages) {
    out.writeUInt16LE(m.type, at);
    out.writeUInt32LE(m.body.length, at + 2);
    out.set(m.body, at + 6);
    at += 6 + m.body.length;
  }
  return out;
}

function encodeLinks(links) {
  const parts = [];
  for (const l of links) {
    const head = Buffer.alloc(6);
    head[0] = l.direction;
    head[1] = l.channelType;
    head.writeUInt32LE(l.bytes.length, 2);
    parts.push(head, l.bytes);
  }
  return Buffer.concat(parts);
}

/** Replaces the fixture folder's .bin files and manifest. Returns bytes written per file. */
export async function writeFixtures(dir, { files, manifest }, links, info) {
  await mkdir(dir, { recursive: true });
  for (const f of await readdir(dir)) {
    if (f.endsWith('.bin') || f === 'manifest.json') await rm(join(dir, f));
  }
  const sizes = {};
  for (const [name, messages] of files) {
    if (messages.length === 0) continue;
    const bytes = encodeRecords(messages);
    await writeFile(join(dir, `${name}.bin`), bytes);
    sizes[`${name}.bin`] = bytes.length;
  }
  const linkBytes = encodeLinks(links);
  await writeFile(join(dir, 'link.bin'), linkBytes);
  sizes['link.bin'] = linkBytes.length;
  const body = { ...info, files: sizes, messages: manifest };
  await writeFile(join(dir, 'manifest.json'), `${JSON.stringify(body, null, 2)}\n`);
  return sizes;
}
