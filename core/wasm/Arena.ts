/**
 * Typed arrays inside one WebAssembly memory, so fused kernels see them by address. First-fit allocator
 * with coalescing free list, 16-byte aligned blocks. With shared memory, growing keeps every earlier view
 * valid (the old SharedArrayBuffer object still covers its length), so arrays are never moved; with a
 * private memory the arena never grows (growing would detach every view).
 */
export interface Allocator {
  f32(n: number): Float32Array;
  i32(n: number): Int32Array;
  /** Returns an array from f32/i32 (others are ignored). */
  free(a: Float32Array | Int32Array): void;
}

/** Plain JavaScript arrays (the reference path). */
export const JS_ALLOCATOR: Allocator = {
  f32: (n) => new Float32Array(n),
  i32: (n) => new Int32Array(n),
  free: () => {},
};

/** The part of WebAssembly.Memory used here (core's platform-neutral lib has no WebAssembly types). */
export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
  grow(pages: number): number;
}

const PAGE = 65536;
const ALIGN = 16;

export class Arena implements Allocator {
  private free_: { off: number; size: number }[] = [];
  private readonly used = new Map<number, number>();
  private readonly buffers = new Set<ArrayBufferLike>();
  /** Bytes in use (allocated blocks). */
  inUse = 0;

  constructor(readonly memory: WasmMemory, base: number, readonly growable: boolean) {
    const start = Math.ceil(base / ALIGN) * ALIGN;
    const end = memory.buffer.byteLength;
    if (end > start) this.free_.push({ off: start, size: end - start });
    this.buffers.add(memory.buffer);
  }

  /** Whether a typed array lives in this arena's memory (so kernels can take its address). */
  owns(a: ArrayBufferView): boolean {
    return this.buffers.has(a.buffer);
  }

  /** Byte offset of a block, i.e. its address for the kernels. */
  alloc(bytes: number): number {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    let i = this.free_.findIndex((b) => b.size >= size);
    if (i < 0) {
      this.grow(size);
      i = this.free_.findIndex((b) => b.size >= size);
      if (i < 0) throw new Error(`kernel memory exhausted (${(size / 2 ** 20).toFixed(1)} MiB requested)`);
    }
    const b = this.free_[i];
    const off = b.off;
    if (b.size === size) this.free_.splice(i, 1);
    else { b.off += size; b.size -= size; }
    this.used.set(off, size);
    this.inUse += size;
    // blocks are reused: zero them like a fresh typed array
    new Uint8Array(this.memory.buffer, off, size).fill(0);
    return off;
  }

  release(off: number): void {
    const size = this.used.get(off);
    if (size === undefined) return;
    this.used.delete(off);
    this.inUse -= size;
    let i = this.free_.findIndex((b) => b.off > off);
    if (i < 0) i = this.free_.length;
    this.free_.splice(i, 0, { off, size });
    // coalesce with neighbours
    const next = this.free_[i + 1];
    if (next && off + size === next.off) { this.free_[i].size += next.size; this.free_.splice(i + 1, 1); }
    const prev = this.free_[i - 1];
    if (prev && prev.off + prev.size === off) { prev.size += this.free_[i].size; this.free_.splice(i, 1); }
  }

  private grow(size: number): void {
    if (!this.growable) return;
    const before = this.memory.buffer.byteLength;
    const pages = Math.ceil((size + PAGE) / PAGE);
    try { this.memory.grow(pages); } catch { return; } // over the maximum: alloc reports it
    this.buffers.add(this.memory.buffer);
    const last = this.free_[this.free_.length - 1];
    const added = this.memory.buffer.byteLength - before;
    if (last && last.off + last.size === before) last.size += added;
    else this.free_.push({ off: before, size: added });
  }

  f32(n: number): Float32Array {
    const off = this.alloc(n * 4); // first: allocating may grow the memory (and replace .buffer)
    return new Float32Array(this.memory.buffer, off, n);
  }

  i32(n: number): Int32Array {
    const off = this.alloc(n * 4);
    return new Int32Array(this.memory.buffer, off, n);
  }

  free(a: Float32Array | Int32Array): void {
    if (this.owns(a)) this.release(a.byteOffset);
  }
}
