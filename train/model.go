package train

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/diffusion"
)

// Model is a network trained on windows of a dataset (a run of Config.Trainer, e.g. `trajdiff train`),
// loaded with its configuration and its dataset's normalisers: it samples windows of Horizon steps of
// Transition values in the data's units. A model of data.kind geometric (Geometric) samples the target
// frames of trajectories instead, Horizon frames of Nodes*SpatialDim raw coordinates. A Model is safe for
// concurrent use.
type Model struct {
	Checkpoint *Checkpoint // the network, its weights choice and its metadata
	Config     Config      // the run's configuration, as recorded in the checkpoint
	Horizon    int         // steps per window
	Transition int         // values per step: the dataset columns of Columns, concatenated
	Columns    []Column    // the transition's layout

	condition []WindowEntry          // the window entries of the condition (of items)
	norms     []*datasets.Normalizer // per column, in Columns order
	geometric *GeometricLayout       // data.kind geometric: the layout of examples and conditions

	items        []ConditionItem    // a conditional network's condition, in order (DataConfig.Condition)
	episodeConds []episodeCondition // maps of the episode-derived items (returns, info), in order, to training units

	// regression holds the inputs and targets of an objective kind regression model (Predict).
	regression *regression
	// value holds the network and process of an objective kind value model (ValueGradient).
	value *valueHead
	// stats holds the DPM-Solver-v3 statistics files read so far.
	stats *statsCache
}

// Geometric returns the layout of a model trained with data.kind geometric (ok false for a model of
// windows). Such a model samples target frames, Horizon frames of Transition = Nodes*SpatialDim raw
// coordinates, from raw condition vectors (SampleRequest.Cond).
func (m *Model) Geometric() (GeometricLayout, bool) {
	if m.geometric == nil {
		return GeometricLayout{}, false
	}
	return *m.geometric, true
}

// Column is one dataset column in a window's transition: components [Offset, Offset+Width).
type Column struct {
	Name   string
	Offset int
	Width  int
}

// Load reads a checkpoint written by a run of Config.Trainer (a step directory, or a run directory for its
// latest checkpoint): the network with the weights opts chooses (by default the configuration's
// sample.ema, which defaults to the EMA weights), the configuration (decoded strictly) and the normalisers
// of the training dataset, which must still be at the recorded data.path unless opts.DataPath says where it
// is now. A data.kind geometric run needs no dataset: its coordinates are raw.
func Load(path string, opts LoadOptions) (*Model, error) {
	ckpt, st, err := readCheckpoint(path)
	if err != nil {
		return nil, err
	}
	if len(st.Extra) == 0 {
		return nil, fmt.Errorf("train: checkpoint %s records no training configuration (not a run of Config.Trainer; LoadCheckpoint reads it)", ckpt)
	}
	var cfg Config
	if err := UnmarshalStrict(st.Extra, &cfg); err != nil {
		return nil, fmt.Errorf("train: checkpoint %s: configuration: %w", ckpt, err)
	}
	ema, err := opts.Weights.useEMA(cfg.Sample.EMA)
	if err != nil {
		return nil, err
	}
	c, err := loadNetwork(ckpt, st, ema)
	if err != nil {
		return nil, err
	}
	if opts.DataPath != "" {
		cfg.Data.Path = opts.DataPath
	}
	geo, err := cfg.Data.IsGeometric()
	if err != nil {
		return nil, fmt.Errorf("train: checkpoint %s: %w", ckpt, err)
	}
	if geo {
		return loadGeometric(ckpt, cfg, c)
	}
	if c.Regressor != nil && cfg.Objective.Kind == ObjectiveValue {
		return loadValue(ckpt, cfg, c)
	}
	if c.Regressor != nil {
		return loadRegression(ckpt, cfg, c)
	}
	ds, s, err := cfg.Data.OpenData()
	if err != nil {
		return nil, fmt.Errorf("train: opening the training data %s for its normalisers: %w", cfg.Data.Path, err)
	}
	defer ds.Close()
	m := &Model{Checkpoint: c, Config: cfg, Horizon: s.Horizon(), Transition: s.Dim(), norms: s.Normalizers(), stats: &statsCache{}}
	if m.condition, err = cfg.Data.ConditionEntries(); err != nil {
		return nil, fmt.Errorf("train: checkpoint %s: %w", ckpt, err)
	}
	m.items, _ = cfg.Data.ConditionItems()
	if m.episodeConds, err = cfg.Data.episodeConditions(ds, m.items); err != nil {
		return nil, fmt.Errorf("train: checkpoint %s: %w", ckpt, err)
	}
	if C := c.Net.CondDim(); C != len(m.items) {
		return nil, fmt.Errorf("train: checkpoint %s: the network takes %d condition values, data.condition lists %d", ckpt, C, len(m.items))
	}
	if err := m.layColumns(s.Columns(), s.Widths()); err != nil {
		return nil, err
	}
	if D := c.Denoiser.Dim(); m.Horizon*m.Transition != D {
		return nil, fmt.Errorf("train: checkpoint %s: the network takes %d values, the data windows have %d x %d", ckpt, D, m.Horizon, m.Transition)
	}
	return m, nil
}

// loadGeometric completes Load for a data.kind geometric run: no dataset is needed (coordinates are raw),
// only the layout, which must fit the network.
func loadGeometric(ckpt string, cfg Config, c *Checkpoint) (*Model, error) {
	layout, err := cfg.GeometricLayout()
	if err != nil {
		return nil, fmt.Errorf("train: checkpoint %s: %w", ckpt, err)
	}
	if c.Net.Dim() != layout.Dim() || c.Net.CondDim() != layout.CondDim() {
		return nil, fmt.Errorf("train: checkpoint %s: the network takes %d values and %d condition values, its geometric layout has %d and %d",
			ckpt, c.Net.Dim(), c.Net.CondDim(), layout.Dim(), layout.CondDim())
	}
	nd := layout.Net.Nodes * layout.Net.SpatialDim
	return &Model{Checkpoint: c, Config: cfg, Horizon: len(layout.Net.TargetFrames), Transition: nd, stats: &statsCache{},
		Columns: []Column{{Name: datasets.ColPositions, Width: nd}}, geometric: &layout}, nil
}

// Components names every transition component "COLUMN[k]", e.g. "actions[0]", "observations[2]".
func (m *Model) Components() []string {
	out := make([]string, 0, m.Transition)
	for _, c := range m.Columns {
		for k := 0; k < c.Width; k++ {
			out = append(out, fmt.Sprintf("%s[%d]", c.Name, k))
		}
	}
	return out
}

// Normalizer returns the training dataset's normaliser of Columns[i] (nil for i out of range): it maps
// that column's values to training units. It must not be modified.
func (m *Model) Normalizer(i int) *datasets.Normalizer {
	if i < 0 || i >= len(m.norms) {
		return nil
	}
	return m.norms[i]
}

// Condition lists the window entries a conditional network was trained on (DataConfig.Condition);
// every SampleRequest must fix them. ConditionItems has the whole condition, CondValueItems the items that
// SampleRequest.CondValues gives.
func (m *Model) Condition() []WindowEntry { return append([]WindowEntry(nil), m.condition...) }

// ErrBadRequest marks a SampleRequest that cannot be run: an unknown solver or schedule, a step or sample
// count below 1, a fixed entry outside the window, with the wrong number of values or a non-finite value, a
// conditioning entry left free, condition values (CondValues) missing, of the wrong size or non-finite,
// guidance the model cannot give, or a malformed warm start (Init, StartTime, Renoise).
var ErrBadRequest = errors.New("invalid sample request")

// SampleRequest asks a Model for windows.
type SampleRequest struct {
	N        int    // windows to draw, at least 1
	Solver   string // a diffusion solver (diffusion.SolverNames); "" takes the configuration's, else dpmpp-2m
	Schedule string // a diffusion schedule; "" takes the configuration's, else the process's default
	Steps    int    // solver steps; 0 takes the configuration's, else 10
	// Statistics is DPM-Solver-v3's empirical model statistics file (diffusion.LoadEMS); "" reads
	// StatisticsFile in the checkpoint's step directory. Other solvers refuse it.
	Statistics string
	Seed       uint64 // keys the initial noise and the noise of stochastic solvers
	// Fixed entries are clamped after every solver step (Diffuser's conditioning, diffusion.Inpaint), in the
	// data's units; a conditional model also receives its Condition entries from here.
	Fixed []Fixed
	// ClipX0 clips every x0-prediction of the network to [-1, 1] in training units before the solver uses
	// it (Diffuser's clip_denoised, diffusion.ClipX0; [-1, 1] is the range of the limits normaliser). The
	// configuration's [sample] clip_x0 turns it on by default; false here keeps that default.
	ClipX0 bool
	// CorrectX0, if set, further corrects every x0-prediction (after the clipping of ClipX0) in training
	// units, for the N windows at once: x0 and the state x hold N*Horizon*Transition values, t is the
	// process time (diffusion.RunOptions.CorrectX0), e.g. value guidance (rl/diffuser.ValueGuide).
	CorrectX0 func(x0, x []float64, t float64) error
	// Network, if set, evaluates the model's x0-prediction of this request instead of the CPU predictor: it
	// must compute what the model computes for the request (its condition rows, its guidance weight, the
	// objective's conversion to x0, in training units), for any number of windows, as another executor does
	// (gpu/fromnn.Sampler.NetworkDenoiser). The loop, the fixed entries, the clipping and CorrectX0 stay
	// here, so a sampler with a host-side x0 correction (Diffuser's free-space projection) or a search
	// scored on the host runs its network elsewhere.
	Network diffusion.Denoiser
	// Cond holds the raw condition vectors of a model trained with data.kind geometric (Model.Geometric):
	// one of the layout's CondDim values per sample, or one used for all N. It is given to the network as
	// is (GeoTDM's coordinates are not normalised) and samples come back in the same units. Models of
	// windows take their conditions from Fixed instead.
	Cond [][]float64
	// CondValues gives the values of a window model's episode-derived condition items (Model.CondValueItems:
	// "returns" and "info:NAME:K" of data.condition), in their order, in the data's units: the return-to-go
	// itself (Model.Sample divides it by data.returns_scale) and the info's value (e.g. a maze2d goal in maze
	// units). One vector for all N windows, or one per window. Window entries of the condition come from Fixed.
	CondValues [][]float64
	// Guidance is the classifier-free guidance weight w (Ho & Salimans 2022; Decision Diffuser uses 1.2) of a
	// conditional model trained with train.cond_dropout: each network evaluation runs the conditional and the
	// unconditional (condition dropped) model and uses out_u + w (out_c - out_u) in the network's own
	// parameterisation. 0 means no guidance: the conditional model alone, one pass per evaluation; w = 1 gives
	// the same samples with two passes.
	Guidance float64
	// Init warm-starts the solver (Real-Time Iteration, Chen et al. 2025; DiffusionDrive's truncated
	// diffusion) from N windows of Horizon x Transition values in the data's units, e.g. the previous plan
	// shifted by a step, at process time StartTime t0 in (0, TMax]: the solver's grid runs from t0 to the data
	// (the schedule's spacing on [TMin, t0], see warmStartTimes) and starts from alpha(t0) Init, or with Renoise
	// from a draw of the forward process q(x_t0 | Init) = N(alpha(t0) Init, sigma(t0)^2) with Seed's noise.
	// Init and StartTime go together; Fixed entries are clamped on the initial state too.
	Init      []float64
	StartTime float64
	Renoise   bool
	// IsolateFailures keeps a diverging sample (a NaN or Inf network output) from failing the others:
	// its values come back NaN and its index is in Samples.Failed (diffusion.RunOptions.NonFinite); the
	// other samples are exactly those of a run without it.
	IsolateFailures bool
	// Progress, if set, is called after each solver step with (done, total) steps.
	Progress func(done, total int)
}

// Fixed clamps a window entry to a value in the data's units: Values holds one value for every window, or
// one per window.
type Fixed struct {
	WindowEntry
	Values []float64
}

// Samples are windows drawn by Model.Sample, in the data's units.
type Samples struct {
	X          []float64 // N windows of Horizon x Transition values, row-major
	N          int
	Horizon    int
	Transition int
	Components []string // the name of each transition component (Model.Components)
	Solver     string
	Schedule   string
	Steps      int // solver steps
	NFE        int // network passes per window: the plan's evaluations, twice each with Guidance (conditional and unconditional)
	EMA        bool
	ClipX0     bool  // x0-predictions were clipped to [-1, 1] in training units
	Failed     []int // samples that diverged (SampleRequest.IsolateFailures), in increasing order; NaN in X
}

// Window returns window i, 0 <= i < N, as Horizon rows of Transition values (views into X).
func (s *Samples) Window(i int) [][]float64 {
	rows := make([][]float64, s.Horizon)
	for t := range rows {
		o := (i*s.Horizon + t) * s.Transition
		rows[t] = s.X[o : o+s.Transition : o+s.Transition]
	}
	return rows
}

// sampler is a validated request: the plan to run and the fixed entries in training units.
type sampler struct {
	solver, schedule string
	steps            int
	times            []float64
	plan             *diffusion.Plan
	inpaint          *diffusion.Inpaint // nil without fixed entries
	cond             []float64          // the N condition vectors in the network's units, nil without conditions
	guidance         float64            // classifier-free guidance weight, 0 for none
	init             []float64          // a warm start's windows in training units, nil for none
	renoise          bool               // draw the warm start's state from q(x_t0 | init)
}

func badRequest(format string, args ...any) error {
	return fmt.Errorf("train: %w: %s", ErrBadRequest, fmt.Sprintf(format, args...))
}

// prepare checks a request and fills in the configuration's defaults.
func (m *Model) prepare(req SampleRequest) (*sampler, error) {
	if req.N < 1 {
		return nil, badRequest("N must be at least 1, got %d", req.N)
	}
	if req.Steps < 0 {
		return nil, badRequest("Steps must be at least 1 (0 for the default), got %d", req.Steps)
	}
	sc := m.Config.Sample
	sp := &sampler{solver: cmp.Or(req.Solver, sc.Solver, "dpmpp-2m"), steps: cmp.Or(req.Steps, sc.Steps, 10)}
	solver, err := m.solver(sp.solver, req.Statistics)
	if err != nil {
		return nil, err
	}
	p := m.Checkpoint.Process
	sch := diffusion.DefaultSchedule(p)
	if name := cmp.Or(req.Schedule, sc.Schedule); name != "" {
		if sch, err = diffusion.NewSchedule(name); err != nil {
			return nil, fmt.Errorf("train: %w: %w", ErrBadRequest, err)
		}
	}
	sp.schedule = sch.Name()
	// A schedule file with searched step orders runs them, with the solver they were searched for only.
	if solver, err = diffusion.ScheduleSolver(solver, sch); err != nil {
		return nil, fmt.Errorf("train: %w: %w", ErrBadRequest, err)
	}
	if sp.steps < 1 {
		return nil, badRequest("the configuration's sample.steps is %d, want at least 1", sp.steps)
	}
	if sp.times, err = warmStartTimes(sch, p, req.StartTime, sp.steps); err != nil {
		return nil, err
	}
	if sp.plan, err = m.stats.plan(solver, p, sp.times); err != nil {
		return nil, fmt.Errorf("train: %w: %w", ErrBadRequest, err)
	}
	if m.geometric != nil {
		if len(req.CondValues) > 0 {
			return nil, badRequest("a geometric model takes raw condition vectors (Cond), not CondValues")
		}
		if err := m.prepareGeometric(req, sp); err != nil {
			return nil, err
		}
		return sp, m.prepareSampling(req, sp)
	}
	if len(req.Cond) > 0 {
		return nil, badRequest("raw conditions (Cond) are for models trained with data.kind geometric; this model takes its conditions from Fixed entries")
	}
	if len(req.Fixed) == 0 {
		return sp, m.prepareSampling(req, sp)
	}
	names := m.Components()
	n, D := req.N, m.Horizon*m.Transition
	mask := make([]bool, D)
	values := make([]float64, n*D)
	for _, f := range req.Fixed {
		k, err := f.Index(m.Horizon, m.Transition)
		if err != nil {
			return nil, badRequest("fixed entry %d:%d is outside a window of %d steps x %d components", f.T, f.C, m.Horizon, m.Transition)
		}
		if mask[k] {
			return nil, badRequest("entry %d:%d (%s) is fixed twice", f.T, f.C, names[f.C])
		}
		if len(f.Values) != 1 && len(f.Values) != n {
			return nil, badRequest("fixed entry %d:%d (%s) has %d values for %d windows (want 1 or %d)", f.T, f.C, names[f.C], len(f.Values), n, n)
		}
		mask[k] = true
		for s := 0; s < n; s++ {
			v := f.Values[min(s, len(f.Values)-1)]
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, badRequest("fixed entry %d:%d (%s) is %v", f.T, f.C, names[f.C], v)
			}
			values[s*D+k] = m.normalizeValue(f.C, v)
		}
	}
	sp.inpaint = &diffusion.Inpaint{Mask: mask, Values: values}
	return sp, m.prepareSampling(req, sp)
}

// prepareSampling checks what a request adds to the solver's plan and fixed entries: a window model's
// condition vectors (windowCondition), guidance and a warm start.
func (m *Model) prepareSampling(req SampleRequest, sp *sampler) error {
	if m.geometric == nil {
		if err := m.windowCondition(req, sp); err != nil {
			return err
		}
	}
	if err := m.prepareGuidance(req, sp); err != nil {
		return err
	}
	return m.prepareWarmStart(req, sp)
}

// prepareGeometric checks a geometric model's raw conditions and lays them out for the network.
func (m *Model) prepareGeometric(req SampleRequest, sp *sampler) error {
	if len(req.Fixed) > 0 {
		return badRequest("a geometric model takes raw condition vectors (Cond), not fixed window entries")
	}
	if req.ClipX0 || m.Config.Sample.ClipX0 {
		return badRequest("clip_x0 clips to [-1, 1] in normalised units; a geometric model works in raw coordinates")
	}
	C := m.geometric.CondDim()
	if C == 0 {
		if len(req.Cond) > 0 {
			return badRequest("the model is unconditional, got %d condition vectors", len(req.Cond))
		}
		return nil
	}
	if len(req.Cond) == 0 {
		return badRequest("the model was trained on geometric trajectories: it needs raw condition vectors (Cond; from the shell, `trajdiff geometry forecast`)")
	}
	if len(req.Cond) != 1 && len(req.Cond) != req.N {
		return badRequest("%d condition vectors for %d samples (want 1 or %d)", len(req.Cond), req.N, req.N)
	}
	sp.cond = make([]float64, req.N*C)
	for s := 0; s < req.N; s++ {
		c := req.Cond[min(s, len(req.Cond)-1)]
		if len(c) != C {
			return badRequest("condition vector %d has %d values, the model takes %d", min(s, len(req.Cond)-1), len(c), C)
		}
		for k, v := range c {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return badRequest("condition vector %d value %d is %v", min(s, len(req.Cond)-1), k, v)
			}
		}
		copy(sp.cond[s*C:], c)
	}
	return nil
}

// Sample draws req.N windows: Gaussian noise at the first time of the schedule (or a warm start from
// req.Init), then the solver's plan, with classifier-free guidance if req.Guidance asks for it, clamping
// the fixed entries after every step as Diffuser does, and finally the data's units. Bad requests
// fail with ErrBadRequest before any work; cancelling ctx stops the solver between steps. A geometric model
// (Model.Geometric) draws target frames for req.Cond's raw conditions, in raw coordinates.
func (m *Model) Sample(ctx context.Context, req SampleRequest) (*Samples, error) {
	if m.regression != nil {
		return nil, badRequest("the model is a regressor (objective kind regression): it predicts (Model.Predict), it does not sample")
	}
	if m.value != nil {
		return nil, badRequest("the model is a value model (objective kind value): it guides sampling (Model.ValueGradient), it does not sample")
	}
	sp, err := m.prepare(req)
	if err != nil {
		return nil, err
	}
	p, n, D := m.Checkpoint.Process, req.N, m.Horizon*m.Transition
	den, passes, err := m.requestDenoiser(sp, req)
	if err != nil {
		return nil, err
	}
	x := sp.initialState(p, req.Seed, n*D)
	opt := diffusion.RunOptions{Seed: req.Seed, Progress: req.Progress}
	clip := m.clips(req)
	if clip {
		opt.CorrectX0 = diffusion.ClipX0(-1, 1)
	}
	if req.CorrectX0 != nil {
		opt.CorrectX0 = thenCorrect(opt.CorrectX0, req.CorrectX0)
	}
	if sp.inpaint != nil {
		opt.Condition = sp.inpaint // a nil *Inpaint in the interface would not be nil
	}
	var failed []int
	if req.IsolateFailures {
		opt.NonFinite = func(j int, _ float64) { failed = append(failed, j) }
	}
	if err := diffusion.Sample(ctx, sp.plan, den, x, opt); err != nil {
		return nil, fmt.Errorf("train: sampling with %s: %w", sp.solver, err)
	}
	slices.Sort(failed)
	if m.geometric == nil {
		m.Unnormalize(x)
	}
	return &Samples{X: x, N: n, Horizon: m.Horizon, Transition: m.Transition, Components: m.Components(),
		Solver: sp.solver, Schedule: sp.schedule, Steps: sp.steps, NFE: passes * sp.plan.NFE, EMA: m.Checkpoint.EMA, ClipX0: clip, Failed: failed}, nil
}

// requestDenoiser is the x0-predictor of a prepared request: req.Network when set (checked against the
// windows' dimension), else the model's own (denoiser); passes counts the model's network evaluations.
func (m *Model) requestDenoiser(sp *sampler, req SampleRequest) (diffusion.Denoiser, int, error) {
	den, passes, err := m.denoiser(sp)
	if err != nil || req.Network == nil {
		return den, passes, err
	}
	if req.Network.Dim() != den.Dim() {
		return nil, 0, badRequest("the request's network has dimension %d, the model's windows %d", req.Network.Dim(), den.Dim())
	}
	return req.Network, passes, nil
}

// denoiser is the x0-predictor of a prepared request: the network, conditioned and guided as asked, under
// the objective's parameterisation; passes is the network evaluations per denoiser call. It is the call's
// own (EDM's preconditioning keeps scratch space); the Predictor under it serialises its calls.
func (m *Model) denoiser(sp *sampler) (diffusion.Denoiser, int, error) {
	var net diffusion.Network = m.Checkpoint.Predictor
	if sp.cond != nil {
		net = m.Checkpoint.Predictor.Conditional(sp.cond)
	}
	passes := 1
	if sp.guidance != 0 {
		// The Predictor without a condition is the unconditional model (keep mask 0).
		net, passes = &guided{cond: net, uncond: m.Checkpoint.Predictor, w: sp.guidance}, 2
	}
	den, _, err := m.Checkpoint.State.Objective.Denoiser(net)
	if err != nil {
		return nil, 0, fmt.Errorf("train: %w", err)
	}
	return den, passes, nil
}

// clips reports whether a request's x0-predictions are clipped to [-1, 1].
func (m *Model) clips(req SampleRequest) bool {
	return m.geometric == nil && (req.ClipX0 || m.Config.Sample.ClipX0)
}

// column returns the column index and component of transition index c.
func (m *Model) column(c int) (int, int) {
	for i := len(m.Columns) - 1; i >= 0; i-- {
		if c >= m.Columns[i].Offset {
			return i, c - m.Columns[i].Offset
		}
	}
	return 0, c
}

// normalizeValue maps a data value of transition component c to training units (the normalisers are
// per-component affine maps).
func (m *Model) normalizeValue(c int, v float64) float64 {
	i, k := m.column(c)
	row := make([]float32, m.Columns[i].Width)
	row[k] = float32(v)
	m.norms[i].Normalize(row)
	return float64(row[k])
}

// Unnormalize maps windows (rows of transition values) from training units back to the data's units, one column of one step at
// a time (the limits normaliser clips a row that leaves [-1, 1], as Diffuser's does).
func (m *Model) Unnormalize(x []float64) { m.mapColumns(x, (*datasets.Normalizer).Unnormalize) }

// mapColumns applies f to every column of every step of windows x in place, through float32 as the
// normalisers work.
func (m *Model) mapColumns(x []float64, f func(*datasets.Normalizer, []float32)) {
	row := make([]float32, 0, m.Transition)
	for r := 0; r < len(x)/m.Transition; r++ {
		for i, c := range m.Columns {
			o := r*m.Transition + c.Offset
			row = row[:c.Width]
			for k := range row {
				row[k] = float32(x[o+k])
			}
			f(m.norms[i], row)
			for k, v := range row {
				x[o+k] = float64(v)
			}
		}
	}
}

// layColumns sets the model's transition layout from the dataset's column names and widths, which must
// cover the transition and match its normalisers one to one.
func (m *Model) layColumns(names []string, widths []int) error {
	off := 0
	for i, name := range names {
		m.Columns = append(m.Columns, Column{Name: name, Offset: off, Width: widths[i]})
		off += widths[i]
	}
	if off != m.Transition || len(m.norms) != len(m.Columns) {
		return fmt.Errorf("train: columns cover %d of %d transition values", off, m.Transition)
	}
	return nil
}
