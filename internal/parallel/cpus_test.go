package parallel

import (
	"strconv"
	"testing"
)

func fakeEnv(kv map[string]string) func(string) string {
	return func(name string) string { return kv[name] }
}

func TestWorkersFollowSlurmCPUsPerTask(t *testing.T) {
	for _, c := range []struct {
		cores, slurm, want int
	}{{16, 1, 1}, {16, 4, 4}, {2, 8, 2}, {2, 2, 2}} {
		n, err := CPUs(c.cores, fakeEnv(map[string]string{SlurmCPUsPerTask: strconv.Itoa(c.slurm)}))
		if err != nil || n != c.want {
			t.Errorf("CPUs(%d) with %s=%d = %d, %v; want %d", c.cores, SlurmCPUsPerTask, c.slurm, n, err, c.want)
		}
	}
}

func TestWorkersAreAllCoresOutsideSlurm(t *testing.T) {
	if n, err := CPUs(16, fakeEnv(nil)); err != nil || n != 16 {
		t.Fatalf("CPUs(16) without Slurm = %d, %v", n, err)
	}
}

func TestExplicitGOMAXPROCSWinsOverSlurmCPUsPerTask(t *testing.T) {
	if n, err := CPUs(16, fakeEnv(map[string]string{SlurmCPUsPerTask: "1", "GOMAXPROCS": "8"})); err != nil || n != 16 {
		t.Fatalf("CPUs(16) with GOMAXPROCS set = %d, %v; want the cores the runtime already uses", n, err)
	}
}

func TestInvalidSlurmCPUsPerTaskIsReportedAndIgnored(t *testing.T) {
	for _, v := range []string{"x", "0", "-2", "2(x3)"} {
		n, err := CPUs(16, fakeEnv(map[string]string{SlurmCPUsPerTask: v}))
		if err == nil || n != 16 {
			t.Errorf("CPUs(16) with %s=%q = %d, %v; want 16 and an error", SlurmCPUsPerTask, v, n, err)
		}
	}
}
