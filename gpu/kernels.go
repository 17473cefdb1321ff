package gpu

// kernel names the entry points of the embedded fatbin (extern "C" in gpu/kernels/*.cu). A test checks that
// this table and the sources' entry points are the same set and that every name is in the sm_80 and sm_90
// machine code.
type kernel int

const (
	kCombine kernel = iota
	kCombineX4
	kCombineDim
	kNormal
	kFill
	kAxpby
	kMul
	kClamp
	kSiLU
	kToBF16
	kFromBF16
	kInpaint
	kStatsPartial
	kStatsFinal
	kCountNonfinite
	kMarkNonfiniteRows
	kFillMarkedRows
	kMixture
	kGemmTF32x4
	kGemmTF32x1
	kGemmBF16x8
	kLinear
	kBiasAct
	kNetInput
	kConv1d
	kGroupNorm
	kConvTranspose1d
	kConcat
	kLayerNormMod
	kGatedAdd
	kAttention
	kTokenEmbed
	kConv2d
	kPermuteInner
	kSpaceToDepth
	kUpsample2x
	kLayerNormRows
	kModulateAct
	kLinAttnContext
	kLinAttnOut
	kEdgeGeom
	kEdgeCombineAct
	kSegmentSum
	kEdgeCoordUpdate
	kRelAttnWeights
	kRelAttnApply
	kTemporalCoord
	kTileRows
	kCentroid
	kCenter
	kConvexFrameMix
	kAttentionBias
	kConv3d
	kConvTranspose2d
	kSwapMid
	kRotary
	kLinearTF32
	kConv1dTF32
	kConvTranspose1dTF32
	kConv2dTF32
	kConv3dTF32
	kConvTranspose2dTF32
	kDWTAxis
	kIDWTAxis
	kIDWTAxisAdjoint
	kBandsFromImage
	kImageFromBands
	kControlGradient
	kSmokeBandsFromImage
	kSmokeD0Gradient
	kSmokeImageFromBands
	kValueInput
	kValueAct
	kActGrad
	kValueStep
	kGroupNormGrad
	kLinearBF16
	kConv1dBF16
	kConvTranspose1dBF16
	kConv2dBF16
	kConv3dBF16
	kConvTranspose2dBF16
	numKernels
)

var kernelNames = [numKernels]string{
	kCombine:             "combine_f32",
	kCombineX4:           "combine_f32x4",
	kCombineDim:          "combine_dim_f32",
	kNormal:              "normal_f32",
	kFill:                "fill_f32",
	kAxpby:               "axpby_f32",
	kMul:                 "mul_f32",
	kClamp:               "clamp_f32",
	kSiLU:                "silu_f32",
	kToBF16:              "f32_to_bf16",
	kFromBF16:            "bf16_to_f32",
	kInpaint:             "inpaint_f32",
	kStatsPartial:        "stats_partial",
	kStatsFinal:          "stats_final",
	kCountNonfinite:      "count_nonfinite",
	kMarkNonfiniteRows:   "mark_nonfinite_rows",
	kFillMarkedRows:      "fill_marked_rows",
	kMixture:             "mixture_denoise_f32",
	kGemmTF32x4:          "gemm_tf32_v4",
	kGemmTF32x1:          "gemm_tf32_v1",
	kGemmBF16x8:          "gemm_bf16_v8",
	kLinear:              "linear_f32",
	kBiasAct:             "bias_act_f32",
	kNetInput:            "net_input_f32",
	kConv1d:              "conv1d_f32",
	kGroupNorm:           "group_norm_act_f32",
	kConvTranspose1d:     "conv_transpose1d_f32",
	kConcat:              "concat_channels_f32",
	kLayerNormMod:        "layer_norm_mod_f32",
	kGatedAdd:            "gated_add_f32",
	kAttention:           "attention_f32",
	kTokenEmbed:          "token_embed_f32",
	kConv2d:              "conv2d_f32",
	kPermuteInner:        "permute_inner_f32",
	kSpaceToDepth:        "space_to_depth_f32",
	kUpsample2x:          "upsample2x_f32",
	kLayerNormRows:       "layer_norm_rows_f32",
	kModulateAct:         "modulate_act_f32",
	kLinAttnContext:      "linattn_context_f32",
	kLinAttnOut:          "linattn_out_f32",
	kEdgeGeom:            "edge_geom_f32",
	kEdgeCombineAct:      "edge_combine_act_f32",
	kSegmentSum:          "segment_sum_f32",
	kEdgeCoordUpdate:     "edge_coord_update_f32",
	kRelAttnWeights:      "rel_attn_weights_f32",
	kRelAttnApply:        "rel_attn_apply_f32",
	kTemporalCoord:       "temporal_coord_f32",
	kTileRows:            "tile_rows_f32",
	kCentroid:            "centroid_f32",
	kCenter:              "center_f32",
	kConvexFrameMix:      "convex_frame_mix_f32",
	kAttentionBias:       "attention_bias_f32",
	kConv3d:              "conv3d_f32",
	kConvTranspose2d:     "conv_transpose2d_f32",
	kSwapMid:             "swap_mid_f32",
	kRotary:              "rotary_f32",
	kLinearTF32:          "linear_tf32",
	kConv1dTF32:          "conv1d_tf32",
	kConvTranspose1dTF32: "conv_transpose1d_tf32",
	kConv2dTF32:          "conv2d_tf32",
	kConv3dTF32:          "conv3d_tf32",
	kConvTranspose2dTF32: "conv_transpose2d_tf32",
	kDWTAxis:             "dwt_axis_f32",
	kIDWTAxis:            "idwt_axis_f32",
	kIDWTAxisAdjoint:     "idwt_axis_adjoint_f32",
	kBandsFromImage:      "wavelet_bands_from_image_f32",
	kImageFromBands:      "wavelet_image_from_bands_f32",
	kControlGradient:     "control_gradient_f32",
	kSmokeBandsFromImage: "smoke_bands_from_image_f32",
	kSmokeD0Gradient:     "smoke_d0_gradient_f32",
	kSmokeImageFromBands: "smoke_image_from_bands_f32",
	kValueInput:          "value_input_f32",
	kValueAct:            "value_act_f32",
	kActGrad:             "act_grad_f32",
	kValueStep:           "value_step_f32",
	kGroupNormGrad:       "group_norm_act_grad_f32",
	kLinearBF16:          "linear_bf16",
	kConv1dBF16:          "conv1d_bf16",
	kConvTranspose1dBF16: "conv_transpose1d_bf16",
	kConv2dBF16:          "conv2d_bf16",
	kConv3dBF16:          "conv3d_bf16",
	kConvTranspose2dBF16: "conv_transpose2d_bf16",
}

func (k kernel) String() string { return kernelNames[k] }

// Launch geometry of the grid-stride kernels.
const (
	// elementwiseThreads is the block size of the elementwise, combine and noise kernels.
	elementwiseThreads = 256
	// blocksPerSM bounds their grids: enough resident blocks to hide memory latency, few enough that the
	// grid-stride loops amortise the block start.
	blocksPerSM = 8
	// statsThreads and statsMaxBlocks fix the reduction's shape (STATS_THREADS in kernels/reduce.cu), so that
	// its partials and their order, and hence the result's bits, do not depend on the device.
	statsThreads   = 256
	statsMaxBlocks = 1024
	statsFields    = 4
)

// gridFor returns the number of blocks of `threads` for a grid-stride loop over `work` items on a device with
// sms multiprocessors.
func gridFor(work int64, threads, sms int) int {
	if work <= 0 {
		return 1
	}
	b := (work + int64(threads) - 1) / int64(threads)
	if lim := int64(sms * blocksPerSM); lim > 0 && b > lim {
		b = lim
	}
	return int(b)
}

// statsBlocks is the reduction's grid for n elements (independent of the device).
func statsBlocks(n int64) int {
	b := (n + statsThreads - 1) / statsThreads
	return int(max(1, min(b, statsMaxBlocks)))
}
