/**
 * Bytes of arguments one process start may take, with room to spare: Linux refuses (E2BIG) beyond ARG_MAX (a quarter
 * of the stack limit, usually 2 MiB, shared with the environment) or beyond 128 KiB in a single argument; macOS allows
 * 1 MiB in all. Lists that grow with the number of snapshots or files are cut into runs that fit in this.
 */
export const ARG_BYTES_BUDGET = 128 * 1024;

/** Bytes an argument takes in a process's argument area: its UTF-8 bytes, its NUL and its pointer. */
export function argBytes(arg: string): number {
  return Buffer.byteLength(arg) + 1 + 8;
}

/**
 * Consecutive runs of `items` (order kept, none empty) whose arguments (`argOf(item)`, default the item itself) add up
 * to at most `budget` bytes beside `fixedBytes` (the program and its other arguments). An item that alone exceeds the
 * budget gets a run of its own: the system decides about it, and its failure is reported as such.
 */
export function argBatches<T>(items: readonly T[], options: { budget?: number; fixedBytes?: number; argOf?: (item: T) => string | string[] } = {}): T[][] {
  const budget = Math.max(1, (options.budget ?? ARG_BYTES_BUDGET) - (options.fixedBytes ?? 0));
  const argOf = options.argOf ?? ((item: T) => String(item));
  const batches: T[][] = [];
  let current: T[] = [];
  let used = 0;
  for (const item of items) {
    const args = argOf(item);
    const size = (Array.isArray(args) ? args : [args]).reduce((sum, a) => sum + argBytes(a), 0);
    if (current.length && used + size > budget) {
      batches.push(current);
      current = [];
      used = 0;
    }
    current.push(item);
    used += size;
  }
  if (current.length) batches.push(current);
  return batches;
}
