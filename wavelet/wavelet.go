package wavelet

import (
	"fmt"
	"strings"
)

// bank is one generated filter-bank record (see filters_gen.go).
type bank struct {
	family, familyName         string
	orthogonal, biorthogonal   bool
	symmetry                   string
	vanishingPsi, vanishingPhi int
	decLo, decHi, recLo, recHi []float64
}

// Wavelet is a discrete wavelet's two-channel filter bank exactly as PyWavelets' pywt.Wavelet holds it:
// analysis (decomposition) low/high-pass filters DecLo, DecHi and synthesis (reconstruction) filters
// RecLo, RecHi, all of the same even length. The fields are copies; changing them does not affect
// other lookups.
type Wavelet struct {
	Name                string // PyWavelets name, e.g. "db4", "bior2.4"
	Family              string // short family name: haar, db, sym, coif, bior, rbio, dmey
	FamilyName          string // e.g. "Daubechies"
	Orthogonal          bool
	Biorthogonal        bool
	Symmetry            string // "asymmetric", "near symmetric" or "symmetric"
	VanishingMomentsPsi int    // 0 where PyWavelets reports None (dmey)
	VanishingMomentsPhi int
	DecLo, DecHi        []float64
	RecLo, RecHi        []float64
}

// NewWavelet looks a discrete wavelet up by its PyWavelets name.
func NewWavelet(name string) (*Wavelet, error) {
	b, ok := lookupBank(name)
	if !ok {
		return nil, unknownWavelet(name)
	}
	return &Wavelet{
		Name: name, Family: b.family, FamilyName: b.familyName,
		Orthogonal: b.orthogonal, Biorthogonal: b.biorthogonal, Symmetry: b.symmetry,
		VanishingMomentsPsi: b.vanishingPsi, VanishingMomentsPhi: b.vanishingPhi,
		DecLo: b.decLo, DecHi: b.decHi, RecLo: b.recLo, RecHi: b.recHi,
	}, nil
}

func unknownWavelet(name string) error {
	hint := ""
	for _, fam := range Families() {
		if strings.HasPrefix(name, fam) && name != fam {
			hint = fmt.Sprintf("; the %s family has %s", fam, strings.Join(familyMembers(fam), ", "))
			break
		}
	}
	return fmt.Errorf("wavelet: unknown discrete wavelet %q (expected a PyWavelets name such as \"db4\", \"sym8\", "+
		"\"coif3\", \"bior2.4\", \"rbio3.1\", \"haar\" or \"dmey\"%s)", name, hint)
}

// Wavelist returns the names of every discrete wavelet, in pywt.wavelist(kind='discrete') order.
func Wavelist() []string { return discreteNames() }

// Families returns the short names of the discrete families: haar, db, sym, coif, bior, rbio, dmey.
func Families() []string {
	return []string{"haar", "db", "sym", "coif", "bior", "rbio", "dmey"}
}

func familyMembers(fam string) []string {
	var out []string
	for _, n := range discreteNames() {
		b, _ := lookupBank(n)
		if b.family == fam {
			out = append(out, n)
		}
	}
	return out
}

// DecLen is the filter length (PyWavelets' dec_len; equal to rec_len for every discrete wavelet).
func (w *Wavelet) DecLen() int { return len(w.DecLo) }

// DwtMaxLevel is PyWavelets' dwt_max_level for a signal of n samples: floor(log2(n/(dec_len-1))), the
// deepest level at which at least one coefficient is free of boundary effects.
func (w *Wavelet) DwtMaxLevel(n int) int { return maxLevel(n, w.DecLen()) }

// filters holds one wavelet's filters converted to the working precision and pre-arranged for the
// convolution kernels.
type filters[T Float] struct {
	f, h         int     // filter length F and half length F/2
	anaLo, anaHi taps[T] // DecLo, DecHi reversed: analysis computes Σ_k anaLo[k]·x̃[2o+k]
	syn          synthesisTaps[T]
	recLo, recHi taps[T]          // RecLo, RecHi as stored (adjoint of the synthesis)
	adj          synthesisTaps[T] // halves of the reversed analysis filters (adjoint of the analysis)
}

func newFilters[T Float](w *Wavelet) *filters[T] {
	f := len(w.DecLo)
	fl := &filters[T]{f: f, h: f / 2}
	conv := func(src []float64) []T {
		out := make([]T, len(src))
		for i, v := range src {
			out[i] = T(v)
		}
		return out
	}
	decLoR, decHiR := reversed(conv(w.DecLo)), reversed(conv(w.DecHi))
	fl.anaLo, fl.anaHi = newTaps(decLoR), newTaps(decHiR)
	fl.recLo, fl.recHi = newTaps(conv(w.RecLo)), newTaps(conv(w.RecHi))
	fl.syn = newSynthesisTaps(conv(w.RecLo), conv(w.RecHi))
	fl.adj = newSynthesisTaps(decLoR, decHiR)
	return fl
}

func newSynthesisTaps[T Float](lo, hi []T) synthesisTaps[T] {
	le, lo2 := splitReversed(lo)
	he, ho := splitReversed(hi)
	return synthesisTaps[T]{loE: newTaps(le), loO: newTaps(lo2), hiE: newTaps(he), hiO: newTaps(ho)}
}

func reversed[T Float](s []T) []T {
	out := make([]T, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

// splitReversed returns (g[2(h-1-k)], g[2(h-1-k)+1]) for k = 0..h-1.
func splitReversed[T Float](g []T) (even, odd []T) {
	h := len(g) / 2
	even, odd = make([]T, h), make([]T, h)
	for k := 0; k < h; k++ {
		even[k] = g[2*(h-1-k)]
		odd[k] = g[2*(h-1-k)+1]
	}
	return even, odd
}

// scaled returns a copy of w with all four filters multiplied by s (PyWavelets'
// _rescale_wavelet_filterbank, used by SWT's norm option).
func (w *Wavelet) scaled(s float64) *Wavelet {
	c := *w
	mul := func(f []float64) []float64 {
		out := make([]float64, len(f))
		for i, v := range f {
			out[i] = v * s
		}
		return out
	}
	c.DecLo, c.DecHi, c.RecLo, c.RecHi = mul(w.DecLo), mul(w.DecHi), mul(w.RecLo), mul(w.RecHi)
	return &c
}
