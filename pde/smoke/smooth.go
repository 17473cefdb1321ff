package smoke

// smooth is the multigrid smoother: 2 smoothSweeps red-black half-sweeps of alternating colour starting
// with first (first, 1-first, first, ...); vcycle runs it with first = 0 before the coarse correction
// and first = 1 after, so that the preconditioner is symmetric.
func (l *mgLevel) smooth(first int) {
	if l.vector() {
		l.wavefront(first, 2*smoothSweeps)
		return
	}
	for j := range 2 * smoothSweeps {
		l.sweep((first + j) % 2)
	}
}

// wavefrontLag is the number of rows between consecutive half-sweeps of a wavefront.
const wavefrontLag = 4

// wavefront runs stages half-sweeps of alternating colour starting with first, with the vector
// kernels, in one pass over the rows, giving exactly the values of running them one after the other.
//
// Half-sweep j (colour c_j) is done in two parts per row: the uniform update of every cell of the
// colour (sweepRowUniform, a whole row per call) and then the general update of the cells in general
// runs (patchSweep: the general kernel on long runs, the scalar expression on the others), which
// overwrites the uniform one. At step t, for j = 0, 1, ..., half-sweep j runs the uniform part of row
// t - 4j and patches row t - 4j - 2. A cell of colour c_j reads only its four
// neighbours, of the other colour, so this is the sequential result if, whenever a row is read, its
// cells of the other colour hold the values after half-sweep j-1 and before half-sweep j+1:
//   - half-sweep j reads rows r-1..r+1 for row r (uniform part at step r+4j, patch at step r+4j+2);
//     half-sweep j-1 finished row r+1 (its patch) at step r+4j-1 and half-sweep j+1 first writes row
//     r-1 at step r+4j+3, so both parts see the right values;
//   - between the uniform part and the patch of row r, its general cells of colour c_j hold the
//     uniform expression's value; they are read only as neighbours by half-sweep j+1, from step
//     r+4j+3 on, after the patch, and by the discarded lanes of half-sweep j's own registers.
//
// With these lags no operation reads a row that the operation just before it stored (a load that
// overlaps a recent masked or partial store waits for the store to retire), and the rows in flight
// (about 4 per half-sweep) stay in the first-level cache, so x and b are streamed from the second
// level once per wavefront instead of once per half-sweep.
func (l *mgLevel) wavefront(first, stages int) {
	n := l.n
	for t := 1; t <= n+wavefrontLag*(stages-1)+2; t++ {
		for j := range stages {
			c := (first + j) % 2
			if r := t - wavefrontLag*j; r >= 1 && r <= n {
				sweepRowUniform(l.k, l, r, c)
			}
			if r := t - wavefrontLag*j - 2; r >= 1 && r <= n {
				l.patchSweep(r, c)
			}
		}
	}
}
