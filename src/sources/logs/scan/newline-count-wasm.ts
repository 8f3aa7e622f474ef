const NL = 0x0a;

/**
 * A WebAssembly module that counts newlines (byte 10) in its memory from $p to $end, 64 bytes per round
 * with SIMD. Hand-assembled: it is a few hundred bytes, and a toolchain to build it would be far larger
 * than the module. In text form:
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

/** The module's bytes; it imports its memory as "e" "m" and exports the counter as "c". */
export function newlineCountModule(): Uint8Array {
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
    ...section(1, [0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f]), // type: (i32, i32) -> i32
    ...section(2, [0x01, 0x01, 0x65, 0x01, 0x6d, 0x02, 0x00, 0x01]), // import "e" "m": memory, min 1 page
    ...section(3, [0x01, 0x00]), // one function of type 0
    ...section(7, [0x01, 0x01, 0x63, 0x00, 0x00]), // export "c": function 0
    ...section(10, [0x01, ...leb(BODY.length), ...BODY]),
  ]);
}
