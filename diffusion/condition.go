package diffusion

import (
	"fmt"
	"math"
)

// Inpaint clamps known entries of every point to given values after each step, the conditioning Diffuser
// (Janner et al. 2022, Sec. 3.2) uses to fix the start and goal states of a plan. Mask has one entry per
// dimension; Values holds either Dim values (the same for every point) or one row per point of the batch.
type Inpaint struct {
	Mask   []bool
	Values []float64
}

// Condition implements Conditioner.
func (c *Inpaint) Condition(x []float64, t, alpha, sigma float64) error {
	d := len(c.Mask)
	if d == 0 || len(x)%d != 0 {
		return fmt.Errorf("diffusion: inpaint mask of %d dimensions does not divide a batch of %d values", d, len(x))
	}
	shared := len(c.Values) == d
	if !shared && len(c.Values) != len(x) {
		return fmt.Errorf("diffusion: inpaint has %d values, want %d (one point) or %d (the batch)", len(c.Values), d, len(x))
	}
	for p := 0; p < len(x)/d; p++ {
		for i, m := range c.Mask {
			if !m {
				continue
			}
			if shared {
				x[p*d+i] = c.Values[i]
			} else {
				x[p*d+i] = c.Values[p*d+i]
			}
		}
	}
	return nil
}

// Guided is classifier-free guidance (Ho & Salimans 2022): D = D_u + w (D_c - D_u), combining a conditional
// and an unconditional denoiser; w = 1 is the conditional model alone, w > 1 sharpens the condition. It is not
// safe for concurrent use.
type Guided struct {
	Cond, Uncond Denoiser
	Scale        float64
	scratch      []float64
}

func (g *Guided) Dim() int { return g.Cond.Dim() }

func (g *Guided) Denoise(dst, x []float64, t float64) error {
	if g.Cond.Dim() != g.Uncond.Dim() {
		return fmt.Errorf("diffusion: guidance: conditional dimension %d != unconditional %d", g.Cond.Dim(), g.Uncond.Dim())
	}
	if cap(g.scratch) < len(x) {
		g.scratch = make([]float64, len(x))
	}
	u := g.scratch[:len(x)]
	if err := g.Uncond.Denoise(u, x, t); err != nil {
		return fmt.Errorf("unconditional: %w", err)
	}
	if err := g.Cond.Denoise(dst, x, t); err != nil {
		return fmt.Errorf("conditional: %w", err)
	}
	for i := range dst {
		dst[i] = u[i] + g.Scale*(dst[i]-u[i])
	}
	return nil
}

// ClipX0 returns an x0-correction that clips every prediction to [lo, hi] (DDPM's clip_denoised).
func ClipX0(lo, hi float64) func(x0, x []float64, t float64) error {
	return func(x0, _ []float64, _ float64) error {
		for i, v := range x0 {
			x0[i] = math.Min(math.Max(v, lo), hi)
		}
		return nil
	}
}
