package wdno

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/internal/parallel"
	"github.com/trajdiff/trajdiff/pde/burgers"
)

// Generated-dataset parameter names: every row of a dataset WriteGenerated writes carries the source
// trajectory's dataset id and its index in the source dataset.
const (
	ParamSourceID    = "source_id"
	ParamSourceIndex = "source_index"
)

// generatedPrefix begins the generator name of a dataset WriteGenerated writes; the system's name follows.
const generatedPrefix = "trajdiff/pde generate "

// generatedKeys are the generator parameters WriteGenerated adds to (or replaces in) its source's.
func generatedKeys() []string {
	return []string{"source_data", "source_generator", "source_cases", "model", "task", "checkpoint",
		"sample_solver", "sample_steps", "sample_guidance", "modelled_frames", "rows", "failed_cases", "failed_errors"}
}

// sourceGenerator is the generator of the test data behind d: d's own, or for a dataset WriteGenerated
// wrote, its source's name and solver parameters (d's generator parameters without those WriteGenerated
// adds), so that a model of the source's data takes it as test data.
func (d *Data) sourceGenerator() Generator {
	src, ok := d.Generator.Params["source_generator"].(string)
	if !ok || !strings.HasPrefix(d.Generator.Name, generatedPrefix) {
		return d.Generator
	}
	p := maps.Clone(d.Generator.Params)
	for _, k := range generatedKeys() {
		delete(p, k)
	}
	return Generator{Name: src, Params: p}
}

// GenerateOptions configure WriteGenerated.
type GenerateOptions struct {
	Cases   []int   // indices into the source dataset, written in this order (nil: all)
	Request Request // sampling settings (its Cases are filled per batch)
	Batch   int     // cases per sampling batch (default 50)
	// Resim, when set, is the path of a second dataset that WriteGenerated writes for a control model:
	// every generated control re-simulated with the true solver from the source case's true u0.
	Resim string
	// FirstID is the row id of the first row written (later rows count up), e.g. a shard's first case
	// position, so that the outputs of shards have disjoint ids and merge.
	FirstID   int64
	Overwrite bool // replace existing files
	// Checkpoint is recorded in the datasets' generator parameters (the model's path, for provenance).
	Checkpoint string
	Workers    int // re-simulations in parallel; 0: all cores
	// Progress is called after every sampling batch with the cases done and the total.
	Progress func(done, total int)
}

// GenerateFailure is a source case that has no row in a dataset WriteGenerated wrote: its sampling
// diverged (Stage "sample": no row in either dataset) or the solver blew up re-simulating its control
// (Stage "resim": a row in the generated dataset only).
type GenerateFailure struct {
	Case  int    `json:"case"`
	ID    int64  `json:"id"`
	Stage string `json:"stage"`
	Error string `json:"error"`
}

// GenerateResult summarises WriteGenerated.
type GenerateResult struct {
	Generated   int // rows of the generated dataset
	Resimulated int // rows of the re-simulated dataset (0 without Resim)
	Failed      []GenerateFailure
	NFE         int // network evaluations per sampling batch
}

// WriteGenerated samples m on the chosen cases of d (u0 and the dataset's control in simulation; u0 and
// the dataset's own final state as the target in control) and writes the generated trajectories at path
// as a fields dataset with the layout of d: state u and control f of Frames x Cells, the last control
// row zero (the dataset convention: control row k acts on [t_k, t_{k+1})), and params (source_id,
// source_index). With o.Resim (control models only) it also writes, at o.Resim, the trajectories the
// true solver produces from each case's true u0 under its generated control, with the same control
// and params, so that the model's u and the solver's u for the same f can be compared row by row (or
// matched by source_id).
//
// On smoke data (simulation and control models) both datasets keep the source's stored frames, columns
// and control-row convention (row k held during the steps that end at stored frame k), and the source's
// parameters, x0 ... smoke_out_k, with source_id and source_index appended: the generated rows hold the
// model's frames and its share s(t_k) as smoke_out_k, and zero where no model generates anything (the
// last stored frame and the final outcomes; generate_smoke.go); the re-simulated rows are pde/smoke's
// own rows for the generated control, run from the case's true initial square exactly as Evaluate
// re-simulates it (zero control in the last stored frame), so smoke_out_{K-1} of a row is the
// smoke_out Evaluate reports for that case and seed.
//
// A case whose sampling diverges, or whose control makes the solver blow up, gets no row in the
// dataset concerned; it is returned in Failed and listed in the dataset's generator parameters
// ("failed_cases": source indices, "failed_errors": the reasons), so no case is lost silently. The
// generator parameters also keep the source's solver parameters (OpenData reads the result like test
// data) and record the model, checkpoint and sampling settings. Rows are held in memory until all cases
// are done (two fields of Frames x Cells per case and dataset), then each dataset is written atomically:
// nothing appears at a path unless all of it was written. It is an error when no case succeeds.
func WriteGenerated(ctx context.Context, m *Model, d *Data, path string, o GenerateOptions) (*GenerateResult, error) {
	if path == "" {
		return nil, errors.New("wdno: no output path for the generated trajectories")
	}
	if err := m.Compatible(d); err != nil {
		return nil, err
	}
	if d.IsSmoke() && m.Task == Estimate {
		return nil, errors.New("wdno: smoke models simulate or control; estimation is defined for the 1-D systems")
	}
	if o.Resim != "" && m.Task != Control {
		return nil, errors.New("wdno: re-simulation is for control models; a simulation model is given the dataset's control, whose re-simulation is the test data itself")
	}
	if o.Resim != "" && o.Resim == path {
		return nil, fmt.Errorf("wdno: the generated and re-simulated datasets are both %s", path)
	}
	if o.Batch <= 0 {
		o.Batch = 50
	}
	cases, err := d.Cases(o.Cases)
	if err != nil {
		return nil, err
	}
	if len(cases) == 0 {
		return nil, errors.New("wdno: no cases to generate")
	}
	N, K := d.Cells*d.State, d.Frames-1 // N: values of one state frame
	res := &GenerateResult{}
	var gen, resim []datasets.FieldTrajectory
	var genFailed, resimFailed []GenerateFailure
	for lo := 0; lo < len(cases); lo += o.Batch {
		batch := cases[lo:min(lo+o.Batch, len(cases))]
		req := o.Request
		req.Cases = make([]Case, len(batch))
		truth := make([][]float64, len(batch))
		for j, i := range batch {
			u, f, err := d.Fields(i, nil, nil)
			if err != nil {
				return nil, err
			}
			truth[j] = u
			switch m.Task {
			case Simulate:
				req.Cases[j] = Case{U0: u[:N], F: f}
			case Estimate: // a draw from the prior given f: u0 is generated too
				req.Cases[j] = Case{F: f}
			default:
				req.Cases[j] = Case{U0: u[:N], Target: u[K*N:]}
			}
		}
		g, err := m.Generate(ctx, req)
		if err != nil {
			return nil, err
		}
		res.NFE = g.NFE
		ok := make([]int, 0, len(batch))
		for j, i := range batch {
			if slices.Contains(g.Failed, j) {
				genFailed = append(genFailed, GenerateFailure{Case: i, ID: d.ID(i), Stage: "sample",
					Error: "sampling diverged (non-finite x0 prediction)"})
				continue
			}
			row := datasets.FieldTrajectory{State: g.U[j], Control: g.F[j], Params: []float64{float64(d.ID(i)), float64(i)}}
			if d.IsSmoke() {
				if row, err = d.smokeGeneratedRow(i, g.U[j], g.F[j]); err != nil {
					return nil, err
				}
			} else if d.IsBurgers() {
				clear(g.F[j][K*d.Cells:]) // the dataset's zero control row after T
			}
			gen = append(gen, row)
			ok = append(ok, j)
		}
		if o.Resim != "" {
			// A blow-up is a result of the case, recorded; only cancellation stops the run.
			resimRows := resimulateBurgersRows
			if d.IsSmoke() {
				resimRows = resimulateSmokeRows
			}
			rows, failed, err := resimRows(ctx, d, batch, ok, truth, g.F, o.Workers)
			if err != nil {
				return nil, err
			}
			resim, resimFailed = append(resim, rows...), append(resimFailed, failed...)
		}
		if o.Progress != nil {
			o.Progress(min(lo+o.Batch, len(cases)), len(cases))
		}
	}
	res.Failed = append(slices.Clone(genFailed), resimFailed...)
	res.Generated, res.Resimulated = len(gen), len(resim)
	if len(gen) == 0 {
		return res, fmt.Errorf("wdno: sampling diverged on all %d cases; nothing written", len(cases))
	}
	if o.Resim != "" && len(resim) == 0 {
		return res, fmt.Errorf("wdno: the solver blew up on every generated control; nothing written")
	}
	// Float32 stores integers exactly up to 2^24; larger ids or indices need float64 params.
	dtype := d.ds.Metadata().DType
	for _, r := range gen {
		if id, i := r.Params[len(r.Params)-2], r.Params[len(r.Params)-1]; id >= 1<<24 || id < -(1<<24) || i >= 1<<24 {
			dtype = datasets.Float64
		}
	}
	name, steps, guidance := m.Settings(o.Request)
	meta := d.ds.Metadata()
	gp := map[string]any{}
	for k, v := range meta.Generator.Params {
		switch k {
		case "total_trajectories", "shard", "first_trajectory", "trajectories": // the source's own sharding
		default:
			gp[k] = v
		}
	}
	gp["source_data"], gp["source_generator"], gp["source_cases"] = d.Path, d.sourceGenerator().Name, len(cases)
	gp["model"], gp["task"], gp["checkpoint"] = m.Name(), m.Task.String(), o.Checkpoint
	// Prefixed: the source's own parameters may name its solver's steps (smoke's "steps").
	gp["sample_solver"], gp["sample_steps"], gp["sample_guidance"] = name, steps, guidance
	spec := *meta.Fields
	spec.Grid = slices.Clone(spec.Grid)
	spec.ParamDim, spec.ParamNames = 2, []string{ParamSourceID, ParamSourceIndex}
	// Named after the source's system (the last word of its generator's name), which OpenData reads back.
	system, solver := d.Generator.Name[strings.LastIndexAny(d.Generator.Name, " /")+1:], "Burgers"
	if d.IsSmoke() {
		spec, system, solver = d.smokeGeneratedSpec(), "smoke", "smoke (pde/smoke)"
		gp["modelled_frames"] = d.Frames
	}
	what := fmt.Sprintf("trajectories generated by a %s %s model (checkpoint %q) for test cases of %s (given u0 and %s)",
		m.Name(), m.Task, o.Checkpoint, d.Path, map[Task]string{Simulate: "the dataset's control f", Estimate: "the dataset's control f (u0 generated)", Control: "the dataset's final state as the target u*"}[m.Task])
	tail := "; state u and control f on the source's grid, the last control row zero (control row k acts on [t_k, t_{k+1})); " +
		"params are the source trajectory's dataset id (source_id) and its index in the source dataset (source_index); " +
		"cases without a row are listed in the generator parameters failed_cases and failed_errors"
	genTail := tail
	if d.IsSmoke() {
		tail = smokeGeneratedTail
		genTail = fmt.Sprintf("; the model's frames 0..%d, smoke_out_k its share s(t_k); what no model generates is zero: frame %d (state, control, smoke_out_%d) and the outcomes smoke_out, leakage, remaining and exit counters",
			d.Frames-1, d.Frames, d.Frames) + tail
	}
	create := func(p, kind, desc string, failed []GenerateFailure) (*datasets.FieldWriter, error) {
		g := maps.Clone(gp)
		g["rows"] = kind
		idx, why := []int{}, []string{}
		for _, f := range failed {
			idx = append(idx, f.Case)
			why = append(why, fmt.Sprintf("case %d (id %d): %s: %s", f.Case, f.ID, f.Stage, f.Error))
		}
		g["failed_cases"], g["failed_errors"] = idx, why
		opts := datasets.WriteOptions{DType: dtype, Overwrite: o.Overwrite, FirstID: o.FirstID, Description: desc,
			Generator: datasets.Generator{Name: generatedPrefix + system, Version: "1", Seed: int64(o.Request.Seed), Params: g}}
		w, err := datasets.CreateFields(p, spec, opts)
		if err != nil {
			return nil, fmt.Errorf("wdno: %w", err)
		}
		return w, nil
	}
	fill := func(w *datasets.FieldWriter, p string, rows []datasets.FieldTrajectory) error {
		for _, r := range rows {
			if err := w.Write(r); err != nil {
				return fmt.Errorf("wdno: %s: source case %d: %w", p, int(r.Params[1]), err)
			}
		}
		return nil
	}
	// Both writers exist before either is filled, so that an existing file stops the run before anything
	// is written; nothing appears at a path before its Close.
	gw, err := create(path, "generated", "WDNO "+what+genTail, genFailed)
	if err != nil {
		return res, err
	}
	var rw *datasets.FieldWriter
	if o.Resim != "" {
		desc := "The controls of " + what + ", re-simulated with the true " + solver + " solver from each source case's true u0: " +
			"state u is the solver's, control f the generated one" + tail
		if rw, err = create(o.Resim, "resimulated", desc, res.Failed); err != nil {
			gw.Abort()
			return res, err
		}
		if err := fill(rw, o.Resim, resim); err != nil {
			rw.Abort()
			gw.Abort()
			return res, err
		}
	}
	if err := fill(gw, path, gen); err != nil {
		gw.Abort()
		if rw != nil {
			rw.Abort()
		}
		return res, err
	}
	if err := gw.Close(); err != nil {
		if rw != nil {
			rw.Abort()
		}
		return res, fmt.Errorf("wdno: %w", err)
	}
	if rw != nil {
		if err := rw.Close(); err != nil {
			return res, fmt.Errorf("wdno: %w (the generated dataset %s was written)", err, path)
		}
	}
	return res, nil
}

// resimulateBurgersRows re-simulates the generated controls of the cases ok (positions in batch, whose
// source indices batch holds) with the batched Burgers solver from each case's true u0, in groups of
// burgers.BatchWidth on every core. Rows come back in the order of ok with params (source_id,
// source_index); a case the solver blows up on is returned as a failure of stage "resim".
func resimulateBurgersRows(ctx context.Context, d *Data, batch, ok []int, truth, controls [][]float64, workers int) ([]datasets.FieldTrajectory, []GenerateFailure, error) {
	N, K, w := d.Cells*d.State, d.Frames-1, burgers.BatchWidth
	var rows []datasets.FieldTrajectory
	var failed []GenerateFailure
	type group struct {
		trajs [][]float64
		errs  []error
	}
	err := parallel.Ordered(ctx, 0, (len(ok)+w-1)/w, workers,
		func(ctx context.Context, gi int) (group, error) {
			s, err := burgers.NewBatchSolver(d.Params, w)
			if err != nil {
				return group{}, err
			}
			idx := ok[gi*w : min((gi+1)*w, len(ok))]
			u0s, fs := make([][]float64, len(idx)), make([][]float64, len(idx))
			for k, j := range idx {
				u0s[k], fs[k] = truth[j][:N], controls[j][:K*N]
			}
			trajs, errs, err := s.Solve(ctx, u0s, fs, nil)
			return group{trajs, errs}, err
		},
		func(gi int, r group) error {
			for k, j := range ok[gi*w : min((gi+1)*w, len(ok))] {
				i := batch[j]
				if r.errs[k] != nil {
					failed = append(failed, GenerateFailure{Case: i, ID: d.ID(i), Stage: "resim", Error: r.errs[k].Error()})
					continue
				}
				rows = append(rows, datasets.FieldTrajectory{State: r.trajs[k], Control: controls[j], Params: []float64{float64(d.ID(i)), float64(i)}})
			}
			return nil
		})
	return rows, failed, err
}
