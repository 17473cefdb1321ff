//go:build cuda || trajdiff_cuda

package gpu

import (
	"fmt"
	"unsafe"

	"gorgonia.org/cu"

	"github.com/trajdiff/trajdiff/diffusion"
)

// Mixture is the exact denoiser of a Gaussian mixture under a process (diffusion.GaussianMixture's Denoiser) as
// one GPU kernel, so every solver runs end to end on the device without a trained network.
type Mixture struct {
	d        *Device
	p        diffusion.Process
	tab      *mixtureTables
	tables   [5]cu.DevicePtr // q, qt, mu, lam, logw (float64)
	pt, smem int
}

// NewMixture factors g (as diffusion does) and uploads its tables.
func NewMixture(d *Device, g *diffusion.GaussianMixture, p diffusion.Process) (*Mixture, error) {
	if p == nil {
		return nil, fmt.Errorf("gpu: mixture denoiser needs a process")
	}
	tab, err := newMixtureTables(g)
	if err != nil {
		return nil, err
	}
	m := &Mixture{d: d, p: p, tab: tab}
	if m.pt, m.smem, err = mixturePointsPerBlock(tab.d, d.info.SmemOptin); err != nil {
		return nil, err
	}
	if m.smem > mixtureSmemDefault {
		if err := d.do(func() error { return setMaxDynamicSmem(d.fn[kMixture], m.smem) }); err != nil {
			return nil, err
		}
	}
	for i, src := range [][]float64{tab.q, tab.qt, tab.mu, tab.lam, tab.logw} {
		bytes := 8 * int64(len(src))
		if m.tables[i], err = d.alloc(bytes); err == nil {
			err = d.copyHtoD(m.tables[i], unsafe.Pointer(&src[0]), bytes)
		}
		if err != nil {
			m.Close()
			return nil, fmt.Errorf("gpu: mixture tables: %w", err)
		}
	}
	return m, nil
}

// Dim is the data dimension.
func (m *Mixture) Dim() int { return m.tab.d }

// Denoise implements Denoiser: dst = D(x, t), enqueued on s.
func (m *Mixture) Denoise(s *Stream, dst, x Buffer, t float64) error {
	d := m.tab.d
	if x.n != dst.n || x.n%d != 0 {
		return fmt.Errorf("gpu: mixture denoiser of dimension %d: x has %d values, dst %d", d, x.n, dst.n)
	}
	a, sg := m.p.Alpha(t), m.p.Sigma(t)
	if !(sg > 0) && !(m.tab.minEigen > 0) {
		return fmt.Errorf("gpu: mixture denoiser at sigma = 0 needs positive-definite covariances")
	}
	npts := x.n / d
	if npts == 0 {
		return nil
	}
	blocks := (npts + m.pt - 1) / m.pt
	return s.d.do(func() error {
		return s.launch(kMixture, blocks, 1, mixtureThreads, m.smem,
			pArg(dst.ptr), pArg(x.ptr), iArg(int64(npts)), iArg(int64(d)), iArg(int64(m.tab.k)), iArg(int64(m.pt)),
			pArg(m.tables[0]), pArg(m.tables[1]), pArg(m.tables[2]), pArg(m.tables[3]), pArg(m.tables[4]), fArg(a), fArg(sg))
	})
}

// Close frees the tables.
func (m *Mixture) Close() error {
	var first error
	for i, p := range m.tables {
		if err := m.d.free(p); err != nil && first == nil {
			first = err
		}
		m.tables[i] = 0
	}
	return first
}
