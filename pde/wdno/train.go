package wdno

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"gorgonia.org/tensor"

	"github.com/trajdiff/trajdiff/train"
)

// Trainer prepares the training run of c: it opens the dataset, fits the layout's scales when the
// configuration has none, and returns a train.Trainer whose examples are the encoded trajectories of
// c's task, with the task's known entries (condition and padding) carried clean in the noisy input
// (inpainting; for eps prediction their target is 0, as in the reference). Close the returned Data when
// the run is over.
func (c Config) Trainer() (*train.Trainer, *Data, error) {
	if c.Task == TaskSuperres {
		return c.superresTrainer()
	}
	task, err := c.task()
	if err != nil {
		return nil, nil, err
	}
	d, err := OpenData(c.Data.Path)
	if err != nil {
		return nil, nil, err
	}
	fail := func(err error) (*train.Trainer, *Data, error) {
		d.Close()
		return nil, nil, err
	}
	if task == Control && !d.IsBurgers() && !d.IsSmoke() {
		return fail(fmt.Errorf("wdno: control is defined for Burgers and smoke; %s comes from %q", d.Path, d.Generator.Name))
	}
	if task == Estimate && d.IsSmoke() {
		return fail(fmt.Errorf("wdno: smoke models simulate or control; estimation is defined for the 1-D systems"))
	}
	c.Layout = d.layout(c.Layout)
	if c.Layout.Scales == nil {
		n := c.Data.ScaleExamples
		if n == 0 {
			n = 1000
		}
		if c.Layout.Scales, err = FitScales(c.Layout, d, n); err != nil {
			return fail(err)
		}
	}
	l, err := NewLayout(c.Layout)
	if err != nil {
		return fail(err)
	}
	c.Layout = l.Config()
	if d.IsBurgers() {
		p := d.Params
		c.Solver = &p
	}
	c.Dataset = &d.Generator
	if err := checkWidth(c.Network, l.Shape(), l.Known(task)); err != nil {
		return fail(err)
	}
	net, err := c.Network.New(tensor.Float32, c.Train.Seed)
	if err != nil {
		return fail(fmt.Errorf("wdno: %w", err))
	}
	if net.Dim() != l.Dim() || (len(net.Shape()) > 1 && !slices.Equal(net.Shape(), l.Shape())) {
		return fail(fmt.Errorf("wdno: the network takes %v, the layout gives images of %v", net.Shape(), l.Shape()))
	}
	if net.CondDim() != 0 {
		return fail(fmt.Errorf("wdno: conditioning is by inpainting; the network must be unconditional (cond_dim %d)", net.CondDim()))
	}
	src, err := newSource(d, l, task, c.Train.Batch, c.Train.Seed)
	if err != nil {
		return fail(err)
	}
	var inpaint []int
	for i, k := range l.Known(task) {
		if k {
			inpaint = append(inpaint, i)
		}
	}
	extra, err := json.Marshal(c)
	if err != nil {
		return fail(fmt.Errorf("wdno: %w", err))
	}
	return &train.Trainer{Spec: c.Network, Objective: c.Objective, Source: src, Inpaint: inpaint, Options: c.Train,
		Dir: c.Out, Extra: extra}, d, nil
}

// Train runs c (resuming from its run directory's latest checkpoint when resume is set).
func Train(ctx context.Context, c Config, resume bool, progress func(train.Status)) (*train.Result, error) {
	tr, d, err := c.Trainer()
	if err != nil {
		return nil, err
	}
	defer d.Close()
	tr.Resume, tr.Progress = resume, progress
	res, err := tr.Run(ctx)
	if err != nil {
		return nil, fmt.Errorf("wdno: %w", err)
	}
	return res, nil
}
