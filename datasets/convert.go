package datasets

import (
	"context"
	"fmt"
)

// Rewrite copies dataset d to path with new write options (format, compression, dtype, shards).
// Generator, units and description are kept unless opts sets them; statistics are recomputed by
// the writer. progress, when set, receives (done, total) trajectories/episodes.
func Rewrite(ctx context.Context, d *Dataset, path string, opts WriteOptions, progress func(done, total int)) error {
	md := d.Metadata()
	if opts.Generator.Name == "" {
		opts.Generator = md.Generator
	}
	if opts.Units == nil {
		opts.Units = md.Units
	}
	if opts.Description == "" {
		opts.Description = md.Description
	}
	// f64 widens a column of the current unit into that column's scratch slice, reused from unit to unit (the
	// writers copy what they are given).
	scratch := map[string][]float64{}
	f64 := func(col string, t Tensor) []float64 {
		if t.Len() == 0 && t.Shape == nil {
			return nil
		}
		b := t.AppendFloat64(scratch[col][:0])
		scratch[col] = b
		return b
	}
	var (
		write func(i int) error
		close func() error
		abort func()
	)
	switch md.Kind {
	case Episodes:
		w, err := CreateEpisodes(path, *md.Episodes, opts)
		if err != nil {
			return err
		}
		write = func(i int) error {
			v, err := d.Episode(i)
			if err != nil {
				return err
			}
			ep := Episode{Observations: f64(ColObservations, v.Observations), Actions: f64(ColActions, v.Actions),
				Rewards: f64(ColRewards, v.Rewards), Terminals: v.Terminals, Timeouts: v.Timeouts, Infos: map[string][]float64{}}
			for k, t := range v.Infos {
				ep.Infos[k] = f64(InfoPrefix+k, t)
			}
			return w.Write(ep)
		}
		close, abort = w.Close, w.Abort
	case Geometric:
		w, err := CreateGeometric(path, *md.Geometric, opts)
		if err != nil {
			return err
		}
		write = func(i int) error {
			v, err := d.Trajectory(i)
			if err != nil {
				return err
			}
			var edges []int32
			if md.Geometric.Edges {
				edges = v.Edges
			}
			return w.Write(GeometricTrajectory{Positions: f64(ColPositions, v.Positions), Velocities: f64(ColVelocities, v.Velocities),
				Forces: f64(ColForces, v.Forces), Energies: f64(ColEnergies, v.Energies), NodeFeatures: f64(ColNodeFeatures, v.NodeFeatures),
				Edges: edges, Params: f64(ColParams, v.Params)})
		}
		close, abort = w.Close, w.Abort
	case Fields:
		w, err := CreateFields(path, *md.Fields, opts)
		if err != nil {
			return err
		}
		write = func(i int) error {
			v, err := d.Field(i)
			if err != nil {
				return err
			}
			return w.Write(FieldTrajectory{State: f64(ColState, v.State), Control: f64(ColControl, v.Control), Params: f64(ColParams, v.Params)})
		}
		close, abort = w.Close, w.Abort
	default:
		return fmt.Errorf("rewrite: unknown kind %v", md.Kind)
	}
	for i := 0; i < d.Len(); i++ {
		if err := ctx.Err(); err != nil {
			abort()
			return err
		}
		if err := write(i); err != nil {
			abort()
			return fmt.Errorf("rewrite %s: %w", path, err)
		}
		if progress != nil {
			progress(i+1, d.Len())
		}
	}
	return close()
}
