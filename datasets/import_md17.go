package datasets

import (
	"context"
	"fmt"
	"math"
	"path/filepath"

	"github.com/trajdiff/trajdiff/datasets/npy"
)

// MD17Options configure ImportMD17.
type MD17Options struct {
	// FramesPerTrajectory cuts the single MD trajectory into consecutive trajectories of this
	// many frames (the last partial one is dropped and counted in the report). 0 keeps all frames
	// in one trajectory.
	FramesPerTrajectory int
	// Every keeps every Every-th frame of the MD trajectory (frames 0, Every, 2 Every, ...) before
	// anything else; 0 or 1 keeps all. GeoTDM: 10.
	Every int
	// Split keeps one chronological part of the n subsampled frames: "train" the first 60%, "val" the
	// next 20%, "test" the last 20% (GeoTDM's 60/20/20), with boundaries int(0.6 n) and int(0.8 n) in
	// float64 as GeoTDM computes them. "" keeps all frames.
	Split string
	// Windows > 0 makes this many trajectories of FramesPerTrajectory frames (required then) from the
	// kept frames of length L, starting at multiples of stride floor((L - FramesPerTrajectory + 1) /
	// Windows): overlapping windows when Windows exceeds L / FramesPerTrajectory. More windows than
	// window starts (a stride below 1) is an error; GeoTDM instead caps the count at the number of
	// starts. GeoTDM: 30 frames, 5000 train, 256 val, 1000 test windows. 0 cuts the kept frames into
	// consecutive trajectories as FramesPerTrajectory says.
	Windows int
	// Features selects the node features: "z" (default) the atomic number as one feature, "geotdm"
	// GeoTDM's 30 per atom, onehot(z, 10) x (z/10)^{0,1,2} (feature 3c+p is [z == c] (z/10)^p).
	Features string
	Write    WriteOptions
}

// MD17 node feature kinds of MD17Options.Features.
const (
	MD17FeaturesZ      = "z"
	MD17FeaturesGeoTDM = "geotdm"
)

// md17SplitRatios are GeoTDM's chronological train/val/test fractions. They are variables so that the
// boundaries are computed in float64 as GeoTDM's Python does (int(n*0.6), int(n*(0.6+0.2)), truncated),
// not from Go's exact constant arithmetic.
var md17SplitRatios = [3]float64{0.6, 0.2, 0.2}

// md17SplitBounds returns the chronological [lo, hi) frame range of split among n frames.
func md17SplitBounds(split string, n int) (lo, hi int, err error) {
	r := md17SplitRatios
	at := func(f float64) int { return int(float64(n) * f) }
	switch split {
	case "":
		return 0, n, nil
	case "train":
		return 0, at(r[0]), nil
	case "val":
		return at(r[0]), at(r[0] + r[1]), nil
	case "test":
		return at(r[0] + r[1]), min(n, at(r[0]+r[1]+r[2])), nil
	}
	return 0, 0, fmt.Errorf("md17: unknown split %q (want train, val or test)", split)
}

// md17Features returns the node features of atomic numbers zs and their names.
func md17Features(kind string, zs []int64) ([]float64, []string, error) {
	switch kind {
	case "", MD17FeaturesZ:
		feat := make([]float64, len(zs))
		for i, v := range zs {
			feat[i] = float64(v)
		}
		return feat, []string{"atomic_number"}, nil
	case MD17FeaturesGeoTDM:
		const classes, powers = 10, 3
		feat := make([]float64, 0, len(zs)*classes*powers)
		for i, v := range zs {
			if v < 0 || v >= classes {
				return nil, nil, fmt.Errorf("md17: features geotdm one-hot encode atomic numbers 0..9, atom %d has %d", i, v)
			}
			for c := int64(0); c < classes; c++ {
				for p := 0; p < powers; p++ {
					x := 0.0
					if c == v {
						x = math.Pow(float64(v)/classes, float64(p))
					}
					feat = append(feat, x)
				}
			}
		}
		names := make([]string, 0, classes*powers)
		for c := 0; c < classes; c++ {
			for p := 0; p < powers; p++ {
				names = append(names, fmt.Sprintf("z%d_pow%d", c, p))
			}
		}
		return feat, names, nil
	}
	return nil, nil, fmt.Errorf("md17: unknown features %q (want z or geotdm)", kind)
}

// ImportMD17 converts an sGDML MD17 .npz file (keys R: frames x atoms x 3 positions in Angstrom,
// z: atomic numbers, E: energies in kcal/mol, F: forces in kcal/mol/Angstrom, and the strings
// name, theory, md5) into a geometric dataset: positions, forces, energies, and the atomic
// number as the single node feature (or GeoTDM's 30, see MD17Options.Features). The options can
// subsample the frames, keep a chronological split of them and cut it into windows: GeoTDM's protocol
// is Every 10, Split train/val/test, FramesPerTrajectory 30 and Windows 5000/256/1000.
//
// Checked against GeoTDM's datasets/md17.py (hanjq17/GeoTDM, read, not run): subsampling keeps frames
// 0, Every, 2 Every, ...; the split boundaries truncate n*0.6 and n*(0.6+0.2) in float64; window k
// starts at k*stride, stride = (L - 30 + 1) div count, count = min(5000 train or 1000 val/test, capped
// at 256 for val by its config, L - 30 + 1). One difference remains: GeoTDM drops the last MD frame
// before subsampling (it pairs frames with velocities x[t+1] - x[t]), so when (frames - 1) is a
// multiple of Every it has one subsampled frame fewer than this importer (not so for aspirin's
// 211762 frames at Every 10), which can move the split boundaries by one frame. GeoTDM's windows are
// not checked against a real MD17 file here: none was at hand.
func ImportMD17(ctx context.Context, npzPath, outPath string, o MD17Options) (ImportReport, error) {
	var rep ImportReport
	// Options that need no data are checked before the (possibly large) file is read.
	switch _, _, err := md17SplitBounds(o.Split, 0); {
	case err != nil:
		return rep, err
	case o.Every < 0:
		return rep, fmt.Errorf("md17: every %d: want a positive frame step", o.Every)
	case o.FramesPerTrajectory < 0 || o.Windows < 0:
		return rep, fmt.Errorf("md17: %d frames per trajectory and %d windows must not be negative", o.FramesPerTrajectory, o.Windows)
	case o.Windows > 0 && o.FramesPerTrajectory == 0:
		return rep, fmt.Errorf("md17: %d windows need a window length (frames per trajectory)", o.Windows)
	}
	if _, _, err := md17Features(o.Features, nil); err != nil {
		return rep, err
	}
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
	every := max(o.Every, 1)
	kept := (M + every - 1) / every
	lo, hi, err := md17SplitBounds(o.Split, kept)
	if err != nil {
		return rep, err
	}
	L := hi - lo
	if L < 1 {
		return rep, fmt.Errorf("md17: split %q of %d frames (%d every %d) is empty", o.Split, kept, M, every)
	}
	// frames lists the source frame indices kept, in order.
	frames := make([]int, L)
	for i := range frames {
		frames[i] = (lo + i) * every
	}
	T := o.FramesPerTrajectory
	if T == 0 {
		T = L
	}
	if T > L {
		return rep, fmt.Errorf("md17: %d frames per trajectory for %d frames (%d every %d, split %q)", T, L, M, every, o.Split)
	}
	// starts lists the first kept-frame index of each trajectory.
	var starts []int
	stride := T
	if o.Windows > 0 {
		stride = (L - T + 1) / o.Windows
		if stride < 1 {
			return rep, fmt.Errorf("md17: %d windows of %d frames do not fit %d frames (%d window starts; %d every %d, split %q)",
				o.Windows, T, L, L-T+1, M, every, o.Split)
		}
		for k := 0; k < o.Windows; k++ {
			starts = append(starts, k*stride)
		}
	} else {
		for k := 0; k+T <= L; k += T {
			starts = append(starts, k)
		}
		rep.DroppedFrames = L % T
	}
	feat, featNames, err := md17Features(o.Features, zs)
	if err != nil {
		return rep, err
	}
	featureKind := o.Features
	if featureKind == "" {
		featureKind = MD17FeaturesZ
	}
	str := func(key string) string {
		if a, ok := arrs[key]; ok {
			if s, err := a.Strings(); err == nil && len(s) == 1 {
				return s[0]
			}
		}
		return ""
	}
	spec := GeometricSpec{Frames: T, Nodes: N, SpatialDim: 3, NodeFeatureDim: len(featNames), Forces: forces != nil, Energies: energies != nil,
		NodeFeatureNames: featNames}
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
		if len(featNames) > 1 {
			opts.Units[ColNodeFeatures] = "1"
		}
	}
	if opts.Generator.Name == "" {
		opts.Generator = Generator{Name: "sgdml-md17", Params: map[string]any{
			"source": filepath.Base(npzPath), "name": str("name"), "theory": str("theory"), "md5": str("md5"), "frames": M,
			"every": every, "split": o.Split, "split_frames": []int{lo * every, hi * every}, "windows": o.Windows, "stride": stride * every,
			"features": featureKind}}
	}
	w, err := CreateGeometric(outPath, spec, opts)
	if err != nil {
		return rep, err
	}
	gather := func(src []float64, width, k int) []float64 {
		out := make([]float64, 0, T*width)
		for _, f := range frames[k : k+T] {
			out = append(out, src[f*width:(f+1)*width]...)
		}
		return out
	}
	for _, k := range starts {
		if err := ctx.Err(); err != nil {
			w.Abort()
			return rep, err
		}
		tr := GeometricTrajectory{Positions: gather(pos, N*3, k), NodeFeatures: feat}
		if forces != nil {
			tr.Forces = gather(forces, N*3, k)
		}
		if energies != nil {
			tr.Energies = gather(energies, 1, k)
		}
		if err := w.Write(tr); err != nil {
			w.Abort()
			return rep, err
		}
		rep.Trajectories++
		rep.Rows++
	}
	return rep, w.Close()
}
