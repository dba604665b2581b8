;; Loops over the TF.js wasm heap in WebAssembly SIMD, for work JS loops did more slowly
;; (figures: docs/engine.md#measurements-behind-the-code).
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

  (func $max (param $a i32) (param $b i32) (result i32)
    (select (local.get $a) (local.get $b) (i32.gt_s (local.get $a) (local.get $b))))
  (func $min (param $a i32) (param $b i32) (result i32)
    (select (local.get $a) (local.get $b) (i32.lt_s (local.get $a) (local.get $b))))

  ;; n floats of zeros from byte offset p, as plain stores: the runs zeroed per image row are a few floats, for which
  ;; a memory.fill (a call out of the generated code) costs far more than the stores.
  (func $zero (param $p i32) (param $n i32)
    (local $e i32)
    (local.set $e (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $e)))
        (f32.store (local.get $p) (f32.const 0))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $next))))

  ;; dst[c·rows + r] = src[r·cols + c] (byte offsets src, dst), in 4×4 blocks transposed in registers. From 256
  ;; rows up, sixteen rows at a time, so that each destination row receives a whole 64-byte line per visit (with 4,
  ;; tall matrices whose row count is a power of two thrash the cache: their destination rows all map to the same
  ;; cache sets); columns in blocks of 256.
  (func (export "transpose")
    (param $src i32) (param $dst i32) (param $rows i32) (param $cols i32)
    (local $r i32) (local $c i32) (local $cb i32) (local $ce i32) (local $step i32)
    (block $cbDone
      (loop $cbLoop
        (br_if $cbDone (i32.ge_u (local.get $cb) (local.get $cols)))
        (local.set $ce (call $min (i32.add (local.get $cb) (i32.const 256)) (local.get $cols)))
        (local.set $r (i32.const 0))
        (block $rDone
          (loop $rLoop
            (local.set $step (select (i32.const 16) (i32.const 4)
              (i32.and (i32.ge_u (local.get $rows) (i32.const 256))
                (i32.le_u (i32.add (local.get $r) (i32.const 16)) (local.get $rows)))))
            (br_if $rDone (i32.gt_u (i32.add (local.get $r) (local.get $step)) (local.get $rows)))
            (local.set $c (local.get $cb))
            (block $cDone
              (loop $cLoop
                (br_if $cDone (i32.gt_u (i32.add (local.get $c) (i32.const 4)) (local.get $ce)))
                (call $t4 (local.get $src) (local.get $dst) (local.get $rows) (local.get $cols) (local.get $r) (local.get $c))
                (if (i32.eq (local.get $step) (i32.const 16))
                  (then
                    (call $t4 (local.get $src) (local.get $dst) (local.get $rows) (local.get $cols)
                      (i32.add (local.get $r) (i32.const 4)) (local.get $c))
                    (call $t4 (local.get $src) (local.get $dst) (local.get $rows) (local.get $cols)
                      (i32.add (local.get $r) (i32.const 8)) (local.get $c))
                    (call $t4 (local.get $src) (local.get $dst) (local.get $rows) (local.get $cols)
                      (i32.add (local.get $r) (i32.const 12)) (local.get $c))))
                (local.set $c (i32.add (local.get $c) (i32.const 4)))
                (br $cLoop)))
            ;; the block's last cols % 4 columns
            (block $ctDone
              (loop $ctLoop
                (br_if $ctDone (i32.ge_u (local.get $c) (local.get $ce)))
                (call $copyColumn (local.get $src) (local.get $dst) (local.get $rows) (local.get $cols)
                  (local.get $r) (i32.add (local.get $r) (local.get $step)) (local.get $c))
                (local.set $c (i32.add (local.get $c) (i32.const 1)))
                (br $ctLoop)))
            (local.set $r (i32.add (local.get $r) (local.get $step)))
            (br $rLoop)))
        ;; the last rows % 4 rows
        (local.set $c (local.get $cb))
        (block $rtDone
          (loop $rtLoop
            (br_if $rtDone (i32.ge_u (local.get $c) (local.get $ce)))
            (call $copyColumn (local.get $src) (local.get $dst) (local.get $rows) (local.get $cols)
              (local.get $r) (local.get $rows) (local.get $c))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $rtLoop)))
        (local.set $cb (local.get $ce))
        (br $cbLoop))))

  ;; The 4×4 block at (r, c) of the transpose above.
  (func $t4 (param $src i32) (param $dst i32) (param $rows i32) (param $cols i32) (param $r i32) (param $c i32)
    (local $s i32) (local $d i32) (local $rs i32) (local $ds i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $rs (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $ds (i32.shl (local.get $rows) (i32.const 2)))
    (local.set $s (i32.add (local.get $src)
      (i32.shl (i32.add (i32.mul (local.get $r) (local.get $cols)) (local.get $c)) (i32.const 2))))
    (local.set $a0 (v128.load (local.get $s)))
    (local.set $a1 (v128.load (i32.add (local.get $s) (local.get $rs))))
    (local.set $a2 (v128.load (i32.add (local.get $s) (i32.shl (local.get $rs) (i32.const 1)))))
    (local.set $a3 (v128.load (i32.add (local.get $s) (i32.mul (local.get $rs) (i32.const 3)))))
    (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a0) (local.get $a1)))
    (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a0) (local.get $a1)))
    (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a2) (local.get $a3)))
    (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a2) (local.get $a3)))
    (local.set $d (i32.add (local.get $dst)
      (i32.shl (i32.add (i32.mul (local.get $c) (local.get $rows)) (local.get $r)) (i32.const 2))))
    (v128.store (local.get $d)
      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
    (v128.store (i32.add (local.get $d) (local.get $ds))
      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
    (v128.store (i32.add (local.get $d) (i32.shl (local.get $ds) (i32.const 1)))
      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
    (v128.store (i32.add (local.get $d) (i32.mul (local.get $ds) (i32.const 3)))
      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3))))

  ;; dst[c·rows + r] = src[r·cols + c] for r in [r0, r1), one column c.
  (func $copyColumn
    (param $src i32) (param $dst i32) (param $rows i32) (param $cols i32) (param $r0 i32) (param $r1 i32) (param $c i32)
    (local $r i32)
    (local.set $r (local.get $r0))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $r) (local.get $r1)))
        (f32.store
          (i32.add (local.get $dst) (i32.shl (i32.add (i32.mul (local.get $c) (local.get $rows)) (local.get $r)) (i32.const 2)))
          (f32.load
            (i32.add (local.get $src) (i32.shl (i32.add (i32.mul (local.get $r) (local.get $cols)) (local.get $c)) (i32.const 2)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $next))))

  ;; Transposed im2col of a stride-1 convolution whose output grid is its input grid, from channel planes
  ;; planes[c, p] (p = (n, ih, iw)): row (kh, kw, c) of colsT is the plane shifted by (dh, dw) = one memory.copy; what
  ;; the shift carries across image rows and images lands exactly on taps outside the image, which are then zeroed.
  (func (export "shiftedPlanes")
    (param $planes i32) (param $colsT i32) (param $batch i32) (param $H i32) (param $W i32) (param $C i32)
    (param $kH i32) (param $kW i32) (param $dilH i32) (param $dilW i32) (param $padTop i32) (param $padLeft i32)
    (local $P i32) (local $kh i32) (local $kw i32) (local $c i32) (local $n i32) (local $oh i32)
    (local $dh i32) (local $dw i32) (local $shift i32) (local $lo i32) (local $hi i32)
    (local $ohLo i32) (local $ohHi i32) (local $owLo i32) (local $owHi i32)
    (local $d i32) (local $pl i32) (local $img i32) (local $row i32) (local $img4 i32) (local $W4 i32)
    (local.set $P (i32.mul (local.get $batch) (i32.mul (local.get $H) (local.get $W))))
    (local.set $W4 (i32.shl (local.get $W) (i32.const 2)))
    (local.set $img4 (i32.mul (local.get $H) (local.get $W4)))
    (local.set $d (local.get $colsT))
    (block $khDone
      (loop $khLoop
        (br_if $khDone (i32.ge_s (local.get $kh) (local.get $kH)))
        (local.set $dh (i32.sub (i32.mul (local.get $kh) (local.get $dilH)) (local.get $padTop)))
        (local.set $ohLo (call $min (call $max (i32.const 0) (i32.sub (i32.const 0) (local.get $dh))) (local.get $H)))
        (local.set $ohHi (call $max (call $min (local.get $H) (i32.sub (local.get $H) (local.get $dh))) (i32.const 0)))
        (local.set $kw (i32.const 0))
        (block $kwDone
          (loop $kwLoop
            (br_if $kwDone (i32.ge_s (local.get $kw) (local.get $kW)))
            (local.set $dw (i32.sub (i32.mul (local.get $kw) (local.get $dilW)) (local.get $padLeft)))
            (local.set $owLo (call $min (call $max (i32.const 0) (i32.sub (i32.const 0) (local.get $dw))) (local.get $W)))
            (local.set $owHi (call $max (call $min (local.get $W) (i32.sub (local.get $W) (local.get $dw))) (i32.const 0)))
            (local.set $shift (i32.add (i32.mul (local.get $dh) (local.get $W)) (local.get $dw)))
            (local.set $lo (call $min (call $max (i32.const 0) (i32.sub (i32.const 0) (local.get $shift))) (local.get $P)))
            (local.set $hi (call $max (call $min (local.get $P) (i32.sub (local.get $P) (local.get $shift))) (local.get $lo)))
            (local.set $c (i32.const 0))
            (local.set $pl (local.get $planes))
            (block $cDone
              (loop $cLoop
                (br_if $cDone (i32.ge_s (local.get $c) (local.get $C)))
                (memory.fill (local.get $d) (i32.const 0) (i32.shl (local.get $lo) (i32.const 2)))
                (memory.copy
                  (i32.add (local.get $d) (i32.shl (local.get $lo) (i32.const 2)))
                  (i32.add (local.get $pl) (i32.shl (i32.add (local.get $lo) (local.get $shift)) (i32.const 2)))
                  (i32.shl (i32.sub (local.get $hi) (local.get $lo)) (i32.const 2)))
                (memory.fill (i32.add (local.get $d) (i32.shl (local.get $hi) (i32.const 2))) (i32.const 0)
                  (i32.shl (i32.sub (local.get $P) (local.get $hi)) (i32.const 2)))
                (local.set $n (i32.const 0))
                (local.set $img (local.get $d))
                (block $nDone
                  (loop $nLoop
                    (br_if $nDone (i32.ge_s (local.get $n) (local.get $batch)))
                    (call $zero (local.get $img) (i32.mul (local.get $ohLo) (local.get $W)))
                    (call $zero (i32.add (local.get $img) (i32.mul (local.get $ohHi) (local.get $W4)))
                      (i32.mul (call $max (i32.sub (local.get $H) (local.get $ohHi)) (i32.const 0)) (local.get $W)))
                    (if (i32.or (i32.gt_s (local.get $owLo) (i32.const 0)) (i32.lt_s (local.get $owHi) (local.get $W)))
                      (then
                        (local.set $oh (local.get $ohLo))
                        (block $ohDone
                          (loop $ohLoop
                            (br_if $ohDone (i32.ge_s (local.get $oh) (local.get $ohHi)))
                            (local.set $row (i32.add (local.get $img) (i32.mul (local.get $oh) (local.get $W4))))
                            (call $zero (local.get $row) (local.get $owLo))
                            (call $zero (i32.add (local.get $row) (i32.shl (local.get $owHi) (i32.const 2)))
                              (i32.sub (local.get $W) (local.get $owHi)))
                            (local.set $oh (i32.add (local.get $oh) (i32.const 1)))
                            (br $ohLoop)))))
                    (local.set $img (i32.add (local.get $img) (local.get $img4)))
                    (local.set $n (i32.add (local.get $n) (i32.const 1)))
                    (br $nLoop)))
                (local.set $d (i32.add (local.get $d) (i32.shl (local.get $P) (i32.const 2))))
                (local.set $pl (i32.add (local.get $pl) (i32.shl (local.get $P) (i32.const 2))))
                (local.set $c (i32.add (local.get $c) (i32.const 1)))
                (br $cLoop)))
            (local.set $kw (i32.add (local.get $kw) (i32.const 1)))
            (br $kwLoop)))
        (local.set $kh (i32.add (local.get $kh) (i32.const 1)))
        (br $khLoop))))

  ;; Adam over n float32 parameters (byte offsets): m ← β1·m + a·g; v ← β2·v + (b·g)·g;
  ;; out = (w − (s·m) / (√(v·invC2) + ε)) − decay·w — in float64, operation for operation as the JS loop of
  ;; optimizer-update.ts, so the results are the same bits (wasm has no fused multiply-add).
  (func (export "adam")
    (param $out i32) (param $w i32) (param $g i32) (param $m i32) (param $v i32) (param $n i32)
    (param $beta1 f64) (param $beta2 f64) (param $a f64) (param $b f64) (param $s f64) (param $invC2 f64)
    (param $eps f64) (param $decay f64)
    (local $i i32) (local $n4 i32)
    (local $B1 v128) (local $B2 v128) (local $A v128) (local $Bv v128) (local $S v128) (local $IC v128)
    (local $E v128) (local $D v128)
    (local $lo v128) (local $hi v128)
    (local $gs f64) (local $ms f64) (local $vs f64) (local $ws f64)
    (local.set $B1 (f64x2.splat (local.get $beta1)))
    (local.set $B2 (f64x2.splat (local.get $beta2)))
    (local.set $A (f64x2.splat (local.get $a)))
    (local.set $Bv (f64x2.splat (local.get $b)))
    (local.set $S (f64x2.splat (local.get $s)))
    (local.set $IC (f64x2.splat (local.get $invC2)))
    (local.set $E (f64x2.splat (local.get $eps)))
    (local.set $D (f64x2.splat (local.get $decay)))
    (local.set $n4 (i32.and (local.get $n) (i32.const -4)))
    (block $vecDone
      (loop $vecLoop
        (br_if $vecDone (i32.ge_u (local.get $i) (local.get $n4)))
        ;; two halves of four floats, each as f64x2
        (call $adam2 (local.get $out) (local.get $w) (local.get $g) (local.get $m) (local.get $v) (i32.const 0)
          (local.get $B1) (local.get $B2) (local.get $A) (local.get $Bv) (local.get $S) (local.get $IC) (local.get $E) (local.get $D))
        (call $adam2 (local.get $out) (local.get $w) (local.get $g) (local.get $m) (local.get $v) (i32.const 8)
          (local.get $B1) (local.get $B2) (local.get $A) (local.get $Bv) (local.get $S) (local.get $IC) (local.get $E) (local.get $D))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (local.set $w (i32.add (local.get $w) (i32.const 16)))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (local.set $m (i32.add (local.get $m) (i32.const 16)))
        (local.set $v (i32.add (local.get $v) (i32.const 16)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $vecLoop)))
    (block $tailDone
      (loop $tailLoop
        (br_if $tailDone (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $gs (f64.promote_f32 (f32.load (local.get $g))))
        (local.set $ms (f64.add (f64.mul (local.get $beta1) (f64.promote_f32 (f32.load (local.get $m))))
          (f64.mul (local.get $a) (local.get $gs))))
        (local.set $vs (f64.add (f64.mul (local.get $beta2) (f64.promote_f32 (f32.load (local.get $v))))
          (f64.mul (f64.mul (local.get $b) (local.get $gs)) (local.get $gs))))
        (f32.store (local.get $m) (f32.demote_f64 (local.get $ms)))
        (f32.store (local.get $v) (f32.demote_f64 (local.get $vs)))
        (local.set $ws (f64.promote_f32 (f32.load (local.get $w))))
        (f32.store (local.get $out) (f32.demote_f64
          (f64.sub
            (f64.sub (local.get $ws)
              (f64.div (f64.mul (local.get $s) (local.get $ms))
                (f64.add (f64.sqrt (f64.mul (local.get $vs) (local.get $invC2))) (local.get $eps))))
            (f64.mul (local.get $decay) (local.get $ws)))))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (local.set $w (i32.add (local.get $w) (i32.const 4)))
        (local.set $g (i32.add (local.get $g) (i32.const 4)))
        (local.set $m (i32.add (local.get $m) (i32.const 4)))
        (local.set $v (i32.add (local.get $v) (i32.const 4)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $tailLoop))))

  ;; Two parameters of adam at byte offset o from each pointer.
  (func $adam2
    (param $out i32) (param $w i32) (param $g i32) (param $m i32) (param $v i32) (param $o i32)
    (param $B1 v128) (param $B2 v128) (param $A v128) (param $Bv v128) (param $S v128) (param $IC v128)
    (param $E v128) (param $D v128)
    (local $gd v128) (local $md v128) (local $vd v128) (local $wd v128)
    (local.set $gd (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $g) (local.get $o)))))
    (local.set $md (f64x2.add (f64x2.mul (local.get $B1)
        (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $m) (local.get $o)))))
      (f64x2.mul (local.get $A) (local.get $gd))))
    (local.set $vd (f64x2.add (f64x2.mul (local.get $B2)
        (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $v) (local.get $o)))))
      (f64x2.mul (f64x2.mul (local.get $Bv) (local.get $gd)) (local.get $gd))))
    (v128.store64_lane 0 (i32.add (local.get $m) (local.get $o)) (f32x4.demote_f64x2_zero (local.get $md)))
    (v128.store64_lane 0 (i32.add (local.get $v) (local.get $o)) (f32x4.demote_f64x2_zero (local.get $vd)))
    (local.set $wd (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $w) (local.get $o)))))
    (v128.store64_lane 0 (i32.add (local.get $out) (local.get $o)) (f32x4.demote_f64x2_zero
      (f64x2.sub
        (f64x2.sub (local.get $wd)
          (f64x2.div (f64x2.mul (local.get $S) (local.get $md))
            (f64x2.add (f64x2.sqrt (f64x2.mul (local.get $vd) (local.get $IC))) (local.get $E))))
        (f64x2.mul (local.get $D) (local.get $wd))))))

  ;; out[r, c] = x[r, c]·A[c] + B[c] over [rows, C] blocks (byte offsets): BatchNorm's forward in one pass, with the
  ;; float32 operations of the TF.js ops it replaces (mul, then add: no fused multiply-add in wasm SIMD).
  (func (export "affine")
    (param $x i32) (param $out i32) (param $rows i32) (param $C i32) (param $A i32) (param $B i32)
    (local $r i32) (local $c i32) (local $c4 i32) (local $o i32)
    (local.set $c4 (i32.and (local.get $C) (i32.const -4)))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $c (i32.const 0))
        (block $vecDone
          (loop $vecLoop
            (br_if $vecDone (i32.ge_u (local.get $c) (local.get $c4)))
            (local.set $o (i32.shl (local.get $c) (i32.const 2)))
            (v128.store (local.get $out)
              (f32x4.add
                (f32x4.mul (v128.load (local.get $x)) (v128.load (i32.add (local.get $A) (local.get $o))))
                (v128.load (i32.add (local.get $B) (local.get $o)))))
            (local.set $x (i32.add (local.get $x) (i32.const 16)))
            (local.set $out (i32.add (local.get $out) (i32.const 16)))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $vecLoop)))
        (block $tailDone
          (loop $tailLoop
            (br_if $tailDone (i32.ge_u (local.get $c) (local.get $C)))
            (local.set $o (i32.shl (local.get $c) (i32.const 2)))
            (f32.store (local.get $out)
              (f32.add
                (f32.mul (f32.load (local.get $x)) (f32.load (i32.add (local.get $A) (local.get $o))))
                (f32.load (i32.add (local.get $B) (local.get $o)))))
            (local.set $x (i32.add (local.get $x) (i32.const 4)))
            (local.set $out (i32.add (local.get $out) (i32.const 4)))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $tailLoop)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowLoop))))

  ;; out[r, c] = (dy[r, c]·A[c] + x[r, c]·B[c]) + K[c] over [rows, C] blocks (byte offsets): BatchNorm's input
  ;; gradient in one pass, with the float32 operations in the order of the TF.js ops it replaces (mul, mul, add, add).
  (func (export "bnBackward")
    (param $dy i32) (param $x i32) (param $out i32) (param $rows i32) (param $C i32)
    (param $A i32) (param $B i32) (param $K i32)
    (local $r i32) (local $c i32) (local $c4 i32) (local $o i32)
    (local.set $c4 (i32.and (local.get $C) (i32.const -4)))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $c (i32.const 0))
        (block $vecDone
          (loop $vecLoop
            (br_if $vecDone (i32.ge_u (local.get $c) (local.get $c4)))
            (local.set $o (i32.shl (local.get $c) (i32.const 2)))
            (v128.store (local.get $out)
              (f32x4.add
                (f32x4.add
                  (f32x4.mul (v128.load (local.get $dy)) (v128.load (i32.add (local.get $A) (local.get $o))))
                  (f32x4.mul (v128.load (local.get $x)) (v128.load (i32.add (local.get $B) (local.get $o)))))
                (v128.load (i32.add (local.get $K) (local.get $o)))))
            (local.set $dy (i32.add (local.get $dy) (i32.const 16)))
            (local.set $x (i32.add (local.get $x) (i32.const 16)))
            (local.set $out (i32.add (local.get $out) (i32.const 16)))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $vecLoop)))
        (block $tailDone
          (loop $tailLoop
            (br_if $tailDone (i32.ge_u (local.get $c) (local.get $C)))
            (local.set $o (i32.shl (local.get $c) (i32.const 2)))
            (f32.store (local.get $out)
              (f32.add
                (f32.add
                  (f32.mul (f32.load (local.get $dy)) (f32.load (i32.add (local.get $A) (local.get $o))))
                  (f32.mul (f32.load (local.get $x)) (f32.load (i32.add (local.get $B) (local.get $o)))))
                (f32.load (i32.add (local.get $K) (local.get $o)))))
            (local.set $dy (i32.add (local.get $dy) (i32.const 4)))
            (local.set $x (i32.add (local.get $x) (i32.const 4)))
            (local.set $out (i32.add (local.get $out) (i32.const 4)))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $tailLoop)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowLoop))))

  ;; out = dy·step(x) over n floats (byte offsets), step(x) = 1 for x > 0, NaN for NaN, else 0: ReLU's gradient in
  ;; one pass, the same float32 product as TF.js's mul(dy, cast(step(x))) (so −0 for dy < 0 where x ≤ 0).
  (func (export "reluGrad") (param $dy i32) (param $x i32) (param $out i32) (param $n i32)
    (local $i i32) (local $n4 i32) (local $xv v128) (local $xs f32)
    (local.set $n4 (i32.and (local.get $n) (i32.const -4)))
    (block $vecDone
      (loop $vecLoop
        (br_if $vecDone (i32.ge_u (local.get $i) (local.get $n4)))
        (local.set $xv (v128.load (local.get $x)))
        (v128.store (local.get $out)
          (f32x4.mul (v128.load (local.get $dy))
            (v128.or
              (v128.and (f32x4.gt (local.get $xv) (v128.const f32x4 0 0 0 0)) (v128.const f32x4 1 1 1 1))
              (v128.and (f32x4.ne (local.get $xv) (local.get $xv)) (local.get $xv)))))
        (local.set $dy (i32.add (local.get $dy) (i32.const 16)))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $vecLoop)))
    (block $tailDone
      (loop $tailLoop
        (br_if $tailDone (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $xs (f32.load (local.get $x)))
        (f32.store (local.get $out) (f32.mul (f32.load (local.get $dy))
          (select (f32.const 1)
            (select (local.get $xs) (f32.const 0) (f32.ne (local.get $xs) (local.get $xs)))
            (f32.gt (local.get $xs) (f32.const 0)))))
        (local.set $dy (i32.add (local.get $dy) (i32.const 4)))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $tailLoop))))

;; dst += src over n floats (byte offsets): data-parallel replicas adding their gradients.
  (func (export "addInto") (param $dst i32) (param $src i32) (param $n i32)
    (local $i i32) (local $n4 i32)
    (local.set $n4 (i32.and (local.get $n) (i32.const -4)))
    (block $vecDone
      (loop $vecLoop
        (br_if $vecDone (i32.ge_u (local.get $i) (local.get $n4)))
        (v128.store (local.get $dst) (f32x4.add (v128.load (local.get $dst)) (v128.load (local.get $src))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $vecLoop)))
    (block $tailDone
      (loop $tailLoop
        (br_if $tailDone (i32.ge_u (local.get $i) (local.get $n)))
        (f32.store (local.get $dst) (f32.add (f32.load (local.get $dst)) (f32.load (local.get $src))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (local.set $src (i32.add (local.get $src) (i32.const 4)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $tailLoop))))

    ;; rows rows of len bytes (a multiple of 4) from src to dst, the rows srcStride and dstStride bytes apart: a slice
  ;; along one axis, e.g. one piece of a split along channels.
  (func (export "copyRows")
    (param $src i32) (param $srcStride i32) (param $dst i32) (param $dstStride i32) (param $rows i32) (param $len i32)
    (local $r i32) (local $i i32) (local $len16 i32)
    (local.set $len16 (i32.and (local.get $len) (i32.const -16)))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $i (i32.const 0))
        (block $vecDone
          (loop $vecLoop
            (br_if $vecDone (i32.ge_u (local.get $i) (local.get $len16)))
            (v128.store (i32.add (local.get $dst) (local.get $i)) (v128.load (i32.add (local.get $src) (local.get $i))))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br $vecLoop)))
        (block $tailDone
          (loop $tailLoop
            (br_if $tailDone (i32.ge_u (local.get $i) (local.get $len)))
            (i32.store (i32.add (local.get $dst) (local.get $i)) (i32.load (i32.add (local.get $src) (local.get $i))))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $tailLoop)))
        (local.set $src (i32.add (local.get $src) (local.get $srcStride)))
        (local.set $dst (i32.add (local.get $dst) (local.get $dstStride)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowLoop))))
)
