package diffuser_test

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/trajdiff/trajdiff/diffusion"
	"github.com/trajdiff/trajdiff/rl"
	"github.com/trajdiff/trajdiff/rl/diffuser"
	"github.com/trajdiff/trajdiff/train"
)

// cellCentre is the qpos of a cell's centre.
func cellCentre(c rl.Cell) [2]float64 {
	return [2]float64{float64(c.W) + rl.WallOffset, float64(c.H) + rl.WallOffset}
}

// TestWallClearanceKeepsEveryWaypointFree: an under-trained model's plans cut through the U-Maze's walls;
// with WallClearance every waypoint between the inpainted ends is at least that far from every wall,
// and the ends are still the start and the goal.
func TestWallClearanceKeepsEveryWaypointFree(t *testing.T) {
	m, l := tinyUMazeModel(t, 30)
	const r = 0.15
	free, err := l.FreeSpace(r)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := diffuser.New(m, l, diffuser.Options{})
	if err != nil {
		t.Fatal(err)
	}
	kept, err := diffuser.New(m, l, diffuser.Options{WallClearance: r})
	if err != nil {
		t.Fatal(err)
	}
	cells := l.ResetCells()
	wallPoints := 0
	for i, from := range cells {
		to := cellCentre(cells[(i+3)%len(cells)])
		s := cellCentre(from)
		start := [4]float64{s[0], s[1], 0.5, -0.5}
		before, err := plain.Plan(context.Background(), start, to, uint64(i))
		if err != nil {
			t.Fatal(err)
		}
		wallPoints += before.WallPoints
		after, err := kept.Plan(context.Background(), start, to, uint64(i))
		if err != nil {
			t.Fatal(err)
		}
		H := len(after.Observations)
		if after.Observations[0] != start || after.Observations[H-1] != [4]float64{to[0], to[1], 0, 0} {
			t.Fatalf("plan %d: the ends moved: %v ... %v", i, after.Observations[0], after.Observations[H-1])
		}
		for k, o := range after.Observations[1 : H-1] {
			if !free.Contains(o[0], o[1]) {
				t.Fatalf("plan %d: waypoint %d (%v, %v) is closer than %v to a wall", i, k+1, o[0], o[1], r)
			}
		}
		if after.WallPoints != 0 {
			t.Fatalf("plan %d reports %d points in walls", i, after.WallPoints)
		}
	}
	if wallPoints == 0 {
		t.Fatal("the unprojected plans never entered a wall: the test shows nothing")
	}
}

func TestWallClearanceRefusesWhatItCannotDo(t *testing.T) {
	m, l := tinyUMazeModel(t, 1)
	for _, r := range []float64{-0.1, 0.5, math.NaN()} {
		if _, err := diffuser.New(m, l, diffuser.Options{WallClearance: r}); !errors.Is(err, diffuser.ErrBadInput) {
			t.Errorf("WallClearance %v: %v, want diffuser.ErrBadInput", r, err)
		}
	}
	p, err := diffuser.New(m, l, diffuser.Options{WallClearance: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.WithSearch(diffuser.Search{Budget: 8}); !errors.Is(err, diffuser.ErrBadInput) {
		t.Errorf("search with a projection: %v, want diffuser.ErrBadInput", err)
	}
}

// With Options.Network the free-space projection's plans take their network evaluations from it (the CLI's
// --device gpu passes the GPU's there) while the loop and the projection stay on the CPU, even when a
// device sampler (Options.Sample, which cannot run a host-side x0 correction) is set: a network computing
// what the model computes gives the CPU's plan exactly, every evaluation goes through it, and its errors
// reach the caller.
func TestWallClearanceEvaluatesTheInjectedNetwork(t *testing.T) {
	m, l := tinyUMazeModel(t, 30)
	start, goal := [4]float64{3.05, 1.02, 0.13, -0.07}, [2]float64{1, 1}
	refuse := func(context.Context, *train.Model, train.SampleRequest) (*train.Samples, error) {
		t.Error("the projected plan went to the device sampler")
		return nil, errors.New("no host-side x0 correction on the device")
	}
	plan := func(net func(*train.Model, train.SampleRequest, int) (diffusion.Denoiser, error)) (*diffuser.Plan, error) {
		opt := diffuser.Options{WallClearance: 0.15, Steps: 4, Network: net}
		if net != nil {
			opt.Sample = refuse
		}
		p, err := diffuser.New(m, l, opt)
		if err != nil {
			t.Fatal(err)
		}
		return p.Plan(context.Background(), start, goal, 5)
	}
	own, err := plan(nil)
	if err != nil {
		t.Fatal(err)
	}
	counter := &evalCounter{}
	injected, err := plan(func(mm *train.Model, req train.SampleRequest, points int) (diffusion.Denoiser, error) {
		if req.CorrectX0 == nil {
			t.Error("the request lost its projection")
		}
		return cpuNetwork(counter)(mm, req, points)
	})
	if err != nil {
		t.Fatal(err)
	}
	if counter.points != own.NFE {
		t.Errorf("the injected network evaluated %d points; the plan's NFE is %d", counter.points, own.NFE)
	}
	for i, o := range own.Observations {
		if injected.Observations[i] != o {
			t.Fatalf("state %d: %v with the injected network, %v with the model's", i, injected.Observations[i], o)
		}
	}
	boom := errors.New("device lost")
	if _, err := plan(func(*train.Model, train.SampleRequest, int) (diffusion.Denoiser, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Errorf("a failing network gave %v, want its error", err)
	}
}
