/**
 * Counting the lines of a buffer is the one cost of a log scan that grows with every byte: the matches
 * are rare and found by Buffer.indexOf, but the line count (`linesRead`, the `maxLines` cap) needs every
 * newline. Counting them with one indexOf call per line costs a native call per line (5 million for 1 GB
 * of etcd logs), about as much CPU as reading the file. A WebAssembly SIMD loop compares 64 bytes per
 * iteration and counts the same newlines several times faster, but only in its own memory: buffers made
 * by `allocCountable` live there, so the file source reads into them and nothing is copied.
 * Any other buffer is counted with indexOf.
 */

const NL = 0x0a;

/**
 * The module, hand-assembled (it is 130 bytes; a toolchain for it would be larger than it). In text form:
 *
 *   (module
 *     (import "e" "m" (memory 1))
 *     (func (export "c") (param $p i32) (param $end i32) (result i32)
 *       (local $n i32) (local $stop i32) (local $acc v128) (local $nl v128)
 *       (local.set $nl (i8x16.splat (i32.const 10)))
 *       (block $done (loop $blocks
 *         ;; up to 63 rounds of 64 bytes: a lane of $acc counts at most 252 < 256 newlines
 *         (br_if $done (i32.lt_u (i32.sub (local.get $end) (local.get $p)) (i32.const 64)))
 *         (local.set $stop (i32.add (local.get $p) (i32.const 4032)))
 *         (loop $rounds
 *           ;; i8x16.eq gives -1 in each lane holding a newline; subtracting it adds 1
 *           (local.set $acc (i8x16.sub (local.get $acc) (i8x16.eq (v128.load offset=0  (local.get $p)) (local.get $nl))))
 *           (local.set $acc (i8x16.sub (local.get $acc) (i8x16.eq (v128.load offset=16 (local.get $p)) (local.get $nl))))
 *           (local.set $acc (i8x16.sub (local.get $acc) (i8x16.eq (v128.load offset=32 (local.get $p)) (local.get $nl))))
 *           (local.set $acc (i8x16.sub (local.get $acc) (i8x16.eq (v128.load offset=48 (local.get $p)) (local.get $nl))))
 *           (local.set $p (i32.add (local.get $p) (i32.const 64)))
 *           (br_if $rounds (i32.and (i32.le_u (i32.add (local.get $p) (i32.const 64)) (local.get $end))
 *                                   (i32.lt_u (local.get $p) (local.get $stop)))))
 *         ;; the 16 byte-lanes summed into 4 u32 lanes, then into $n
 *         (local.set $acc (i32x4.extadd_pairwise_i16x8_u (i16x8.extadd_pairwise_i8x16_u (local.get $acc))))
 *         (local.set $n (i32.add (local.get $n) (i32.add
 *           (i32.add (i32x4.extract_lane 0 (local.get $acc)) (i32x4.extract_lane 1 (local.get $acc)))
 *           (i32.add (i32x4.extract_lane 2 (local.get $acc)) (i32x4.extract_lane 3 (local.get $acc))))))
 *         (local.set $acc (v128.xor (local.get $acc) (local.get $acc)))
 *         (br $blocks)))
 *       ;; the last 0–63 bytes one by one
 *       (block $end (loop $bytes
 *         (br_if $end (i32.ge_u (local.get $p) (local.get $end)))
 *         (local.set $n (i32.add (local.get $n) (i32.eq (i32.load8_u (local.get $p)) (i32.const 10))))
 *         (local.set $p (i32.add (local.get $p) (i32.const 1)))
 *         (br $bytes)))
 *       (local.get $n)))
 */
const P = 0, END = 1, N = 2, STOP = 3, ACC = 4, NLV = 5;
const get = (i: number): number[] => [0x20, i];
const set = (i: number): number[] => [0x21, i];
const i32 = (v: number): number[] => [0x41, ...sleb(v)]; // i32.const takes a signed LEB
const simd = (op: number, ...imm: number[]): number[] => [0xfd, ...leb(op), ...imm];
const load = (offset: number): number[] => simd(0x00, 0x00, offset); // v128.load align=1
const countVector = (offset: number): number[] => [
  ...get(ACC), ...get(P), ...load(offset), ...get(NLV), ...simd(0x23) /* i8x16.eq */, ...simd(0x71) /* i8x16.sub */, ...set(ACC),
];
const I32_ADD = 0x6a, BLOCK = [0x02, 0x40], LOOP = [0x03, 0x40], END_ = 0x0b;
const BODY: number[] = [
  0x02, 0x02, 0x7f, 0x02, 0x7b, // locals: 2 × i32, 2 × v128
  ...i32(NL), ...simd(0x0f) /* i8x16.splat */, ...set(NLV),
  ...BLOCK, ...LOOP,
  ...get(END), ...get(P), 0x6b /* i32.sub */, ...i32(64), 0x49 /* i32.lt_u */, 0x0d, 1 /* br_if $done */,
  ...get(P), ...i32(4032), I32_ADD, ...set(STOP),
  ...LOOP,
  ...countVector(0), ...countVector(16), ...countVector(32), ...countVector(48),
  ...get(P), ...i32(64), I32_ADD, ...set(P),
  ...get(P), ...i32(64), I32_ADD, ...get(END), 0x4d /* i32.le_u */,
  ...get(P), ...get(STOP), 0x49 /* i32.lt_u */, 0x71 /* i32.and */, 0x0d, 0 /* br_if $rounds */,
  END_,
  ...get(ACC), ...simd(0x7d) /* i16x8.extadd_pairwise_i8x16_u */, ...simd(0x7f) /* i32x4.extadd_pairwise_i16x8_u */, ...set(ACC),
  ...get(N),
  ...get(ACC), ...simd(0x1b, 0), ...get(ACC), ...simd(0x1b, 1), I32_ADD,
  ...get(ACC), ...simd(0x1b, 2), ...get(ACC), ...simd(0x1b, 3), I32_ADD,
  I32_ADD, I32_ADD, ...set(N),
  ...get(ACC), ...get(ACC), ...simd(0x51) /* v128.xor */, ...set(ACC),
  0x0c, 0 /* br $blocks */,
  END_, END_,
  ...BLOCK, ...LOOP,
  ...get(P), ...get(END), 0x4f /* i32.ge_u */, 0x0d, 1 /* br_if $end */,
  ...get(N), ...get(P), 0x2d, 0x00, 0x00 /* i32.load8_u */, ...i32(NL), 0x46 /* i32.eq */, I32_ADD, ...set(N),
  ...get(P), ...i32(1), I32_ADD, ...set(P),
  0x0c, 0 /* br $bytes */,
  END_, END_,
  ...get(N),
  END_,
];

function leb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>>= 7;
    if (n === 0) return [...out, b];
    out.push(b | 0x80);
  }
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
}

const section = (id: number, content: number[]): number[] => [id, ...leb(content.length), ...content];

function moduleBytes(): Uint8Array {
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
    ...section(1, [0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f]), // type: (i32, i32) -> i32
    ...section(2, [0x01, 0x01, 0x65, 0x01, 0x6d, 0x02, 0x00, 0x01]), // import "e" "m": memory, min 1 page
    ...section(3, [0x01, 0x00]), // one function of type 0
    ...section(7, [0x01, 0x01, 0x63, 0x00, 0x00]), // export "c": function 0
    ...section(10, [0x01, ...leb(BODY.length), ...BODY]),
  ]);
}
type CountFn = (from: number, to: number) => number;

/** The part of Node's WebAssembly used here (the project's type libraries, ES2023 without DOM, lack it). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer };
}
const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/** Compiled once, on first use; null where WebAssembly SIMD is unavailable (indexOf is used then). */
let compiled: object | null | undefined;
const counters = new WeakMap<ArrayBufferLike, CountFn>();

function simdModule(): object | null {
  if (compiled === undefined) {
    const bytes = moduleBytes();
    compiled = wasm !== undefined && wasm.validate(bytes) ? new wasm.Module(bytes) : null;
  }
  return compiled;
}

/**
 * A buffer of `size` bytes whose newlines `countNewlines` counts with SIMD. Each has a memory of its
 * own (rounded up to 64 KiB pages), so concurrent scans never share one.
 */
export function allocCountable(size: number): Buffer {
  const mod = simdModule();
  if (wasm === undefined || mod === null) return Buffer.allocUnsafe(size);
  const memory = new wasm.Memory({ initial: Math.max(1, Math.ceil(size / 65536)) });
  const instance = new wasm.Instance(mod, { e: { m: memory } });
  counters.set(memory.buffer, instance.exports['c'] as CountFn);
  return Buffer.from(memory.buffer, 0, size);
}

/** Lines in buf[from, to): its newlines, plus one for a final line without a newline. */
export function countNewlines(buf: Buffer, from: number, to: number): number {
  if (to <= from) return 0;
  const simd = counters.get(buf.buffer);
  let n = 0;
  if (simd !== undefined) {
    n = simd(buf.byteOffset + from, buf.byteOffset + to);
  } else {
    // memchr-speed per call, but one call per line.
    let p = buf.indexOf(NL, from);
    while (p >= 0 && p < to) {
      n++;
      p = buf.indexOf(NL, p + 1);
    }
  }
  if (buf[to - 1] !== NL) n++;
  return n;
}
