package datasets

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/trajdiff/trajdiff/datasets/npy"
)

// MD17Options configure ImportMD17.
type MD17Options struct {
	// FramesPerTrajectory cuts the single MD trajectory into consecutive trajectories of this
	// many frames (the last partial one is dropped and counted in the report). 0 keeps all frames
	// in one trajectory.
	FramesPerTrajectory int
	Write               WriteOptions
}

// ImportMD17 converts an sGDML MD17 .npz file (keys R: frames x atoms x 3 positions in Angstrom,
// z: atomic numbers, E: energies in kcal/mol, F: forces in kcal/mol/Angstrom, and the strings
// name, theory, md5) into a geometric dataset: positions, forces, energies, and the atomic
// number as the single node feature.
func ImportMD17(ctx context.Context, npzPath, outPath string, o MD17Options) (ImportReport, error) {
	var rep ImportReport
	arrs, err := npy.ReadNPZ(npzPath)
	if err != nil {
		return rep, fmt.Errorf("md17: %w", err)
	}
	R, ok := arrs["R"]
	if !ok || len(R.Shape) != 3 || R.Shape[2] != 3 {
		return rep, fmt.Errorf("md17: %s: want an array R of shape (frames, atoms, 3), have keys %v", npzPath, npy.Keys(arrs))
	}
	M, N := R.Shape[0], R.Shape[1]
	z, ok := arrs["z"]
	if !ok || z.Len() != N {
		return rep, fmt.Errorf("md17: %s: want z with %d atomic numbers", npzPath, N)
	}
	pos, err := R.Float64s()
	if err != nil {
		return rep, fmt.Errorf("md17: R: %w", err)
	}
	zs, err := z.Int64s()
	if err != nil {
		return rep, fmt.Errorf("md17: z: %w", err)
	}
	var forces, energies []float64
	if F, ok := arrs["F"]; ok {
		if F.Len() != M*N*3 {
			return rep, fmt.Errorf("md17: F has shape %v, want (%d, %d, 3)", F.Shape, M, N)
		}
		if forces, err = F.Float64s(); err != nil {
			return rep, fmt.Errorf("md17: F: %w", err)
		}
	}
	if E, ok := arrs["E"]; ok {
		if E.Len() != M {
			return rep, fmt.Errorf("md17: E has shape %v, want %d energies", E.Shape, M)
		}
		if energies, err = E.Float64s(); err != nil {
			return rep, fmt.Errorf("md17: E: %w", err)
		}
	}
	T := o.FramesPerTrajectory
	if T == 0 {
		T = M
	}
	if T < 1 || T > M {
		return rep, fmt.Errorf("md17: %d frames per trajectory for %d frames", T, M)
	}
	str := func(key string) string {
		if a, ok := arrs[key]; ok {
			if s, err := a.Strings(); err == nil && len(s) == 1 {
				return s[0]
			}
		}
		return ""
	}
	spec := GeometricSpec{Frames: T, Nodes: N, SpatialDim: 3, NodeFeatureDim: 1, Forces: forces != nil, Energies: energies != nil,
		NodeFeatureNames: []string{"atomic_number"}}
	opts := o.Write
	if opts.Units == nil {
		opts.Units = map[string]string{ColPositions: "angstrom"}
		if forces != nil {
			opts.Units[ColForces] = "kcal/mol/angstrom"
		}
		if energies != nil {
			opts.Units[ColEnergies] = "kcal/mol"
		}
		opts.Units[ColNodeFeatures] = "atomic number"
	}
	if opts.Generator.Name == "" {
		opts.Generator = Generator{Name: "sgdml-md17", Params: map[string]any{
			"source": filepath.Base(npzPath), "name": str("name"), "theory": str("theory"), "md5": str("md5"), "frames": M}}
	}
	w, err := CreateGeometric(outPath, spec, opts)
	if err != nil {
		return rep, err
	}
	feat := make([]float64, N)
	for i, v := range zs {
		feat[i] = float64(v)
	}
	for k := 0; k+T <= M; k += T {
		if err := ctx.Err(); err != nil {
			w.Abort()
			return rep, err
		}
		tr := GeometricTrajectory{Positions: pos[k*N*3 : (k+T)*N*3], NodeFeatures: feat}
		if forces != nil {
			tr.Forces = forces[k*N*3 : (k+T)*N*3]
		}
		if energies != nil {
			tr.Energies = energies[k : k+T]
		}
		if err := w.Write(tr); err != nil {
			w.Abort()
			return rep, err
		}
		rep.Trajectories++
		rep.Rows++
	}
	rep.DroppedFrames = M % T
	return rep, w.Close()
}
