package wavelet

import "fmt"

// Blocked N-D transforms. When every transformed axis lies after some leading axis (batched data such
// as [batch, channel, time, x] transformed over time and x), each index of the leading axes owns a
// contiguous block, and the whole separable transform of a block can run on one worker with its
// intermediate bands in small, cache-resident scratch buffers that are reused from block to block.
// This removes the full-size intermediate arrays of the axis-by-axis evaluation; the arithmetic, and
// therefore every result bit, is the same.

// maxBlockElems bounds the block size for which blocking pays (larger blocks are better served by the
// axis-parallel path).
const maxBlockElems = 1 << 20

// blockSplit returns the first transformed axis and the number of blocks before it, or ok=false when
// blocking does not apply.
func blockSplit(shape, axes []int, workers int) (a0, outer int, ok bool) {
	a0 = axes[0]
	for _, a := range axes {
		a0 = min(a0, a)
	}
	if a0 == 0 {
		return 0, 0, false
	}
	outer = 1
	for _, s := range shape[:a0] {
		outer *= s
	}
	block := 1
	for _, s := range shape[a0:] {
		block *= s
	}
	if outer < 2 || outer < workers || block > maxBlockElems {
		return 0, 0, false
	}
	return a0, outer, true
}

func prod(s []int) int {
	n := 1
	for _, v := range s {
		n *= v
	}
	return n
}

// blockScratch holds one worker's intermediate bands: level[i] has the 2^(i+1) (or 2^i) buffers of
// stage i.
type blockScratch[T Float] struct {
	ws    *workspace[T]
	level [][][]T
}

func (b *blockScratch[T]) buf(stage, idx, n int) []T {
	for len(b.level) <= stage {
		b.level = append(b.level, nil)
	}
	for len(b.level[stage]) <= idx {
		b.level[stage] = append(b.level[stage], nil)
	}
	return grow(&b.level[stage][idx], n)
}

// dwtnBlocked is dwtn evaluated block by block; ok is false when blocking does not apply.
func dwtnBlocked[T Float](x *Array[T], fl *filters[T], m Mode, axes []int, cfg config) (map[string]*Array[T], bool, error) {
	a0, outer, ok := blockSplit(x.Shape, axes, cfg.workers)
	if !ok || cfg.noBlock {
		return nil, false, nil
	}
	k := len(axes)
	shapes := [][]int{append([]int(nil), x.Shape[a0:]...)}
	geoms := make([]analysisGeom, k)
	for i, ax := range axes {
		s := shapes[i]
		if err := checkSignalLen(s[ax-a0], m); err != nil {
			return nil, true, fmt.Errorf("axis %d: %w", ax, err)
		}
		geoms[i] = newAnalysisGeom(s[ax-a0], fl.f, m)
		next := append([]int(nil), s...)
		next[ax-a0] = geoms[i].count
		shapes = append(shapes, next)
	}
	keys := bandKeys(k)
	bandShape := append(append([]int(nil), x.Shape[:a0]...), shapes[k]...)
	out := make([]*Array[T], len(keys))
	for i := range out {
		out[i] = Zeros[T](bandShape...)
	}
	inBlock, outBlock := prod(shapes[0]), prod(shapes[k])
	parallelFor(outer, cfg.workers, len(x.Data)*2*fl.f*k, func() *blockScratch[T] { return &blockScratch[T]{ws: &workspace[T]{}} },
		func(sc *blockScratch[T], lo, hi int) {
			cur := make([][]T, 0, len(keys))
			next := make([][]T, 0, len(keys))
			for o := lo; o < hi; o++ {
				cur = append(cur[:0], x.Data[o*inBlock:(o+1)*inBlock])
				for i, ax := range axes {
					next = next[:0]
					size := prod(shapes[i+1])
					for j, src := range cur {
						var da, dd []T
						if i == k-1 {
							da = out[2*j].Data[o*outBlock : (o+1)*outBlock]
							dd = out[2*j+1].Data[o*outBlock : (o+1)*outBlock]
						} else {
							da, dd = sc.buf(i, 2*j, size), sc.buf(i, 2*j+1, size)
						}
						dwtAxisRun(sc.ws, geoms[i], fl, src, shapes[i], ax-a0, da, dd, 0, axisItems(shapes[i], ax-a0))
						next = append(next, da, dd)
					}
					cur, next = next, cur
				}
			}
		})
	res := make(map[string]*Array[T], len(keys))
	for i, key := range keys {
		res[key] = out[i]
	}
	return res, true, nil
}

// idwtnBlocked is idwtn evaluated block by block; c holds validated, equally shaped bands (missing keys
// are zeros). ok is false when blocking does not apply.
func idwtnBlocked[T Float](c map[string]*Array[T], fl *filters[T], m Mode, axes []int, cfg config) (*Array[T], bool, error) {
	var shape []int
	for _, v := range c {
		shape = v.Shape
		break
	}
	a0, outer, ok := blockSplit(shape, axes, cfg.workers)
	if !ok || cfg.noBlock {
		return nil, false, nil
	}
	k := len(axes)
	// Stage i (from k-1 down to 0) merges keys of length i+1 along axes[i].
	inShapes := make([][]int, k+1)
	inShapes[k] = append([]int(nil), shape[a0:]...)
	geoms := make([]synthesisGeom, k)
	for i := k - 1; i >= 0; i-- {
		ax := axes[i] - a0
		s := inShapes[i+1]
		if err := checkCoeffLen(s[ax], fl.f, m); err != nil {
			return nil, true, fmt.Errorf("axis %d: %w", axes[i], err)
		}
		geoms[i] = newSynthesisGeom(s[ax], fl.f, m)
		next := append([]int(nil), s...)
		next[ax] = geoms[i].out
		inShapes[i] = next
	}
	outShape := append(append([]int(nil), shape[:a0]...), inShapes[0]...)
	out := Zeros[T](outShape...)
	keys := bandKeys(k)
	bands := make([]*Array[T], len(keys))
	for i, key := range keys {
		bands[i] = c[key]
	}
	inBlock, outBlock := prod(inShapes[k]), prod(inShapes[0])
	parallelFor(outer, cfg.workers, len(out.Data)*fl.f*k, func() *blockScratch[T] { return &blockScratch[T]{ws: &workspace[T]{}} },
		func(sc *blockScratch[T], lo, hi int) {
			cur := make([][]T, len(keys))
			next := make([][]T, len(keys))
			for o := lo; o < hi; o++ {
				cur = cur[:len(keys)]
				for i, b := range bands {
					cur[i] = nil
					if b != nil {
						cur[i] = b.Data[o*inBlock : (o+1)*inBlock]
					}
				}
				for i := k - 1; i >= 0; i-- {
					next = next[:len(cur)/2]
					ax := axes[i] - a0
					for j := range next {
						lo, hi := cur[2*j], cur[2*j+1]
						if lo == nil && hi == nil {
							next[j] = nil
							continue
						}
						var dst []T
						if i == 0 {
							dst = out.Data[o*outBlock : (o+1)*outBlock]
						} else {
							dst = sc.buf(i, j, prod(inShapes[i]))
						}
						idwtAxisRun(sc.ws, geoms[i], fl, lo, hi, inShapes[i+1], ax, dst, 0, axisItems(inShapes[i+1], ax))
						next[j] = dst
					}
					cur, next = next, cur
				}
			}
		})
	return out, true, nil
}
