;; The read-out's two products (./readout.ts) with 128-bit SIMD, four float32 lanes along the state width W:
;; the forward Y = H Vᵀ and, in one pass over the rows, dH = dY V and dV += dYᵀ H. Numbers are float32 (the
;; tensors' own type, as tfjs's MatMul computes them), addressed by byte offset in this module's memory; the
;; JS caller copies a block of rows in, takes the results out, handles the last W mod 4 columns and keeps dV's
;; running sum in float64 between blocks. Assembled by test/kernels/readout-wasm.test.ts (wabt), which checks
;; that ./readout-wasm.ts holds these bytes (READOUT_WASM_WRITE=1 rewrites it).
(module
  (memory (export "memory") 1)

  (func $hsum (param $s v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $s)) (f32x4.extract_lane 1 (local.get $s)))
      (f32.add (f32x4.extract_lane 2 (local.get $s)) (f32x4.extract_lane 3 (local.get $s)))))

  ;; Y[r·K + k] = Σ_{j < W4} H[r·W + j] · V[k·W + j] for r < R, k < K. W4 ≤ W, a multiple of 4. Four classes
  ;; at a time share each load of a row of H, then the last K mod 4 one by one.
  (func (export "forward")
    (param $Y i32) (param $H i32) (param $V i32) (param $R i32) (param $K i32) (param $W i32) (param $W4 i32)
    (local $r i32) (local $k i32) (local $j i32) (local $jEnd i32) (local $row i32)
    (local $h i32) (local $v0 i32) (local $v1 i32) (local $v2 i32) (local $v3 i32) (local $y i32)
    (local $x v128) (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local.set $row (i32.shl (local.get $W) (i32.const 2)))
    (local.set $jEnd (i32.shl (local.get $W4) (i32.const 2)))
    (local.set $r (i32.const 0))
    (block $rDone
      (loop $rLoop
        (br_if $rDone (i32.ge_u (local.get $r) (local.get $R)))
        (local.set $h (i32.add (local.get $H) (i32.mul (local.get $r) (local.get $row))))
        (local.set $y (i32.add (local.get $Y) (i32.shl (i32.mul (local.get $r) (local.get $K)) (i32.const 2))))
        (local.set $k (i32.const 0))
        (block $k4Done
          (loop $k4Loop
            (br_if $k4Done (i32.gt_u (i32.add (local.get $k) (i32.const 4)) (local.get $K)))
            (local.set $v0 (i32.add (local.get $V) (i32.mul (local.get $k) (local.get $row))))
            (local.set $v1 (i32.add (local.get $v0) (local.get $row)))
            (local.set $v2 (i32.add (local.get $v1) (local.get $row)))
            (local.set $v3 (i32.add (local.get $v2) (local.get $row)))
            (local.set $s0 (v128.const i64x2 0 0))
            (local.set $s1 (v128.const i64x2 0 0))
            (local.set $s2 (v128.const i64x2 0 0))
            (local.set $s3 (v128.const i64x2 0 0))
            (local.set $j (i32.const 0))
            (block $jDone
              (loop $jLoop
                (br_if $jDone (i32.ge_u (local.get $j) (local.get $jEnd)))
                (local.set $x (v128.load (i32.add (local.get $h) (local.get $j))))
                (local.set $s0 (f32x4.add (local.get $s0)
                  (f32x4.mul (local.get $x) (v128.load (i32.add (local.get $v0) (local.get $j))))))
                (local.set $s1 (f32x4.add (local.get $s1)
                  (f32x4.mul (local.get $x) (v128.load (i32.add (local.get $v1) (local.get $j))))))
                (local.set $s2 (f32x4.add (local.get $s2)
                  (f32x4.mul (local.get $x) (v128.load (i32.add (local.get $v2) (local.get $j))))))
                (local.set $s3 (f32x4.add (local.get $s3)
                  (f32x4.mul (local.get $x) (v128.load (i32.add (local.get $v3) (local.get $j))))))
                (local.set $j (i32.add (local.get $j) (i32.const 16)))
                (br $jLoop)))
            (f32.store offset=0 (local.get $y) (call $hsum (local.get $s0)))
            (f32.store offset=4 (local.get $y) (call $hsum (local.get $s1)))
            (f32.store offset=8 (local.get $y) (call $hsum (local.get $s2)))
            (f32.store offset=12 (local.get $y) (call $hsum (local.get $s3)))
            (local.set $y (i32.add (local.get $y) (i32.const 16)))
            (local.set $k (i32.add (local.get $k) (i32.const 4)))
            (br $k4Loop)))
        (block $kDone
          (loop $kLoop
            (br_if $kDone (i32.ge_u (local.get $k) (local.get $K)))
            (local.set $v0 (i32.add (local.get $V) (i32.mul (local.get $k) (local.get $row))))
            (local.set $s0 (v128.const i64x2 0 0))
            (local.set $j (i32.const 0))
            (block $j1Done
              (loop $j1Loop
                (br_if $j1Done (i32.ge_u (local.get $j) (local.get $jEnd)))
                (local.set $s0 (f32x4.add (local.get $s0)
                  (f32x4.mul (v128.load (i32.add (local.get $h) (local.get $j)))
                             (v128.load (i32.add (local.get $v0) (local.get $j))))))
                (local.set $j (i32.add (local.get $j) (i32.const 16)))
                (br $j1Loop)))
            (f32.store (local.get $y) (call $hsum (local.get $s0)))
            (local.set $y (i32.add (local.get $y) (i32.const 4)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $kLoop)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rLoop))))

  ;; For r < R and j < W4 (a multiple of 4, ≤ W): dH[r·W + j] = Σ_k G[r·K + k] · V[k·W + j] and
  ;; dV[k·W + j] += G[r·K + k] · H[r·W + j]. Four columns at a time: the row's four values of H stay in a
  ;; register while the K classes pass.
  (func (export "backward")
    (param $dH i32) (param $dV i32) (param $H i32) (param $V i32) (param $G i32)
    (param $R i32) (param $K i32) (param $W i32) (param $W4 i32)
    (local $r i32) (local $k i32) (local $j i32) (local $jEnd i32) (local $row i32)
    (local $h i32) (local $dh i32) (local $g i32) (local $vp i32) (local $dvp i32)
    (local $x v128) (local $gs v128) (local $acc v128)
    (local.set $row (i32.shl (local.get $W) (i32.const 2)))
    (local.set $jEnd (i32.shl (local.get $W4) (i32.const 2)))
    (local.set $r (i32.const 0))
    (block $rDone
      (loop $rLoop
        (br_if $rDone (i32.ge_u (local.get $r) (local.get $R)))
        (local.set $h (i32.add (local.get $H) (i32.mul (local.get $r) (local.get $row))))
        (local.set $dh (i32.add (local.get $dH) (i32.mul (local.get $r) (local.get $row))))
        (local.set $g (i32.add (local.get $G) (i32.shl (i32.mul (local.get $r) (local.get $K)) (i32.const 2))))
        (local.set $j (i32.const 0))
        (block $jDone
          (loop $jLoop
            (br_if $jDone (i32.ge_u (local.get $j) (local.get $jEnd)))
            (local.set $x (v128.load (i32.add (local.get $h) (local.get $j))))
            (local.set $acc (v128.const i64x2 0 0))
            (local.set $vp (i32.add (local.get $V) (local.get $j)))
            (local.set $dvp (i32.add (local.get $dV) (local.get $j)))
            (local.set $k (i32.const 0))
            (block $kDone
              (loop $kLoop
                (br_if $kDone (i32.ge_u (local.get $k) (local.get $K)))
                (local.set $gs (f32x4.splat (f32.load (i32.add (local.get $g) (i32.shl (local.get $k) (i32.const 2))))))
                (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $gs) (v128.load (local.get $vp)))))
                (v128.store (local.get $dvp)
                  (f32x4.add (v128.load (local.get $dvp)) (f32x4.mul (local.get $gs) (local.get $x))))
                (local.set $vp (i32.add (local.get $vp) (local.get $row)))
                (local.set $dvp (i32.add (local.get $dvp) (local.get $row)))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $kLoop)))
            (v128.store (i32.add (local.get $dh) (local.get $j)) (local.get $acc))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $jLoop)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rLoop))))
)
