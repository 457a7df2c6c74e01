;; Lloyd assignment step (k-means) in WebAssembly SIMD (f64x2).
;;
;; Data layout, prepared by lloydWasm.ts:
;;   X  row-major f64[n*d] as given, followed by one row of padding: rows are
;;      taken in pairs (2p, 2p+1) and an odd last row is paired with the
;;      padding row, whose results are never written.
;;   C  splatted centroids: coordinate j of centroid c is [c_j, c_j] at byte
;;      c*d*16 + j*16, so one vector op serves both rows of a pair.
;;   labels i32[n], dist2 f64[n]: written per row.
;;   partials: one record per block of BLOCK_ROWS rows:
;;      sums f64[k*d] | counts f64[k] | inertia f64 | pad to 16 |
;;      scratch f64x2[k + d], padded to 128 bytes; the partials region itself
;;      starts 128-aligned.
;;
;; The kernel works on two rows at once, one per lane: coordinate j of the
;; pair is the vector [x(2p, j), x(2p+1, j)], gathered from the two rows. Why
;; two rows per vector rather than two coordinates per vector: each lane
;; then computes one row's distance exactly as the scalar loop does
;;   s = 0; for j: t = x_j - c_j; s = s + t*t
;; (wasm has no fused multiply-add, so the lane results are bit-identical to
;; that loop), there is no horizontal add, and any d works the same way.
;;
;; Determinism: a block's partial record depends only on the block's rows
;; (accumulated in row order), never on which thread ran it; the caller adds
;; the records up in block order.

(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; Rows per block: the unit of work sharing and of the fixed-order reduction.
  (global (export "block_rows") i32 (i32.const 4096))

  ;; Byte offset, within a block's partial record, of its scratch: the record
  ;; starts with k*d sums, k counts and the inertia (f64), rounded up to 16
  ;; bytes so the f64x2 scratch is aligned. Only this part is zeroed per block.
  (func $scratch_offset (param $d i32) (param $k i32) (result i32)
    (i32.and
      (i32.add
        (i32.shl
          (i32.add (i32.mul (local.get $k) (i32.add (local.get $d) (i32.const 1))) (i32.const 1))
          (i32.const 3))
        (i32.const 15))
      (i32.const -16)))

  ;; Bytes of one block's partial record: results, then the scratch where
  ;; $block_d8 keeps one pair's k distances and $block_any the pair's d
  ;; gathered coordinate vectors. Each block has its own, so threads running
  ;; different blocks never share scratch. Rounded up to 128
  ;; bytes (two cache lines, the unit the adjacent-line prefetcher pulls) so
  ;; that two threads updating neighbouring records do not contend for a line.
  (func $partial_bytes (export "partial_bytes") (param $d i32) (param $k i32) (result i32)
    (i32.and
      (i32.add
        (i32.add (call $scratch_offset (local.get $d) (local.get $k))
          (i32.shl (i32.add (local.get $k) (local.get $d)) (i32.const 4)))
        (i32.const 127))
      (i32.const -128)))

  ;; Runs block $b of the whole problem: rows [b*4096, min(n, (b+1)*4096)).
  ;; Pointers are the bases of the whole arrays; $generic = 1 forces the
  ;; any-d code even when a specialised one exists (for testing that both
  ;; agree bit for bit). A block past the end does nothing.
  (func (export "lloyd_block")
    (param $x i32) (param $c i32) (param $part i32) (param $lab i32) (param $dist i32)
    (param $n i32) (param $d i32) (param $k i32) (param $b i32) (param $generic i32)
    (local $r0 i32) (local $rows i32)
    (local.set $r0 (i32.mul (local.get $b) (i32.const 4096)))
    (if (i32.ge_u (local.get $r0) (local.get $n)) (then (return)))
    (local.set $rows (i32.sub (local.get $n) (local.get $r0)))
    (if (i32.gt_u (local.get $rows) (i32.const 4096)) (then (local.set $rows (i32.const 4096))))
    (local.set $x (i32.add (local.get $x) (i32.shl (i32.mul (local.get $r0) (local.get $d)) (i32.const 3))))
    (local.set $part (i32.add (local.get $part)
      (i32.mul (local.get $b) (call $partial_bytes (local.get $d) (local.get $k)))))
    (local.set $lab (i32.add (local.get $lab) (i32.shl (local.get $r0) (i32.const 2))))
    (local.set $dist (i32.add (local.get $dist) (i32.shl (local.get $r0) (i32.const 3))))
    (if (i32.and (i32.eq (local.get $d) (i32.const 8)) (i32.eqz (local.get $generic)))
      (then
        (call $block_d8 (local.get $x) (local.get $c) (local.get $k) (local.get $rows)
          (local.get $lab) (local.get $dist) (local.get $part))
        (return)))
    (if (i32.and (i32.eq (local.get $d) (i32.const 4)) (i32.eqz (local.get $generic)))
      (then
        (call $block_d4 (local.get $x) (local.get $c) (local.get $k) (local.get $rows)
          (local.get $lab) (local.get $dist) (local.get $part))
        (return)))
    (call $block_any (local.get $x) (local.get $c) (local.get $k) (local.get $d) (local.get $rows)
      (local.get $lab) (local.get $dist) (local.get $part)))

  ;; Any d >= 1, k >= 1. $x, $lab, $dist, $part are already offset to the block.
  ;; Each pair's coordinates are first gathered into the scratch as d vectors
  ;; [x(r, j), x(r+1, j)] ($g), which the centroid loop and the sums read.
  (func $block_any
    (param $x i32) (param $c i32) (param $k i32) (param $d i32) (param $rows i32)
    (param $lab i32) (param $dist i32) (param $part i32)
    (local $g i32)
    (local $stride i32) (local $stride2 i32) (local $d8 i32) (local $cnt i32) (local $cend i32)
    (local $cp i32) (local $q i32)
    (local $r i32) (local $l i32) (local $sp i32) (local $a i32)
    (local $acc v128) (local $t v128) (local $best v128) (local $bl v128) (local $ci v128)
    (local $dv f64) (local $inertia f64)

    (local.set $stride (i32.shl (local.get $d) (i32.const 4)))
    (local.set $stride2 (i32.and (local.get $stride) (i32.const -32)))
    (local.set $d8 (i32.shl (local.get $d) (i32.const 3)))
    (local.set $cnt (i32.add (local.get $part) (i32.mul (local.get $k) (local.get $d8))))
    (local.set $cend (i32.add (local.get $c) (i32.mul (local.get $k) (local.get $stride))))
    (local.set $g (i32.add (i32.add (local.get $part) (call $scratch_offset (local.get $d) (local.get $k)))
      (i32.shl (local.get $k) (i32.const 4))))
    (memory.fill (local.get $part) (i32.const 0) (call $scratch_offset (local.get $d) (local.get $k)))

    (block $done
      (loop $pairs
        (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))

        ;; Gather: row r is at $x, row r+1 (or the padding row) at $x + d*8.
        (local.set $q (i32.const 0))
        (loop $gather
          (local.set $a (i32.add (local.get $g) (i32.shl (local.get $q) (i32.const 1))))
          (f64.store (local.get $a) (f64.load (i32.add (local.get $x) (local.get $q))))
          (f64.store offset=8 (local.get $a)
            (f64.load (i32.add (i32.add (local.get $x) (local.get $d8)) (local.get $q))))
          (local.set $q (i32.add (local.get $q) (i32.const 8)))
          (br_if $gather (i32.lt_u (local.get $q) (local.get $d8))))

        ;; Distances of both rows to every centroid; keep the first minimum.
        (local.set $cp (local.get $c))
        (local.set $ci (v128.const i64x2 0 0))
        (loop $cents
          ;; Two coordinates per iteration (same order of adds), then the odd one.
          (local.set $acc (v128.const f64x2 0 0))
          (local.set $q (i32.const 0))
          (block $dims_done
            (loop $dims
              (br_if $dims_done (i32.ge_u (local.get $q) (local.get $stride2)))
              (local.set $t (f64x2.sub
                (v128.load (i32.add (local.get $g) (local.get $q)))
                (v128.load (i32.add (local.get $cp) (local.get $q)))))
              (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul (local.get $t) (local.get $t))))
              (local.set $t (f64x2.sub
                (v128.load offset=16 (i32.add (local.get $g) (local.get $q)))
                (v128.load offset=16 (i32.add (local.get $cp) (local.get $q)))))
              (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul (local.get $t) (local.get $t))))
              (local.set $q (i32.add (local.get $q) (i32.const 32)))
              (br $dims)))
          (if (i32.lt_u (local.get $q) (local.get $stride))
            (then
              (local.set $t (f64x2.sub
                (v128.load (i32.add (local.get $g) (local.get $q)))
                (v128.load (i32.add (local.get $cp) (local.get $q)))))
              (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul (local.get $t) (local.get $t))))))
          (if (i32.eq (local.get $cp) (local.get $c))
            (then
              (local.set $best (local.get $acc))
              (local.set $bl (v128.const i64x2 0 0)))
            (else
              ;; Labels only grow with the centroid index, so "take ci where
              ;; acc < best" is max(label, mask & ci). Strict < keeps the
              ;; lower index on a tie; pmin(best, acc) is acc < best ? acc : best.
              (local.set $bl (i32x4.max_u (local.get $bl)
                (v128.and (f64x2.lt (local.get $acc) (local.get $best)) (local.get $ci))))
              (local.set $best (f64x2.pmin (local.get $best) (local.get $acc)))))
          (local.set $ci (i64x2.add (local.get $ci) (v128.const i64x2 1 1)))
          (local.set $cp (i32.add (local.get $cp) (local.get $stride)))
          (br_if $cents (i32.lt_u (local.get $cp) (local.get $cend))))

        ;; Row r (lane 0).
        (local.set $l (i32x4.extract_lane 0 (local.get $bl)))
        (local.set $dv (f64x2.extract_lane 0 (local.get $best)))
        (i32.store (i32.add (local.get $lab) (i32.shl (local.get $r) (i32.const 2))) (local.get $l))
        (f64.store (i32.add (local.get $dist) (i32.shl (local.get $r) (i32.const 3))) (local.get $dv))
        (local.set $inertia (f64.add (local.get $inertia) (local.get $dv)))
        (local.set $a (i32.add (local.get $cnt) (i32.shl (local.get $l) (i32.const 3))))
        (f64.store (local.get $a) (f64.add (f64.load (local.get $a)) (f64.const 1)))
        (local.set $sp (i32.add (local.get $part) (i32.mul (local.get $l) (local.get $d8))))
        (local.set $q (i32.const 0))
        (loop $sum0
          (local.set $a (i32.add (local.get $sp) (local.get $q)))
          (f64.store (local.get $a) (f64.add (f64.load (local.get $a))
            (f64.load (i32.add (local.get $g) (i32.shl (local.get $q) (i32.const 1))))))
          (local.set $q (i32.add (local.get $q) (i32.const 8)))
          (br_if $sum0 (i32.lt_u (local.get $q) (local.get $d8))))

        ;; Row r+1 (lane 1), unless r is the padded last row of an odd block.
        (if (i32.lt_u (i32.add (local.get $r) (i32.const 1)) (local.get $rows))
          (then
            (local.set $l (i32x4.extract_lane 2 (local.get $bl)))
            (local.set $dv (f64x2.extract_lane 1 (local.get $best)))
            (i32.store offset=4 (i32.add (local.get $lab) (i32.shl (local.get $r) (i32.const 2))) (local.get $l))
            (f64.store offset=8 (i32.add (local.get $dist) (i32.shl (local.get $r) (i32.const 3))) (local.get $dv))
            (local.set $inertia (f64.add (local.get $inertia) (local.get $dv)))
            (local.set $a (i32.add (local.get $cnt) (i32.shl (local.get $l) (i32.const 3))))
            (f64.store (local.get $a) (f64.add (f64.load (local.get $a)) (f64.const 1)))
            (local.set $sp (i32.add (local.get $part) (i32.mul (local.get $l) (local.get $d8))))
            (local.set $q (i32.const 0))
            (loop $sum1
              (local.set $a (i32.add (local.get $sp) (local.get $q)))
              (f64.store (local.get $a) (f64.add (f64.load (local.get $a))
                (f64.load offset=8 (i32.add (local.get $g) (i32.shl (local.get $q) (i32.const 1))))))
              (local.set $q (i32.add (local.get $q) (i32.const 8)))
              (br_if $sum1 (i32.lt_u (local.get $q) (local.get $d8))))))

        (local.set $x (i32.add (local.get $x) (local.get $stride)))
        (local.set $r (i32.add (local.get $r) (i32.const 2)))
        (br $pairs)))

    (f64.store (i32.add (local.get $cnt) (i32.shl (local.get $k) (i32.const 3))) (local.get $inertia)))

  ;; k-means++ seeding, one candidate: for each of the n rows (row-major, d
  ;; coordinates, at $x) the squared distance to the row at $p, summed over
  ;; the coordinates in index order as the Lloyd code does (so the same
  ;; bits), then the smaller of it and $closest[i] into $out[i]. Returns the
  ;; sum of the $out values, added in row order. For even d, two rows at a
  ;; time, one per lane (as the Lloyd code): the row after the last (the
  ;; padding row) may be computed, so $closest and $out have n + 1 entries;
  ;; only n are summed.
  (func (export "seed_trial")
    (param $x i32) (param $p i32) (param $closest i32) (param $out i32) (param $n i32) (param $d i32)
    (result f64)
    (local $i i32) (local $j i32) (local $d8 i32)
    (local $s f64) (local $t f64) (local $c f64) (local $sum f64)
    (local $acc v128) (local $tv v128) (local $u v128) (local $w v128)
    (local.set $d8 (i32.shl (local.get $d) (i32.const 3)))
    (if (i32.eqz (i32.and (local.get $d) (i32.const 1)))
      (then
        (block $pdone
          (loop $pairs
            (br_if $pdone (i32.ge_u (local.get $i) (local.get $n)))
            ;; Coordinates j, j+1 of rows i ($u) and i+1 ($w), regrouped per coordinate.
            (local.set $u (v128.load (local.get $x)))
            (local.set $w (v128.load (i32.add (local.get $x) (local.get $d8))))
            (local.set $acc (f64x2.mul
              (local.tee $tv (f64x2.sub
                (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $u) (local.get $w))
                (v128.load64_splat (local.get $p))))
              (local.get $tv)))
            (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul
              (local.tee $tv (f64x2.sub
                (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $u) (local.get $w))
                (v128.load64_splat offset=8 (local.get $p))))
              (local.get $tv))))
            (local.set $j (i32.const 16))
            (block $ddone
              (loop $dims
                (br_if $ddone (i32.ge_u (local.get $j) (local.get $d8)))
                (local.set $u (v128.load (i32.add (local.get $x) (local.get $j))))
                (local.set $w (v128.load (i32.add (i32.add (local.get $x) (local.get $d8)) (local.get $j))))
                (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul
                  (local.tee $tv (f64x2.sub
                    (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $u) (local.get $w))
                    (v128.load64_splat (i32.add (local.get $p) (local.get $j)))))
                  (local.get $tv))))
                (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul
                  (local.tee $tv (f64x2.sub
                    (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $u) (local.get $w))
                    (v128.load64_splat offset=8 (i32.add (local.get $p) (local.get $j)))))
                  (local.get $tv))))
                (local.set $j (i32.add (local.get $j) (i32.const 16)))
                (br $dims)))
            ;; pmin(c, s) is s < c ? s : c, per lane.
            (local.set $acc (f64x2.pmin (v128.load (local.get $closest)) (local.get $acc)))
            (v128.store (local.get $out) (local.get $acc))
            (local.set $sum (f64.add (local.get $sum) (f64x2.extract_lane 0 (local.get $acc))))
            (if (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $n))
              (then (local.set $sum (f64.add (local.get $sum) (f64x2.extract_lane 1 (local.get $acc))))))
            (local.set $x (i32.add (local.get $x) (i32.shl (local.get $d8) (i32.const 1))))
            (local.set $closest (i32.add (local.get $closest) (i32.const 16)))
            (local.set $out (i32.add (local.get $out) (i32.const 16)))
            (local.set $i (i32.add (local.get $i) (i32.const 2)))
            (br $pairs)))
        (return (local.get $sum))))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $s (f64.const 0))
        (local.set $j (i32.const 0))
        (loop $dims
          (local.set $t (f64.sub
            (f64.load (i32.add (local.get $x) (local.get $j)))
            (f64.load (i32.add (local.get $p) (local.get $j)))))
          (local.set $s (f64.add (local.get $s) (f64.mul (local.get $t) (local.get $t))))
          (local.set $j (i32.add (local.get $j) (i32.const 8)))
          (br_if $dims (i32.lt_u (local.get $j) (local.get $d8))))
        (local.set $c (f64.load (local.get $closest)))
        (local.set $s (select (local.get $s) (local.get $c) (f64.lt (local.get $s) (local.get $c))))
        (f64.store (local.get $out) (local.get $s))
        (local.set $sum (f64.add (local.get $sum) (local.get $s)))
        (local.set $x (i32.add (local.get $x) (local.get $d8)))
        (local.set $closest (i32.add (local.get $closest) (i32.const 8)))
        (local.set $out (i32.add (local.get $out) (i32.const 8)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows)))
    (local.get $sum))

  ;; Running sums of $src[0..n) into $dst, added in order; returns the total.
  (func (export "cumsum") (param $src i32) (param $dst i32) (param $n i32) (result f64)
    (local $sum f64) (local $end i32)
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $n) (i32.const 3))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
        (local.set $sum (f64.add (local.get $sum) (f64.load (local.get $src))))
        (f64.store (local.get $dst) (local.get $sum))
        (local.set $src (i32.add (local.get $src) (i32.const 8)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 8)))
        (br $next)))
    (local.get $sum))

  ;; Silhouette sums: out[i*kc + c] = sum over the rows j of group c, in
  ;; order, of the Euclidean distance between rows i and j, for the n rows
  ;; (row-major, d coordinates, d even, at $x, with one padding row after
  ;; them). The rows are grouped by cluster: group c is rows starts[c] to
  ;; starts[c+1] - 1 (i32 at $starts). A row's distance to itself is 0 and
  ;; adds nothing, so it needs no test. Two rows i, i+1 at a time, one per
  ;; lane, their coordinates gathered into $scr (d f64x2); every distance is
  ;; summed over the coordinates in index order from 0 and each sum is added
  ;; up in group order, so the results are those of the plain loops. out has
  ;; n + 1 rows (the padding row's are written and meaningless). The square
  ;; roots bound the speed (keeping a d = 4 pair in registers measured no
  ;; faster).
  (func (export "silhouette_sums")
    (param $x i32) (param $n i32) (param $d i32) (param $starts i32) (param $kc i32)
    (param $out i32) (param $scr i32)
    (local $i i32) (local $c i32) (local $j i32) (local $jend i32) (local $t i32)
    (local $d8 i32) (local $xi i32) (local $xj i32) (local $o i32)
    (local $acc v128) (local $s v128) (local $tv v128)
    (local.set $d8 (i32.shl (local.get $d) (i32.const 3)))
    (block $idone
      (loop $rows
        (br_if $idone (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $xi (i32.add (local.get $x) (i32.mul (local.get $i) (local.get $d8))))
        (local.set $t (i32.const 0))
        (loop $gather
          (v128.store (i32.add (local.get $scr) (i32.shl (local.get $t) (i32.const 1)))
            (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
              (v128.load64_splat (i32.add (local.get $xi) (local.get $t)))
              (v128.load64_splat (i32.add (i32.add (local.get $xi) (local.get $d8)) (local.get $t)))))
          (local.set $t (i32.add (local.get $t) (i32.const 8)))
          (br_if $gather (i32.lt_u (local.get $t) (local.get $d8))))
        (local.set $o (i32.add (local.get $out) (i32.shl (i32.mul (local.get $i) (local.get $kc)) (i32.const 3))))
        (local.set $c (i32.const 0))
        (block $cdone
          (loop $groups
            (br_if $cdone (i32.ge_u (local.get $c) (local.get $kc)))
            (local.set $j (i32.load (i32.add (local.get $starts) (i32.shl (local.get $c) (i32.const 2)))))
            (local.set $jend (i32.load offset=4 (i32.add (local.get $starts) (i32.shl (local.get $c) (i32.const 2)))))
            (local.set $xj (i32.add (local.get $x) (i32.mul (local.get $j) (local.get $d8))))
            (local.set $acc (v128.const f64x2 0 0))
            (block $jdone
              (loop $others
                (br_if $jdone (i32.ge_u (local.get $j) (local.get $jend)))
                (local.set $s (f64x2.mul
                  (local.tee $tv (f64x2.sub (v128.load (local.get $scr)) (v128.load64_splat (local.get $xj))))
                  (local.get $tv)))
                (local.set $s (f64x2.add (local.get $s) (f64x2.mul
                  (local.tee $tv (f64x2.sub (v128.load offset=16 (local.get $scr)) (v128.load64_splat offset=8 (local.get $xj))))
                  (local.get $tv))))
                (local.set $t (i32.const 16))
                (block $tdone
                  (loop $coords
                    (br_if $tdone (i32.ge_u (local.get $t) (local.get $d8)))
                    (local.set $s (f64x2.add (local.get $s) (f64x2.mul
                      (local.tee $tv (f64x2.sub
                        (v128.load (i32.add (local.get $scr) (i32.shl (local.get $t) (i32.const 1))))
                        (v128.load64_splat (i32.add (local.get $xj) (local.get $t)))))
                      (local.get $tv))))
                    (local.set $s (f64x2.add (local.get $s) (f64x2.mul
                      (local.tee $tv (f64x2.sub
                        (v128.load offset=16 (i32.add (local.get $scr) (i32.shl (local.get $t) (i32.const 1))))
                        (v128.load64_splat offset=8 (i32.add (local.get $xj) (local.get $t)))))
                      (local.get $tv))))
                    (local.set $t (i32.add (local.get $t) (i32.const 16)))
                    (br $coords)))
                (local.set $acc (f64x2.add (local.get $acc) (f64x2.sqrt (local.get $s))))
                (local.set $xj (i32.add (local.get $xj) (local.get $d8)))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $others)))
            (f64.store (i32.add (local.get $o) (i32.shl (local.get $c) (i32.const 3))) (f64x2.extract_lane 0 (local.get $acc)))
            (f64.store (i32.add (i32.add (local.get $o) (i32.shl (local.get $kc) (i32.const 3))) (i32.shl (local.get $c) (i32.const 3)))
              (f64x2.extract_lane 1 (local.get $acc)))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $groups)))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $rows))))

  ;; d = 8, k >= 1: the pair's eight coordinate vectors stay in registers
  ;; while it is compared with all k centroids, and the sums are added two
  ;; coordinates per instruction. Same arithmetic in the same order as
  ;; $block_any, so the same bits.
  ;;
  ;; Why two loops per pair (distances to a scratch row, then the argmin over
  ;; it) instead of one: with the eight coordinates in registers, V8 has too
  ;; few vector registers left and spills the running minimum and label to
  ;; the stack, so every centroid then waits on a store-to-load round trip.
  ;; Split, neither loop spills; measured about 20% faster at k = 8.
  (func $block_d8
    (param $x i32) (param $c i32) (param $k i32) (param $rows i32)
    (param $lab i32) (param $dist i32) (param $part i32)
    (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $x3 v128)
    (local $x4 v128) (local $x5 v128) (local $x6 v128) (local $x7 v128)
    (local $acc v128) (local $t v128) (local $best v128) (local $bl v128) (local $ci v128)
    (local $u v128) (local $w v128)
    (local $cnt i32) (local $cend i32) (local $cp i32)
    (local $scr i32) (local $send i32) (local $sp i32)
    (local $r i32) (local $l i32) (local $a i32)
    (local $dv f64) (local $inertia f64)

    (local.set $cnt (i32.add (local.get $part) (i32.shl (local.get $k) (i32.const 6))))
    (local.set $cend (i32.add (local.get $c) (i32.shl (local.get $k) (i32.const 7))))
    (local.set $scr (i32.add (local.get $part) (call $scratch_offset (i32.const 8) (local.get $k))))
    (local.set $send (i32.add (local.get $scr) (i32.shl (local.get $k) (i32.const 4))))
    (memory.fill (local.get $part) (i32.const 0) (call $scratch_offset (i32.const 8) (local.get $k)))

    (block $done
      (loop $pairs
        (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
        ;; Row r is at $x, row r+1 (or the padding row) at $x + 64: pair up
        ;; their coordinates two at a time.
        (local.set $u (v128.load offset=0 (local.get $x)))
        (local.set $w (v128.load offset=64 (local.get $x)))
        (local.set $x0 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $u) (local.get $w)))
        (local.set $x1 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $u) (local.get $w)))
        (local.set $u (v128.load offset=16 (local.get $x)))
        (local.set $w (v128.load offset=80 (local.get $x)))
        (local.set $x2 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $u) (local.get $w)))
        (local.set $x3 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $u) (local.get $w)))
        (local.set $u (v128.load offset=32 (local.get $x)))
        (local.set $w (v128.load offset=96 (local.get $x)))
        (local.set $x4 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $u) (local.get $w)))
        (local.set $x5 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $u) (local.get $w)))
        (local.set $u (v128.load offset=48 (local.get $x)))
        (local.set $w (v128.load offset=112 (local.get $x)))
        (local.set $x6 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $u) (local.get $w)))
        (local.set $x7 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $u) (local.get $w)))

        ;; Squared distances of both rows to each centroid, into the scratch
        ;; row. The sum starts from +0 as in the scalar loop; 0 + t*t is t*t
        ;; exactly, so that first add is left out.
        (local.set $cp (local.get $c))
        (local.set $a (local.get $scr))
        (loop $cents
          (local.set $acc (f64x2.mul
            (local.tee $t (f64x2.sub (local.get $x0) (v128.load offset=0 (local.get $cp)))) (local.get $t)))
          (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul
            (local.tee $t (f64x2.sub (local.get $x1) (v128.load offset=16 (local.get $cp)))) (local.get $t))))
          (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul
            (local.tee $t (f64x2.sub (local.get $x2) (v128.load offset=32 (local.get $cp)))) (local.get $t))))
          (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul
            (local.tee $t (f64x2.sub (local.get $x3) (v128.load offset=48 (local.get $cp)))) (local.get $t))))
          (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul
            (local.tee $t (f64x2.sub (local.get $x4) (v128.load offset=64 (local.get $cp)))) (local.get $t))))
          (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul
            (local.tee $t (f64x2.sub (local.get $x5) (v128.load offset=80 (local.get $cp)))) (local.get $t))))
          (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul
            (local.tee $t (f64x2.sub (local.get $x6) (v128.load offset=96 (local.get $cp)))) (local.get $t))))
          (v128.store (local.get $a) (f64x2.add (local.get $acc) (f64x2.mul
            (local.tee $t (f64x2.sub (local.get $x7) (v128.load offset=112 (local.get $cp)))) (local.get $t))))
          (local.set $a (i32.add (local.get $a) (i32.const 16)))
          (local.set $cp (i32.add (local.get $cp) (i32.const 128)))
          (br_if $cents (i32.lt_u (local.get $cp) (local.get $cend))))

        ;; First minimum over the scratch row, per lane.
        (local.set $best (v128.load (local.get $scr)))
        (local.set $bl (v128.const i64x2 0 0))
        (local.set $ci (v128.const i64x2 0 0))
        (local.set $sp (i32.add (local.get $scr) (i32.const 16)))
        (block $adone
          (loop $amin
            (br_if $adone (i32.ge_u (local.get $sp) (local.get $send)))
            (local.set $acc (v128.load (local.get $sp)))
            (local.set $ci (i64x2.add (local.get $ci) (v128.const i64x2 1 1)))
            ;; Labels only grow with the centroid index, so "take ci where
            ;; acc < best" is max(label, mask & ci). Strict < keeps the lower
            ;; index on a tie; pmin(best, acc) is acc < best ? acc : best.
            (local.set $bl (i32x4.max_u (local.get $bl)
              (v128.and (f64x2.lt (local.get $acc) (local.get $best)) (local.get $ci))))
            (local.set $best (f64x2.pmin (local.get $best) (local.get $acc)))
            (local.set $sp (i32.add (local.get $sp) (i32.const 16)))
            (br $amin)))

        ;; Row r (lane 0). Its coordinates are contiguous at $x, so each sums
        ;; update adds two of them.
        (local.set $l (i32x4.extract_lane 0 (local.get $bl)))
        (local.set $dv (f64x2.extract_lane 0 (local.get $best)))
        (i32.store (i32.add (local.get $lab) (i32.shl (local.get $r) (i32.const 2))) (local.get $l))
        (f64.store (i32.add (local.get $dist) (i32.shl (local.get $r) (i32.const 3))) (local.get $dv))
        (local.set $inertia (f64.add (local.get $inertia) (local.get $dv)))
        (local.set $a (i32.add (local.get $cnt) (i32.shl (local.get $l) (i32.const 3))))
        (f64.store (local.get $a) (f64.add (f64.load (local.get $a)) (f64.const 1)))
        (local.set $a (i32.add (local.get $part) (i32.shl (local.get $l) (i32.const 6))))
        (v128.store offset=0 (local.get $a) (f64x2.add (v128.load offset=0 (local.get $a))
          (v128.load offset=0 (local.get $x))))
        (v128.store offset=16 (local.get $a) (f64x2.add (v128.load offset=16 (local.get $a))
          (v128.load offset=16 (local.get $x))))
        (v128.store offset=32 (local.get $a) (f64x2.add (v128.load offset=32 (local.get $a))
          (v128.load offset=32 (local.get $x))))
        (v128.store offset=48 (local.get $a) (f64x2.add (v128.load offset=48 (local.get $a))
          (v128.load offset=48 (local.get $x))))

        ;; Row r+1 (lane 1), unless r is the padded last row of an odd block.
        (if (i32.lt_u (i32.add (local.get $r) (i32.const 1)) (local.get $rows))
          (then
            (local.set $l (i32x4.extract_lane 2 (local.get $bl)))
            (local.set $dv (f64x2.extract_lane 1 (local.get $best)))
            (i32.store offset=4 (i32.add (local.get $lab) (i32.shl (local.get $r) (i32.const 2))) (local.get $l))
            (f64.store offset=8 (i32.add (local.get $dist) (i32.shl (local.get $r) (i32.const 3))) (local.get $dv))
            (local.set $inertia (f64.add (local.get $inertia) (local.get $dv)))
            (local.set $a (i32.add (local.get $cnt) (i32.shl (local.get $l) (i32.const 3))))
            (f64.store (local.get $a) (f64.add (f64.load (local.get $a)) (f64.const 1)))
            (local.set $a (i32.add (local.get $part) (i32.shl (local.get $l) (i32.const 6))))
            (v128.store offset=0 (local.get $a) (f64x2.add (v128.load offset=0 (local.get $a))
              (v128.load offset=64 (local.get $x))))
            (v128.store offset=16 (local.get $a) (f64x2.add (v128.load offset=16 (local.get $a))
              (v128.load offset=80 (local.get $x))))
            (v128.store offset=32 (local.get $a) (f64x2.add (v128.load offset=32 (local.get $a))
              (v128.load offset=96 (local.get $x))))
            (v128.store offset=48 (local.get $a) (f64x2.add (v128.load offset=48 (local.get $a))
              (v128.load offset=112 (local.get $x))))))

        (local.set $x (i32.add (local.get $x) (i32.const 128)))
        (local.set $r (i32.add (local.get $r) (i32.const 2)))
        (br $pairs)))

    (f64.store (i32.add (local.get $cnt) (i32.shl (local.get $k) (i32.const 3))) (local.get $inertia)))

  ;; d = 4, k >= 1: $block_d8 with four coordinate vectors (rows of 32 bytes,
  ;; centroids of 64). The caller pads d = 1..3 to 4 with zero coordinates,
  ;; which add exactly +0 to every distance and sum, so those get the same
  ;; bits as well. With only four vectors live, the distance and the running
  ;; minimum fit in registers together: one loop over the centroids.
  (func $block_d4
    (param $x i32) (param $c i32) (param $k i32) (param $rows i32)
    (param $lab i32) (param $dist i32) (param $part i32)
    (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $x3 v128)
    (local $acc v128) (local $t v128) (local $best v128) (local $bl v128) (local $ci v128)
    (local $u v128) (local $w v128)
    (local $cnt i32) (local $cend i32) (local $cp i32)
    (local $r i32) (local $l i32) (local $a i32)
    (local $dv f64) (local $inertia f64)

    (local.set $cnt (i32.add (local.get $part) (i32.shl (local.get $k) (i32.const 5))))
    (local.set $cend (i32.add (local.get $c) (i32.shl (local.get $k) (i32.const 6))))
    (memory.fill (local.get $part) (i32.const 0) (call $scratch_offset (i32.const 4) (local.get $k)))

    (block $done
      (loop $pairs
        (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
        ;; Row r is at $x, row r+1 (or the padding row) at $x + 32.
        (local.set $u (v128.load offset=0 (local.get $x)))
        (local.set $w (v128.load offset=32 (local.get $x)))
        (local.set $x0 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $u) (local.get $w)))
        (local.set $x1 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $u) (local.get $w)))
        (local.set $u (v128.load offset=16 (local.get $x)))
        (local.set $w (v128.load offset=48 (local.get $x)))
        (local.set $x2 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $u) (local.get $w)))
        (local.set $x3 (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $u) (local.get $w)))

        ;; Centroid 0 sets the minimum; 0 + t*t is t*t exactly, so the sum
        ;; starts from the first product as in $block_d8.
        (local.set $best (f64x2.mul
          (local.tee $t (f64x2.sub (local.get $x0) (v128.load offset=0 (local.get $c)))) (local.get $t)))
        (local.set $best (f64x2.add (local.get $best) (f64x2.mul
          (local.tee $t (f64x2.sub (local.get $x1) (v128.load offset=16 (local.get $c)))) (local.get $t))))
        (local.set $best (f64x2.add (local.get $best) (f64x2.mul
          (local.tee $t (f64x2.sub (local.get $x2) (v128.load offset=32 (local.get $c)))) (local.get $t))))
        (local.set $best (f64x2.add (local.get $best) (f64x2.mul
          (local.tee $t (f64x2.sub (local.get $x3) (v128.load offset=48 (local.get $c)))) (local.get $t))))
        (local.set $bl (v128.const i64x2 0 0))
        (local.set $ci (v128.const i64x2 0 0))
        (local.set $cp (i32.add (local.get $c) (i32.const 64)))
        (block $cdone
          (loop $cents
            (br_if $cdone (i32.ge_u (local.get $cp) (local.get $cend)))
            (local.set $acc (f64x2.mul
              (local.tee $t (f64x2.sub (local.get $x0) (v128.load offset=0 (local.get $cp)))) (local.get $t)))
            (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul
              (local.tee $t (f64x2.sub (local.get $x1) (v128.load offset=16 (local.get $cp)))) (local.get $t))))
            (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul
              (local.tee $t (f64x2.sub (local.get $x2) (v128.load offset=32 (local.get $cp)))) (local.get $t))))
            (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul
              (local.tee $t (f64x2.sub (local.get $x3) (v128.load offset=48 (local.get $cp)))) (local.get $t))))
            (local.set $ci (i64x2.add (local.get $ci) (v128.const i64x2 1 1)))
            ;; Strict < keeps the lower index on a tie (see $block_d8).
            (local.set $bl (i32x4.max_u (local.get $bl)
              (v128.and (f64x2.lt (local.get $acc) (local.get $best)) (local.get $ci))))
            (local.set $best (f64x2.pmin (local.get $best) (local.get $acc)))
            (local.set $cp (i32.add (local.get $cp) (i32.const 64)))
            (br $cents)))

        ;; Row r (lane 0).
        (local.set $l (i32x4.extract_lane 0 (local.get $bl)))
        (local.set $dv (f64x2.extract_lane 0 (local.get $best)))
        (i32.store (i32.add (local.get $lab) (i32.shl (local.get $r) (i32.const 2))) (local.get $l))
        (f64.store (i32.add (local.get $dist) (i32.shl (local.get $r) (i32.const 3))) (local.get $dv))
        (local.set $inertia (f64.add (local.get $inertia) (local.get $dv)))
        (local.set $a (i32.add (local.get $cnt) (i32.shl (local.get $l) (i32.const 3))))
        (f64.store (local.get $a) (f64.add (f64.load (local.get $a)) (f64.const 1)))
        (local.set $a (i32.add (local.get $part) (i32.shl (local.get $l) (i32.const 5))))
        (v128.store offset=0 (local.get $a) (f64x2.add (v128.load offset=0 (local.get $a))
          (v128.load offset=0 (local.get $x))))
        (v128.store offset=16 (local.get $a) (f64x2.add (v128.load offset=16 (local.get $a))
          (v128.load offset=16 (local.get $x))))

        ;; Row r+1 (lane 1), unless r is the padded last row of an odd block.
        (if (i32.lt_u (i32.add (local.get $r) (i32.const 1)) (local.get $rows))
          (then
            (local.set $l (i32x4.extract_lane 2 (local.get $bl)))
            (local.set $dv (f64x2.extract_lane 1 (local.get $best)))
            (i32.store offset=4 (i32.add (local.get $lab) (i32.shl (local.get $r) (i32.const 2))) (local.get $l))
            (f64.store offset=8 (i32.add (local.get $dist) (i32.shl (local.get $r) (i32.const 3))) (local.get $dv))
            (local.set $inertia (f64.add (local.get $inertia) (local.get $dv)))
            (local.set $a (i32.add (local.get $cnt) (i32.shl (local.get $l) (i32.const 3))))
            (f64.store (local.get $a) (f64.add (f64.load (local.get $a)) (f64.const 1)))
            (local.set $a (i32.add (local.get $part) (i32.shl (local.get $l) (i32.const 5))))
            (v128.store offset=0 (local.get $a) (f64x2.add (v128.load offset=0 (local.get $a))
              (v128.load offset=32 (local.get $x))))
            (v128.store offset=16 (local.get $a) (f64x2.add (v128.load offset=16 (local.get $a))
              (v128.load offset=48 (local.get $x))))))

        (local.set $x (i32.add (local.get $x) (i32.const 64)))
        (local.set $r (i32.add (local.get $r) (i32.const 2)))
        (br $pairs)))

    (f64.store (i32.add (local.get $cnt) (i32.shl (local.get $k) (i32.const 3))) (local.get $inertia)))
)
