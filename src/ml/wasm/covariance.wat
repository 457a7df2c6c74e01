;; PCA kernels in WebAssembly SIMD (f64x2): column sums, the centred
;; cross-products of the covariance, and the projection onto the components.
;;
;; covarianceWasm.ts copies the rows, a chunk at a time, into a buffer in this
;; memory and calls the kernels on the chunk; accumulators (sums, deviations,
;; the upper triangle) stay in this memory between calls.
;;
;; Every kernel performs, per output value, exactly the additions and
;; multiplications of the scalar loops in pca.ts, in the same order (wasm has
;; no fused multiply-add), so results are bit-identical to them:
;;   col_sums   acc[j] = acc[j] + x[r, j], row by row: two columns per lane
;;              pair, each lane a sequential sum of its column.
;;   cov_block  one block of 1024 rows: t = x[r, j] - mean[j] is stored
;;              transposed (a layout choice only) and added to dev[j]; then for every a <= b the dot
;;              product of columns a and b with four partial sums s0..s3 (rows
;;              r = 0, 1, 2, 3 mod 4: lanes of two f64x2 accumulators), the
;;              tail rows added to s0, and upper[a, b] += (s0 + s1) + (s2 + s3).
;;   project    score[r, c] = sum over j in order of (x[r, j] - mean[j]) * w[c, j],
;;              from 0; two components per vector (lanes), from the transposed
;;              components wt[j, c] padded to an even number of columns.
;; All pointers are byte offsets; f64 arrays are 8-aligned, blocks 16-aligned.

(module
  (import "env" "memory" (memory 1 65536))

  ;; acc[0..d) += each of the rows x[0..rows) (row-major, d columns).
  (func (export "col_sums") (param $x i32) (param $rows i32) (param $d i32) (param $acc i32)
    (local $end i32) (local $pairs_end i32) (local $j i32) (local $p i32) (local $a i32)
    (local.set $end (i32.add (local.get $x) (i32.shl (i32.mul (local.get $rows) (local.get $d)) (i32.const 3))))
    ;; byte offset within a row where the column pairs end
    (local.set $pairs_end (i32.shl (i32.and (local.get $d) (i32.const -2)) (i32.const 3)))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $j (i32.const 0))
        (block $pairs_done
          (loop $pair
            (br_if $pairs_done (i32.ge_u (local.get $j) (local.get $pairs_end)))
            (local.set $a (i32.add (local.get $acc) (local.get $j)))
            (v128.store (local.get $a)
              (f64x2.add (v128.load (local.get $a)) (v128.load (i32.add (local.get $x) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $pair)))
        (if (i32.and (local.get $d) (i32.const 1))
          (then
            (local.set $a (i32.add (local.get $acc) (local.get $j)))
            (f64.store (local.get $a)
              (f64.add (f64.load (local.get $a)) (f64.load (i32.add (local.get $x) (local.get $j)))))))
        (local.set $x (i32.add (local.get $x) (i32.shl (local.get $d) (i32.const 3))))
        (br $row))))

  ;; One block of $rows <= $B rows: centres them into the transposed scratch
  ;; $blk (d rows of $B f64), adds the deviations to dev, and adds the block's
  ;; cross-products to the upper triangle upper[a*d + b], a <= b.
  (func (export "cov_block")
    (param $x i32) (param $rows i32) (param $d i32) (param $mean i32) (param $dev i32)
    (param $blk i32) (param $B i32) (param $upper i32)
    (local $r i32) (local $j i32) (local $p i32) (local $t v128) (local $q i32)
    (local $stride i32) (local $a i32) (local $b i32) (local $pa i32) (local $s0 f64) (local $quads i32)
    ;; Rows of the scratch are B + 8 f64 apart: at exactly 8 KiB apart the d
    ;; stores of one row's values would all fall in the same L1 cache set.
    (local.set $stride (i32.shl (i32.add (local.get $B) (i32.const 8)) (i32.const 3)))
    ;; centre and transpose
    (local.set $p (local.get $x))
    (local.set $r (i32.const 0))
    (block $rows_done
      (loop $row
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $j (i32.const 0))
        ;; $q: address of blk[j*B + r]
        (local.set $q (i32.add (local.get $blk) (i32.shl (local.get $r) (i32.const 3))))
        (block $pairs_done
          (loop $pair
            (br_if $pairs_done (i32.ge_u (i32.add (local.get $j) (i32.const 1)) (local.get $d)))
            (local.set $t (f64x2.sub
              (v128.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 3))))
              (v128.load (i32.add (local.get $mean) (i32.shl (local.get $j) (i32.const 3))))))
            (v128.store (i32.add (local.get $dev) (i32.shl (local.get $j) (i32.const 3)))
              (f64x2.add (v128.load (i32.add (local.get $dev) (i32.shl (local.get $j) (i32.const 3)))) (local.get $t)))
            (f64.store (local.get $q) (f64x2.extract_lane 0 (local.get $t)))
            (f64.store (i32.add (local.get $q) (local.get $stride)) (f64x2.extract_lane 1 (local.get $t)))
            (local.set $q (i32.add (local.get $q) (i32.shl (local.get $stride) (i32.const 1))))
            (local.set $j (i32.add (local.get $j) (i32.const 2)))
            (br $pair)))
        (if (i32.lt_u (local.get $j) (local.get $d))
          (then
            (local.set $s0 (f64.sub
              (f64.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 3))))
              (f64.load (i32.add (local.get $mean) (i32.shl (local.get $j) (i32.const 3))))))
            (f64.store (i32.add (local.get $dev) (i32.shl (local.get $j) (i32.const 3)))
              (f64.add (f64.load (i32.add (local.get $dev) (i32.shl (local.get $j) (i32.const 3)))) (local.get $s0)))
            (f64.store (local.get $q) (local.get $s0))))
        (local.set $p (i32.add (local.get $p) (i32.shl (local.get $d) (i32.const 3))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row)))
    ;; Dot products. rows & ~3 (in bytes): the part done four rows at a time.
    (local.set $quads (i32.shl (i32.and (local.get $rows) (i32.const -4)) (i32.const 3)))
    (local.set $a (i32.const 0))
    (block $a_done
      (loop $a_loop
        (br_if $a_done (i32.ge_u (local.get $a) (local.get $d)))
        (local.set $pa (i32.add (local.get $blk) (i32.mul (local.get $a) (local.get $stride))))
        (local.set $b (local.get $a))
        ;; four columns b..b+3 at a time share the loads of column a
        (block $b4_done
          (loop $b4_loop
            (br_if $b4_done (i32.gt_u (i32.add (local.get $b) (i32.const 4)) (local.get $d)))
            (call $dots4 (local.get $pa) (i32.add (local.get $blk) (i32.mul (local.get $b) (local.get $stride)))
              (local.get $stride) (local.get $rows) (local.get $quads)
              (i32.add (local.get $upper) (i32.shl (i32.add (i32.mul (local.get $a) (local.get $d)) (local.get $b)) (i32.const 3))))
            (local.set $b (i32.add (local.get $b) (i32.const 4)))
            (br $b4_loop)))
        (block $b_done
          (loop $b_loop
            (br_if $b_done (i32.ge_u (local.get $b) (local.get $d)))
            (call $dots1 (local.get $pa) (i32.add (local.get $blk) (i32.mul (local.get $b) (local.get $stride)))
              (local.get $rows) (local.get $quads)
              (i32.add (local.get $upper) (i32.shl (i32.add (i32.mul (local.get $a) (local.get $d)) (local.get $b)) (i32.const 3))))
            (local.set $b (i32.add (local.get $b) (i32.const 1)))
            (br $b_loop)))
        (local.set $a (i32.add (local.get $a) (i32.const 1)))
        (br $a_loop))))

  ;; *$u += the dot product of the $rows f64 at $pa and at $pb, as four
  ;; partial sums (rows mod 4) with the tail rows added to the first:
  ;; (s0 + s1) + (s2 + s3). $quads: bytes of the part done four at a time.
  (func $dots1 (param $pa i32) (param $pb i32) (param $rows i32) (param $quads i32) (param $u i32)
    (local $r i32) (local $acc01 v128) (local $acc23 v128)
    (block $quads_done
      (loop $quad
        (br_if $quads_done (i32.ge_u (local.get $r) (local.get $quads)))
        (local.set $acc01 (f64x2.add (local.get $acc01)
          (f64x2.mul (v128.load (i32.add (local.get $pa) (local.get $r)))
                     (v128.load (i32.add (local.get $pb) (local.get $r))))))
        (local.set $acc23 (f64x2.add (local.get $acc23)
          (f64x2.mul (v128.load offset=16 (i32.add (local.get $pa) (local.get $r)))
                     (v128.load offset=16 (i32.add (local.get $pb) (local.get $r))))))
        (local.set $r (i32.add (local.get $r) (i32.const 32)))
        (br $quad)))
    (call $finish (local.get $pa) (local.get $pb) (local.get $r) (local.get $rows) (local.get $acc01) (local.get $acc23) (local.get $u)))

  ;; $dots1 for four columns at once: $pb, $pb + $stride, ... into $u, $u + 8, ...
  ;; (each pair keeps its own accumulators, so the results are those of $dots1).
  (func $dots4 (param $pa i32) (param $pb i32) (param $stride i32) (param $rows i32) (param $quads i32) (param $u i32)
    (local $r i32) (local $x01 v128) (local $x23 v128)
    (local $a01 v128) (local $a23 v128) (local $b01 v128) (local $b23 v128)
    (local $c01 v128) (local $c23 v128) (local $d01 v128) (local $d23 v128)
    (local $p1 i32) (local $p2 i32) (local $p3 i32)
    (local.set $p1 (i32.add (local.get $pb) (local.get $stride)))
    (local.set $p2 (i32.add (local.get $p1) (local.get $stride)))
    (local.set $p3 (i32.add (local.get $p2) (local.get $stride)))
    (block $quads_done
      (loop $quad
        (br_if $quads_done (i32.ge_u (local.get $r) (local.get $quads)))
        (local.set $x01 (v128.load (i32.add (local.get $pa) (local.get $r))))
        (local.set $x23 (v128.load offset=16 (i32.add (local.get $pa) (local.get $r))))
        (local.set $a01 (f64x2.add (local.get $a01) (f64x2.mul (local.get $x01) (v128.load (i32.add (local.get $pb) (local.get $r))))))
        (local.set $a23 (f64x2.add (local.get $a23) (f64x2.mul (local.get $x23) (v128.load offset=16 (i32.add (local.get $pb) (local.get $r))))))
        (local.set $b01 (f64x2.add (local.get $b01) (f64x2.mul (local.get $x01) (v128.load (i32.add (local.get $p1) (local.get $r))))))
        (local.set $b23 (f64x2.add (local.get $b23) (f64x2.mul (local.get $x23) (v128.load offset=16 (i32.add (local.get $p1) (local.get $r))))))
        (local.set $c01 (f64x2.add (local.get $c01) (f64x2.mul (local.get $x01) (v128.load (i32.add (local.get $p2) (local.get $r))))))
        (local.set $c23 (f64x2.add (local.get $c23) (f64x2.mul (local.get $x23) (v128.load offset=16 (i32.add (local.get $p2) (local.get $r))))))
        (local.set $d01 (f64x2.add (local.get $d01) (f64x2.mul (local.get $x01) (v128.load (i32.add (local.get $p3) (local.get $r))))))
        (local.set $d23 (f64x2.add (local.get $d23) (f64x2.mul (local.get $x23) (v128.load offset=16 (i32.add (local.get $p3) (local.get $r))))))
        (local.set $r (i32.add (local.get $r) (i32.const 32)))
        (br $quad)))
    (call $finish (local.get $pa) (local.get $pb) (local.get $r) (local.get $rows) (local.get $a01) (local.get $a23) (local.get $u))
    (call $finish (local.get $pa) (local.get $p1) (local.get $r) (local.get $rows) (local.get $b01) (local.get $b23) (i32.add (local.get $u) (i32.const 8)))
    (call $finish (local.get $pa) (local.get $p2) (local.get $r) (local.get $rows) (local.get $c01) (local.get $c23) (i32.add (local.get $u) (i32.const 16)))
    (call $finish (local.get $pa) (local.get $p3) (local.get $r) (local.get $rows) (local.get $d01) (local.get $d23) (i32.add (local.get $u) (i32.const 24))))

  ;; The tail rows from byte $r on added to s0, then *$u += (s0 + s1) + (s2 + s3).
  (func $finish (param $pa i32) (param $pb i32) (param $r i32) (param $rows i32) (param $acc01 v128) (param $acc23 v128) (param $u i32)
    (local $s0 f64) (local $end i32)
    (local.set $s0 (f64x2.extract_lane 0 (local.get $acc01)))
    (local.set $end (i32.shl (local.get $rows) (i32.const 3)))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $r) (local.get $end)))
        (local.set $s0 (f64.add (local.get $s0)
          (f64.mul (f64.load (i32.add (local.get $pa) (local.get $r)))
                   (f64.load (i32.add (local.get $pb) (local.get $r))))))
        (local.set $r (i32.add (local.get $r) (i32.const 8)))
        (br $tail)))
    (f64.store (local.get $u)
      (f64.add (f64.load (local.get $u))
        (f64.add
          (f64.add (local.get $s0) (f64x2.extract_lane 1 (local.get $acc01)))
          (f64.add (f64x2.extract_lane 0 (local.get $acc23)) (f64x2.extract_lane 1 (local.get $acc23)))))))

;; Scores of rows x[0..rows) on k components: out[r*k + c]. $wt holds the
  ;; components transposed, d rows of kp = k rounded up to a multiple of 4
  ;; f64, the pad columns zero; components are taken four at a time (two
  ;; vectors), so each centred value is computed and splatted once per group.
  ;; Returns the sum of (s - s) over all lanes, pad lanes included: 0 when
  ;; every score is finite; NaN when one is not (or when a pad lane met a
  ;; non-finite centred value, which a real lane met too).
  (func (export "project")
    (param $x i32) (param $rows i32) (param $d i32) (param $mean i32) (param $wt i32) (param $k i32) (param $out i32)
    (result f64)
    (local $end i32) (local $c i32) (local $j i32) (local $w i32) (local $t v128)
    (local $acc0 v128) (local $acc1 v128) (local $chk v128)
    (local $kp8 i32) (local $row_bytes i32) (local $left i32)
    (local.set $end (i32.add (local.get $x) (i32.shl (i32.mul (local.get $rows) (local.get $d)) (i32.const 3))))
    (local.set $kp8 (i32.shl (i32.and (i32.add (local.get $k) (i32.const 3)) (i32.const -4)) (i32.const 3)))
    (local.set $row_bytes (i32.shl (local.get $d) (i32.const 3)))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $c (i32.const 0))
        (block $comps_done
          (loop $comp
            (br_if $comps_done (i32.ge_u (local.get $c) (local.get $k)))
            (local.set $acc0 (v128.const f64x2 0 0))
            (local.set $acc1 (v128.const f64x2 0 0))
            (local.set $w (i32.add (local.get $wt) (i32.shl (local.get $c) (i32.const 3))))
            (local.set $j (i32.const 0))
            (block $j_done
              (loop $jl
                (br_if $j_done (i32.ge_u (local.get $j) (local.get $row_bytes)))
                (local.set $t (f64x2.splat (f64.sub
                  (f64.load (i32.add (local.get $x) (local.get $j)))
                  (f64.load (i32.add (local.get $mean) (local.get $j))))))
                (local.set $acc0 (f64x2.add (local.get $acc0) (f64x2.mul (local.get $t) (v128.load (local.get $w)))))
                (local.set $acc1 (f64x2.add (local.get $acc1) (f64x2.mul (local.get $t) (v128.load offset=16 (local.get $w)))))
                (local.set $w (i32.add (local.get $w) (local.get $kp8)))
                (local.set $j (i32.add (local.get $j) (i32.const 8)))
                (br $jl)))
            (local.set $chk (f64x2.add (local.get $chk)
              (f64x2.add (f64x2.sub (local.get $acc0) (local.get $acc0)) (f64x2.sub (local.get $acc1) (local.get $acc1)))))
            ;; store the lanes of real components only
            (local.set $left (i32.sub (local.get $k) (local.get $c)))
            (if (i32.ge_u (local.get $left) (i32.const 2))
              (then
                (v128.store (local.get $out) (local.get $acc0))
                (if (i32.ge_u (local.get $left) (i32.const 4))
                  (then (v128.store offset=16 (local.get $out) (local.get $acc1)))
                  (else (if (i32.eq (local.get $left) (i32.const 3))
                    (then (f64.store offset=16 (local.get $out) (f64x2.extract_lane 0 (local.get $acc1))))))))
              (else (f64.store (local.get $out) (f64x2.extract_lane 0 (local.get $acc0)))))
            (if (i32.gt_u (local.get $left) (i32.const 4)) (then (local.set $left (i32.const 4))))
            (local.set $out (i32.add (local.get $out) (i32.shl (local.get $left) (i32.const 3))))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $comp)))
        (local.set $x (i32.add (local.get $x) (local.get $row_bytes)))
        (br $row)))
    (f64.add (f64x2.extract_lane 0 (local.get $chk)) (f64x2.extract_lane 1 (local.get $chk))))
;; StandardScaler passes (same rule: the operations of the scalar loops in
  ;; standardScaler.ts, in their order). For each pass, row by row, two
  ;; columns per vector, an odd last column alone.

  ;; acc[j] += x; mn[j] = x < mn[j] ? x : mn[j]; mx[j] = x > mx[j] ? x : mx[j]
  ;; (pmin / pmax are exactly these selects: NaN and -0 leave them unchanged).
  (func (export "sums_min_max") (param $x i32) (param $rows i32) (param $d i32) (param $acc i32) (param $mn i32) (param $mx i32)
    (local $end i32) (local $pairs_end i32) (local $j i32) (local $v v128) (local $a i32) (local $s f64) (local $t f64)
    (local.set $end (i32.add (local.get $x) (i32.shl (i32.mul (local.get $rows) (local.get $d)) (i32.const 3))))
    (local.set $pairs_end (i32.shl (i32.and (local.get $d) (i32.const -2)) (i32.const 3)))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $j (i32.const 0))
        (block $pairs_done
          (loop $pair
            (br_if $pairs_done (i32.ge_u (local.get $j) (local.get $pairs_end)))
            (local.set $v (v128.load (i32.add (local.get $x) (local.get $j))))
            (local.set $a (i32.add (local.get $acc) (local.get $j)))
            (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $v)))
            (local.set $a (i32.add (local.get $mn) (local.get $j)))
            (v128.store (local.get $a) (f64x2.pmin (v128.load (local.get $a)) (local.get $v)))
            (local.set $a (i32.add (local.get $mx) (local.get $j)))
            (v128.store (local.get $a) (f64x2.pmax (v128.load (local.get $a)) (local.get $v)))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $pair)))
        (if (i32.and (local.get $d) (i32.const 1))
          (then
            (local.set $s (f64.load (i32.add (local.get $x) (local.get $j))))
            (local.set $a (i32.add (local.get $acc) (local.get $j)))
            (f64.store (local.get $a) (f64.add (f64.load (local.get $a)) (local.get $s)))
            (local.set $a (i32.add (local.get $mn) (local.get $j)))
            (local.set $t (f64.load (local.get $a)))
            (f64.store (local.get $a) (select (local.get $s) (local.get $t) (f64.lt (local.get $s) (local.get $t))))
            (local.set $a (i32.add (local.get $mx) (local.get $j)))
            (local.set $t (f64.load (local.get $a)))
            (f64.store (local.get $a) (select (local.get $s) (local.get $t) (f64.gt (local.get $s) (local.get $t))))))
        (local.set $x (i32.add (local.get $x) (i32.shl (local.get $d) (i32.const 3))))
        (br $row))))

  ;; t = x - mean[j]; dev[j] += t; sq[j] += t * t
  (func (export "deviations") (param $x i32) (param $rows i32) (param $d i32) (param $mean i32) (param $dev i32) (param $sq i32)
    (local $end i32) (local $pairs_end i32) (local $j i32) (local $t v128) (local $a i32) (local $s f64)
    (local.set $end (i32.add (local.get $x) (i32.shl (i32.mul (local.get $rows) (local.get $d)) (i32.const 3))))
    (local.set $pairs_end (i32.shl (i32.and (local.get $d) (i32.const -2)) (i32.const 3)))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $j (i32.const 0))
        (block $pairs_done
          (loop $pair
            (br_if $pairs_done (i32.ge_u (local.get $j) (local.get $pairs_end)))
            (local.set $t (f64x2.sub (v128.load (i32.add (local.get $x) (local.get $j)))
                                     (v128.load (i32.add (local.get $mean) (local.get $j)))))
            (local.set $a (i32.add (local.get $dev) (local.get $j)))
            (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $t)))
            (local.set $a (i32.add (local.get $sq) (local.get $j)))
            (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (f64x2.mul (local.get $t) (local.get $t))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $pair)))
        (if (i32.and (local.get $d) (i32.const 1))
          (then
            (local.set $s (f64.sub (f64.load (i32.add (local.get $x) (local.get $j)))
                                   (f64.load (i32.add (local.get $mean) (local.get $j)))))
            (local.set $a (i32.add (local.get $dev) (local.get $j)))
            (f64.store (local.get $a) (f64.add (f64.load (local.get $a)) (local.get $s)))
            (local.set $a (i32.add (local.get $sq) (local.get $j)))
            (f64.store (local.get $a) (f64.add (f64.load (local.get $a)) (f64.mul (local.get $s) (local.get $s))))))
        (local.set $x (i32.add (local.get $x) (i32.shl (local.get $d) (i32.const 3))))
        (br $row))))

  ;; x = (x - mean[j]) / scale[j], in place. Returns the sum of (v - v) over
  ;; the results: 0 when all are finite, NaN otherwise.
  (func (export "standardise") (param $x i32) (param $rows i32) (param $d i32) (param $mean i32) (param $scale i32) (result f64)
    (local $end i32) (local $pairs_end i32) (local $j i32) (local $p i32) (local $v v128) (local $s f64) (local $chk v128)
    (local.set $end (i32.add (local.get $x) (i32.shl (i32.mul (local.get $rows) (local.get $d)) (i32.const 3))))
    (local.set $pairs_end (i32.shl (i32.and (local.get $d) (i32.const -2)) (i32.const 3)))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $j (i32.const 0))
        (block $pairs_done
          (loop $pair
            (br_if $pairs_done (i32.ge_u (local.get $j) (local.get $pairs_end)))
            (local.set $p (i32.add (local.get $x) (local.get $j)))
            (local.set $v
              (f64x2.div
                (f64x2.sub (v128.load (local.get $p)) (v128.load (i32.add (local.get $mean) (local.get $j))))
                (v128.load (i32.add (local.get $scale) (local.get $j)))))
            (v128.store (local.get $p) (local.get $v))
            (local.set $chk (f64x2.add (local.get $chk) (f64x2.sub (local.get $v) (local.get $v))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $pair)))
        (if (i32.and (local.get $d) (i32.const 1))
          (then
            (local.set $p (i32.add (local.get $x) (local.get $j)))
            (local.set $s
              (f64.div
                (f64.sub (f64.load (local.get $p)) (f64.load (i32.add (local.get $mean) (local.get $j))))
                (f64.load (i32.add (local.get $scale) (local.get $j)))))
            (f64.store (local.get $p) (local.get $s))
            (local.set $chk (f64x2.add (local.get $chk) (f64x2.splat (f64.sub (local.get $s) (local.get $s)))))))
        (local.set $x (i32.add (local.get $x) (i32.shl (local.get $d) (i32.const 3))))
        (br $row)))
    (f64.add (f64x2.extract_lane 0 (local.get $chk)) (f64x2.extract_lane 1 (local.get $chk))))
)
