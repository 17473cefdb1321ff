package gpu

import "testing"

// TestUnet3DRelPosBucketsFollowT5: the temporal attentions' bias buckets are PyTorch's for offsets -40..40
// (32 buckets, max distance 32: the table nn's TestRelPosBucketsFollowT5 checks, from scripts/nn/models.py
// RelPosBias.bucket, which follows video-diffusion-pytorch's _relative_position_bucket).
func TestUnet3DRelPosBucketsFollowT5(t *testing.T) {
	want := []int{
		15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15, 14, 14, 14, 14, 13, 13, 13, 12, 12, 12, 12, 11, 11,
		10, 10, 9, 9, 8, 8, 7, 6, 5, 4, 3, 2, 1, 0, 17, 18, 19, 20, 21, 22, 23, 24, 24, 25, 25, 26, 26,
		27, 27, 28, 28, 28, 28, 29, 29, 29, 30, 30, 30, 30, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31, 31,
	}
	for i, b := range want {
		if got := relPosBucket(i-40, unet3dRelPosBuckets, unet3dRelPosDistance); got != b {
			t.Errorf("offset %d: bucket %d, PyTorch %d", i-40, got, b)
		}
	}
}

// TestVideoDeviceWeightsMoveEveryValue: the 3-D convolution's and the transposed convolution's device
// layouts hold PyTorch's weight[o, c, taps...] (resp. weight[c, o, taps...]) at row tap In + c, column o,
// every value exactly once.
func TestVideoDeviceWeightsMoveEveryValue(t *testing.T) {
	const out, in, k = 3, 2, 3
	v := make([]float32, out*in*k*k*k)
	for i := range v {
		v[i] = float32(i)
	}
	w := Conv3dDeviceWeight(v, out, in, k)
	for o := 0; o < out; o++ {
		for c := 0; c < in; c++ {
			for tap := 0; tap < k*k*k; tap++ {
				if got, want := w[(tap*in+c)*out+o], v[(o*in+c)*k*k*k+tap]; got != want {
					t.Fatalf("conv3d o %d, c %d, tap %d: %v, want %v", o, c, tap, got, want)
				}
			}
		}
	}
	const kt = 4
	v = v[:in*out*kt*kt]
	w = ConvTranspose2dDeviceWeight(v, in, out, kt)
	seen := make([]bool, len(v))
	for c := 0; c < in; c++ {
		for o := 0; o < out; o++ {
			for tap := 0; tap < kt*kt; tap++ {
				got := w[(tap*in+c)*out+o]
				if want := v[(c*out+o)*kt*kt+tap]; got != want {
					t.Fatalf("conv-transpose2d c %d, o %d, tap %d: %v, want %v", c, o, tap, got, want)
				}
				seen[int(got)] = true
			}
		}
	}
	for i, s := range seen {
		if !s {
			t.Fatalf("conv-transpose2d: weight value %d lost", i)
		}
	}
}
