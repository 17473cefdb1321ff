//go:build !cuda && !trajdiff_cuda

package fromnn

import (
	"context"

	"github.com/trajdiff/trajdiff/gpu"
	"github.com/trajdiff/trajdiff/train"
)

// Sample checks req as the device build does, then returns gpu.ErrNoCUDA: this build has no GPU support.
func Sample(ctx context.Context, m *train.Model, req train.SampleRequest, opt SampleOptions) (*train.Samples, gpu.Info, error) {
	if _, err := prepare(m, req); err != nil {
		return nil, gpu.Info{}, err
	}
	return nil, gpu.Info{}, gpu.ErrNoCUDA
}
