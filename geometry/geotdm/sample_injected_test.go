package geotdm_test

import (
	"context"
	"slices"
	"testing"

	"github.com/trajdiff/trajdiff/geometry/geotdm"
	"github.com/trajdiff/trajdiff/train"
)

// TestInjectedSamplerGetsForecastRequests: Options.Sample receives every network batch's request (with the
// model, the raw condition vectors and IsolateFailures on) in place of train.Model.Sample, so an injected
// sampler that draws what Model.Sample draws gives the CPU's forecasts bit for bit.
func TestInjectedSamplerGetsForecastRequests(t *testing.T) {
	run, test := trainTiny(t, t.TempDir())
	m, err := geotdm.Load(run)
	if err != nil {
		t.Fatal(err)
	}
	_, views := openViews(t, test)
	ctx := context.Background()
	opts := geotdm.Options{K: 2, Seed: 5, Batch: 4}
	want, err := m.Forecast(ctx, views, opts)
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	opts.Sample = func(ctx context.Context, tm *train.Model, req train.SampleRequest) (*train.Samples, error) {
		calls++
		if tm != m.Train() || !req.IsolateFailures || len(req.Cond) != req.N {
			t.Errorf("request %d: model %p (want %p), isolate %v, %d conditions for %d samples", calls, tm, m.Train(), req.IsolateFailures, len(req.Cond), req.N)
		}
		return tm.Sample(ctx, req)
	}
	got, err := m.Forecast(ctx, views, opts)
	if err != nil {
		t.Fatal(err)
	}
	if calls != 2 {
		t.Errorf("%d sampler calls for %d trajectories in batches of 4, want 2", calls, len(views))
	}
	for i := range want {
		for k := range want[i] {
			if !slices.Equal(got[i][k], want[i][k]) {
				t.Fatalf("trajectory %d, sample %d differs from Model.Sample's", i, k)
			}
		}
	}
}
