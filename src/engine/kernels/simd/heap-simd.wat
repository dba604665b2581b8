;; Loops over the TF.js wasm heap in WebAssembly SIMD, for the work JS loops did at 1–4 ns per float.
;; The module imports the backend's own memory, so every argument is a byte offset into the heap.
;; Regenerate heap-simd-bytes.ts after editing: node scripts/gen-heap-simd.mjs
(module
  (import "env" "memory" (memory 1))

  ;; sum[c] = Σ_r a[r, c], dot[c] = Σ_r a[r, c]·b[r, c] over a [rows, C] float32 block; sum and dot are float64
  ;; arrays of C, accumulated in float64 (each product is exact in float64) like the JS loop this replaces.
  (func (export "sumsDots")
    (param $a i32) (param $b i32) (param $rows i32) (param $C i32) (param $sum i32) (param $dot i32)
    (local $r i32) (local $c i32) (local $c4 i32) (local $ps i32) (local $pd i32)
    (local $x v128) (local $y v128) (local $xh v128) (local $yh v128) (local $xs f64)
    (memory.fill (local.get $sum) (i32.const 0) (i32.shl (local.get $C) (i32.const 3)))
    (memory.fill (local.get $dot) (i32.const 0) (i32.shl (local.get $C) (i32.const 3)))
    (local.set $c4 (i32.and (local.get $C) (i32.const -4)))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $c (i32.const 0))
        (local.set $ps (local.get $sum))
        (local.set $pd (local.get $dot))
        (block $vecDone
          (loop $vecLoop
            (br_if $vecDone (i32.ge_u (local.get $c) (local.get $c4)))
            (local.set $x (v128.load (local.get $a)))
            (local.set $y (v128.load (local.get $b)))
            (local.set $xh (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $x) (local.get $x)))
            (local.set $yh (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $y) (local.get $y)))
            (v128.store (local.get $ps)
              (f64x2.add (v128.load (local.get $ps)) (f64x2.promote_low_f32x4 (local.get $x))))
            (v128.store offset=16 (local.get $ps)
              (f64x2.add (v128.load offset=16 (local.get $ps)) (f64x2.promote_low_f32x4 (local.get $xh))))
            (v128.store (local.get $pd)
              (f64x2.add (v128.load (local.get $pd))
                (f64x2.mul (f64x2.promote_low_f32x4 (local.get $x)) (f64x2.promote_low_f32x4 (local.get $y)))))
            (v128.store offset=16 (local.get $pd)
              (f64x2.add (v128.load offset=16 (local.get $pd))
                (f64x2.mul (f64x2.promote_low_f32x4 (local.get $xh)) (f64x2.promote_low_f32x4 (local.get $yh)))))
            (local.set $a (i32.add (local.get $a) (i32.const 16)))
            (local.set $b (i32.add (local.get $b) (i32.const 16)))
            (local.set $ps (i32.add (local.get $ps) (i32.const 32)))
            (local.set $pd (i32.add (local.get $pd) (i32.const 32)))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $vecLoop)))
        (block $tailDone
          (loop $tailLoop
            (br_if $tailDone (i32.ge_u (local.get $c) (local.get $C)))
            (local.set $xs (f64.promote_f32 (f32.load (local.get $a))))
            (f64.store (local.get $ps) (f64.add (f64.load (local.get $ps)) (local.get $xs)))
            (f64.store (local.get $pd) (f64.add (f64.load (local.get $pd))
              (f64.mul (local.get $xs) (f64.promote_f32 (f32.load (local.get $b))))))
            (local.set $a (i32.add (local.get $a) (i32.const 4)))
            (local.set $b (i32.add (local.get $b) (i32.const 4)))
            (local.set $ps (i32.add (local.get $ps) (i32.const 8)))
            (local.set $pd (i32.add (local.get $pd) (i32.const 8)))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $tailLoop)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowLoop))))
)
