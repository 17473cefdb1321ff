// The kernels of gpu/kernels/*.cu compiled for the host (cuda_emu.h is force-included), and the table that
// cuModuleGetFunction looks them up in. Each entry knows its parameters' C++ types, so a launch reads every
// argument from the driver's kernelParams array with its own size, exactly as the device does, and checks that
// every pointer argument points into device memory.
#include <string.h>

#include <type_traits>
#include <utility>

#include "adaln.cu"
#include "attention.cu"
#include "bias_act.cu"
#include "combine.cu"
#include "combine_dim.cu"
#include "concat.cu"
#include "conv1d.cu"
#include "conv2d.cu"
#include "conv_transpose1d.cu"
#include "egtn_graph.cu"
#include "egtn_prior.cu"
#include "egtn_time.cu"
#include "elementwise.cu"
#include "gemm.cu"
#include "group_norm.cu"
#include "group_norm_grad.cu"
#include "image.cu"
#include "isolate.cu"
#include "linattn.cu"
#include "linear.cu"
#include "mixture.cu"
#include "net_input.cu"
#include "norm_mod.cu"
#include "philox.cu"
#include "reduce.cu"
#include "tokens.cu"
#include "video.cu"
#include "wavelet.cu"
#include "wavelet_guide.cu"
#include "smoke_guide.cu"
#include "value_grad.cu"

#include "emu.h"

namespace cudaemu {

namespace {

template <typename A> bool pointer_ok(const void* slot, int index, const char* name) {
	if constexpr (std::is_pointer_v<A>) {
		A p;
		memcpy(&p, slot, sizeof(A));
		return check_device_pointer((const void*)p, name, index);
	}
	return true;
}

template <typename... A, size_t... I> bool check_args(void** p, const char* name, std::index_sequence<I...>) {
	return (pointer_ok<A>(p[I], (int)I, name) && ...);
}

template <typename... A, size_t... I> void call(void (*f)(A...), void** p, std::index_sequence<I...>) {
	f(*static_cast<A*>(p[I])...);
}

template <typename... A> Kernel entry(const char* name, void (*f)(A...)) {
	static_assert(((sizeof(A) <= 8) && ...), "kernel parameters are at most 8 bytes");
	static_assert(sizeof...(A) <= kMaxParams, "more kernel parameters than Kernel holds");
	Kernel k;
	k.name = name;
	k.nparams = sizeof...(A);
	size_t i = 0;
	((k.param_size[i++] = sizeof(A)), ...);
	// The lambdas must stay captureless (plain function pointers), so the kernel travels as fn.
	k.fn = (void*)f;
	k.check = [](void** p, const char* n) { return check_args<A...>(p, n, std::index_sequence_for<A...>{}); };
	k.invoke = [](void* fn, void** p) { call((void (*)(A...))fn, p, std::index_sequence_for<A...>{}); };
	return k;
}

} // namespace

const Kernel kernels[] = {
	entry("combine_f32", combine_f32),
	entry("combine_f32x4", combine_f32x4),
	entry("combine_dim_f32", combine_dim_f32),
	entry("normal_f32", normal_f32),
	entry("fill_f32", fill_f32),
	entry("axpby_f32", axpby_f32),
	entry("mul_f32", mul_f32),
	entry("clamp_f32", clamp_f32),
	entry("silu_f32", silu_f32),
	entry("f32_to_bf16", f32_to_bf16),
	entry("bf16_to_f32", bf16_to_f32),
	entry("inpaint_f32", inpaint_f32),
	entry("stats_partial", stats_partial),
	entry("stats_final", stats_final),
	entry("count_nonfinite", count_nonfinite),
	entry("mark_nonfinite_rows", mark_nonfinite_rows),
	entry("fill_marked_rows", fill_marked_rows),
	entry("mixture_denoise_f32", mixture_denoise_f32),
	entry("gemm_tf32_v4", gemm_tf32_v4),
	entry("gemm_tf32_v1", gemm_tf32_v1),
	entry("gemm_bf16_v8", gemm_bf16_v8),
	entry("linear_f32", linear_f32),
	entry("bias_act_f32", bias_act_f32),
	entry("net_input_f32", net_input_f32),
	entry("conv1d_f32", conv1d_f32),
	entry("group_norm_act_f32", group_norm_act_f32),
	entry("conv_transpose1d_f32", conv_transpose1d_f32),
	entry("concat_channels_f32", concat_channels_f32),
	entry("layer_norm_mod_f32", layer_norm_mod_f32),
	entry("gated_add_f32", gated_add_f32),
	entry("attention_f32", attention_f32),
	entry("token_embed_f32", token_embed_f32),
	entry("conv2d_f32", conv2d_f32),
	entry("permute_inner_f32", permute_inner_f32),
	entry("space_to_depth_f32", space_to_depth_f32),
	entry("upsample2x_f32", upsample2x_f32),
	entry("layer_norm_rows_f32", layer_norm_rows_f32),
	entry("modulate_act_f32", modulate_act_f32),
	entry("linattn_context_f32", linattn_context_f32),
	entry("linattn_out_f32", linattn_out_f32),
	entry("edge_geom_f32", edge_geom_f32),
	entry("edge_combine_act_f32", edge_combine_act_f32),
	entry("segment_sum_f32", segment_sum_f32),
	entry("edge_coord_update_f32", edge_coord_update_f32),
	entry("rel_attn_weights_f32", rel_attn_weights_f32),
	entry("rel_attn_apply_f32", rel_attn_apply_f32),
	entry("temporal_coord_f32", temporal_coord_f32),
	entry("tile_rows_f32", tile_rows_f32),
	entry("centroid_f32", centroid_f32),
	entry("center_f32", center_f32),
	entry("convex_frame_mix_f32", convex_frame_mix_f32),
	entry("attention_bias_f32", attention_bias_f32),
	entry("conv3d_f32", conv3d_f32),
	entry("conv_transpose2d_f32", conv_transpose2d_f32),
	entry("swap_mid_f32", swap_mid_f32),
	entry("rotary_f32", rotary_f32),
	entry("linear_tf32", linear_tf32),
	entry("conv1d_tf32", conv1d_tf32),
	entry("conv_transpose1d_tf32", conv_transpose1d_tf32),
	entry("conv2d_tf32", conv2d_tf32),
	entry("conv3d_tf32", conv3d_tf32),
	entry("conv_transpose2d_tf32", conv_transpose2d_tf32),
	entry("dwt_axis_f32", dwt_axis_f32),
	entry("idwt_axis_f32", idwt_axis_f32),
	entry("idwt_axis_adjoint_f32", idwt_axis_adjoint_f32),
	entry("wavelet_bands_from_image_f32", wavelet_bands_from_image_f32),
	entry("wavelet_image_from_bands_f32", wavelet_image_from_bands_f32),
	entry("control_gradient_f32", control_gradient_f32),
	entry("smoke_bands_from_image_f32", smoke_bands_from_image_f32),
	entry("smoke_d0_gradient_f32", smoke_d0_gradient_f32),
	entry("smoke_image_from_bands_f32", smoke_image_from_bands_f32),
	entry("value_input_f32", value_input_f32),
	entry("value_act_f32", value_act_f32),
	entry("act_grad_f32", act_grad_f32),
	entry("value_step_f32", value_step_f32),
	entry("group_norm_act_grad_f32", group_norm_act_grad_f32),
	entry("linear_bf16", linear_bf16),
	entry("conv1d_bf16", conv1d_bf16),
	entry("conv_transpose1d_bf16", conv_transpose1d_bf16),
	entry("conv2d_bf16", conv2d_bf16),
	entry("conv3d_bf16", conv3d_bf16),
	entry("conv_transpose2d_bf16", conv_transpose2d_bf16),
};
const int num_kernels = sizeof(kernels) / sizeof(kernels[0]);

} // namespace cudaemu
