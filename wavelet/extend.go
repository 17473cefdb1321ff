package wavelet

// Signal extension (PyWavelets' convolution.c, steps 1, 3 and 4): values of the virtually extended
// signal x̃ outside [0, n). extendLeft writes dst[t-1] = x̃[-t] and extendRight dst[t-1] = x̃[n-1+t] for
// t = 1..len(dst). Values are computed with the same floating-point operations as PyWavelets, so the
// coefficients agree to the last bit where the summation order agrees too.

func mod(a, n int) int {
	r := a % n
	if r < 0 {
		r += n
	}
	return r
}

// symIndex maps any index onto [0, n) for the half-sample symmetric extension (period 2n), and reports
// whether the sample is mirrored (second half of the period).
func symIndex(i, n int) (int, bool) {
	m := mod(i, 2*n)
	if m < n {
		return m, false
	}
	return 2*n - 1 - m, true
}

// reflectIndex maps any index onto [0, n) for the whole-sample symmetric extension (period 2n-2, n>=2).
func reflectIndex(i, n int) int {
	m := mod(i, 2*n-2)
	if m < n {
		return m
	}
	return 2*n - 2 - m
}

func extendLeft[T Float](dst, x []T, m Mode) {
	n := len(x)
	if m == ModeSmooth && n < 2 {
		m = ModeConstant
	}
	switch m {
	case ModeZero:
		clear(dst)
	case ModeConstant:
		for i := range dst {
			dst[i] = x[0]
		}
	case ModeSmooth:
		d := x[0] - x[1]
		for i := range dst {
			dst[i] = x[0] + T(i+1)*d
		}
	case ModeSymmetric:
		for i := range dst {
			j, _ := symIndex(-(i + 1), n)
			dst[i] = x[j]
		}
	case ModeAntisymmetric:
		for i := range dst {
			j, mirrored := symIndex(-(i + 1), n)
			if mirrored {
				dst[i] = -x[j]
			} else {
				dst[i] = x[j]
			}
		}
	case ModeReflect:
		for i := range dst {
			dst[i] = x[reflectIndex(-(i+1), n)]
		}
	case ModePeriodic:
		for i := range dst {
			dst[i] = x[mod(-(i+1), n)]
		}
	case ModePeriodization:
		np := n + n%2 // odd signals are padded with a copy of x[n-1]
		for i := range dst {
			j := mod(-(i + 1), np)
			dst[i] = x[min(j, n-1)]
		}
	case ModeAntireflect:
		// Whole-sample antisymmetric about x[0], then about the new edge, and so on: each block of n-1
		// values restarts from the last value written ("le" in convolution.c).
		le := x[0]
		var tmp T
		t := 0
		for t < len(dst) {
			for k := 1; k < n && t < len(dst); k++ {
				tmp = le - (x[k] - x[0])
				dst[t] = tmp
				t++
			}
			le = tmp
			for k := 1; k < n && t < len(dst); k++ {
				tmp = le + (x[n-1-k] - x[n-1])
				dst[t] = tmp
				t++
			}
			le = tmp
		}
	}
}

func extendRight[T Float](dst, x []T, m Mode) {
	n := len(x)
	if m == ModeSmooth && n < 2 {
		m = ModeConstant
	}
	switch m {
	case ModeZero:
		clear(dst)
	case ModeConstant:
		for i := range dst {
			dst[i] = x[n-1]
		}
	case ModeSmooth:
		d := x[n-1] - x[n-2]
		for i := range dst {
			dst[i] = x[n-1] + T(i+1)*d
		}
	case ModeSymmetric:
		for i := range dst {
			j, _ := symIndex(n+i, n)
			dst[i] = x[j]
		}
	case ModeAntisymmetric:
		for i := range dst {
			j, mirrored := symIndex(n+i, n)
			if mirrored {
				dst[i] = -x[j]
			} else {
				dst[i] = x[j]
			}
		}
	case ModeReflect:
		for i := range dst {
			dst[i] = x[reflectIndex(n+i, n)]
		}
	case ModePeriodic:
		for i := range dst {
			dst[i] = x[mod(n+i, n)]
		}
	case ModePeriodization:
		np := n + n%2
		for i := range dst {
			j := mod(n+i, np)
			dst[i] = x[min(j, n-1)]
		}
	case ModeAntireflect:
		re := x[n-1]
		var tmp T
		t := 0
		for t < len(dst) {
			for k := 1; k < n && t < len(dst); k++ {
				tmp = re - (x[n-1-k] - x[n-1])
				dst[t] = tmp
				t++
			}
			re = tmp
			for k := 1; k < n && t < len(dst); k++ {
				tmp = re + (x[k] - x[0])
				dst[t] = tmp
				t++
			}
			re = tmp
		}
	}
}

// term is one summand w·x[idx] of an extended sample.
type term struct {
	idx int
	w   float64
}

// extTerms expresses the extended sample x̃[pos] (pos outside [0, n)) as a linear combination of signal
// samples. Every mode is linear, so the adjoint of "extend" scatters the gradient of x̃[pos] back along
// these terms. The closed forms for smooth and antireflect follow from unrolling the recurrences above.
func extTerms(pos, n int, m Mode, buf []term) []term {
	buf = buf[:0]
	if m == ModeSmooth && n < 2 {
		m = ModeConstant
	}
	left := pos < 0
	switch m {
	case ModeZero:
	case ModeConstant:
		if left {
			buf = append(buf, term{0, 1})
		} else {
			buf = append(buf, term{n - 1, 1})
		}
	case ModeSmooth:
		if left {
			k := float64(-pos)
			buf = append(buf, term{0, 1 + k}, term{1, -k})
		} else {
			k := float64(pos - n + 1)
			buf = append(buf, term{n - 1, 1 + k}, term{n - 2, -k})
		}
	case ModeSymmetric:
		j, _ := symIndex(pos, n)
		buf = append(buf, term{j, 1})
	case ModeAntisymmetric:
		j, mirrored := symIndex(pos, n)
		if mirrored {
			buf = append(buf, term{j, -1})
		} else {
			buf = append(buf, term{j, 1})
		}
	case ModeReflect:
		buf = append(buf, term{reflectIndex(pos, n), 1})
	case ModePeriodic:
		buf = append(buf, term{mod(pos, n), 1})
	case ModePeriodization:
		buf = append(buf, term{min(mod(pos, n+n%2), n-1), 1})
	case ModeAntireflect:
		// Left, t = -pos = b(n-1)+k with k in [1, n-1]:
		//   b even: (b+2)x0 - b·x[n-1] - x[k];   b odd: (b+1)x0 - (b+1)x[n-1] + x[n-1-k].
		// Right, t = pos-(n-1), mirrored.
		var t int
		first, last := 0, n-1
		if left {
			t = -pos
		} else {
			t = pos - (n - 1)
			first, last = n-1, 0
		}
		b := (t - 1) / (n - 1)
		k := (t-1)%(n-1) + 1
		at := func(i int) int { // x[k] seen from the current edge
			if left {
				return i
			}
			return n - 1 - i
		}
		fb := float64(b)
		if b%2 == 0 {
			buf = append(buf, term{first, fb + 2}, term{last, -fb}, term{at(k), -1})
		} else {
			buf = append(buf, term{first, fb + 1}, term{last, -(fb + 1)}, term{at(n - 1 - k), 1})
		}
	}
	return buf
}
