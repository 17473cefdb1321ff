package wdno

import (
	"context"
	"fmt"
	"slices"

	"github.com/trajdiff/trajdiff/datasets"
	"github.com/trajdiff/trajdiff/internal/parallel"
)

// WriteGenerated's smoke rows. A smoke dataset stores S = Frames + 1 frames of (density, vx, vy) and
// (cx, cy) on the (x, y) grid, control row k being the band velocity held during the steps of stored
// frame k, which end at state k (pde/smoke), and per row the parameters x0, y0, size, the outcomes
// smoke_out, leakage, remaining, exit0..., and smoke_out_k for every stored frame. The models see frames
// 0..S-2; the generated rows keep the source's columns so that OpenData and trajdiff plot read them like
// test data, with source_id and source_index appended to the parameters.

// smokeGeneratedRow is a model's trajectory (u: Frames x Cells x 4, f: Frames x Cells x 2) of source case
// i as a row of the source's layout: the model's density, vx, vy and control on the frames it models and
// its share s(t_k) (the mean of its s channel over the cells) as smoke_out_k; the source's initial square
// x0, y0, size (the model's condition); zero for what no model generates: the state, control and
// smoke_out_k of the last stored frame and the outcomes smoke_out, leakage, remaining and exit counters.
func (d *Data) smokeGeneratedRow(i int, u, f []float64) (datasets.FieldTrajectory, error) {
	v, err := d.ds.Field(i)
	if err != nil {
		return datasets.FieldTrajectory{}, fmt.Errorf("wdno: %w", err)
	}
	T, C, S := d.Frames, d.Cells, d.Smoke.Stored
	state, control := make([]float64, S*C*3), make([]float64, S*C*smokeControl)
	params := make([]float64, d.Smoke.share+S, d.Smoke.share+S+2)
	for k := range 3 { // the initial square
		params[k] = v.Params.At(k)
	}
	for t := 0; t < T; t++ {
		var s float64
		for c := 0; c < C; c++ {
			o := t*C + c
			copy(state[o*3:o*3+3], u[o*smokeState:o*smokeState+3])
			s += u[o*smokeState+smokeS]
		}
		params[d.Smoke.share+t] = s / float64(C)
	}
	copy(control, f[:T*C*smokeControl])
	return datasets.FieldTrajectory{State: state, Control: control, Params: append(params, float64(d.ID(i)), float64(i))}, nil
}

// resimulateSmokeRows re-simulates the generated controls of the cases ok (positions in batch, whose
// source indices batch holds) with pde/smoke from each case's true initial square, in parallel, through
// the re-simulation that Evaluate scores (resimulateSmoke). Rows come back in the order of ok, each the
// solver's trajectory in the source's layout with source_id and source_index appended; a case the solver
// fails on is returned as a failure of stage "resim".
func resimulateSmokeRows(ctx context.Context, d *Data, batch, ok []int, truth, controls [][]float64, workers int) ([]datasets.FieldTrajectory, []GenerateFailure, error) {
	var rows []datasets.FieldTrajectory
	var failed []GenerateFailure
	N := d.Cells * smokeState
	type resim struct {
		row datasets.FieldTrajectory
		err error // the solver's failure on this control
	}
	err := parallel.Ordered(ctx, 0, len(ok), workers, func(ctx context.Context, k int) (resim, error) {
		j := ok[k]
		r, err := resimulateSmoke(ctx, d, batch[j], controls[j], truth[j][:N])
		if err != nil || r.Err != nil {
			return resim{err: r.Err}, err
		}
		return resim{row: r.row(d)}, nil
	}, func(k int, r resim) error {
		i := batch[ok[k]]
		if r.err != nil {
			failed = append(failed, GenerateFailure{Case: i, ID: d.ID(i), Stage: "resim", Error: r.err.Error()})
			return nil
		}
		r.row.Params = append(slices.Clip(r.row.Params), float64(d.ID(i)), float64(i))
		rows = append(rows, r.row)
		return nil
	})
	return rows, failed, err
}

// smokeGeneratedSpec is the field layout of d with source_id and source_index appended to smoke's
// parameters (replacing those of d's own source when d was generated itself).
func (d *Data) smokeGeneratedSpec() datasets.FieldSpec {
	spec := *d.ds.Metadata().Fields
	spec.Grid = slices.Clone(spec.Grid)
	spec.StateNames, spec.ControlNames = slices.Clone(spec.StateNames), slices.Clone(spec.ControlNames)
	spec.Extent = slices.Clone(spec.Extent)
	spec.ParamNames = append(slices.Clone(spec.ParamNames[:d.Smoke.share+d.Smoke.Stored]), ParamSourceID, ParamSourceIndex)
	spec.ParamDim = len(spec.ParamNames)
	return spec
}

// smokeGeneratedTail says what the columns of a generated smoke dataset hold.
const smokeGeneratedTail = "; density, vx, vy and control cx, cy on the source's grid and frames (control row k is held during the steps " +
	"that end at stored frame k), params the source's (x0, y0, size, smoke_out, leakage, remaining, exit counters, smoke_out_k) " +
	"then the source trajectory's dataset id (source_id) and its index in the source dataset (source_index); " +
	"cases without a row are listed in the generator parameters failed_cases and failed_errors"
