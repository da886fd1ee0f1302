import { DisplayMsg, display } from '@spice-ts/protocol';
import { describe, expect, it } from 'vitest';
import {
  ALL_FAMILIES,
  createRandom,
  encodeSceneDraw,
  generateScene,
  renderSceneSurfaces,
  SCENE_HEIGHT,
  SCENE_WIDTH,
  SceneFamily,
} from '../src/scene/index.js';

const bytesOf = (scene: ReturnType<typeof generateScene>): string =>
  scene.draws
    .map((d) => {
      const m = encodeSceneDraw(d);
      return `${m.type}:${Buffer.concat(m.body.map((c) => Buffer.from(c))).toString('hex')}`;
    })
    .join('|');

describe('scene generator', () => {
  it('gives the same draws, byte for byte, for the same seed and different ones for another', () => {
    const a = generateScene({ seed: 7, count: 25 });
    const b = generateScene({ seed: 7, count: 25 });
    const c = generateScene({ seed: 8, count: 25 });
    expect(bytesOf(a)).toBe(bytesOf(b));
    expect(bytesOf(a)).not.toBe(bytesOf(c));
  });

  it('starts every scene with a full-surface background copy', () => {
    const scene = generateScene({ seed: 1, families: [SceneFamily.Fill], count: 3 });
    expect(scene.draws[0]?.family).toBe(SceneFamily.Background);
    expect(scene.draws[0]?.type).toBe(DisplayMsg.DrawCopy);
    expect(scene.draws[0]?.message.base.box).toEqual({ top: 0, left: 0, bottom: SCENE_HEIGHT, right: SCENE_WIDTH });
  });

  it.each(ALL_FAMILIES)('%s: draws stay inside their surface, encode, and render without error', (family) => {
    const scene = generateScene({ seed: 3, families: [family], count: 20 });
    expect(scene.draws.slice(1).every((d) => d.family === family)).toBe(true);
    for (const d of scene.draws) {
      const target =
        d.message.base.surfaceId === 0 ? scene : scene.surfaces?.find((s) => s.id === d.message.base.surfaceId);
      expect(target).toBeDefined();
      const { box } = d.message.base;
      expect(
        box.left >= 0 && box.top >= 0 && box.right <= (target?.width ?? 0) && box.bottom <= (target?.height ?? 0),
      ).toBe(true);
      expect(encodeSceneDraw(d).type).toBe(d.type);
    }
    expect(() => renderSceneSurfaces(scene)).not.toThrow();
  });

  it('encodes FILL and COPY records that the protocol decoders read back', () => {
    const scene = generateScene({ seed: 11, families: [SceneFamily.Fill, SceneFamily.Copy], count: 10 });
    for (const d of scene.draws) {
      const body = Buffer.concat(encodeSceneDraw(d).body.map((c) => Buffer.from(c)));
      if (d.type === DisplayMsg.DrawFill) {
        const back = display.drawFill.decode(body);
        expect(back.base).toEqual(d.message.base);
        expect(back.ropDescriptor).toBe(d.message.ropDescriptor);
        expect(back.brush.type).toBe(d.message.brush.type);
        expect(back.mask.flags).toBe(d.message.mask.flags);
      }
      if (d.type === DisplayMsg.DrawCopy) expect(display.drawCopy.decode(body).srcArea).toEqual(d.message.srcArea);
    }
  });
});

describe('createRandom', () => {
  it('is a deterministic stream of integers within the asked bounds', () => {
    const a = createRandom(42);
    const b = createRandom(42);
    for (let i = 0; i < 1000; i++) {
      const v = a.int(-3, 5);
      expect(v).toBe(b.int(-3, 5));
      expect(v >= -3 && v <= 5).toBe(true);
    }
  });
});
