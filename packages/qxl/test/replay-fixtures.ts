// Hand-written SPICE_REPLAY 1 recordings, in the writer's exact grammar (red-record-qxl.c).
import { deflateSync } from 'node:zlib';

/** Builds a recording: text lines and binary blobs. */
export class RecordingWriter {
  private readonly parts: Buffer[] = [Buffer.from('SPICE_REPLAY 1\n', 'latin1')];
  private counter = 0;

  line(text: string): this {
    this.parts.push(Buffer.from(`${text}\n`, 'latin1'));
    return this;
  }

  event(what: 0 | 1, type: number, timestampNs: bigint | number = 1_000_000n): this {
    return this.line(`event ${this.counter++} ${what} ${type} ${timestampNs}`);
  }

  binary(prefix: string, data: Uint8Array, zlib = false): this {
    if (zlib) {
      const packed = deflateSync(data);
      this.parts.push(Buffer.from(`binary 1 ${prefix} ${data.byteLength}:${packed.byteLength}:`, 'latin1'));
      this.parts.push(packed);
    } else {
      this.parts.push(Buffer.from(`binary 0 ${prefix} ${data.byteLength}:`, 'latin1'));
      this.parts.push(Buffer.from(data));
    }
    this.parts.push(Buffer.from('\n'));
    return this;
  }

  chunks(prefix: string, chunks: Uint8Array[]): this {
    let total = 0;
    for (const c of chunks) total += c.byteLength;
    this.line(`data_chunks ${chunks.length - 1} ${total}`);
    for (const c of chunks) this.binary(prefix, c);
    return this;
  }

  rect(prefix: string, top: number, left: number, bottom: number, right: number): this {
    return this.line(`rect ${prefix} ${top} ${left} ${bottom} ${right}`);
  }

  /** A 32-bit bitmap image, chunked in two. */
  bitmap(width: number, height: number, fill: number, id = 7n): this {
    const data = new Uint8Array(width * height * 4).fill(fill);
    const half = Math.floor(data.byteLength / 2);
    return this.line('image 1')
      .line(`descriptor.id ${id}`)
      .line('descriptor.type 0')
      .line('descriptor.flags 0')
      .line(`descriptor.width ${width}`)
      .line(`descriptor.height ${height}`)
      .line('bitmap.format 8')
      .line('bitmap.flags 4')
      .line(`bitmap.x ${width}`)
      .line(`bitmap.y ${height}`)
      .line(`bitmap.stride ${width * 4}`)
      .line('has_palette 0')
      .chunks('bitmap.data', [data.subarray(0, half), data.subarray(half)]);
  }

  /** A 1-bit bitmap with a two-entry palette, flat (QXL_BITMAP_DIRECT). */
  paletteBitmap(width: number, height: number): this {
    const stride = Math.ceil(width / 8);
    return this.line('image 1')
      .line('descriptor.id 9')
      .line('descriptor.type 0')
      .line('descriptor.flags 0')
      .line(`descriptor.width ${width}`)
      .line(`descriptor.height ${height}`)
      .line('bitmap.format 1')
      .line('bitmap.flags 5')
      .line(`bitmap.x ${width}`)
      .line(`bitmap.y ${height}`)
      .line(`bitmap.stride ${stride}`)
      .line('has_palette 1')
      .line('qp.num_ents 2')
      .line('unique 77')
      .line('ents 0')
      .line('ents -1')
      .binary('image_data_flat', new Uint8Array(stride * height).fill(0xaa));
  }

  quic(width: number, height: number): this {
    const data = new Uint8Array(40).map((_, i) => i);
    return this.line('image 1')
      .line('descriptor.id 11')
      .line('descriptor.type 1')
      .line('descriptor.flags 1')
      .line(`descriptor.width ${width}`)
      .line(`descriptor.height ${height}`)
      .line(`quic.data_size ${data.byteLength}`)
      .chunks('quic.data', [data.subarray(0, 30), data.subarray(30)]);
  }

  surfaceImage(surfaceId: number, width: number, height: number): this {
    return this.line('image 1')
      .line('descriptor.id 12')
      .line('descriptor.type 104')
      .line('descriptor.flags 0')
      .line(`descriptor.width ${width}`)
      .line(`descriptor.height ${height}`)
      .line(`surface_image.surface_id ${surfaceId}`);
  }

  noMask(): this {
    return this.line('flags 0').line('point 0 0').line('image 0');
  }

  solid(color: number): this {
    return this.line('type 1').line(`u.color ${color | 0}`);
  }

  /** Native drawable header up to and including `type N`. */
  drawable(drawType: number, opts: { surfaceId?: number; clip?: number[][]; dest?: number } = {}): this {
    this.line('drawable').rect('bbox', 0, 0, 16, 16);
    if (opts.clip) {
      const bytes = new Uint8Array(opts.clip.length * 16);
      const v = new DataView(bytes.buffer);
      for (const [i, r] of opts.clip.entries()) {
        for (const [j, n] of r.entries()) v.setInt32(i * 16 + j * 4, n, true);
      }
      this.line('type 1').line(`num_rects ${opts.clip.length}`).chunks('clip_rects', [bytes]);
    } else {
      this.line('type 0');
    }
    this.line('effect 1').line('mm_time 1234').line('self_bitmap 0').rect('self_bitmap_area', 0, 0, 0, 0);
    this.line(`surface_id ${opts.surfaceId ?? 0}`);
    for (let i = 0; i < 3; i++) {
      this.line(`surfaces_dest ${i === 0 ? (opts.dest ?? -1) : -1}`).rect(
        'surfaces_rects',
        0,
        0,
        i === 0 && opts.dest !== undefined ? 4 : 0,
        i === 0 && opts.dest !== undefined ? 4 : 0,
      );
    }
    return this.line(`type ${drawType}`);
  }

  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** A primary surface create (dispatcher 20) of width x height, 32 bpp, bottom-up as Xspice does. */
export function primary(w: RecordingWriter, width = 64, height = 32, data = true): RecordingWriter {
  w.event(1, 20)
    .line(`${width} ${height} ${-width * 4} 32`)
    .line('0 1 0 0');
  return w.binary('data', data ? new Uint8Array(width * 4 * height).fill(0x11) : new Uint8Array(0));
}

/** A recording with every command kind and every draw type, on a 64x32 primary. */
export function everyKindRecording(): Buffer {
  const w = new RecordingWriter();
  w.event(1, 2); // WAKEUP
  primary(w);
  // Surface 5 (recorded id), remapped by the replay to 1, with KEEP_DATA contents.
  w.event(0, 5)
    .line('surface_cmd')
    .line('surface_id 5')
    .line('type 0')
    .line('flags 1')
    .line('u.surface_create.format 32')
    .line('u.surface_create.width 4')
    .line('u.surface_create.height 4')
    .line('u.surface_create.stride 16')
    .binary('data', new Uint8Array(64).fill(0x33));
  // FILL with clip rects.
  w.event(0, 1)
    .drawable(1, {
      clip: [
        [0, 0, 8, 8],
        [8, 8, 16, 16],
      ],
    })
    .solid(0xff102030)
    .line('rop_descriptor 8')
    .noMask();
  // OPAQUE with a pattern brush and a 1-bit mask.
  w.event(0, 1).drawable(2).bitmap(4, 4, 1).rect('src_area', 0, 0, 4, 4);
  w.line('type 2').bitmap(2, 2, 2, 8n).line('point 1 1');
  w.line('rop_descriptor 8').line('scale_mode 1').line('flags 1').line('point 2 3').paletteBitmap(8, 2);
  // COPY from a QUIC image.
  w.event(0, 1).drawable(3).quic(4, 4).rect('src_area', 0, 0, 4, 4).line('rop_descriptor 8').line('scale_mode 1');
  w.noMask();
  // COPY_BITS.
  w.event(0, 1).drawable(4).line('point 3 4');
  // BLEND from surface 5 (remapped), reading surface 5.
  w.event(0, 1).drawable(5, { dest: 5 }).surfaceImage(5, 4, 4).rect('src_area', 0, 0, 4, 4);
  w.line('rop_descriptor 2').line('scale_mode 0').noMask();
  // BLACKNESS, WHITENESS, INVERS.
  for (const t of [6, 7, 8]) w.event(0, 1).drawable(t).noMask();
  // ROP3.
  w.event(0, 1).drawable(9).bitmap(4, 4, 3).rect('src_area', 0, 0, 4, 4).solid(0x00ff00);
  w.line('rop3 240').line('scale_mode 1').noMask();
  // STROKE, styled.
  const path = new Uint8Array(24).map((_, i) => i + 1);
  w.event(0, 1)
    .drawable(10)
    .chunks('path', [path.subarray(0, 8), path.subarray(8)]);
  w.line('attr.flags 8')
    .line('attr.style_nseg 2')
    .binary('style', new Uint8Array([16, 0, 0, 0, 32, 0, 0, 0]));
  w.solid(0xffffff).line('fore_mode 2').line('back_mode 0');
  // TEXT.
  const glyphs = new Uint8Array(30).map((_, i) => 100 + i);
  w.event(0, 1).drawable(11).line(`data_size ${glyphs.byteLength}`).line('length 3').line('flags 1');
  w.chunks('string', [glyphs]).rect('back_area', 0, 0, 8, 8).solid(0xffffff).line('type 0');
  w.line('fore_mode 2').line('back_mode 1');
  // TRANSPARENT.
  w.event(0, 1).drawable(12).bitmap(4, 4, 4).rect('src_area', 0, 0, 4, 4).line('src_color -16777216');
  w.line('true_color 16711935');
  // ALPHA_BLEND.
  w.event(0, 1).drawable(13).line('alpha_flags 2').line('alpha 128').bitmap(4, 4, 5).rect('src_area', 0, 0, 4, 4);
  // COMPOSITE with both transforms and a mask.
  const transform = new Uint8Array(24).map((_, i) => i);
  w.event(0, 1).drawable(14).line('flags 3').bitmap(4, 4, 6).line('src_transform 1').binary('transform', transform);
  w.line('mask 1').paletteBitmap(8, 2).line('mask_transform 1').binary('transform', transform);
  w.line('src_origin 1 2').line('mask_origin -3 4');
  // NOP.
  w.event(0, 1).drawable(0);
  // UPDATE of surface 5.
  w.event(0, 2).line('update').rect('area', 0, 0, 4, 4).line('update_id 42').line('surface_id 5');
  // MESSAGE (zlib blob).
  w.event(0, 4).binary('message', Buffer.from('hello from the guest', 'latin1'), true);
  // Cursor SET (two chunks), MOVE, TRAIL, HIDE.
  const shape = new Uint8Array(2 * 2 * 4).fill(0x80);
  w.event(0, 3).line('cursor_cmd').line('type 0').line('point16 5 6').line('u.set.visible 1');
  w.line('header.unique 18446744073709551615').line('header.type 0').line('header.width 2').line('header.height 2');
  w.line('header.hot_spot_x 1').line('header.hot_spot_y 0').line(`data_size ${shape.byteLength}`);
  w.chunks('cursor', [shape.subarray(0, 6), shape.subarray(6)]);
  w.event(0, 3).line('cursor_cmd').line('type 1').line('point16 -7 8');
  w.event(0, 3).line('cursor_cmd').line('type 3').line('u.trail.length 4').line('u.trail.frequency 9');
  w.event(0, 3).line('cursor_cmd').line('type 2');
  // Destroy surface 5.
  w.event(0, 5).line('surface_cmd').line('surface_id 5').line('type 1').line('flags 0');
  w.event(1, 21); // DESTROY_PRIMARY
  return w.bytes();
}

/** Draw types of `everyKindRecording`, in order. */
export const EVERY_KIND_DRAWS = [
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
  'nop',
] as const;
