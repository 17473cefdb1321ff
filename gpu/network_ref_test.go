package gpu

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/trajdiff/trajdiff/diffusion"
)

// refMLP evaluates an MLP on the host in float64 (a diffusion.Network), the reference of the device tests.
// The time embedding's argument is rounded to float32 as nn's float32 kernels (and net_input_f32) round it:
// a Fourier argument 2 pi f t of a few thousand radians carries that rounding into the features, and it is
// part of the network's definition at float32, not an error of the device.
type refMLP struct {
	m    *MLP
	cond []float32 // nil: keep = 0
	rows []float32 // per-point conditions (point b reads row b), instead of cond
	w    float64   // classifier-free guidance weight (0: none): out_c + (w-1)(out_c - out_u)
}

func (r refMLP) Dim() int { return r.m.Dim }

func (r refMLP) Predict(dst, x []float64, t float64) error {
	return r.forward(dst, x, 1, t)
}

// forward writes F(xs x, t) into dst, guided when r.w > 0.
func (r refMLP) forward(dst, x []float64, xs, t float64) error {
	if err := r.pass(dst, x, xs, t, true); err != nil || r.w == 0 {
		return err
	}
	u := make([]float64, len(x))
	if err := r.pass(u, x, xs, t, false); err != nil {
		return err
	}
	for i, c := range dst {
		dst[i] = c + (r.w-1)*(c-u[i])
	}
	return nil
}

// pass writes F(xs x, t) into dst, with the condition(s) or without (keep = 0).
func (r refMLP) pass(dst, x []float64, xs, t float64, withCond bool) error {
	m := r.m
	if len(x)%m.Dim != 0 || len(dst) != len(x) {
		return fmt.Errorf("refMLP: %d values", len(x))
	}
	for b := 0; b < len(x)/m.Dim; b++ {
		var cond []float32
		switch {
		case !withCond:
		case r.rows != nil:
			cond = r.rows[b*m.CondDim : (b+1)*m.CondDim]
		default:
			cond = r.cond
		}
		h := refInput(m, x[b*m.Dim:(b+1)*m.Dim], xs, t, cond)
		for i, w := range m.Weights {
			out := len(m.Biases[i])
			in := len(h)
			y := make([]float64, out)
			for o := 0; o < out; o++ {
				s := float64(m.Biases[i][o])
				for k := 0; k < in; k++ {
					s += float64(w[o*in+k]) * h[k]
				}
				if i < len(m.Weights)-1 {
					s = refAct(m.Act, s)
				}
				y[o] = s
			}
			h = y
		}
		copy(dst[b*m.Dim:], h)
	}
	return nil
}

// refInput is one point's [xs x | emb(t) | cond or 0].
func refInput(m *MLP, x []float64, xs, t float64, cond []float32) []float64 {
	h := make([]float64, 0, m.InputWidth())
	for _, v := range x {
		h = append(h, xs*v)
	}
	half := m.TimeDim / 2
	emb := make([]float64, m.TimeDim)
	tf := float32(t)
	c := math.Log(10000) / float64(half-1)
	for i := 0; i < half; i++ {
		if m.Freqs != nil {
			arg := float64(tf * (m.Freqs[i] * float32(2*math.Pi)))
			emb[i], emb[half+i] = math.Cos(arg), math.Sin(arg)
		} else {
			arg := float64(tf * float32(math.Exp(float64(float32(i)*float32(-c)))))
			emb[i], emb[half+i] = math.Sin(arg), math.Cos(arg)
		}
	}
	h = append(h, emb...)
	for j := 0; j < m.CondDim; j++ {
		v := 0.0
		if cond != nil {
			v = float64(cond[j])
		}
		h = append(h, v)
	}
	return h
}

func refAct(a Activation, x float64) float64 {
	switch a {
	case ActMish:
		return x * math.Tanh(math.Log1p(math.Exp(x)))
	case ActSiLU:
		return x / (1 + math.Exp(-x))
	case ActGELU:
		return 0.5 * x * (1 + math.Erf(x/math.Sqrt2))
	case ActReLU:
		return math.Max(x, 0)
	}
	return x
}

// randomMLP draws an MLP with PyTorch's default Linear initialisation (uniform in +-1/sqrt(in)), so that
// activations stay O(1) through the layers, and Fourier frequencies of scale 16 (nn's default) if fourier.
func randomMLP(seed uint64, dim, cond, timeDim int, hidden []int, act Activation, fourier bool) *MLP {
	rng := newRand(seed)
	m := &MLP{Dim: dim, CondDim: cond, TimeDim: timeDim, Act: act}
	if fourier {
		m.Freqs = make([]float32, timeDim/2)
		for i := range m.Freqs {
			m.Freqs[i] = float32(16 * rng.NormFloat64())
		}
	}
	in := m.InputWidth()
	for _, out := range append(append([]int(nil), hidden...), dim) {
		bound := 1 / math.Sqrt(float64(in))
		w := make([]float32, out*in)
		for i := range w {
			w[i] = float32(bound * (2*rng.Float64() - 1))
		}
		b := make([]float32, out)
		for i := range b {
			b[i] = float32(bound * (2*rng.Float64() - 1))
		}
		m.Weights, m.Biases = append(m.Weights, w), append(m.Biases, b)
		in = out
	}
	return m
}

// affineDenoiser is D(x, t) = p x + q F(s x, tau) on the host, Parameterization.Affine's form, which the
// device evaluates.
type affineDenoiser struct {
	net refMLP
	pz  Parameterization
}

func (a affineDenoiser) Dim() int { return a.net.Dim() }

func (a affineDenoiser) Denoise(dst, x []float64, t float64) error {
	s, tau, p, q, err := a.pz.Affine(t)
	if err != nil {
		return err
	}
	if err := a.net.forward(dst, x, s, tau); err != nil {
		return err
	}
	for i := range dst {
		dst[i] = p*x[i] + q*dst[i]
	}
	return nil
}

// TestAffineFormReproducesDiffusionDenoisers: the single form p x + q F(s x, tau) that the device evaluates
// equals diffusion.FromPrediction for every prediction kind and diffusion.EDMPrecond (with and without a
// process), at times across each process's range.
func TestAffineFormReproducesDiffusionDenoisers(t *testing.T) {
	net := refMLP{m: randomMLP(1, 5, 0, 8, []int{12}, ActMish, true)}
	x := make([]float64, 3*5)
	rng := newRand(2)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	type pair struct {
		name string
		cpu  diffusion.Denoiser
		pz   Parameterization
	}
	var cases []pair
	for _, pn := range []string{"vp-cosine", "vp-linear", "edm", "flow"} {
		p, err := diffusion.NewProcess(pn)
		if err != nil {
			t.Fatal(err)
		}
		for k := diffusion.PredX0; k <= diffusion.PredVelocity; k++ {
			cases = append(cases, pair{pn + "/" + k.String(), diffusion.FromPrediction(net, k, p), Parameterization{Prediction: k, Process: p}})
		}
	}
	edm, _ := diffusion.NewProcess("edm")
	vp, _ := diffusion.NewProcess("vp-linear")
	cases = append(cases,
		pair{"edm-precond", &diffusion.EDMPrecond{Net: net, SigmaData: 0.5}, Parameterization{SigmaData: 0.5}},
		pair{"edm-precond/vp-linear", &diffusion.EDMPrecond{Net: net, SigmaData: 0.5, Process: vp}, Parameterization{SigmaData: 0.5, Process: vp}})
	want, got := make([]float64, len(x)), make([]float64, len(x))
	for _, c := range cases {
		proc := c.pz.Process
		if proc == nil {
			proc = edm
		}
		for _, u := range []float64{0.05, 0.3, 0.7, 0.95} {
			tt := proc.TMin() + u*(proc.TMax()-proc.TMin())
			if err := c.cpu.Denoise(want, x, tt); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if err := (affineDenoiser{net, c.pz}).Denoise(got, x, tt); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			for i := range want {
				if d := math.Abs(got[i] - want[i]); d > 1e-12*math.Max(1, math.Abs(want[i])) {
					t.Fatalf("%s at t = %v: %v, diffusion gives %v", c.name, tt, got[i], want[i])
				}
			}
		}
	}
}

// TestBadNetworksAreRefused: malformed networks and parameterizations give errors naming the problem.
func TestBadNetworksAreRefused(t *testing.T) {
	good := func() *MLP { return randomMLP(3, 4, 2, 8, []int{6, 6}, ActSiLU, false) }
	if err := good().Validate(); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		edit func(m *MLP)
		want string
	}{
		"odd time width":   {func(m *MLP) { m.TimeDim = 7 }, "time embedding width"},
		"one layer":        {func(m *MLP) { m.Weights, m.Biases = m.Weights[:1], m.Biases[:1] }, "at least two layers"},
		"wrong weight":     {func(m *MLP) { m.Weights[1] = m.Weights[1][1:] }, "layer 1"},
		"wrong output":     {func(m *MLP) { m.Dim = 3 }, "layer 0"},
		"frequency count":  {func(m *MLP) { m.Freqs = []float32{1} }, "frequencies"},
		"activation":       {func(m *MLP) { m.Act = 9 }, "activation"},
		"non-finite bias":  {func(m *MLP) { m.Biases[2][0] = float32(math.NaN()) }, "layer 2 bias"},
		"missing bias":     {func(m *MLP) { m.Biases = m.Biases[:2] }, "biases"},
		"negative cond":    {func(m *MLP) { m.CondDim = -1 }, "condition"},
		"infinite weight":  {func(m *MLP) { m.Weights[0][3] = float32(math.Inf(1)) }, "layer 0 weight"},
		"zero-width layer": {func(m *MLP) { m.Biases[0] = nil }, "layer 0"},
	} {
		m := good()
		c.edit(m)
		err := m.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", name, err, c.want)
		}
	}
	if err := (Parameterization{Prediction: diffusion.PredEps}).Validate(); err == nil {
		t.Error("an eps parameterization without a process was accepted")
	}
	if err := (Parameterization{SigmaData: -1}).Validate(); err == nil {
		t.Error("a negative sigma_data was accepted")
	}
	if _, err := ParseActivation("tanh"); err == nil {
		t.Error("an unknown activation was accepted")
	}
	if a, err := ParseActivation(""); err != nil || a != ActMish {
		t.Errorf(`ParseActivation("") = %v, %v; nn's default is mish`, a, err)
	}
}

// TestConv1dShapeFollowsPyTorch: OutLength is PyTorch's formula (TemporalUnet's same-length kernel 5 with
// padding 2, its stride-2 downsampling, dilation), and impossible shapes are refused.
func TestConv1dShapeFollowsPyTorch(t *testing.T) {
	for _, c := range []struct {
		shape Conv1dShape
		want  int
	}{
		{Conv1dShape{Batch: 1, Length: 32, In: 1, Out: 1, Kernel: 5, Stride: 1, Padding: 2, Dilation: 1}, 32},
		{Conv1dShape{Batch: 1, Length: 32, In: 1, Out: 1, Kernel: 3, Stride: 2, Padding: 1, Dilation: 1}, 16},
		{Conv1dShape{Batch: 1, Length: 21, In: 1, Out: 1, Kernel: 3, Stride: 1, Padding: 0, Dilation: 2}, 17},
		{Conv1dShape{Batch: 1, Length: 7, In: 1, Out: 1, Kernel: 2, Stride: 3, Padding: 0, Dilation: 1}, 2},
	} {
		if err := c.shape.Validate(); err != nil {
			t.Fatal(err)
		}
		if got := c.shape.OutLength(); got != c.want {
			t.Errorf("%+v: OutLength %d, want %d", c.shape, got, c.want)
		}
	}
	for _, bad := range []Conv1dShape{
		{Batch: 1, Length: 2, In: 1, Out: 1, Kernel: 5, Stride: 1, Dilation: 1},
		{Batch: 1, Length: 8, In: 1, Out: 1, Kernel: 3, Stride: 0, Dilation: 1},
		{Batch: 1, Length: 8, In: 0, Out: 1, Kernel: 3, Stride: 1, Dilation: 1},
		{Batch: 1, Length: 8, In: 1, Out: 1, Kernel: 3, Stride: 1, Dilation: 1, Padding: -1},
		{Batch: 1, Length: 8, In: 1, Out: 1, Kernel: 3, Stride: 2, Dilation: 1, OutPadding: 1},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%+v was accepted", bad)
		}
	}
	// ConvTranspose1d: TemporalUnet's upsampling doubles the length; output padding extends it.
	up := Conv1dShape{Batch: 1, Length: 16, In: 1, Out: 1, Kernel: 4, Stride: 2, Padding: 1, Dilation: 1}
	if err := up.ValidateTransposed(); err != nil || up.TransposedLength() != 32 {
		t.Errorf("upsampling of 16: length %d, %v; want 32", up.TransposedLength(), err)
	}
	up.OutPadding = 1
	if up.TransposedLength() != 33 || up.ValidateTransposed() != nil {
		t.Errorf("output padding 1: length %d, want 33", up.TransposedLength())
	}
	up.OutPadding = 2
	if up.ValidateTransposed() == nil {
		t.Error("output padding 2 with stride 2 was accepted")
	}
}

// TestTemporalUnetValidateNamesTheProblem: a TemporalUnet with exactly its tensors validates; a missing,
// extra, mis-sized or non-finite tensor, a first multiplier other than 1 and widths not divisible into the
// groups are refused.
func TestTemporalUnetValidateNamesTheProblem(t *testing.T) {
	good := func() *TemporalUnet {
		u := &TemporalUnet{Horizon: 8, Transition: 2, Dim: 8, Kernel: 5, Groups: 4, DimMults: []int{1, 2}, Tensors: map[string][]float32{}}
		for name, shape := range u.tensorShapes() {
			n := 1
			for _, s := range shape {
				n *= s
			}
			u.Tensors[name] = make([]float32, n)
		}
		return u
	}
	if err := good().Validate(); err != nil {
		t.Fatal(err)
	}
	if n := len(good().Tensors); n != 100 {
		t.Errorf("a two-resolution TemporalUnet has %d tensors, want 100 (nn's state_dict, ExampleMLP in gpu/fromnn)", n)
	}
	for name, c := range map[string]struct {
		edit func(u *TemporalUnet)
		want string
	}{
		"missing":     {func(u *TemporalUnet) { delete(u.Tensors, "mid_block1.blocks.0.block.0.weight") }, "mid_block1.blocks.0.block.0.weight"},
		"extra":       {func(u *TemporalUnet) { u.Tensors["cond_mlp.0.weight"] = []float32{1} }, "cond_mlp.0.weight"},
		"size":        {func(u *TemporalUnet) { u.Tensors["final_conv.1.bias"] = []float32{1} }, "final_conv.1.bias"},
		"nan":         {func(u *TemporalUnet) { u.Tensors["time_mlp.1.bias"][0] = float32(math.NaN()) }, "time_mlp.1.bias"},
		"first mult":  {func(u *TemporalUnet) { u.DimMults = []int{2, 2} }, "first must be 1"},
		"groups":      {func(u *TemporalUnet) { u.Groups = 3 }, "groups"},
		"even kernel": {func(u *TemporalUnet) { u.Kernel = 4 }, "odd kernel"},
	} {
		u := good()
		c.edit(u)
		if err := u.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", name, err, c.want)
		}
	}
}

// A predictor's condition options are checked before anything is allocated: one shared row or one row per
// point of the batch it is sized for, never both, without NaN (an infinite value, a finite host value beyond
// float32's range, passes as it does in nn's float32 predictor), and guidance only with a condition to guide
// towards and a finite weight >= 0.
func TestPredictorConditionsAreChecked(t *testing.T) {
	const condDim, points = 2, 3
	rows := []float32{1, 2, 3, 4, 5, 6}
	for name, c := range map[string]struct {
		opt  PredictorOptions
		want string
	}{
		"both":              {PredictorOptions{Cond: []float32{1, 2}, PointConds: rows}, "both"},
		"short row":         {PredictorOptions{Cond: []float32{1}}, "condition of 1"},
		"rows for 2 points": {PredictorOptions{PointConds: rows[:4]}, "want 6"},
		"nan row":           {PredictorOptions{PointConds: []float32{1, 2, 3, float32(math.NaN()), 5, 6}}, "NaN"},
		"guidance alone":    {PredictorOptions{Guidance: 1.5}, "without a condition"},
		"negative guidance": {PredictorOptions{Cond: []float32{1, 2}, Guidance: -1}, "guidance weight"},
		"inf guidance":      {PredictorOptions{Cond: []float32{1, 2}, Guidance: math.Inf(1)}, "guidance weight"},
	} {
		if _, _, err := c.opt.condition(condDim, points); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", name, err, c.want)
		}
	}
	if _, _, err := (PredictorOptions{Cond: []float32{1, float32(math.Inf(-1))}}).condition(condDim, points); err != nil {
		t.Errorf("an infinite condition was refused: %v", err)
	}
	if _, _, err := (PredictorOptions{Cond: []float32{1, 2}}).condition(0, points); err == nil {
		t.Error("a condition for an unconditional network was accepted")
	}
	v, stride, err := PredictorOptions{PointConds: rows, Guidance: 2}.condition(condDim, points)
	if err != nil || stride != condDim || len(v) != len(rows) || &v[0] == &rows[0] {
		t.Errorf("per-point rows: %v, stride %d, %v; want a copy of the 6 values and stride 2", v, stride, err)
	}
	v, stride, err = PredictorOptions{Cond: rows[:2]}.condition(condDim, points)
	if err != nil || stride != 0 || len(v) != 2 {
		t.Errorf("shared row: %v, stride %d, %v; want 2 values and stride 0", v, stride, err)
	}
	if v, _, err := (PredictorOptions{}).condition(condDim, points); v != nil || err != nil {
		t.Errorf("no condition: %v, %v", v, err)
	}
}
