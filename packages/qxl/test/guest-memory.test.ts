import { describe, expect, it } from 'vitest';
import { isQxlError, QxlErrorCode } from '../src/errors.js';
import { createGuestMemory, QxlRegion } from '../src/guest-memory.js';

function memory(idBits = 8, genBits = 8, numSlots = 8) {
  return createGuestMemory({
    ramSize: 1 << 20,
    vramSize: 1 << 18,
    romSize: 8192,
    slotIdBits: idBits,
    slotGenBits: genBits,
    numSlots,
  });
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    expect(isQxlError(err)).toBe(true);
    return (err as { code: string }).code;
  }
  return undefined;
}

describe('guest memory', () => {
  it('keeps the three BARs in SharedArrayBuffers of the requested sizes', () => {
    const mem = memory();
    expect(mem.ram.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(mem.vram.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(mem.rom.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(mem.ram.byteLength).toBe(1 << 20);
    expect(mem.vram.byteLength).toBe(1 << 18);
    expect(mem.bytes(QxlRegion.Vram)).toBe(mem.vram);
  });

  it('wraps buffers it is given, so another thread can share them', () => {
    const ram = new SharedArrayBuffer(1 << 20);
    const mem = createGuestMemory({ ramSize: 1 << 20, vramSize: 4096, romSize: 4096, buffers: { ram } });
    expect(mem.ram.buffer).toBe(ram);
    expect(codeOf(() => createGuestMemory({ ramSize: 8192, vramSize: 4096, romSize: 4096, buffers: { ram } }))).toBe(
      QxlErrorCode.BadValue,
    );
  });

  it('translates an address to (region, offset) through its memslot', () => {
    const mem = memory();
    mem.addSlot(2, { region: QxlRegion.Vram, start: 0x1000, size: 0x2000, generation: 5 });
    const addr = mem.physicalAddress(2, 5, 0x10);
    expect(addr >> 56n).toBe(2n);
    expect((addr >> 48n) & 0xffn).toBe(5n);
    const ptr = mem.translate(addr, 16);
    expect(ptr).toEqual({ region: QxlRegion.Vram, offset: 0x1010, end: 0x3000, slotId: 2 });
    // The whole slot, exactly.
    expect(mem.translate(mem.physicalAddress(2, 5, 0), 0x2000).offset).toBe(0x1000);
    expect(mem.translateWords(0x10, Number(addr >> 32n), 4).offset).toBe(0x1010);
  });

  it('rejects a slot id beyond the table', () => {
    const mem = memory(8, 8, 8);
    expect(codeOf(() => mem.translate(mem.physicalAddress(9, 0, 0), 1))).toBe(QxlErrorCode.BadMemslot);
  });

  it('rejects an inactive slot', () => {
    const mem = memory();
    expect(codeOf(() => mem.translate(mem.physicalAddress(1, 0, 0), 1))).toBe(QxlErrorCode.BadMemslot);
    mem.addSlot(1, { region: QxlRegion.Ram, start: 0, size: 4096, generation: 0 });
    expect(mem.translate(mem.physicalAddress(1, 0, 0), 1).offset).toBe(0);
    mem.deleteSlot(1);
    expect(codeOf(() => mem.translate(mem.physicalAddress(1, 0, 0), 1))).toBe(QxlErrorCode.BadMemslot);
  });

  it('rejects a stale generation', () => {
    const mem = memory();
    mem.addSlot(1, { region: QxlRegion.Ram, start: 0, size: 4096, generation: 3 });
    let error: unknown;
    try {
      mem.translate(mem.physicalAddress(1, 2, 0), 1, 'QXLDrawable');
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ code: QxlErrorCode.BadGeneration, field: 'QXLDrawable', value: 2 });
  });

  it('rejects ranges that leave the slot, including by one byte and via high offset bits', () => {
    const mem = memory();
    mem.addSlot(1, { region: QxlRegion.Ram, start: 0x100, size: 0x100, generation: 0 });
    expect(mem.translate(mem.physicalAddress(1, 0, 0xf0), 0x10).offset).toBe(0x1f0);
    expect(codeOf(() => mem.translate(mem.physicalAddress(1, 0, 0xf0), 0x11))).toBe(QxlErrorCode.OutOfSlot);
    expect(codeOf(() => mem.translate(mem.physicalAddress(1, 0, 0x100), 1))).toBe(QxlErrorCode.OutOfSlot);
    // An offset above 4 GiB (bits in the high word below the generation).
    expect(codeOf(() => mem.translate(mem.physicalAddress(1, 0, 0x1_0000_0000), 1))).toBe(QxlErrorCode.OutOfSlot);
    expect(codeOf(() => mem.translate(mem.physicalAddress(1, 0, 0), -1))).toBe(QxlErrorCode.BadSize);
  });

  it('checks variable-length data against the slot end', () => {
    const mem = memory();
    mem.addSlot(1, { region: QxlRegion.Ram, start: 0, size: 64, generation: 0 });
    const ptr = mem.translate(mem.physicalAddress(1, 0, 0), 20);
    expect(() => mem.checkInSlot(ptr, 20, 44, 'data')).not.toThrow();
    expect(codeOf(() => mem.checkInSlot(ptr, 20, 45, 'data'))).toBe(QxlErrorCode.OutOfSlot);
    expect(mem.slotRemaining(ptr, 20)).toBe(44);
  });

  it('adds a slot from guest-physical addresses only inside one BAR', () => {
    const mem = memory();
    const base = BigInt(mem.bars.ram.base);
    const slot = mem.addSlotPhysical(1, base + 0x1000n, base + 0x3000n, 0);
    expect(slot).toMatchObject({ region: QxlRegion.Ram, start: 0x1000, size: 0x2000 });
    const vbase = BigInt(mem.bars.vram.base);
    expect(mem.addSlotPhysical(2, vbase, vbase + BigInt(mem.bars.vram.size), 0).region).toBe(QxlRegion.Vram);
    expect(codeOf(() => mem.addSlotPhysical(3, base, base + BigInt(mem.bars.ram.size) + 1n, 0))).toBe(
      QxlErrorCode.BadValue,
    );
    expect(codeOf(() => mem.addSlotPhysical(3, base + 10n, base, 0))).toBe(QxlErrorCode.BadValue);
    expect(codeOf(() => mem.addSlotPhysical(3, 0n, 0x1000n, 0))).toBe(QxlErrorCode.BadValue);
  });

  it('works with the 1 id bit / 1 generation bit layout of upstream tests', () => {
    const mem = memory(1, 1, 1);
    mem.addSlot(0, { region: QxlRegion.Ram, start: 0, size: mem.ram.byteLength, generation: 0 });
    expect(mem.translate(0x1234n, 4).offset).toBe(0x1234);
    // Upstream test_memslot_invalid_slot_id: 1 << memslot_id_shift.
    expect(codeOf(() => mem.translate(1n << 63n, 16))).toBe(QxlErrorCode.BadMemslot);
    expect(codeOf(() => mem.translate(1n << 62n, 16))).toBe(QxlErrorCode.BadGeneration);
  });

  it('resets every slot at once', () => {
    const mem = memory();
    mem.addSlot(1, { region: QxlRegion.Ram, start: 0, size: 4096, generation: 0 });
    mem.resetSlots();
    expect(mem.getSlot(1)).toBeUndefined();
  });

  it('refuses slots outside their region and bad configurations', () => {
    const mem = memory();
    expect(codeOf(() => mem.addSlot(1, { region: QxlRegion.Vram, start: 0, size: (1 << 18) + 1, generation: 0 }))).toBe(
      QxlErrorCode.BadValue,
    );
    expect(codeOf(() => mem.addSlot(1, { region: QxlRegion.Ram, start: 0, size: 1, generation: 256 }))).toBe(
      QxlErrorCode.BadValue,
    );
    expect(codeOf(() => mem.addSlot(8, { region: QxlRegion.Ram, start: 0, size: 1, generation: 0 }))).toBe(
      QxlErrorCode.BadMemslot,
    );
    expect(codeOf(() => createGuestMemory({ ramSize: 4096, vramSize: 4096, romSize: 4096, slotIdBits: 0 }))).toBe(
      QxlErrorCode.BadValue,
    );
    expect(codeOf(() => createGuestMemory({ ramSize: 4096, vramSize: 4096, romSize: 4096, numSlots: 300 }))).toBe(
      QxlErrorCode.BadValue,
    );
  });
});
