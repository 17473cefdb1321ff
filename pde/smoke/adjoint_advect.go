package smoke

// advectBackward transposes the density advection of step t: given rbar, the adjoint of the advected
// density, it sets rbar to the adjoint of the density before the step and adds the advection's
// dependence on the projected velocity to vxb, vyb.
//
// Conservative scheme: next_c = sum_q w_cq z_s (s = src_cq, z_s = d_s / colsum_s, colsum_s = sum of the
// weights sampling s), plus the forward pushes of unsampled cells. Hence zbar_s = sum over samplers of
// nbar_c w_cq, dbar_s = zbar_s / colsum_s, and each weight gets wbar_cq = nbar_c z_s - zbar_s z_s /
// colsum_s (directly and through colsum_s). Plain scheme: next_c = sum_q w_cq d_s.
func (a *Adjoint) advectBackward(t int) {
	s := a.s
	n := s.n
	adv := &s.adv
	vx, vy, rho := a.vx[t], a.vy[t], a.rho[t]
	conservative := !s.p.PlainAdvection
	adv.weights(vx, vy, s.l.Solid)
	nbar, dbar := a.rbar, a.rnext
	clear(dbar)
	zbar := a.zbar
	clear(zbar)
	for c := range n * n {
		k := 4 * c
		for q := 0; q < 4; q++ {
			zbar[adv.src[k+q]] += nbar[c] * adv.w[k+q]
		}
	}
	// z_s and the weights' adjoints.
	z := adv.next // scratch: the forward pass is over
	for c := range z {
		switch {
		case !conservative:
			z[c] = rho[c]
			dbar[c] = zbar[c]
			a.colbar[c] = 0
		case adv.colsum[c] > 0:
			z[c] = rho[c] / adv.colsum[c]
			dbar[c] = zbar[c] / adv.colsum[c]
			a.colbar[c] = -zbar[c] * z[c] / adv.colsum[c]
		default:
			z[c], a.colbar[c] = 0, 0
		}
	}
	for c := range n * n {
		k := 4 * c
		for q := 0; q < 4; q++ {
			sc := adv.src[k+q]
			a.wbar[k+q] = nbar[c]*z[sc] + a.colbar[sc]
		}
	}
	// Back-traced points: x - u(x), so d(point)/du = -1 where the point is not clamped.
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			c := y*n + x
			if s.l.Solid[c] {
				continue
			}
			ux, uy := cellVelocity(n, vx, vy, y, x)
			gx, gy := bilinearBackward(n, float64(x)+0.5-ux, float64(y)+0.5-uy, a.wbar[4*c:4*c+4])
			a.addCellVelocity(y, x, -gx, -gy)
		}
	}
	if conservative {
		for c, m := range rho {
			if m == 0 || adv.colsum[c] > 0 {
				continue
			}
			a.pushBackward(vx, vy, c, m, nbar, dbar)
		}
	}
	a.rbar, a.rnext = dbar, nbar
}

// pushBackward transposes the forward push of mass m from unsampled cell c: next_t += m ws_q / tot.
func (a *Adjoint) pushBackward(vx, vy []float64, c int, m float64, nbar, dbar []float64) {
	s := a.s
	n := s.n
	cells, ws, tot := pushWeights(n, vx, vy, s.l.Solid, c)
	if tot == 0 {
		dbar[c] += nbar[c]
		return
	}
	mean := 0.0 // sum_q nbar_t ws_q / tot
	for q, t := range cells {
		mean += nbar[t] * ws[q] / tot
	}
	dbar[c] += mean
	var wb [4]float64
	for q, t := range cells {
		if !s.l.Solid[t] {
			wb[q] = m * (nbar[t] - mean) / tot
		}
	}
	y, x := c/n, c%n
	ux, uy := cellVelocity(n, vx, vy, y, x)
	gx, gy := bilinearBackward(n, float64(x)+0.5+ux, float64(y)+0.5+uy, wb[:])
	a.addCellVelocity(y, x, gx, gy)
}

// bilinearBackward returns the gradient with respect to the point (px, py) of sum_q wbar_q w_q, w the
// bilinear weights of bilinear(n, px, py); a clamped coordinate has zero derivative.
func bilinearBackward(n int, px, py float64, wbar []float64) (gx, gy float64) {
	_, _, fx, fy := bilinear(n, px, py)
	dfx := wbar[1]*(1-fy) - wbar[0]*(1-fy) + wbar[3]*fy - wbar[2]*fy
	dfy := wbar[2]*(1-fx) - wbar[0]*(1-fx) + wbar[3]*fx - wbar[1]*fx
	if u := px - 0.5; u > 0 && u < float64(n-1) {
		gx = dfx
	}
	if v := py - 0.5; v > 0 && v < float64(n-1) {
		gy = dfy
	}
	return gx, gy
}

// addCellVelocity adds the adjoint (gx, gy) of cell (y, x)'s centre velocity to its faces.
func (a *Adjoint) addCellVelocity(y, x int, gx, gy float64) {
	n := a.s.n
	a.vxb[y*(n+1)+x] += 0.5 * gx
	a.vxb[y*(n+1)+x+1] += 0.5 * gx
	a.vyb[y*n+x] += 0.5 * gy
	a.vyb[(y+1)*n+x] += 0.5 * gy
}
