package diffusion

// history keeps the most recent model outputs of a multistep solver, newest first, each with the
// coefficients of the time it was evaluated at.
type history struct {
	b     *builder
	max   int
	bufs  []int
	coefs []Coefficients
}

func newHistory(b *builder, max int) *history { return &history{b: b, max: max} }

// push records a new output buffer evaluated at c and drops entries beyond max.
func (h *history) push(buf int, c Coefficients) {
	h.bufs = append([]int{buf}, h.bufs...)
	h.coefs = append([]Coefficients{c}, h.coefs...)
	for len(h.bufs) > h.max {
		n := len(h.bufs) - 1
		h.b.release(h.bufs[n])
		h.bufs, h.coefs = h.bufs[:n], h.coefs[:n]
	}
}

// dropZeroSignal forgets outputs evaluated at zero signal (lambda = -Inf): in a log-SNR multistep formula
// their weight tends to zero, so the limit is the lower-order formula without them.
func (h *history) dropZeroSignal() {
	for i := len(h.bufs) - 1; i >= 0; i-- {
		if zeroSignal(h.coefs[i]) {
			h.b.release(h.bufs[i])
			h.bufs = append(h.bufs[:i], h.bufs[i+1:]...)
			h.coefs = append(h.coefs[:i], h.coefs[i+1:]...)
		}
	}
}

func (h *history) len() int { return len(h.bufs) }
