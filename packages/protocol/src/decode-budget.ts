import { TooLargeError } from './errors.js';

/**
 * Work allowance of one generated decode: every array element and every pointer followed costs one
 * unit, so a message whose pointers all aim at the same large structure cannot make decoding cost
 * more than linear in its size.
 */
export interface DecodeBudget {
  left: number;
}

/** Units granted per body byte, plus a floor for tiny bodies (an honest message needs about one per byte). */
export const DECODE_BUDGET_PER_BYTE = 2;
export const DECODE_BUDGET_FLOOR = 64;

export function decodeBudget(body: Uint8Array): DecodeBudget {
  return { left: body.byteLength * DECODE_BUDGET_PER_BYTE + DECODE_BUDGET_FLOOR };
}

/** Takes `n` units or throws TooLargeError. */
export function chargeDecodeBudget(budget: DecodeBudget, n: number, what: string): void {
  budget.left -= n;
  if (budget.left < 0) throw new TooLargeError(`${what} (decode work)`, n, budget.left + n);
}
