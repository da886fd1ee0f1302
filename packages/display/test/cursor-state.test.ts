import { CursorMsg, cursor } from '@spice-ts/protocol';
import { describe, expect, it } from 'vitest';
import { CursorState } from '../src/index.js';

const shape = { unique: 7n, type: 0, width: 2, height: 2, hotX: 1, hotY: 0, data: new Uint8Array(16).fill(9) };
const concat = (chunks: readonly Uint8Array[]) => Buffer.concat(chunks.map((c) => Buffer.from(c)));

describe('cursor state', () => {
  it('turns a guest SET into CURSOR_SET with the shape, and INIT carries it to new clients', () => {
    const state = new CursorState();
    const set = state.apply({ releaseId: 1n, type: 'set', pos: { x: 5, y: 6 }, visible: true, shape }, true)!;
    expect(set.type).toBe(CursorMsg.Set);
    const decoded = cursor.cursorSet.decode(concat(set.body));
    expect(decoded.position).toEqual({ x: 5, y: 6 });
    expect(decoded.cursor.header).toEqual({ unique: 7n, type: 0, width: 2, height: 2, hotSpotX: 1, hotSpotY: 0 });
    expect([...decoded.cursor.data]).toEqual([...shape.data]);
    const init = cursor.cursorInit.decode(concat(state.initMessage().body));
    expect(init.visible).toBe(true);
    expect(init.cursor.header?.unique).toBe(7n);
  });

  it('sends MOVE in server mouse mode only (the client draws its own pointer in client mode)', () => {
    const state = new CursorState();
    state.apply({ releaseId: 1n, type: 'set', pos: { x: 0, y: 0 }, visible: true, shape }, true);
    const move = state.apply({ releaseId: 2n, type: 'move', pos: { x: 30, y: 40 } }, true)!;
    expect(move.type).toBe(CursorMsg.Move);
    expect(cursor.cursorMove.decode(concat(move.body)).position).toEqual({ x: 30, y: 40 });
    expect(state.apply({ releaseId: 3n, type: 'move', pos: { x: 31, y: 41 } }, false)).toBeNull();
    expect(state.position).toEqual({ x: 31, y: 41 });
  });

  it('starts with no cursor: INIT says NONE and invisible', () => {
    const init = cursor.cursorInit.decode(concat(new CursorState().initMessage().body));
    expect(init.visible).toBe(false);
    expect(init.cursor.header).toBeNull();
  });
});
