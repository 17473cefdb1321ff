package cns

// hllc returns the HLLC numerical flux (Toro, Spruce & Speares 1994; Toro 2009, section 10.4) of the
// Euler equations between a left state and a right state, each given as density r, velocity u,
// pressure p, sound speed a = sqrt(gamma p/r), momentum m = r u and total energy e = p/(gamma-1) +
// r u^2/2 (the caller has them from the Hancock step, so no division is spent on them here), with
// Davis's signal speed bounds SL = min(ul - al, ur - ar), SR = max(ul + al, ur + ar) (Toro 2009, eq.
// 10.48). (The Roe-averaged bounds of Batten et al. 1997 cost three more square roots and doubled the
// run time without changing any test result.)
//
// With q_K = r_K (S_K - u_K) the contact speed is S* = (pr - pl + ul ql - ur qr)/(ql - qr), and the
// star flux F_K + S_K (U*_K - U_K) (Toro 2009, eqs. 10.38-10.39) is written over the single reciprocal
// 1/(S_K - S*): r*_K = q_K/(S_K - S*), and the energy term
// r*_K (e_K/r_K + (S* - u_K)(S* + p_K/q_K)) = (e_K (S_K - u_K) + (S* - u_K)(q_K S* + p_K))/(S_K - S*),
// so a face costs two divisions instead of six. The float64 conversions keep products from being fused
// into FMAs (see Solver.hydro).
func hllc(rl, ul, pl, al, ml, el, rr, ur, pr, ar, mr, er float64) (fd, fm, fe float64) {
	sl, sr := ul-al, ur+ar
	if v := ur - ar; v < sl {
		sl = v
	}
	if v := ul + al; v > sr {
		sr = v
	}
	if sl >= 0 {
		return ml, float64(ml*ul) + pl, ul * (el + pl)
	}
	if sr <= 0 {
		return mr, float64(mr*ur) + pr, ur * (er + pr)
	}
	ql, qr := float64(rl*(sl-ul)), float64(rr*(sr-ur))
	ss := (pr - pl + float64(ul*ql) - float64(ur*qr)) / (ql - qr)
	if ss >= 0 {
		inv := 1 / (sl - ss)
		c := float64(ql * inv)
		fd = ml + float64(sl*(c-rl))
		fm = float64(ml*ul) + pl + float64(sl*(float64(c*ss)-ml))
		fe = float64(ul*(el+pl)) + float64(sl*(float64((float64(el*(sl-ul))+float64((ss-ul)*(float64(ql*ss)+pl)))*inv)-el))
		return fd, fm, fe
	}
	inv := 1 / (sr - ss)
	c := float64(qr * inv)
	fd = mr + float64(sr*(c-rr))
	fm = float64(mr*ur) + pr + float64(sr*(float64(c*ss)-mr))
	fe = float64(ur*(er+pr)) + float64(sr*(float64((float64(er*(sr-ur))+float64((ss-ur)*(float64(qr*ss)+pr)))*inv)-er))
	return fd, fm, fe
}
