// Command wdno_smoke_diag measures where the control energy of a WDNO (or physical-space) smoke control
// model sits, for docs/benchmarks.md ("WDNO smoke control: the controls were noise"):
//
//	-what data  the dataset's mean c^2 (in the control band outside [4, 28)^2 of the 32 grid and inside it),
//	            after the layout's encode and decode, per frame, and each channel's |value| in the model's
//	            normalised units (rms and quantiles over the nonzero entries) next to its scale;
//	-what gen   the same energies of the model's generated controls (cases 0..n-1 of -data), and for a
//	            wavelet model the mean c^2 of the control decoded from each of its own DWT bands alone;
//	-what guide what guidance changes (-through x0 or denoiser): for each weight of -weights, the samples of cases 0..n-1 (same seed
//	            and noise as weight 0): the relative RMS change of the generated controls and of the
//	            generated state against weight 0's, and the model's own mean s(T-1);
//	-what loss  the eps-prediction error of the checkpoint per channel (free entries) and per noise level,
//	            on n encoded trajectories with the training objective and inpainting.
//
// Usage: go run ./scripts/pde/wdno_smoke_diag -what gen -data valid.arrow -ckpt RUN -n 8 -guidance 0
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"

	"github.com/trajdiff/trajdiff/pde/wdno"
	"github.com/trajdiff/trajdiff/train"
)

// The control band of the 32 grid: cells with x or y outside [bandLo, bandHi) (pde/smoke's [16, 112)
// of the 128 grid); the simulator reads the control there only.
const bandLo, bandHi = 4, 28

func main() {
	what := flag.String("what", "data", "data, gen or loss")
	data := flag.String("data", "", "smoke fields dataset (.arrow)")
	ckpt := flag.String("ckpt", "", "the model's run or step directory (its layout and scales)")
	n := flag.Int("n", 100, "trajectories or cases")
	guidance := flag.Float64("guidance", 0, "guidance weight (gen)")
	steps := flag.Int("steps", 20, "sampling steps (gen, guide)")
	weights := flag.String("weights", "0,100,1000,1e4,1e5,1e6", "guidance weights (guide; the first is the reference)")
	through := flag.String("through", wdno.GuideX0, "where guidance takes its gradient (gen, guide): x0 or denoiser")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var ws []float64
	for _, f := range strings.Split(*weights, ",") {
		w, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil {
			log.Fatalf("-weights: %v", err)
		}
		ws = append(ws, w)
	}
	if err := run(ctx, *what, *data, *ckpt, *n, *guidance, *steps, ws, *through); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, what, path, ckpt string, n int, guidance float64, steps int, weights []float64, through string) error {
	d, err := wdno.OpenData(path)
	if err != nil {
		return err
	}
	defer d.Close()
	m, err := wdno.Load(ckpt, train.EMAWeights)
	if err != nil {
		return err
	}
	if !d.IsSmoke() || d.Grid[0] != 32 {
		return fmt.Errorf("%s: want smoke data stored at 32 x 32", path)
	}
	n = min(n, d.Len())
	switch what {
	case "data":
		return dataStats(d, m, n)
	case "gen":
		return genStats(ctx, d, m, n, guidance, steps, through)
	case "guide":
		return guideStats(ctx, d, m, n, weights, steps, through)
	case "loss":
		return lossStats(ctx, d, m, n)
	}
	return fmt.Errorf("-what %q: want data, gen, guide or loss", what)
}

// channelName names channel ch of the model's image.
func channelName(m *wdno.Model, ch int) string {
	if m.Layout.Config().Space == wdno.SpacePhysical {
		return []string{"density", "vx", "vy", "s", "cx", "cy"}[ch]
	}
	if ch < 40 {
		return []string{"density", "vx", "vy", "cx", "cy"}[ch/8] + "." + []string{"aaa", "aad", "ada", "add", "daa", "dad", "dda", "ddd"}[ch%8]
	}
	return []string{"d0", "s"}[ch-40]
}

// energy is the mean c^2 of a control (Frames x 32 x 32 x 2) over all cells, the band and the interior.
func energy(f []float64) (all, band, inner float64) {
	const g = 32
	var nb, ni float64
	for i := 0; i < len(f); i += 2 {
		x, y := i/2/g%g, i/2%g
		e := f[i]*f[i] + f[i+1]*f[i+1]
		all += e
		if x < bandLo || x >= bandHi || y < bandLo || y >= bandHi {
			band, nb = band+e, nb+2
		} else {
			inner, ni = inner+e, ni+2
		}
	}
	return all / float64(len(f)), band / nb, inner / ni
}

// addFrameEnergy adds the mean c^2 of each frame of f, over n, to acc.
func addFrameEnergy(acc, f []float64, n int) {
	per := len(f) / len(acc)
	for t := range acc {
		for _, v := range f[t*per : (t+1)*per] {
			acc[t] += v * v / float64(per*n)
		}
	}
}

func quantile(sorted []float64, q float64) float64 { return sorted[int(q*float64(len(sorted)-1))] }

func dataStats(d *wdno.Data, m *wdno.Model, n int) error {
	l, c := m.Layout, m.Layout.Config()
	ch := l.Shape()[0]
	per := l.Dim() / ch
	vals := make([][]float64, ch)
	x := make([]float64, l.Dim())
	var e, eb, ei, round float64
	frames := make([]float64, d.Frames)
	for i := 0; i < n; i++ {
		u, f, err := d.Fields(i, nil, nil)
		if err != nil {
			return err
		}
		a, b, in := energy(f)
		e, eb, ei = e+a/float64(n), eb+b/float64(n), ei+in/float64(n)
		addFrameEnergy(frames, f, n)
		if err := l.Encode(wdno.Control, u, f, x); err != nil {
			return err
		}
		u2, f2 := make([]float64, len(u)), make([]float64, len(f))
		if err := l.Decode(x, u2, f2); err != nil {
			return err
		}
		a2, _, _ := energy(f2)
		round += a2 / float64(n)
		for k := range vals {
			for _, v := range x[k*per : (k+1)*per] {
				if v != 0 {
					vals[k] = append(vals[k], math.Abs(v))
				}
			}
		}
	}
	fmt.Printf("%s layout %v, %d trajectories of %s\n", c.Space, l.Shape(), n, d.Path)
	fmt.Printf("data mean c^2 %.4f (band %.4f, interior %.4f); after encode and decode %.4f\n", e, eb, ei, round)
	printFrames(frames)
	fmt.Printf("%-12s %9s %9s %9s %9s %9s %9s   |value| in normalised units, nonzero entries\n", "channel", "scale", "rms", "p50", "p90", "p99", "max")
	for k, v := range vals {
		if len(v) == 0 {
			continue
		}
		sort.Float64s(v)
		var ss float64
		for _, a := range v {
			ss += a * a
		}
		fmt.Printf("%-12s %9.4g %9.4f %9.4f %9.4f %9.4f %9.4f\n", channelName(m, k), c.Scales[k], math.Sqrt(ss/float64(len(v))),
			quantile(v, .5), quantile(v, .9), quantile(v, .99), v[len(v)-1])
	}
	return nil
}

func printFrames(frames []float64) {
	fmt.Printf("mean c^2 per frame:")
	for _, v := range frames {
		fmt.Printf(" %.3g", v)
	}
	fmt.Println()
}

func genStats(ctx context.Context, d *wdno.Data, m *wdno.Model, n int, w float64, steps int, through string) error {
	cases, err := givenCases(d, n)
	if err != nil {
		return err
	}
	gen, err := m.Generate(ctx, wdno.Request{Cases: cases, Steps: steps, Seed: 1, Guidance: &w, GuideThrough: through})
	if err != nil {
		return err
	}
	l := m.Layout
	wavelet := l.Config().Space == wdno.SpaceWavelet
	per := l.Dim() / l.Shape()[0]
	var e, eb, ei float64
	frames := make([]float64, d.Frames)
	bands := make([]float64, 40)
	x, y := make([]float64, l.Dim()), make([]float64, l.Dim())
	for j, f := range gen.F {
		a, b, in := energy(f)
		e, eb, ei = e+a/float64(n), eb+b/float64(n), ei+in/float64(n)
		addFrameEnergy(frames, f, n)
		if !wavelet {
			continue
		}
		// The control's own DWT, one control band at a time (the state bands zero): its share of the energy.
		if err := l.Encode(wdno.Control, gen.U[j], f, x); err != nil {
			return err
		}
		u2, f2 := make([]float64, len(gen.U[j])), make([]float64, len(f))
		for k := 24; k < 40; k++ {
			clear(y)
			copy(y[k*per:(k+1)*per], x[k*per:(k+1)*per])
			copy(y[40*per:], x[40*per:])
			if err := l.Decode(y, u2, f2); err != nil {
				return err
			}
			a, _, _ := energy(f2)
			bands[k] += a / float64(n)
		}
	}
	fmt.Printf("%s generated (guidance %g, %d steps, %d cases, failed %v): mean c^2 %.4f (band %.4f, interior %.4f)\n",
		m.Name(), w, steps, n, gen.Failed, e, eb, ei)
	printFrames(frames)
	if wavelet {
		fmt.Println("mean c^2 of the generated control decoded from one of its bands alone:")
		for k := 24; k < 40; k++ {
			fmt.Printf("  %-8s %.4f\n", channelName(m, k), bands[k])
		}
	}
	return nil
}

func lossStats(ctx context.Context, d *wdno.Data, m *wdno.Model, n int) error {
	obj, _, err := m.Checkpoint.State.Objective.Build()
	if err != nil {
		return err
	}
	l := m.Layout
	D, ch := l.Dim(), l.Shape()[0]
	per := D / ch
	known := l.Known(m.Task)
	rng := rand.New(rand.NewPCG(7, 9))
	free, count := make([]float64, ch), make([]float64, ch)
	var bins, binN [5]float64
	var total float64
	x0, in, tgt, out := make([]float64, D), make([]float64, D), make([]float64, D), make([]float64, D)
	for i := 0; i < n; i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		u, f, err := d.Fields(i, nil, nil)
		if err != nil {
			return err
		}
		if err := l.Encode(m.Task, u, f, x0); err != nil {
			return err
		}
		ex, err := obj.Sample(rng, x0, in, tgt)
		if err != nil {
			return err
		}
		for k, kn := range known { // inpainting, as in training: clean input, eps target 0
			if kn {
				in[k], tgt[k] = x0[k], 0
			}
		}
		if err := m.Checkpoint.Predictor.PredictBatch(out, in, []float64{ex.NetTime}, nil); err != nil {
			return err
		}
		var s float64
		for k := range out {
			r := (out[k] - tgt[k]) * (out[k] - tgt[k])
			s += r
			if !known[k] {
				free[k/per], count[k/per] = free[k/per]+r, count[k/per]+1
			}
		}
		total += s / float64(D) / float64(n)
		b := min(4, int(ex.T*5))
		bins[b], binN[b] = bins[b]+s/float64(D), binN[b]+1
	}
	fmt.Printf("%s step %d: loss over all entries (as in training) %.4f on %d trajectories of %s\n", m.Name(), m.Checkpoint.State.Step, total, n, d.Path)
	fmt.Printf("by t in [0, .2), ..., [.8, 1]:")
	for b := range bins {
		fmt.Printf(" %.4f (%d)", bins[b]/max(1, binN[b]), int(binN[b]))
	}
	fmt.Println()
	for k := range free {
		if count[k] > 0 {
			fmt.Printf("  %-12s eps mse over free entries %.4f\n", channelName(m, k), free[k]/count[k])
		}
	}
	return nil
}

// guideStats generates cases 0..n-1 at each guidance weight with the same seed and reports what the
// guidance changed against the first weight's samples.
func guideStats(ctx context.Context, d *wdno.Data, m *wdno.Model, n int, weights []float64, steps int, through string) error {
	cases, err := givenCases(d, n)
	if err != nil {
		return err
	}
	// relChange is the RMS of b - a over the RMS of a, over every case.
	relChange := func(a, b [][]float64) float64 {
		var num, den float64
		for j := range a {
			for i, v := range a[j] {
				num += (b[j][i] - v) * (b[j][i] - v)
				den += v * v
			}
		}
		return math.Sqrt(num / den)
	}
	fmt.Printf("%s, %d cases of %s, %d steps, seed 1, guidance through %s\n", m.Name(), n, d.Path, steps, through)
	fmt.Printf("%10s %14s %14s %12s %7s\n", "weight", "control change", "state change", "model s(T-1)", "failed")
	var ref *wdno.Generated
	for _, w := range weights {
		gen, err := m.Generate(ctx, wdno.Request{Cases: cases, Steps: steps, Seed: 1, Guidance: &w, GuideThrough: through})
		if err != nil {
			return err
		}
		if ref == nil {
			ref = gen
		}
		var s float64
		for _, u := range gen.U {
			for c := 0; c < d.Cells; c++ {
				s += u[((d.Frames-1)*d.Cells+c)*d.State+3] / float64(d.Cells*n)
			}
		}
		fmt.Printf("%10g %14.3e %14.3e %12.4f %7d\n", w, relChange(ref.F, gen.F), relChange(ref.U, gen.U), s, len(gen.Failed))
	}
	return nil
}

// givenCases are cases 0..n-1 of d as a control model is given them: the state at frame 0.
func givenCases(d *wdno.Data, n int) ([]wdno.Case, error) {
	cases := make([]wdno.Case, n)
	for i := range cases {
		u, _, err := d.Fields(i, nil, nil)
		if err != nil {
			return nil, err
		}
		cases[i] = wdno.Case{U0: u[:d.Cells*d.State]}
	}
	return cases, nil
}
