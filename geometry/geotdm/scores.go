package geotdm

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"

	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/geometry"
	"github.com/trajdiff/trajdiff/internal/stream"
	"github.com/trajdiff/trajdiff/nn"
)

// Trajectories is a set of trajectories of one shape for the unconditional scores: X[i] holds
// Frames*Nodes*Dim coordinates ([frame][node][dim]) and NodeFeatures[i] the system's Nodes*k node
// features (the same k for all; nil or empty when there are none).
type Trajectories struct {
	Shape        geometry.Shape
	X            [][]float64
	NodeFeatures [][]float64
}

func (t Trajectories) check(what string) error {
	s := t.Shape
	if s.Frames < 2 || s.Nodes < 2 || s.Dim < 1 {
		return fmt.Errorf("geotdm: %s: shape %+v, want at least 2 frames and 2 nodes", what, s)
	}
	if len(t.X) == 0 {
		return fmt.Errorf("geotdm: %s: no trajectories", what)
	}
	if t.NodeFeatures != nil && len(t.NodeFeatures) != len(t.X) {
		return fmt.Errorf("geotdm: %s: %d node feature rows for %d trajectories", what, len(t.NodeFeatures), len(t.X))
	}
	size := s.Frames * s.Nodes * s.Dim
	for i, x := range t.X {
		if len(x) != size {
			return fmt.Errorf("geotdm: %s: trajectory %d has %d values, want %d", what, i, len(x), size)
		}
		for _, v := range x {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("geotdm: %s: trajectory %d has a non-finite coordinate", what, i)
			}
		}
		if t.NodeFeatures != nil && len(t.NodeFeatures[i]) != len(t.NodeFeatures[0]) {
			return fmt.Errorf("geotdm: %s: trajectory %d has %d node features, trajectory 0 %d", what, i, len(t.NodeFeatures[i]), len(t.NodeFeatures[0]))
		}
	}
	return nil
}

func (t Trajectories) features(i int) []float64 {
	if t.NodeFeatures == nil {
		return nil
	}
	return t.NodeFeatures[i]
}

// ScoreOptions set the budget of the small models the classification and prediction scores train. The
// zero value takes the defaults.
type ScoreOptions struct {
	Seed   uint64  // keys the split, the initialisation, the batches and the augmentations
	Epochs int     // passes over the training part (default 100, GeoTDM's)
	Batch  int     // examples per Adam step (default 128, GeoTDM's)
	LR     float64 // Adam's learning rate (default 1e-3)
	Hidden int     // width of the MLP's two hidden layers (default 64)
}

func (o ScoreOptions) withDefaults() (ScoreOptions, error) {
	o.Epochs, o.Batch, o.LR, o.Hidden = cmp.Or(o.Epochs, 100), cmp.Or(o.Batch, 128), cmp.Or(o.LR, 1e-3), cmp.Or(o.Hidden, 64)
	if o.Epochs < 1 || o.Batch < 1 || !(o.LR > 0) || o.Hidden < 1 {
		return o, fmt.Errorf("geotdm: score options %+v: want positive epochs, batch, learning rate and width", o)
	}
	return o, nil
}

// Classification is the classification score of generated trajectories: a classifier trained to tell
// them from real ones, scored on a held-out part of both.
type Classification struct {
	BCE      float64 `json:"bce"`      // held-out binary cross-entropy (GeoTDM's score; ln 2 = chance, higher is better)
	Accuracy float64 `json:"accuracy"` // held-out accuracy (0.5 = chance)
	Epoch    int     `json:"epoch"`    // the epoch kept (best validation BCE)
}

// ClassificationScore trains a classifier to tell fake from real trajectories and returns its held-out
// binary cross-entropy and accuracy: GeoTDM's classification score (after Zhou et al. 2023), where a
// generator whose samples cannot be told from real data scores about ln 2 and one whose samples are
// easily told apart scores near 0. Real and fake are pooled with labels 0 and 1, shuffled (o.Seed) and
// split 60/20/20 into training, validation and test parts; the classifier is an MLP on E(3)-invariant
// features of each trajectory (invariantFeatures) trained on the logistic loss with Adam, and the epoch
// with the lowest validation loss is the one scored on the test part.
func ClassificationScore(real, fake Trajectories, o ScoreOptions) (Classification, error) {
	o, err := o.withDefaults()
	if err != nil {
		return Classification{}, err
	}
	if err := real.check("real set"); err != nil {
		return Classification{}, err
	}
	if err := fake.check("generated set"); err != nil {
		return Classification{}, err
	}
	if real.Shape != fake.Shape || len(real.features(0)) != len(fake.features(0)) {
		return Classification{}, fmt.Errorf("geotdm: the real set has shape %+v and %d node features, the generated set %+v and %d",
			real.Shape, len(real.features(0)), fake.Shape, len(fake.features(0)))
	}
	var xs [][]float64
	var ys []float64
	for i := range real.X {
		xs, ys = append(xs, invariantFeatures(real.Shape, real.X[i], real.features(i))), append(ys, 0)
	}
	for i := range fake.X {
		xs, ys = append(xs, invariantFeatures(fake.Shape, fake.X[i], fake.features(i))), append(ys, 1)
	}
	n := len(xs)
	if n < 10 {
		return Classification{}, fmt.Errorf("geotdm: %d trajectories are too few to split for the classification score", n)
	}
	perm := stream.RNG(o.Seed, "geotdm/classification", 0, "split").Perm(n)
	ntr, nva := n*6/10, n*2/10
	part := func(idx []int) ([][]float64, []float64) {
		x, y := make([][]float64, len(idx)), make([]float64, len(idx))
		for j, k := range idx {
			x[j], y[j] = xs[k], ys[k]
		}
		return x, y
	}
	xtr, ytr := part(perm[:ntr])
	xva, yva := part(perm[ntr : ntr+nva])
	xte, yte := part(perm[ntr+nva:])
	norm := newStandardizer(xtr)
	for _, set := range [][][]float64{xtr, xva, xte} {
		for _, x := range set {
			norm.apply(x)
		}
	}
	m, err := newScoreMLP(len(xtr[0]), 1, o, "classifier")
	if err != nil {
		return Classification{}, err
	}
	defer m.close()
	best := Classification{BCE: math.Inf(1)}
	var bestParams [][]float64
	rng := stream.RNG(o.Seed, "geotdm/classification", 1, "batches")
	for epoch := 1; epoch <= o.Epochs; epoch++ {
		if err := m.epoch(rng, xtr, func(i int) []float64 { return ytr[i : i+1] }, true); err != nil {
			return Classification{}, err
		}
		va, err := m.classify(xva, yva)
		if err != nil {
			return Classification{}, err
		}
		if va.BCE < best.BCE {
			best = Classification{BCE: va.BCE, Epoch: epoch}
			bestParams = m.snapshot()
		}
	}
	m.restore(bestParams)
	te, err := m.classify(xte, yte)
	if err != nil {
		return Classification{}, err
	}
	te.Epoch = best.Epoch
	return te, nil
}

// PredictionScore is GeoTDM's prediction score: a forecaster trained on one set of trajectories (the
// generated ones) to predict their frames inputFrames.. from the frames before, then scored by its mean
// squared error per coordinate on another set (the real ones). Samples with realistic dynamics train a
// forecaster that transfers to real data; lower is better. The forecaster is an MLP from the input frames,
// centred on their centroid, and the node features to the deviation of each later frame from the
// constant-velocity extrapolation of the last two input frames (frames taken as evenly spaced), so that a
// forecaster that learned nothing is that extrapolation; it is trained with a random rotation or
// reflection of every example in every epoch (the data distribution is E(3)-invariant, the MLP is not),
// and 20% of the training set is held out to choose the epoch. For 3-D data only.
func PredictionScore(train, test Trajectories, inputFrames int, o ScoreOptions) (float64, error) {
	o, err := o.withDefaults()
	if err != nil {
		return 0, err
	}
	if err := train.check("training set"); err != nil {
		return 0, err
	}
	if err := test.check("test set"); err != nil {
		return 0, err
	}
	s := train.Shape
	if test.Shape != s || len(train.features(0)) != len(test.features(0)) {
		return 0, fmt.Errorf("geotdm: the training set has shape %+v and %d node features, the test set %+v and %d",
			s, len(train.features(0)), test.Shape, len(test.features(0)))
	}
	if s.Dim != 3 {
		return 0, fmt.Errorf("geotdm: the prediction score needs 3-D positions, the trajectories have %d", s.Dim)
	}
	if inputFrames < 2 || inputFrames >= s.Frames {
		return 0, fmt.Errorf("geotdm: prediction from %d of %d frames, want at least 2 and fewer than all", inputFrames, s.Frames)
	}
	if len(train.X) < 5 {
		return 0, fmt.Errorf("geotdm: %d training trajectories are too few for the prediction score", len(train.X))
	}
	nd := s.Nodes * s.Dim
	in, out := inputFrames*nd+len(train.features(0)), (s.Frames-inputFrames)*nd
	perm := stream.RNG(o.Seed, "geotdm/prediction", 0, "split").Perm(len(train.X))
	nva := len(train.X) / 5
	tr, va := perm[nva:], perm[:nva]
	m, err := newScoreMLP(in, out, o, "forecaster")
	if err != nil {
		return 0, err
	}
	defer m.close()
	var extrapolate func(traj []float64, j int) float64
	// Inputs and targets of a trajectory under a rigid motion g (the identity for scoring).
	example := func(set Trajectories, i int, g geometry.Transform) (x, y []float64) {
		traj := make([]float64, len(set.X[i]))
		g.Rotate(traj, set.X[i])
		x = make([]float64, 0, in)
		var c [3]float64
		for k := 0; k < inputFrames*s.Nodes; k++ {
			for d := 0; d < 3; d++ {
				c[d] += traj[3*k+d] / float64(inputFrames*s.Nodes)
			}
		}
		for k := 0; k < inputFrames*s.Nodes; k++ {
			for d := 0; d < 3; d++ {
				x = append(x, traj[3*k+d]-c[d])
			}
		}
		x = append(x, set.features(i)...)
		y = make([]float64, out)
		for j := range y {
			y[j] = traj[inputFrames*nd+j] - extrapolate(traj, j)
		}
		return x, y
	}
	// The forecaster predicts the deviation of frame inputFrames + j/nd from the constant-velocity
	// extrapolation of the last two input frames, so an untrained (zero) output is that extrapolation.
	extrapolate = func(traj []float64, j int) float64 {
		last, prev := traj[(inputFrames-1)*nd+j%nd], traj[(inputFrames-2)*nd+j%nd]
		return last + float64(j/nd+1)*(last-prev)
	}
	mse := func(set Trajectories, idx []int) (float64, error) {
		xs, ys := make([][]float64, len(idx)), make([][]float64, len(idx))
		for j, i := range idx {
			xs[j], ys[j] = example(set, i, geometry.Identity())
		}
		pred, err := m.predict(xs)
		if err != nil {
			return 0, err
		}
		sum := 0.0
		for j := range ys {
			for k := range ys[j] {
				d := pred[j][k] - ys[j][k]
				sum += d * d
			}
		}
		return sum / float64(len(ys)*out), nil
	}
	rng := stream.RNG(o.Seed, "geotdm/prediction", 1, "batches")
	best, bestParams := math.Inf(1), [][]float64(nil)
	xtr, ytr := make([][]float64, len(tr)), make([][]float64, len(tr))
	for epoch := 1; epoch <= o.Epochs; epoch++ {
		for j, i := range tr { // a fresh random rotation or reflection of every example
			xtr[j], ytr[j] = example(train, i, geometry.RandomTransform(rng, true, 0))
		}
		if err := m.epoch(rng, xtr, func(j int) []float64 { return ytr[j] }, false); err != nil {
			return 0, err
		}
		v, err := mse(train, va)
		if err != nil {
			return 0, err
		}
		if v < best {
			best, bestParams = v, m.snapshot()
		}
	}
	m.restore(bestParams)
	all := make([]int, len(test.X))
	for i := range all {
		all[i] = i
	}
	return mse(test, all)
}

// invariantFeatures are E(3)-invariant features of a trajectory: every pairwise distance |x_i - x_j| in
// every frame, every node's step length |x_i(f+1) - x_i(f)|, and the node features.
func invariantFeatures(s geometry.Shape, x, nodeFeatures []float64) []float64 {
	var out []float64
	dist := func(a, b []float64) float64 {
		sum := 0.0
		for d := range a {
			sum += (a[d] - b[d]) * (a[d] - b[d])
		}
		return math.Sqrt(sum)
	}
	at := func(f, i int) []float64 { o := (f*s.Nodes + i) * s.Dim; return x[o : o+s.Dim] }
	for f := 0; f < s.Frames; f++ {
		for i := 0; i < s.Nodes; i++ {
			for j := i + 1; j < s.Nodes; j++ {
				out = append(out, dist(at(f, i), at(f, j)))
			}
		}
	}
	for f := 0; f+1 < s.Frames; f++ {
		for i := 0; i < s.Nodes; i++ {
			out = append(out, dist(at(f+1, i), at(f, i)))
		}
	}
	return append(out, nodeFeatures...)
}

// standardizer maps every feature to zero mean and unit variance over a training set (constant features
// are only centred).
type standardizer struct{ mean, scale []float64 }

func newStandardizer(xs [][]float64) standardizer {
	d := len(xs[0])
	s := standardizer{mean: make([]float64, d), scale: make([]float64, d)}
	for _, x := range xs {
		for k, v := range x {
			s.mean[k] += v / float64(len(xs))
		}
	}
	for _, x := range xs {
		for k, v := range x {
			s.scale[k] += (v - s.mean[k]) * (v - s.mean[k]) / float64(len(xs))
		}
	}
	for k, v := range s.scale {
		s.scale[k] = 1
		if v > 0 {
			s.scale[k] = 1 / math.Sqrt(v)
		}
	}
	return s
}

func (s standardizer) apply(x []float64) {
	for k := range x {
		x[k] = (x[k] - s.mean[k]) * s.scale[k]
	}
}

// scoreMLP is the small network the scores train: nn's regressor MLP (two SiLU hidden layers) in
// float64, its mean-squared-error training graph, Adam and the inference path.
type scoreMLP struct {
	net  *nn.RegressorMLP
	rg   *nn.RegressionGraph
	adam *nn.Adam
	pred *nn.RegressorPredictor
	step uint64
}

func newScoreMLP(in, out int, o ScoreOptions, what string) (*scoreMLP, error) {
	net, err := nn.NewRegressorMLP(nn.RegressorConfig{In: in, Out: out, Hidden: []int{o.Hidden, o.Hidden}, Activation: "silu"}, tensor.Float64)
	if err != nil {
		return nil, fmt.Errorf("geotdm: %s: %w", what, err)
	}
	net.Params().Init(stream.RNG(o.Seed, "geotdm/score-init", 0, what).Uint64())
	rg, err := nn.NewRegressionGraph(net, nn.TrainOptions{Batch: o.Batch, Seed: o.Seed})
	if err != nil {
		return nil, fmt.Errorf("geotdm: %s: %w", what, err)
	}
	adam, err := nn.NewAdam(nn.AdamConfig{LR: o.LR})
	if err != nil {
		rg.Close()
		return nil, fmt.Errorf("geotdm: %s: %w", what, err)
	}
	return &scoreMLP{net: net, rg: rg, adam: adam, pred: nn.NewRegressorPredictor(net)}, nil
}

func (m *scoreMLP) close() { m.rg.Close() }

// epoch takes one Adam step per full batch of a random permutation of xs (a last partial batch is left
// out; with fewer examples than a batch, examples repeat to fill it). With logistic set the targets are
// labels 0/1 and the loss is the mean binary cross-entropy of the logit f(x): the training graph's loss is
// the mean squared error, so each step regresses on the moving target f(x) - (sigmoid(f(x)) - y)/2, whose
// squared-error gradient 2 (f - target)/B = (sigmoid(f) - y)/B is exactly the cross-entropy's.
func (m *scoreMLP) epoch(rng *rand.Rand, xs [][]float64, target func(int) []float64, logistic bool) error {
	B := m.rg.Batch()
	perm := rng.Perm(len(xs))
	for len(perm) < B {
		perm = append(perm, rng.Perm(len(xs))...)
	}
	batch := make([][]float64, B)
	for lo := 0; lo+B <= len(perm); lo += B {
		for b := range batch {
			batch[b] = xs[perm[lo+b]]
		}
		var logits [][]float64
		if logistic {
			var err error
			if logits, err = m.predict(batch); err != nil {
				return err
			}
		}
		for b := range batch {
			y := target(perm[lo+b])
			if logistic {
				y = []float64{logits[b][0] - (sigmoid(logits[b][0])-y[0])/2}
			}
			if err := m.rg.SetExample(b, batch[b], y); err != nil {
				return fmt.Errorf("geotdm: score model: %w", err)
			}
		}
		if _, err := m.rg.Run(m.step); err != nil {
			return fmt.Errorf("geotdm: score model: %w", err)
		}
		m.step++
		if err := m.adam.Step(m.rg.ValueGrads()); err != nil {
			return fmt.Errorf("geotdm: score model: %w", err)
		}
	}
	return nil
}

// predict evaluates the network on every row of xs.
func (m *scoreMLP) predict(xs [][]float64) ([][]float64, error) {
	in, out := m.net.In(), m.net.Out()
	flat := make([]float64, 0, len(xs)*in)
	for _, x := range xs {
		flat = append(flat, x...)
	}
	y := make([]float64, len(xs)*out)
	if err := m.pred.Predict(y, flat); err != nil {
		return nil, fmt.Errorf("geotdm: score model: %w", err)
	}
	rows := make([][]float64, len(xs))
	for i := range rows {
		rows[i] = y[i*out : (i+1)*out]
	}
	return rows, nil
}

// classify returns the mean binary cross-entropy and the accuracy of the logits on labelled rows.
func (m *scoreMLP) classify(xs [][]float64, ys []float64) (Classification, error) {
	z, err := m.predict(xs)
	if err != nil {
		return Classification{}, err
	}
	var c Classification
	for i, y := range ys {
		l := z[i][0]
		// -[y log s(l) + (1-y) log(1-s(l))] = softplus(l) - y l, computed without overflow.
		c.BCE += (math.Max(l, 0) + math.Log1p(math.Exp(-math.Abs(l))) - y*l) / float64(len(ys))
		if (l > 0) == (y == 1) {
			c.Accuracy += 1 / float64(len(ys))
		}
	}
	return c, nil
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// snapshot copies the parameters; restore writes a snapshot back (nil: keep the current ones).
func (m *scoreMLP) snapshot() [][]float64 {
	var out [][]float64
	for _, p := range m.net.Params().Learnable() {
		out = append(out, append([]float64(nil), p.Float64s()...))
	}
	return out
}

func (m *scoreMLP) restore(s [][]float64) {
	if s == nil {
		return
	}
	for i, p := range m.net.Params().Learnable() {
		copy(p.Float64s(), s[i])
	}
}
