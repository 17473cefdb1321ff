// Internal interface between the emulated kernels (kernels.cc) and the emulated driver (runtime.cc).
#pragma once
#include <stddef.h>

namespace cudaemu {

// Largest dynamic shared memory a block may ask for: sm_90's opt-in limit (227 KiB).
constexpr size_t kSmemRegion = 232448;

// Most parameters a kernel may take (the kernels here take at most 19).
constexpr int kMaxParams = 32;

struct Kernel {
	const char* name;
	int nparams;
	size_t param_size[kMaxParams];
	void* fn;
	// check reports whether every pointer argument is null or inside a device allocation (and says which is
	// not on stderr); invoke runs the kernel body for the current thread.
	bool (*check)(void** params, const char* name);
	void (*invoke)(void* fn, void** params);
};

extern const Kernel kernels[];
extern const int num_kernels;

// check_device_pointer is true for null and for addresses inside a live allocation.
bool check_device_pointer(const void* p, const char* kernel, int index);

} // namespace cudaemu
