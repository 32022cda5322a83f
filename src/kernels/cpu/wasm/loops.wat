;; The hot loops of the fused cpu kernels, with 128-bit SIMD (f64x2), all numbers float64 and addressed by
;; byte offset in this module's memory; the JS callers own the layouts and call these only for the even-sized
;; part of a problem (the JS loops take the rest).
;; - apply2, backward2: a 2×2 complex factor of the KRU (../kru.ts), real and imaginary parts in separate
;;   arrays, factor f acting on [L, 2, RB] blocks, two batch lanes per instruction. They repeat the JS loops'
;;   expressions term by term, in the same order: apply2 agrees with the JS bit for bit, backward2's sums
;;   differ only in summation order.
;; - gemmABt: C += A·Bᵀ for the dense RNN's and the LSTM's products (../rnn.ts, ../lstm.ts).
;; - sigmoids, tanhs: the LSTM's gate activations in place (../lstm-cell.ts).
;; Assemble with `npm run build:wasm` (wabt); the bytes live in ./loops-wasm.ts.
(module
  (memory (export "memory") 1)

  ;; y = W x along the factor's axis: y0 = a x0 + b x1, y1 = c x0 + d x1 (complex), W = [[a, b], [c, d]].
  (func (export "apply2")
    (param $xr i32) (param $xi i32) (param $yr i32) (param $yi i32) (param $L i32) (param $RB i32)
    (param $a f64) (param $ai f64) (param $b f64) (param $bi f64)
    (param $c f64) (param $ci f64) (param $d f64) (param $di f64)
    (local $l i32) (local $o0 i32) (local $o1 i32) (local $k i32) (local $row i32)
    (local $va v128) (local $vai v128) (local $vb v128) (local $vbi v128)
    (local $vc v128) (local $vci v128) (local $vd v128) (local $vdi v128)
    (local $h0r v128) (local $h0i v128) (local $h1r v128) (local $h1i v128)
    (local.set $va (f64x2.splat (local.get $a)))
    (local.set $vai (f64x2.splat (local.get $ai)))
    (local.set $vb (f64x2.splat (local.get $b)))
    (local.set $vbi (f64x2.splat (local.get $bi)))
    (local.set $vc (f64x2.splat (local.get $c)))
    (local.set $vci (f64x2.splat (local.get $ci)))
    (local.set $vd (f64x2.splat (local.get $d)))
    (local.set $vdi (f64x2.splat (local.get $di)))
    (local.set $row (i32.shl (local.get $RB) (i32.const 3)))          ;; bytes per row of RB numbers
    (local.set $l (i32.const 0))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $l) (local.get $L)))
        (local.set $o0 (i32.mul (local.get $l) (i32.shl (local.get $row) (i32.const 1))))
        (local.set $o1 (i32.add (local.get $o0) (local.get $row)))
        (local.set $k (i32.const 0))
        (block $pairsDone
          (loop $pairs
            (br_if $pairsDone (i32.ge_u (local.get $k) (local.get $row)))
            (local.set $h0r (v128.load (i32.add (local.get $xr) (i32.add (local.get $o0) (local.get $k)))))
            (local.set $h0i (v128.load (i32.add (local.get $xi) (i32.add (local.get $o0) (local.get $k)))))
            (local.set $h1r (v128.load (i32.add (local.get $xr) (i32.add (local.get $o1) (local.get $k)))))
            (local.set $h1i (v128.load (i32.add (local.get $xi) (i32.add (local.get $o1) (local.get $k)))))
            (v128.store (i32.add (local.get $yr) (i32.add (local.get $o0) (local.get $k)))
              (f64x2.sub (f64x2.add (f64x2.sub (f64x2.mul (local.get $va) (local.get $h0r)) (f64x2.mul (local.get $vai) (local.get $h0i)))
                                    (f64x2.mul (local.get $vb) (local.get $h1r)))
                         (f64x2.mul (local.get $vbi) (local.get $h1i))))
            (v128.store (i32.add (local.get $yi) (i32.add (local.get $o0) (local.get $k)))
              (f64x2.add (f64x2.add (f64x2.add (f64x2.mul (local.get $va) (local.get $h0i)) (f64x2.mul (local.get $vai) (local.get $h0r)))
                                    (f64x2.mul (local.get $vb) (local.get $h1i)))
                         (f64x2.mul (local.get $vbi) (local.get $h1r))))
            (v128.store (i32.add (local.get $yr) (i32.add (local.get $o1) (local.get $k)))
              (f64x2.sub (f64x2.add (f64x2.sub (f64x2.mul (local.get $vc) (local.get $h0r)) (f64x2.mul (local.get $vci) (local.get $h0i)))
                                    (f64x2.mul (local.get $vd) (local.get $h1r)))
                         (f64x2.mul (local.get $vdi) (local.get $h1i))))
            (v128.store (i32.add (local.get $yi) (i32.add (local.get $o1) (local.get $k)))
              (f64x2.add (f64x2.add (f64x2.add (f64x2.mul (local.get $vc) (local.get $h0i)) (f64x2.mul (local.get $vci) (local.get $h0r)))
                                    (f64x2.mul (local.get $vd) (local.get $h1i)))
                         (f64x2.mul (local.get $vdi) (local.get $h1r))))
            (local.set $k (i32.add (local.get $k) (i32.const 16)))
            (br $pairs)))
        (local.set $l (i32.add (local.get $l) (i32.const 1)))
        (br $rows))))

  ;; Backward of y = W x: dx = Wᴴ dy along the axis, and G = Σ dy xᴴ over every position, written to $g as
  ;; [Re G00, Re G01, Re G10, Re G11, Im G00, Im G01, Im G10, Im G11] (the caller adds it to its sums).
  (func (export "backward2")
    (param $xr i32) (param $xi i32) (param $dyr i32) (param $dyi i32) (param $dxr i32) (param $dxi i32)
    (param $L i32) (param $RB i32)
    (param $a f64) (param $ai f64) (param $b f64) (param $bi f64)
    (param $c f64) (param $ci f64) (param $d f64) (param $di f64)
    (param $g i32)
    (local $l i32) (local $o0 i32) (local $o1 i32) (local $k i32) (local $row i32)
    (local $va v128) (local $vai v128) (local $vb v128) (local $vbi v128)
    (local $vc v128) (local $vci v128) (local $vd v128) (local $vdi v128)
    (local $x0r v128) (local $x0i v128) (local $x1r v128) (local $x1i v128)
    (local $d0r v128) (local $d0i v128) (local $d1r v128) (local $d1i v128)
    (local $g00r v128) (local $g00i v128) (local $g01r v128) (local $g01i v128)
    (local $g10r v128) (local $g10i v128) (local $g11r v128) (local $g11i v128)
    (local.set $va (f64x2.splat (local.get $a)))
    (local.set $vai (f64x2.splat (local.get $ai)))
    (local.set $vb (f64x2.splat (local.get $b)))
    (local.set $vbi (f64x2.splat (local.get $bi)))
    (local.set $vc (f64x2.splat (local.get $c)))
    (local.set $vci (f64x2.splat (local.get $ci)))
    (local.set $vd (f64x2.splat (local.get $d)))
    (local.set $vdi (f64x2.splat (local.get $di)))
    (local.set $row (i32.shl (local.get $RB) (i32.const 3)))
    (local.set $l (i32.const 0))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $l) (local.get $L)))
        (local.set $o0 (i32.mul (local.get $l) (i32.shl (local.get $row) (i32.const 1))))
        (local.set $o1 (i32.add (local.get $o0) (local.get $row)))
        (local.set $k (i32.const 0))
        (block $pairsDone
          (loop $pairs
            (br_if $pairsDone (i32.ge_u (local.get $k) (local.get $row)))
            (local.set $x0r (v128.load (i32.add (local.get $xr) (i32.add (local.get $o0) (local.get $k)))))
            (local.set $x0i (v128.load (i32.add (local.get $xi) (i32.add (local.get $o0) (local.get $k)))))
            (local.set $x1r (v128.load (i32.add (local.get $xr) (i32.add (local.get $o1) (local.get $k)))))
            (local.set $x1i (v128.load (i32.add (local.get $xi) (i32.add (local.get $o1) (local.get $k)))))
            (local.set $d0r (v128.load (i32.add (local.get $dyr) (i32.add (local.get $o0) (local.get $k)))))
            (local.set $d0i (v128.load (i32.add (local.get $dyi) (i32.add (local.get $o0) (local.get $k)))))
            (local.set $d1r (v128.load (i32.add (local.get $dyr) (i32.add (local.get $o1) (local.get $k)))))
            (local.set $d1i (v128.load (i32.add (local.get $dyi) (i32.add (local.get $o1) (local.get $k)))))
            ;; G_ij += dy_i · conj(x_j)
            (local.set $g00r (f64x2.add (local.get $g00r) (f64x2.add (f64x2.mul (local.get $d0r) (local.get $x0r)) (f64x2.mul (local.get $d0i) (local.get $x0i)))))
            (local.set $g00i (f64x2.add (local.get $g00i) (f64x2.sub (f64x2.mul (local.get $d0i) (local.get $x0r)) (f64x2.mul (local.get $d0r) (local.get $x0i)))))
            (local.set $g01r (f64x2.add (local.get $g01r) (f64x2.add (f64x2.mul (local.get $d0r) (local.get $x1r)) (f64x2.mul (local.get $d0i) (local.get $x1i)))))
            (local.set $g01i (f64x2.add (local.get $g01i) (f64x2.sub (f64x2.mul (local.get $d0i) (local.get $x1r)) (f64x2.mul (local.get $d0r) (local.get $x1i)))))
            (local.set $g10r (f64x2.add (local.get $g10r) (f64x2.add (f64x2.mul (local.get $d1r) (local.get $x0r)) (f64x2.mul (local.get $d1i) (local.get $x0i)))))
            (local.set $g10i (f64x2.add (local.get $g10i) (f64x2.sub (f64x2.mul (local.get $d1i) (local.get $x0r)) (f64x2.mul (local.get $d1r) (local.get $x0i)))))
            (local.set $g11r (f64x2.add (local.get $g11r) (f64x2.add (f64x2.mul (local.get $d1r) (local.get $x1r)) (f64x2.mul (local.get $d1i) (local.get $x1i)))))
            (local.set $g11i (f64x2.add (local.get $g11i) (f64x2.sub (f64x2.mul (local.get $d1i) (local.get $x1r)) (f64x2.mul (local.get $d1r) (local.get $x1i)))))
            ;; dx_j = Σ_i conj(W_ij) dy_i
            (v128.store (i32.add (local.get $dxr) (i32.add (local.get $o0) (local.get $k)))
              (f64x2.add (f64x2.add (f64x2.add (f64x2.mul (local.get $va) (local.get $d0r)) (f64x2.mul (local.get $vai) (local.get $d0i)))
                                    (f64x2.mul (local.get $vc) (local.get $d1r)))
                         (f64x2.mul (local.get $vci) (local.get $d1i))))
            (v128.store (i32.add (local.get $dxi) (i32.add (local.get $o0) (local.get $k)))
              (f64x2.sub (f64x2.add (f64x2.sub (f64x2.mul (local.get $va) (local.get $d0i)) (f64x2.mul (local.get $vai) (local.get $d0r)))
                                    (f64x2.mul (local.get $vc) (local.get $d1i)))
                         (f64x2.mul (local.get $vci) (local.get $d1r))))
            (v128.store (i32.add (local.get $dxr) (i32.add (local.get $o1) (local.get $k)))
              (f64x2.add (f64x2.add (f64x2.add (f64x2.mul (local.get $vb) (local.get $d0r)) (f64x2.mul (local.get $vbi) (local.get $d0i)))
                                    (f64x2.mul (local.get $vd) (local.get $d1r)))
                         (f64x2.mul (local.get $vdi) (local.get $d1i))))
            (v128.store (i32.add (local.get $dxi) (i32.add (local.get $o1) (local.get $k)))
              (f64x2.sub (f64x2.add (f64x2.sub (f64x2.mul (local.get $vb) (local.get $d0i)) (f64x2.mul (local.get $vbi) (local.get $d0r)))
                                    (f64x2.mul (local.get $vd) (local.get $d1i)))
                         (f64x2.mul (local.get $vdi) (local.get $d1r))))
            (local.set $k (i32.add (local.get $k) (i32.const 16)))
            (br $pairs)))
        (local.set $l (i32.add (local.get $l) (i32.const 1)))
        (br $rows)))
    ;; Each sum lives in two lanes: add them.
    (f64.store offset=0 (local.get $g) (f64.add (f64x2.extract_lane 0 (local.get $g00r)) (f64x2.extract_lane 1 (local.get $g00r))))
    (f64.store offset=8 (local.get $g) (f64.add (f64x2.extract_lane 0 (local.get $g01r)) (f64x2.extract_lane 1 (local.get $g01r))))
    (f64.store offset=16 (local.get $g) (f64.add (f64x2.extract_lane 0 (local.get $g10r)) (f64x2.extract_lane 1 (local.get $g10r))))
    (f64.store offset=24 (local.get $g) (f64.add (f64x2.extract_lane 0 (local.get $g11r)) (f64x2.extract_lane 1 (local.get $g11r))))
    (f64.store offset=32 (local.get $g) (f64.add (f64x2.extract_lane 0 (local.get $g00i)) (f64x2.extract_lane 1 (local.get $g00i))))
    (f64.store offset=40 (local.get $g) (f64.add (f64x2.extract_lane 0 (local.get $g01i)) (f64x2.extract_lane 1 (local.get $g01i))))
    (f64.store offset=48 (local.get $g) (f64.add (f64x2.extract_lane 0 (local.get $g10i)) (f64x2.extract_lane 1 (local.get $g10i))))
    (f64.store offset=56 (local.get $g) (f64.add (f64x2.extract_lane 0 (local.get $g11i)) (f64x2.extract_lane 1 (local.get $g11i)))))

  ;; C[i·ldc + j] += Σ_k A[i·lda + k] · B[j·ldb + k] for i < I, j < J, k < K: the dense RNN's products (../rnn.ts).
  ;; I must be a multiple of 4, J and K of 2 (the JS caller does the rest). Blocks of 4 rows × 2 columns share
  ;; each load; every dot product accumulates in two lanes (even and odd k), added at the end.
  (func (export "gemmABt")
    (param $C i32) (param $A i32) (param $B i32) (param $I i32) (param $J i32) (param $K i32)
    (param $lda i32) (param $ldb i32) (param $ldc i32)
    (local $i i32) (local $j i32) (local $k i32) (local $kEnd i32)
    (local $a0 i32) (local $a1 i32) (local $a2 i32) (local $a3 i32) (local $b0 i32) (local $b1 i32) (local $c i32)
    (local $x v128) (local $y0 v128) (local $y1 v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local.set $kEnd (i32.shl (local.get $K) (i32.const 3)))
    (local.set $i (i32.const 0))
    (block $iDone
      (loop $iLoop
        (br_if $iDone (i32.ge_u (local.get $i) (local.get $I)))
        (local.set $a0 (i32.add (local.get $A) (i32.shl (i32.mul (local.get $i) (local.get $lda)) (i32.const 3))))
        (local.set $a1 (i32.add (local.get $a0) (i32.shl (local.get $lda) (i32.const 3))))
        (local.set $a2 (i32.add (local.get $a1) (i32.shl (local.get $lda) (i32.const 3))))
        (local.set $a3 (i32.add (local.get $a2) (i32.shl (local.get $lda) (i32.const 3))))
        (local.set $j (i32.const 0))
        (block $jDone
          (loop $jLoop
            (br_if $jDone (i32.ge_u (local.get $j) (local.get $J)))
            (local.set $b0 (i32.add (local.get $B) (i32.shl (i32.mul (local.get $j) (local.get $ldb)) (i32.const 3))))
            (local.set $b1 (i32.add (local.get $b0) (i32.shl (local.get $ldb) (i32.const 3))))
            (local.set $c00 (v128.const i64x2 0 0))
            (local.set $c01 (v128.const i64x2 0 0))
            (local.set $c10 (v128.const i64x2 0 0))
            (local.set $c11 (v128.const i64x2 0 0))
            (local.set $c20 (v128.const i64x2 0 0))
            (local.set $c21 (v128.const i64x2 0 0))
            (local.set $c30 (v128.const i64x2 0 0))
            (local.set $c31 (v128.const i64x2 0 0))
            (local.set $k (i32.const 0))
            (block $kDone
              (loop $kLoop
                (br_if $kDone (i32.ge_u (local.get $k) (local.get $kEnd)))
                (local.set $y0 (v128.load (i32.add (local.get $b0) (local.get $k))))
                (local.set $y1 (v128.load (i32.add (local.get $b1) (local.get $k))))
                (local.set $x (v128.load (i32.add (local.get $a0) (local.get $k))))
                (local.set $c00 (f64x2.add (local.get $c00) (f64x2.mul (local.get $x) (local.get $y0))))
                (local.set $c01 (f64x2.add (local.get $c01) (f64x2.mul (local.get $x) (local.get $y1))))
                (local.set $x (v128.load (i32.add (local.get $a1) (local.get $k))))
                (local.set $c10 (f64x2.add (local.get $c10) (f64x2.mul (local.get $x) (local.get $y0))))
                (local.set $c11 (f64x2.add (local.get $c11) (f64x2.mul (local.get $x) (local.get $y1))))
                (local.set $x (v128.load (i32.add (local.get $a2) (local.get $k))))
                (local.set $c20 (f64x2.add (local.get $c20) (f64x2.mul (local.get $x) (local.get $y0))))
                (local.set $c21 (f64x2.add (local.get $c21) (f64x2.mul (local.get $x) (local.get $y1))))
                (local.set $x (v128.load (i32.add (local.get $a3) (local.get $k))))
                (local.set $c30 (f64x2.add (local.get $c30) (f64x2.mul (local.get $x) (local.get $y0))))
                (local.set $c31 (f64x2.add (local.get $c31) (f64x2.mul (local.get $x) (local.get $y1))))
                (local.set $k (i32.add (local.get $k) (i32.const 16)))
                (br $kLoop)))
            (local.set $c (i32.add (local.get $C) (i32.shl (i32.add (i32.mul (i32.add (local.get $i) (i32.const 0)) (local.get $ldc)) (local.get $j)) (i32.const 3))))
            (f64.store offset=0 (local.get $c) (f64.add (f64.load offset=0 (local.get $c)) (f64.add (f64x2.extract_lane 0 (local.get $c00)) (f64x2.extract_lane 1 (local.get $c00)))))
            (f64.store offset=8 (local.get $c) (f64.add (f64.load offset=8 (local.get $c)) (f64.add (f64x2.extract_lane 0 (local.get $c01)) (f64x2.extract_lane 1 (local.get $c01)))))
            (local.set $c (i32.add (local.get $C) (i32.shl (i32.add (i32.mul (i32.add (local.get $i) (i32.const 1)) (local.get $ldc)) (local.get $j)) (i32.const 3))))
            (f64.store offset=0 (local.get $c) (f64.add (f64.load offset=0 (local.get $c)) (f64.add (f64x2.extract_lane 0 (local.get $c10)) (f64x2.extract_lane 1 (local.get $c10)))))
            (f64.store offset=8 (local.get $c) (f64.add (f64.load offset=8 (local.get $c)) (f64.add (f64x2.extract_lane 0 (local.get $c11)) (f64x2.extract_lane 1 (local.get $c11)))))
            (local.set $c (i32.add (local.get $C) (i32.shl (i32.add (i32.mul (i32.add (local.get $i) (i32.const 2)) (local.get $ldc)) (local.get $j)) (i32.const 3))))
            (f64.store offset=0 (local.get $c) (f64.add (f64.load offset=0 (local.get $c)) (f64.add (f64x2.extract_lane 0 (local.get $c20)) (f64x2.extract_lane 1 (local.get $c20)))))
            (f64.store offset=8 (local.get $c) (f64.add (f64.load offset=8 (local.get $c)) (f64.add (f64x2.extract_lane 0 (local.get $c21)) (f64x2.extract_lane 1 (local.get $c21)))))
            (local.set $c (i32.add (local.get $C) (i32.shl (i32.add (i32.mul (i32.add (local.get $i) (i32.const 3)) (local.get $ldc)) (local.get $j)) (i32.const 3))))
            (f64.store offset=0 (local.get $c) (f64.add (f64.load offset=0 (local.get $c)) (f64.add (f64x2.extract_lane 0 (local.get $c30)) (f64x2.extract_lane 1 (local.get $c30)))))
            (f64.store offset=8 (local.get $c) (f64.add (f64.load offset=8 (local.get $c)) (f64.add (f64x2.extract_lane 0 (local.get $c31)) (f64x2.extract_lane 1 (local.get $c31)))))
            (local.set $j (i32.add (local.get $j) (i32.const 2)))
            (br $jLoop)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $iLoop))))

  ;; The LSTM's gate activations (../lstm-cell.ts) in place over n float64 numbers at byte offset $p, two lanes
  ;; per instruction (an odd last number alone): sigmoids, or tanhs when $tanh is 1. Both come from one
  ;; e = exp(−s|z|) (s = 1, or 2 for tanh) of a non-positive number, so nothing overflows, and r = 1/(1 + e):
  ;; s(z) = r for z ≥ 0, e·r below; tanh z = sign(z)·(2r − 1). NaN stays NaN. exp: x = max(−s|z|, −700)
  ;; (exp(−700) ≈ 1e−304 is still a normal number) = k·ln2 + u with |u| ≤ ln2/2 (ln2 in fdlibm's two parts),
  ;; exp(u) by its Taylor series to degree 11 (truncation < 1e−14 relative), times 2^k built in the exponent
  ;; bits. Written out in the loop: a call per pair costs about half the time here (no wasm inlining in V8).
  (func $activations (param $p i32) (param $n i32) (param $tanh i32)
    (local $end i32) (local $last i32) (local $mode v128) (local $s v128)
    (local $z v128) (local $x v128) (local $k v128) (local $r v128) (local $q v128) (local $e v128)
    (local $u2 v128) (local $u4 v128) (local $t v128)
    (local.set $mode (i64x2.splat (i64.extend_i32_u (local.get $tanh))))
    (local.set $mode (i64x2.ne (local.get $mode) (i64x2.splat (i64.const 0))))   ;; all ones for tanh
    (local.set $s (v128.bitselect (f64x2.splat (f64.const -2)) (f64x2.splat (f64.const -1)) (local.get $mode)))
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 3))))
    (block $done
      (loop $pairs
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        ;; the last number alone when n is odd
        (local.set $last (i32.eq (i32.add (local.get $p) (i32.const 8)) (local.get $end)))
        (if (local.get $last)
          (then (local.set $z (v128.load64_zero (local.get $p))))
          (else (local.set $z (v128.load (local.get $p)))))
        (local.set $x (f64x2.pmax (f64x2.mul (f64x2.abs (local.get $z)) (local.get $s)) (f64x2.splat (f64.const -700))))
        ;; k = round(x·log2 e) by the 1.5·2⁵² shift: $t's low mantissa bits hold k as an integer
        (local.set $t (f64x2.add (f64x2.mul (local.get $x) (f64x2.splat (f64.const 1.4426950408889634)))
                                 (f64x2.splat (f64.const 6755399441055744))))
        (local.set $k (f64x2.sub (local.get $t) (f64x2.splat (f64.const 6755399441055744))))
        (local.set $r
          (f64x2.sub
            (f64x2.sub (local.get $x) (f64x2.mul (local.get $k) (f64x2.splat (f64.const 6.93147180369123816490e-01))))
            (f64x2.mul (local.get $k) (f64x2.splat (f64.const 1.90821492927058770002e-10)))))
        ;; exp(u) = Σ u^i/i! (i ≤ 11) by Estrin's scheme: pairs, then u², u⁴, u⁸ (a short dependency chain)
        (local.set $u2 (f64x2.mul (local.get $r) (local.get $r)))
        (local.set $u4 (f64x2.mul (local.get $u2) (local.get $u2)))
        (local.set $q
          (f64x2.add
            (f64x2.add
              (f64x2.add (f64x2.add (f64x2.splat (f64.const 1)) (f64x2.mul (local.get $r) (f64x2.splat (f64.const 1)))) (f64x2.mul (local.get $u2) (f64x2.add (f64x2.splat (f64.const 0.5)) (f64x2.mul (local.get $r) (f64x2.splat (f64.const 0.16666666666666666))))))
              (f64x2.mul (local.get $u4) (f64x2.add (f64x2.add (f64x2.splat (f64.const 4.1666666666666664e-2)) (f64x2.mul (local.get $r) (f64x2.splat (f64.const 8.333333333333333e-3)))) (f64x2.mul (local.get $u2) (f64x2.add (f64x2.splat (f64.const 1.388888888888889e-3)) (f64x2.mul (local.get $r) (f64x2.splat (f64.const 1.984126984126984e-4))))))))
            (f64x2.mul (f64x2.mul (local.get $u4) (local.get $u4)) (f64x2.add (f64x2.add (f64x2.splat (f64.const 2.48015873015873e-5)) (f64x2.mul (local.get $r) (f64x2.splat (f64.const 2.7557319223985893e-6)))) (f64x2.mul (local.get $u2) (f64x2.add (f64x2.splat (f64.const 2.755731922398589e-7)) (f64x2.mul (local.get $r) (f64x2.splat (f64.const 2.505210838544172e-8)))))))))
        (local.set $e
          (f64x2.mul
            (local.get $q)
            ;; 2^k: (bits(t) + 1023) << 52, the shift's own bits falling off the top
            (i64x2.shl (i64x2.add (local.get $t) (i64x2.splat (i64.const 1023))) (i32.const 52))))
        (local.set $r (f64x2.div (f64x2.splat (f64.const 1)) (f64x2.add (f64x2.splat (f64.const 1)) (local.get $e))))
        (local.set $q
          (v128.bitselect
            (v128.or
              (f64x2.sub (f64x2.add (local.get $r) (local.get $r)) (f64x2.splat (f64.const 1)))
              (v128.and (local.get $z) (i64x2.splat (i64.const 0x8000000000000000))))
            (v128.bitselect (local.get $r) (f64x2.mul (local.get $e) (local.get $r))
              (f64x2.ge (local.get $z) (f64x2.splat (f64.const 0))))
            (local.get $mode)))
        (if (local.get $last)
          (then (v128.store64_lane 0 (local.get $p) (local.get $q)))
          (else (v128.store (local.get $p) (local.get $q))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $pairs))))

  (func (export "sigmoids") (param $p i32) (param $n i32)
    (call $activations (local.get $p) (local.get $n) (i32.const 0)))

  (func (export "tanhs") (param $p i32) (param $n i32)
    (call $activations (local.get $p) (local.get $n) (i32.const 1)))
)
