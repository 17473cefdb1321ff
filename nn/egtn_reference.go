package nn

import (
	G "gorgonia.org/gorgonia"
)

// ReferenceNet returns the network whose output is m's input plus its reference x_r: GeoTDM's learned
// equivariant prior, the condition frames' centroid ("com"), or 0 without a prior. Predicted at x = 0 it
// gives x_r itself, the point the process runs around: Forward reads the state z as z + (1 - alpha(t)) x_r
// (SignalUser), so a sampler that wants the interpolant's own coordinates x = z + (1 - alpha) x_r (or that
// combines two networks with different priors, geotdm.Pair) needs it. It shares m's parameters (it follows
// m's weights) and takes m's condition; t is ignored.
func (m *EGTN) ReferenceNet() Net { return egtnReference{m} }

type egtnReference struct{ m *EGTN }

func (r egtnReference) Shape() []int    { return r.m.Shape() }
func (r egtnReference) Dim() int        { return r.m.Dim() }
func (r egtnReference) CondDim() int    { return r.m.CondDim() }
func (r egtnReference) Params() *Params { return r.m.Params() }
func (r egtnReference) Spec() Spec      { return r.m.Spec() }

// Forward is x + x_r: EGTN.Forward's prior, mixed in with weight 1 (SignalMix at alpha = 0).
func (r egtnReference) Forward(b *Builder, x, t, cond, keep *G.Node) *G.Node {
	if !checkForward(b, r.m, x, t, cond, keep) {
		return nil
	}
	c := r.m.cfg
	B, N, D := x.Shape()[0], c.Nodes, c.SpatialDim
	Tc, Tf := len(c.CondFrames), len(c.TargetFrames)
	z := b.Reshape(x, B, Tf*N*D)
	var xr *G.Node
	switch c.Prior {
	case "learned":
		xc := b.SliceCols(cond, 0, Tc*N*D)
		nf := b.SliceCols(cond, Tc*N*D, N*c.NodeFeatures)
		var ef *G.Node
		if w := c.Edges() * c.EdgeFeatures; w > 0 {
			ef = b.SliceCols(cond, Tc*N*D+N*c.NodeFeatures, w)
		}
		xr = r.m.learnedPrior(b, xc, nf, ef, B)
	case "com":
		xr = b.Centroid(b.SliceCols(cond, 0, Tc*N*D), Tc*N, Tf*N, D)
	default:
		return b.Reshape(z, B, Tf, N, D)
	}
	return b.Reshape(b.SignalMix(z, xr, t, func(float64) float64 { return 0 }), B, Tf, N, D)
}

// PriorOutputUser is a network whose output adds a(t) x_r, the share of its prior x_r in the prediction
// it is trained on (EGTNConfig.PriorOutput): with x = z + (1 - alpha) x_r and a prediction A(t) x0 +
// B(t) eps of the process on z, a translation c of the data moves the prediction by A c, so the network
// outputs a translation-invariant u and the prediction u + A(t) x_r (a = A: 0 for eps, 1 for x0, alpha'
// for velocity). The trainer and the model loader call UsePriorOutput before Forward.
type PriorOutputUser interface {
	UsePriorOutput(a func(t float64) float64)
	NeedsPriorOutput() bool
}

// UsePriorOutput implements PriorOutputUser.
func (m *EGTN) UsePriorOutput(a func(t float64) float64) { m.share = a }

// NeedsPriorOutput implements PriorOutputUser: true with EGTNConfig.PriorOutput.
func (m *EGTN) NeedsPriorOutput() bool { return m.cfg.PriorOutput }

// addPriorShare returns u + a(t) x_r for u, x_r [B, Tf*N*D] (SignalMix with 1 - alpha = a).
func (m *EGTN) addPriorShare(b *Builder, u, xr, t *G.Node) *G.Node {
	if m.share == nil {
		return b.failf("egtn: prior_output needs the prior's share of the prediction (UsePriorOutput)")
	}
	return b.SignalMix(u, xr, t, func(t float64) float64 { return 1 - m.share(t) })
}
