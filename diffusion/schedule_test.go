package diffusion

import (
	"math"
	"testing"
)

func allSchedules(t testing.TB) []Schedule {
	var ss []Schedule
	for _, n := range ScheduleNames() {
		s, err := NewSchedule(n)
		if err != nil {
			t.Fatal(err)
		}
		ss = append(ss, s)
	}
	return ss
}

// Every schedule on every process and step count gives a valid grid: strictly decreasing (no duplicate steps,
// the diffusers 12771 failure), ending at exactly 0 once (not a repeated final sigma, diffusers 7214), starting at
// TMax where the schedule spans the range.
func TestSchedulesValidEverywhere(t *testing.T) {
	for _, p := range allProcesses(t) {
		for _, s := range allSchedules(t) {
			for n := 1; n <= 300; n++ {
				if n > 40 && n%23 != 0 && n != 300 {
					continue
				}
				times, err := s.Times(p, n)
				if err != nil {
					t.Fatalf("%s/%s n=%d: %v", p.Name(), s.Name(), n, err)
				}
				if len(times) != n+1 {
					t.Fatalf("%s/%s n=%d: %d times, want %d", p.Name(), s.Name(), n, len(times), n+1)
				}
				if err := ValidateTimes(p, times); err != nil {
					t.Fatalf("%s/%s n=%d: %v", p.Name(), s.Name(), n, err)
				}
				switch s.Name() {
				case "karras", "uniform-t", "logsnr", "quadratic":
					if !closeRel(times[0], p.TMax(), 1e-12) {
						t.Errorf("%s/%s n=%d: starts at %v, want TMax %v", p.Name(), s.Name(), n, times[0], p.TMax())
					}
					if n > 1 && !closeRel(times[n-1], p.TMin(), 1e-9) {
						t.Errorf("%s/%s n=%d: last level %v, want TMin %v", p.Name(), s.Name(), n, times[n-1], p.TMin())
					}
				}
			}
		}
	}
}

func TestLogSNRScheduleIsUniformInLambda(t *testing.T) {
	p := NewVPLinear()
	times, _ := UniformLogSNR{}.Times(p, 12)
	h0 := p.LogSNR(times[1]) - p.LogSNR(times[0])
	for i := 1; i+1 < 12; i++ {
		if h := p.LogSNR(times[i+1]) - p.LogSNR(times[i]); math.Abs(h-h0) > 1e-9 {
			t.Errorf("step %d: h = %v, want %v", i, h, h0)
		}
	}
}

func TestZeroSNRScheduleStartsAtPureNoise(t *testing.T) {
	for _, name := range []string{"karras", "logsnr"} {
		s, _ := NewSchedule(name)
		times, err := s.Times(NewFlow(), 10)
		if err != nil {
			t.Fatal(err)
		}
		if times[0] != 1 || times[1] >= 1 {
			t.Errorf("%s on flow: starts %v, %v; want 1 then below 1", name, times[0], times[1])
		}
	}
}

func TestScheduleErrors(t *testing.T) {
	p := NewEDM()
	if _, err := (Karras{Rho: 7}).Times(p, 0); err == nil {
		t.Error("0 steps: want an error")
	}
	if _, err := (DDPMSpacing{Spacing: "leading", TrainSteps: 1000}).Times(p, 1001); err == nil {
		t.Error("more steps than training steps: want an error")
	}
	if _, err := (Explicit{Levels: []float64{80, 10, 10, 1}}).Times(p, 4); err == nil {
		t.Error("duplicate level: want an error")
	}
	if _, err := (Explicit{Levels: []float64{80, 10, 20}}).Times(p, 3); err == nil {
		t.Error("non-monotone levels: want an error")
	}
	if _, err := (Explicit{Levels: []float64{100, 10}}).Times(p, 2); err == nil {
		t.Error("level beyond TMax: want an error")
	}
	got, err := (Explicit{Levels: []float64{80, 10, 1, 0}}).Times(p, 3)
	if err != nil || len(got) != 4 || got[3] != 0 {
		t.Errorf("explicit with final 0: %v, %v", got, err)
	}
	if _, err := NewSchedule("cosine"); err == nil {
		t.Error("unknown schedule: want an error")
	}
}
