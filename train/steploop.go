package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"

	G "gorgonia.org/gorgonia"

	"github.com/trajdiff/trajdiff/nn"
	"github.com/trajdiff/trajdiff/nn/safetensors"
)

// stepLoop is the bookkeeping every optimisation step of a run shares, denoising or regression: the
// optimiser, the EMA weights, the metrics log, progress and checkpoints.
type stepLoop struct {
	t          *Trainer
	opt        Options
	adam       *nn.Adam
	model, ema *nn.Params
	log        *metricsLog
	checkpoint func(step int, loss float64) error
	began      time.Time
	start      int // the first step of this process (the resumed step)
}

// finish completes step after the graph ran with loss l (runErr its error): a non-finite loss or
// gradient norm gn stops the run with ErrNonFinite and keeps the last good checkpoint; otherwise Adam
// steps at the scheduled rate, the EMA weights follow, the metrics and progress are reported, and a
// checkpoint is written when due.
func (s *stepLoop) finish(step int, l float64, runErr error, gn float64, grads []G.ValueGrad) error {
	opt := s.opt
	if runErr != nil && !math.IsNaN(l) && !math.IsInf(l, 0) {
		return fmt.Errorf("train: step %d: %w", step, runErr)
	}
	if math.IsNaN(l) || math.IsInf(l, 0) || math.IsNaN(gn) || math.IsInf(gn, 0) {
		return fmt.Errorf("train: step %d: loss %v, gradient norm %v: %w (the last good checkpoint is kept)", step, l, gn, ErrNonFinite)
	}
	lr := opt.LearningRate(step)
	s.adam.SetLR(lr)
	if err := s.adam.Step(grads); err != nil {
		return fmt.Errorf("train: step %d: %w", step, err)
	}
	if opt.EMADecay > 0 {
		if err := s.ema.Lerp(s.model, opt.EMADecayAt(step)); err != nil {
			return err
		}
	} else if err := s.ema.CopyFrom(s.model); err != nil {
		return err
	}
	done := step + 1
	rate := float64(done-s.start) / math.Max(time.Since(s.began).Seconds(), 1e-9)
	if s.log != nil && (done%opt.LogEvery == 0 || done == opt.Steps) {
		if err := s.log.Write(Metric{Step: done, Loss: l, LR: lr, GradNorm: gn, StepsPerSec: rate, Time: time.Now().UTC().Format(time.RFC3339)}); err != nil {
			return err
		}
	}
	if s.t.Progress != nil {
		s.t.Progress(Status{Step: done, Steps: opt.Steps, Loss: l, LR: lr, GradNorm: gn, StepsPerSec: rate,
			ETA: time.Duration(float64(opt.Steps-done) / rate * float64(time.Second))})
	}
	if (opt.CheckpointEvery > 0 && done%opt.CheckpointEvery == 0) || done == opt.Steps {
		return s.checkpoint(done, l)
	}
	return nil
}

// resumeRun starts a run's state: with t.Resume and a run directory it restores the newest checkpoint
// (restore reads it into the model, EMA weights and optimiser and returns its step); a fresh run starts
// from Options.Init's weights when it names a checkpoint, and its EMA weights at the model's otherwise. It
// then opens the metrics log (nil without a run directory), which drops the lines of steps after the
// resumed one. It returns the step to start from.
func (t *Trainer) resumeRun(restore func(ckpt string) (int, error), model, ema *nn.Params) (int, *metricsLog, error) {
	start := 0
	if t.Resume && t.Dir != "" {
		ckpt, err := LatestCheckpoint(t.Dir)
		switch {
		case errors.Is(err, ErrNoCheckpoint):
		case err != nil:
			return 0, nil, err
		default:
			if start, err = restore(ckpt); err != nil {
				return 0, nil, err
			}
		}
	}
	if start == 0 {
		if err := t.startWeights(model, ema); err != nil {
			return 0, nil, err
		}
	}
	if t.Dir == "" {
		return start, nil, nil
	}
	if err := os.MkdirAll(t.Dir, 0o777); err != nil {
		return 0, nil, fmt.Errorf("train: run directory: %w", err)
	}
	log, err := openMetrics(filepath.Join(t.Dir, metricsFile), start)
	return start, log, err
}

// startWeights gives a fresh run its first weights: Options.Init's weights and EMA weights when set (the
// checkpoint must hold the same network in the same precision), else the model's own initialisation, which
// the EMA weights copy.
func (t *Trainer) startWeights(model, ema *nn.Params) error {
	if t.Options.Init == "" {
		return ema.CopyFrom(model)
	}
	ckpt, st, err := readCheckpoint(t.Options.Init)
	if err != nil {
		return fmt.Errorf("train: init: %w", err)
	}
	if a, b, same := t.sameNetwork(st); !same {
		return fmt.Errorf("train: init checkpoint %s holds network %s, this run trains %s", ckpt, a, b)
	}
	if dt := t.dtype(); st.dtype() != dt {
		return fmt.Errorf("train: init checkpoint %s is in %v, this run trains in %v", ckpt, st.dtype(), dt)
	}
	if err := loadModelAndEMA(ckpt, model, ema); err != nil {
		return fmt.Errorf("train: init checkpoint %s: %w", ckpt, err)
	}
	return nil
}

// loadModelAndEMA reads a checkpoint's weights and EMA weights.
func loadModelAndEMA(ckpt string, model, ema *nn.Params) error {
	if _, err := model.Load(filepath.Join(ckpt, modelFile)); err != nil {
		return err
	}
	_, err := ema.Load(filepath.Join(ckpt, emaFile))
	return err
}

// loadRunState reads a checkpoint's weights, EMA weights and optimiser state into a run being resumed
// (params are the optimised parameters, in the order the optimiser state was saved).
func loadRunState(ckpt string, model, ema *nn.Params, adam *nn.Adam, params []*nn.Param) error {
	if err := loadModelAndEMA(ckpt, model, ema); err != nil {
		return err
	}
	ts, _, err := safetensors.ReadFile(filepath.Join(ckpt, optimizerFile))
	if err != nil {
		return err
	}
	if len(ts) > 0 {
		return adam.SetStateTensors(params, ts)
	}
	return nil
}

// newAdam is the run's optimiser.
func (o Options) newAdam() (*nn.Adam, error) {
	return nn.NewAdam(nn.AdamConfig{LR: o.LR, Beta1: o.Beta1, Beta2: o.Beta2, Eps: o.Eps, WeightDecay: o.WeightDecay, ClipNorm: o.ClipNorm})
}

// cancelled returns ctx's error when the run was cancelled before step, after saving a checkpoint at
// step (loss the last step's) if this process made progress, so that a resumed run continues there.
func (s *stepLoop) cancelled(ctx context.Context, step int, loss float64) error {
	err := ctx.Err()
	if err == nil || step <= s.start {
		return err
	}
	if cerr := s.checkpoint(step, loss); cerr != nil {
		return errors.Join(err, cerr)
	}
	return err
}
