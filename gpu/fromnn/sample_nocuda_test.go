//go:build !cuda && !trajdiff_cuda

package fromnn

import (
	"context"
	"errors"
	"testing"

	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/train"
)

// Without GPU support a valid request fails with gpu.ErrNoCUDA, which says how to build with it.
func TestSampleWithoutCUDASaysHowToBuildIt(t *testing.T) {
	m := windowModel(t, nil)
	_, _, err := Sample(context.Background(), m, train.SampleRequest{N: 2, Fixed: ends(2, true)}, SampleOptions{})
	if !errors.Is(err, gpu.ErrNoCUDA) {
		t.Errorf("error %v, want gpu.ErrNoCUDA", err)
	}
}
