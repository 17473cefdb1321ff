package diffusion

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"flag"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
)

var updatePlanDigests = flag.Bool("update-plan-digests", false, "rewrite testdata/plan_digests.txt")

// planDigest hashes every field of a plan that existed before per-dimension combinations (OpCombineDim) were
// added, bit for bit, so that extending the plan IR provably leaves the existing solvers' plans unchanged.
func planDigest(p *Plan) string {
	h := sha256.New()
	w := func(v any) { _ = binary.Write(h, binary.LittleEndian, v) }
	f := func(x float64) { w(math.Float64bits(x)) }
	h.Write([]byte(p.Solver + "\x00" + p.Process + "\x00"))
	for _, t := range p.Times {
		f(t)
	}
	w(int64(p.Buffers))
	w(int64(p.NFE))
	for _, op := range p.Ops {
		w(uint8(op.Kind))
		w(int64(op.Dst))
		w(int64(op.Src))
		f(op.T)
		w(int64(op.Step))
		w(int64(op.Stream))
		w(int64(len(op.Terms)))
		for _, t := range op.Terms {
			f(t.Coef)
			w(int64(t.Buf))
		}
		f(op.Alpha)
		f(op.Sigma)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TestExistingSolversCompileToUnchangedPlans compares every named solver's plans on every process (the
// process's default schedule, 3 and 10 steps) with digests recorded before the plan IR gained OpCombineDim
// (and, for solvers added since, when they were added: ddpm-large).
func TestExistingSolversCompileToUnchangedPlans(t *testing.T) {
	var lines []string
	for _, pn := range ProcessNames() {
		p, err := NewProcess(pn)
		if err != nil {
			t.Fatal(err)
		}
		for _, sn := range SolverNames() {
			if strings.HasPrefix(sn, "dpm-solver-v3") {
				continue // needs statistics; added with the IR extension
			}
			s, err := NewSolver(sn)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range []int{3, 10} {
				times, err := DefaultSchedule(p).Times(p, n)
				if err != nil {
					t.Fatal(err)
				}
				d := "error"
				if plan, err := s.Plan(p, times); err == nil {
					d = planDigest(plan)
					for _, op := range plan.Ops {
						if op.Kind > OpCondition {
							t.Errorf("%s on %s uses op kind %d", sn, pn, op.Kind)
						}
					}
				}
				lines = append(lines, fmt.Sprintf("%s %s %02d %s", pn, sn, n, d))
			}
		}
	}
	got := strings.Join(lines, "\n") + "\n"
	const file = "testdata/plan_digests.txt"
	if *updatePlanDigests {
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	wl, gl := strings.Split(string(want), "\n"), strings.Split(got, "\n")
	if len(wl) != len(gl) {
		t.Fatalf("%d plan digests, want %d (a solver added or removed: check that only its lines change with -update-plan-digests)", len(gl), len(wl))
	}
	for i := range wl {
		if wl[i] != gl[i] {
			t.Errorf("plan changed: got %q, want %q", gl[i], wl[i])
		}
	}
}
