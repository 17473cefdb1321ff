package wdno

import (
	"fmt"
	"math"
)

// Interpolation baselines of super-resolution: the coarse trajectory, whose point (k, j) is the fine
// point (s k, s j) (subsampling keeps frames and cells 0, s, 2s, ...), carried to the fine grid by a
// separable 1-D rule in the index coordinate i/s, applied along space and then along time. Past the last
// coarse point the rules hold the boundary value (cells beyond s (Nc - 1) when N is not s Nc - s + 1).
const (
	InterpNearest  = "nearest"  // the closest coarse point
	InterpBilinear = "bilinear" // piecewise linear in each axis
	InterpCubic    = "cubic"    // Keys' cubic convolution (a = -1/2, Catmull-Rom), exact for quadratics
)

// Interpolate carries a coarse state trajectory (fc x nc x ch) to frames x cells x ch, the coarse grid
// being the fine one subsampled by s = 2^m in both axes (fc = levelSize of frames, m times).
func Interpolate(kind string, coarse []float64, fc, nc, ch, frames, cells, s int) ([]float64, error) {
	switch kind {
	case InterpNearest, InterpBilinear, InterpCubic:
	default:
		return nil, fmt.Errorf("wdno: unknown interpolation %q (want nearest, bilinear or cubic)", kind)
	}
	if len(coarse) != fc*nc*ch || s < 1 || (frames-1)/s+1 > fc || (cells-1)/s+1 > nc {
		return nil, fmt.Errorf("wdno: interpolate %d values as %d x %d x %d by %d to %d x %d", len(coarse), fc, nc, ch, s, frames, cells)
	}
	mid := make([]float64, fc*cells*ch) // space first
	src, dst := make([]float64, nc), make([]float64, cells)
	for k := 0; k < fc; k++ {
		for c := 0; c < ch; c++ {
			for j := range src {
				src[j] = coarse[(k*nc+j)*ch+c]
			}
			interp1(kind, src, dst, s)
			for i, v := range dst {
				mid[(k*cells+i)*ch+c] = v
			}
		}
	}
	out := make([]float64, frames*cells*ch)
	src, dst = make([]float64, fc), make([]float64, frames)
	for i := 0; i < cells*ch; i++ {
		for k := range src {
			src[k] = mid[k*cells*ch+i]
		}
		interp1(kind, src, dst, s)
		for k, v := range dst {
			out[k*cells*ch+i] = v
		}
	}
	return out, nil
}

// interp1 fills dst[i] with src interpolated at i/s, indices clamped to src's range.
func interp1(kind string, src, dst []float64, s int) {
	n := len(src)
	at := func(j int) float64 { return src[min(max(j, 0), n-1)] }
	for i := range dst {
		x := float64(i) / float64(s)
		j := int(math.Floor(x))
		t := x - float64(j)
		switch kind {
		case InterpNearest:
			dst[i] = at(int(math.Floor(x + 0.5)))
		case InterpBilinear:
			dst[i] = (1-t)*at(j) + t*at(j+1)
		case InterpCubic:
			// Keys (1981) with a = -1/2: the Catmull-Rom weights of the four nearest samples.
			w0 := ((-0.5*t+1)*t - 0.5) * t
			w1 := (1.5*t-2.5)*t*t + 1
			w2 := ((-1.5*t+2)*t + 0.5) * t
			w3 := (0.5*t - 0.5) * t * t
			dst[i] = w0*at(j-1) + w1*at(j) + w2*at(j+1) + w3*at(j+2)
		}
	}
}
