// The emulated CUDA driver: the libcuda.so.1 entry points that trajdiff's gpu package (through
// gorgonia.org/cu) calls, over host memory, with the kernels of kernels.cc run by a fiber scheduler. The
// definitions take their signatures from CUDA 11.8's cuda.h, so the exported symbols are the versioned ones a
// program built against that header imports (cuMemAlloc_v2, cuStreamBeginCapture_v2, ...).
//
// It checks what a driver checks and a little more, and fails loudly: launch geometry and shared-memory
// limits of sm_90; device pointers inside live allocations (every pointer argument of a kernel too);
// alignment of wmma and cp.async accesses; no synchronising call, allocation or free while a stream is being
// captured; errors that stick to the context after a kernel fault. Each allocation and the block's dynamic
// shared memory end at an inaccessible page, so an access past the end stops the process at once; fresh
// allocations and shared memory are filled with 0xff bytes (a NaN in every float format) so that reading what
// nobody wrote shows in the results.
#include <cuda.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "cuda_emu.h"
#include "emu.h"

// Fiber switches. On x86-64 a six-register switch (the System V callee-saved registers, the SSE and x87
// control words, the stack pointer): glibc's swapcontext also saves the signal mask with a system call per
// switch, which made the emulation of barrier-heavy kernels twenty times slower. Elsewhere, ucontext.
#if defined(__x86_64__)
extern "C" void cudaemu_switch(void** save_sp, void* load_sp);
asm(R"(
	.text
	.globl cudaemu_switch
	.type cudaemu_switch, @function
cudaemu_switch:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	subq $8, %rsp
	stmxcsr (%rsp)
	fnstcw 4(%rsp)
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	ldmxcsr (%rsp)
	fldcw 4(%rsp)
	addq $8, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
	.size cudaemu_switch, .-cudaemu_switch
	.section .note.GNU-stack, "", @progbits
	.text
)");
#define CUDAEMU_ASM_SWITCH 1
#endif

namespace cudaemu {

emu_dim3 thread_idx, block_idx, block_dim, grid_dim;
int lane_id;

namespace {

constexpr size_t kPage = 4096;
constexpr size_t kStack = 256 << 10;
constexpr size_t kDefaultSmem = 48 << 10;
constexpr size_t kTotalMem = 16ull << 30;
constexpr int kSMs = 16;

size_t round_up(size_t n, size_t m) { return (n + m - 1) / m * m; }

// guarded maps `bytes` (rounded up to pages) followed by one inaccessible page and returns the start.
char* guarded(size_t bytes, size_t* maplen) {
	const size_t n = round_up(bytes, kPage);
	void* p = mmap(nullptr, n + kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) return nullptr;
	mprotect((char*)p + n, kPage, PROT_NONE);
	*maplen = n + kPage;
	return (char*)p;
}

// ---- the block scheduler ----

enum State { kRun, kBlockBarrier, kWarpBarrier, kDone };

struct Copy {
	void* dst;
	const void* src;
	int bytes, src_bytes;
};

struct Fiber {
#ifdef CUDAEMU_ASM_SWITCH
	void* sp = nullptr;
#else
	ucontext_t ctx;
#endif
	char* stack = nullptr; // kStack bytes above an inaccessible page
	State state = kDone;
	emu_dim3 tid{};
	int lane = 0, warp = 0;
	std::vector<std::vector<Copy>> groups; // committed cp.async groups, oldest first
	std::vector<Copy> open;                // copies since the last commit
};

struct Scheduler {
#ifdef CUDAEMU_ASM_SWITCH
	void* main_sp = nullptr;
#else
	ucontext_t main;
#endif
	std::vector<Fiber> fibers;
	int cur = 0, nthreads = 0;
	const Kernel* kernel = nullptr;
	void** params = nullptr;
	int fault_code = 0;
	std::string fault_msg;
	uint64_t shfl[32][32];
	bool eager = false; // CUDAEMU_CP_ASYNC=eager, read once by cuInit
	bool trace = false; // CUDAEMU_TRACE
	char* smem_region = nullptr;
	size_t smem_len = 0, smem_map = 0;
};

Scheduler S;

Fiber& current() { return S.fibers[S.cur]; }

// to_scheduler suspends the running fiber; to_fiber resumes fiber f from the scheduler.
void to_scheduler(Fiber& f) {
#ifdef CUDAEMU_ASM_SWITCH
	cudaemu_switch(&f.sp, S.main_sp);
#else
	swapcontext(&f.ctx, &S.main);
#endif
}

void to_fiber(Fiber& f) {
#ifdef CUDAEMU_ASM_SWITCH
	cudaemu_switch(&S.main_sp, f.sp);
#else
	swapcontext(&S.main, &f.ctx);
#endif
}

void yield(State s) {
	Fiber& f = current();
	f.state = s;
	to_scheduler(f);
}

void perform(const Copy& c) {
	memcpy(c.dst, c.src, (size_t)c.src_bytes);
	memset((char*)c.dst + c.src_bytes, 0, (size_t)(c.bytes - c.src_bytes));
}

void finish_copies(Fiber& f) {
	for (auto& g : f.groups)
		for (auto& c : g) perform(c);
	for (auto& c : f.open) perform(c);
	f.groups.clear();
	f.open.clear();
}

void fiber_main() {
	S.kernel->invoke(S.kernel->fn, S.params);
	Fiber& f = current();
	finish_copies(f);
	f.state = kDone;
	to_scheduler(f); // never resumed
	abort();
}

// start_fiber prepares f to run fiber_main from the top of its stack.
void start_fiber(Fiber& f) {
#ifdef CUDAEMU_ASM_SWITCH
	// The frame cudaemu_switch pops: control words, r15, r14, r13, r12, rbx, rbp, then the return address
	// fiber_main, placed so that fiber_main starts with the stack alignment of a called function.
	uint64_t* top = (uint64_t*)(f.stack + kStack) - 2; // 16-byte aligned
	top[0] = (uint64_t)(void*)fiber_main; // popped by ret: fiber_main starts with rsp = 8 mod 16, as if called
	top[1] = 0;                           // its own return address, never used
	top -= 6;
	for (int i = 0; i < 6; i++) top[i] = 0;
	top -= 1;
	uint32_t ctl[2];
	asm volatile("stmxcsr %0" : "=m"(ctl[0]));
	asm volatile("fnstcw %0" : "=m"(ctl[1]));
	memcpy(top, ctl, 8);
	f.sp = top;
#else
	getcontext(&f.ctx);
	f.ctx.uc_stack.ss_sp = f.stack;
	f.ctx.uc_stack.ss_size = kStack;
	f.ctx.uc_link = &S.main;
	makecontext(&f.ctx, fiber_main, 0);
#endif
}

// run_block runs every thread of block S.block_idx to completion; false after a fault.
bool run_block() {
	const int n = S.nthreads;
	if ((int)S.fibers.size() < n) S.fibers.resize(n);
	for (int i = 0; i < n; i++) {
		Fiber& f = S.fibers[i];
		if (!f.stack) {
			char* p = (char*)mmap(nullptr, kStack + kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
			if (p == MAP_FAILED) {
				S.fault_code = CUDA_ERROR_OUT_OF_MEMORY;
				S.fault_msg = "cudaemu: no memory for a thread stack";
				return false;
			}
			mprotect(p, kPage, PROT_NONE); // a stack overflow faults instead of corrupting the next stack
			f.stack = p + kPage;
		}
		f.state = kRun;
		f.tid = emu_dim3{(unsigned)(i % block_dim.x), (unsigned)(i / block_dim.x % block_dim.y), (unsigned)(i / (block_dim.x * block_dim.y))};
		f.lane = i & 31;
		f.warp = i >> 5;
		f.groups.clear();
		f.open.clear();
		start_fiber(f);
	}
	const int nwarps = (n + 31) / 32;
	for (;;) {
		for (int i = 0; i < n; i++) {
			Fiber& f = S.fibers[i];
			if (f.state != kRun) continue;
			S.cur = i;
			thread_idx = f.tid;
			lane_id = f.lane;
			to_fiber(f);
			if (S.fault_code) return false;
		}
		int done = 0, at_block = 0;
		for (int i = 0; i < n; i++) {
			done += S.fibers[i].state == kDone;
			at_block += S.fibers[i].state == kBlockBarrier;
		}
		if (done == n) return true;
		bool released = false;
		for (int w = 0; w < nwarps; w++) {
			int lo = 32 * w, hi = lo + 32 < n ? lo + 32 : n, waiting = 0, exited = 0;
			for (int i = lo; i < hi; i++) {
				waiting += S.fibers[i].state == kWarpBarrier;
				exited += S.fibers[i].state == kDone;
			}
			if (waiting > 0 && waiting + exited == hi - lo) {
				if (exited) {
					S.fault_code = CUDA_ERROR_LAUNCH_FAILED;
					S.fault_msg = "a warp-synchronous operation (shuffle, __syncwarp) with lanes that have exited";
					return false;
				}
				for (int i = lo; i < hi; i++) S.fibers[i].state = kRun;
				released = true;
			}
		}
		if (!released && at_block > 0 && at_block + done == n) {
			for (int i = 0; i < n; i++)
				if (S.fibers[i].state == kBlockBarrier) S.fibers[i].state = kRun;
			released = true;
		}
		if (!released) {
			char buf[200];
			snprintf(buf, sizeof buf, "deadlock: of %d threads, %d wait at __syncthreads, %d at warp barriers, %d have exited (divergent barrier)",
				n, at_block, n - at_block - done, done);
			S.fault_code = CUDA_ERROR_LAUNCH_FAILED;
			S.fault_msg = buf;
			return false;
		}
	}
}

} // namespace

void barrier_block() { yield(kBlockBarrier); }
void barrier_warp() { yield(kWarpBarrier); }

uint64_t shfl_xor_bits(uint64_t v, int mask) {
	Fiber& f = current();
	S.shfl[f.warp][f.lane] = v;
	yield(kWarpBarrier);
	const int src = f.lane ^ mask;
	const int lanes = S.nthreads - 32 * f.warp < 32 ? S.nthreads - 32 * f.warp : 32;
	const uint64_t r = src < lanes ? S.shfl[f.warp][src] : v;
	yield(kWarpBarrier);
	return r;
}

void fault(int code, const char* what) {
	S.fault_code = code;
	S.fault_msg = what;
	current().state = kDone;
	to_scheduler(current());
	abort(); // never resumed
}

void async_copy(void* smem, const void* gmem, int bytes, int src_bytes) {
	if ((bytes != 4 && bytes != 8 && bytes != 16) || src_bytes < 0 || src_bytes > bytes)
		fault(CUDA_ERROR_INVALID_VALUE, "cp.async: copy size must be 4, 8 or 16 bytes with src-size <= cp-size");
	if (((uintptr_t)smem % bytes) != 0 || ((uintptr_t)gmem % bytes) != 0)
		fault(CUDA_ERROR_MISALIGNED_ADDRESS, "cp.async: shared or global address not aligned to the copy size");
	Copy c{smem, gmem, bytes, src_bytes};
	if (S.eager)
		perform(c);
	else
		current().open.push_back(c);
}

void async_commit() {
	Fiber& f = current();
	f.groups.push_back(std::move(f.open));
	f.open.clear();
}

void async_wait(int pending) {
	Fiber& f = current();
	while ((int)f.groups.size() > pending) {
		for (auto& c : f.groups.front()) perform(c);
		f.groups.erase(f.groups.begin());
	}
}

// The launch's dynamic shared memory ends exactly at the inaccessible page, so that even a one-element overrun
// faults; its start is aligned to the largest power of two up to 128 that divides the size.
unsigned char* dynamic_smem() { return (unsigned char*)S.smem_region + S.smem_map - kPage - S.smem_len; }

// ---- memory ----

namespace {

struct Allocation {
	char* base;
	size_t maplen;
	size_t size;
};

// The bytes between an allocation's end and the next multiple of 256 (cudaMalloc's alignment, which the
// allocation keeps) hold this value; a launch that changes them wrote past the end.
constexpr unsigned char kCanary = 0xa5;

std::map<uintptr_t, Allocation> allocs; // by device address
size_t used = 0;

// find returns the allocation holding [p, p+bytes), or null.
const Allocation* find(uintptr_t p, size_t bytes) {
	auto it = allocs.upper_bound(p);
	if (it == allocs.begin()) return nullptr;
	--it;
	if (p < it->first || p + bytes > it->first + it->second.size) return nullptr;
	return &it->second;
}

} // namespace

bool check_device_pointer(const void* p, const char* kernel, int index) {
	if (!p || find((uintptr_t)p, 0)) return true;
	fprintf(stderr, "cudaemu: kernel %s: argument %d (%p) does not point into device memory\n", kernel, index, p);
	return false;
}

} // namespace cudaemu

using namespace cudaemu;

// ---- driver API ----

namespace {

std::recursive_mutex mu;
CUresult sticky = CUDA_SUCCESS; // a kernel fault corrupts the context, as on a GPU
bool initialised = false;
int ctx_object;
thread_local CUcontext current_ctx = nullptr;

struct Func {
	const Kernel* kernel;
	int max_dynamic_smem = kDefaultSmem;
};

struct Module {
	std::vector<Func*> funcs;
	std::vector<unsigned char> image;
};

struct Node {
	enum Kind { kLaunch, kCopy, kSet } kind;
	Func* f = nullptr;
	unsigned grid[3] = {}, block[3] = {}, smem = 0;
	std::vector<uint64_t> args; // one 8-byte slot per parameter, copied at capture
	char* dst = nullptr;
	const char* src = nullptr;
	size_t bytes = 0;
	uint32_t value = 0;
	int width = 0; // memset element size
};

struct Graph {
	std::vector<Node> nodes;
};

struct Stream {
	bool capturing = false, invalidated = false;
	Graph* graph = nullptr;
};

Stream default_stream;
std::vector<Stream*> capturing; // streams with an open capture

struct Event {
	std::chrono::steady_clock::time_point t;
	bool recorded = false;
};

Stream* stream_of(CUstream s) {
	if (s == nullptr || s == CU_STREAM_LEGACY || s == CU_STREAM_PER_THREAD) return &default_stream;
	return (Stream*)s;
}

// unsafe_during_capture refuses a synchronising or allocating call while a capture is open, and invalidates
// the capture, as a driver does in CU_STREAM_CAPTURE_MODE_THREAD_LOCAL (the mode gpu uses).
CUresult unsafe_during_capture(const char* what) {
	if (capturing.empty()) return CUDA_SUCCESS;
	fprintf(stderr, "cudaemu: %s while a stream is being captured\n", what);
	for (Stream* s : capturing) s->invalidated = true;
	return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
}

CUresult check_ready() {
	if (!initialised) return CUDA_ERROR_NOT_INITIALIZED;
	return sticky;
}

// check_canaries reports the first allocation whose padding a kernel overwrote.
bool check_canaries(const char* kernel) {
	for (auto& [addr, a] : allocs) {
		const unsigned char* p = (const unsigned char*)addr;
		for (size_t i = a.size; i < round_up(a.size, 256); i++)
			if (p[i] != kCanary) {
				fprintf(stderr, "cudaemu: kernel %s wrote past the end of the %zu-byte allocation at %p (byte %zu)\n", kernel, a.size, (void*)p, i);
				return false;
			}
	}
	return true;
}

// A kernel's access to an inaccessible page (past an allocation, past the dynamic shared memory, outside
// device memory) ends the process with SIGSEGV; this handler first says which kernel, block and thread made it,
// then passes the signal on to the Go runtime's handler, which prints the goroutines and exits.
struct sigaction go_segv;
volatile sig_atomic_t in_kernel = 0;

void on_segv(int sig, siginfo_t* si, void* uc) {
	if (in_kernel) {
		in_kernel = 0;
		char buf[320];
		int n = snprintf(buf, sizeof buf,
			"cudaemu: kernel %s, block (%u,%u,%u), thread %d: invalid access at %p (past the end of an allocation or of the dynamic shared memory, or not device memory)\n",
			S.kernel ? S.kernel->name : "?", block_idx.x, block_idx.y, block_idx.z, S.cur, si->si_addr);
		if (n > 0) (void)!write(2, buf, (size_t)n);
	}
	if (go_segv.sa_flags & SA_SIGINFO) {
		go_segv.sa_sigaction(sig, si, uc);
	} else if (go_segv.sa_handler != SIG_IGN && go_segv.sa_handler != SIG_DFL) {
		go_segv.sa_handler(sig);
	} else {
		signal(sig, SIG_DFL);
		raise(sig);
	}
}

void install_segv_handler() {
	static bool done = false;
	if (done) return;
	done = true;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &go_segv);
}

CUresult run_launch(Func* f, const unsigned* grid, const unsigned* block, unsigned smem, void** params) {
	const Kernel* k = f->kernel;
	if (!k->check(params, k->name)) {
		sticky = CUDA_ERROR_ILLEGAL_ADDRESS;
		return sticky;
	}
	install_segv_handler();
	S.kernel = k;
	S.params = params;
	S.fault_code = 0;
	if (!S.smem_region) S.smem_region = guarded(kSmemRegion, &S.smem_map);
	S.smem_len = smem;
	S.nthreads = (int)(block[0] * block[1] * block[2]);
	block_dim = emu_dim3{block[0], block[1], block[2]};
	grid_dim = emu_dim3{grid[0], grid[1], grid[2]};
	for (unsigned z = 0; z < grid[2]; z++)
		for (unsigned y = 0; y < grid[1]; y++)
			for (unsigned x = 0; x < grid[0]; x++) {
				block_idx = emu_dim3{x, y, z};
				if (smem) memset(dynamic_smem(), 0xff, smem);
				in_kernel = 1;
				const bool ok = run_block();
				in_kernel = 0;
				if (!ok) {
					fprintf(stderr, "cudaemu: kernel %s, block (%u,%u,%u), thread %d: %s\n", k->name, x, y, z, S.cur, S.fault_msg.c_str());
					sticky = (CUresult)S.fault_code;
					return sticky;
				}
			}
	if (!check_canaries(k->name)) {
		sticky = CUDA_ERROR_ILLEGAL_ADDRESS;
		return sticky;
	}
	return CUDA_SUCCESS;
}

CUresult run_node(const Node& n) {
	switch (n.kind) {
	case Node::kLaunch: {
		void* ptrs[kMaxParams];
		for (size_t i = 0; i < n.args.size(); i++) ptrs[i] = (void*)&n.args[i];
		return run_launch(n.f, n.grid, n.block, n.smem, ptrs);
	}
	case Node::kCopy:
		memmove(n.dst, n.src, n.bytes);
		return CUDA_SUCCESS;
	case Node::kSet:
		for (size_t i = 0; i < n.bytes; i++) {
			if (n.width == 1)
				((uint8_t*)n.dst)[i] = (uint8_t)n.value;
			else if (n.width == 2)
				((uint16_t*)n.dst)[i] = (uint16_t)n.value;
			else
				((uint32_t*)n.dst)[i] = n.value;
		}
		return CUDA_SUCCESS;
	}
	return CUDA_ERROR_INVALID_VALUE;
}

// submit runs n now, or appends it to the graph of a capturing stream.
CUresult submit(CUstream hs, Node n) {
	Stream* s = stream_of(hs);
	if (s->capturing) {
		if (s->invalidated) return CUDA_ERROR_STREAM_CAPTURE_INVALIDATED;
		s->graph->nodes.push_back(std::move(n));
		return CUDA_SUCCESS;
	}
	return run_node(n);
}

// device_range is true when [p, p+bytes) lies in one allocation.
bool device_range(CUdeviceptr p, size_t bytes) { return bytes == 0 || find((uintptr_t)p, bytes) != nullptr; }

CUresult copy(CUstream hs, void* dst, const void* src, size_t bytes, bool dst_dev, bool src_dev, bool sync, const char* what) {
	std::lock_guard<std::recursive_mutex> l(mu);
	if (CUresult r = check_ready()) return r;
	if (!current_ctx) return CUDA_ERROR_INVALID_CONTEXT;
	if (sync)
		if (CUresult r = unsafe_during_capture(what)) return r;
	if ((dst_dev && !device_range((CUdeviceptr)dst, bytes)) || (src_dev && !device_range((CUdeviceptr)src, bytes))) {
		fprintf(stderr, "cudaemu: %s of %zu bytes outside device memory (dst %p, src %p)\n", what, bytes, dst, src);
		return CUDA_ERROR_INVALID_VALUE;
	}
	if (bytes && (!dst || !src)) return CUDA_ERROR_INVALID_VALUE;
	Node n;
	n.kind = Node::kCopy;
	n.dst = (char*)dst;
	n.src = (const char*)src;
	n.bytes = bytes;
	return submit(hs, n);
}

CUresult set(CUstream hs, CUdeviceptr dst, uint32_t v, size_t count, int width, bool sync) {
	std::lock_guard<std::recursive_mutex> l(mu);
	if (CUresult r = check_ready()) return r;
	if (!current_ctx) return CUDA_ERROR_INVALID_CONTEXT;
	if (sync)
		if (CUresult r = unsafe_during_capture("cuMemset")) return r;
	if (!device_range(dst, count * width)) return CUDA_ERROR_INVALID_VALUE;
	Node n;
	n.kind = Node::kSet;
	n.dst = (char*)dst;
	n.bytes = count;
	n.value = v;
	n.width = width;
	return submit(hs, n);
}

} // namespace

extern "C" {

CUresult cuInit(unsigned int flags) {
	if (flags != 0) return CUDA_ERROR_INVALID_VALUE;
	const char* mode = getenv("CUDAEMU_CP_ASYNC");
	S.eager = mode && strcmp(mode, "eager") == 0;
	S.trace = getenv("CUDAEMU_TRACE") != nullptr;
	initialised = true;
	return CUDA_SUCCESS;
}

CUresult cuDriverGetVersion(int* v) {
	if (!v) return CUDA_ERROR_INVALID_VALUE;
	*v = 13000;
	return CUDA_SUCCESS;
}

CUresult cuGetErrorName(CUresult e, const char** s) {
	if (!s) return CUDA_ERROR_INVALID_VALUE;
	switch (e) {
#define NAME(x) \
	case x: \
		*s = #x; \
		return CUDA_SUCCESS;
		NAME(CUDA_SUCCESS)
		NAME(CUDA_ERROR_INVALID_VALUE)
		NAME(CUDA_ERROR_OUT_OF_MEMORY)
		NAME(CUDA_ERROR_NOT_INITIALIZED)
		NAME(CUDA_ERROR_INVALID_CONTEXT)
		NAME(CUDA_ERROR_INVALID_HANDLE)
		NAME(CUDA_ERROR_INVALID_IMAGE)
		NAME(CUDA_ERROR_NOT_FOUND)
		NAME(CUDA_ERROR_ILLEGAL_STATE)
		NAME(CUDA_ERROR_ILLEGAL_ADDRESS)
		NAME(CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES)
		NAME(CUDA_ERROR_MISALIGNED_ADDRESS)
		NAME(CUDA_ERROR_LAUNCH_FAILED)
		NAME(CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED)
		NAME(CUDA_ERROR_STREAM_CAPTURE_INVALIDATED)
		NAME(CUDA_ERROR_NOT_SUPPORTED)
#undef NAME
	default:
		*s = nullptr;
		return CUDA_ERROR_INVALID_VALUE;
	}
}

CUresult cuGetErrorString(CUresult e, const char** s) { return cuGetErrorName(e, s); }

CUresult cuDeviceGetCount(int* n) {
	if (!initialised) return CUDA_ERROR_NOT_INITIALIZED;
	*n = 1;
	return CUDA_SUCCESS;
}

CUresult cuDeviceGet(CUdevice* d, int ordinal) {
	if (!initialised) return CUDA_ERROR_NOT_INITIALIZED;
	if (ordinal != 0) return CUDA_ERROR_INVALID_DEVICE;
	*d = 0;
	return CUDA_SUCCESS;
}

CUresult cuDeviceGetName(char* name, int len, CUdevice d) {
	if (d != 0 || !name || len <= 0) return CUDA_ERROR_INVALID_VALUE;
	snprintf(name, (size_t)len, "cudaemu (trajdiff's CPU emulator of an sm_90 GPU)");
	return CUDA_SUCCESS;
}

CUresult cuDeviceTotalMem(size_t* bytes, CUdevice d) {
	if (d != 0 || !bytes) return CUDA_ERROR_INVALID_VALUE;
	*bytes = kTotalMem;
	return CUDA_SUCCESS;
}

CUresult cuDeviceGetAttribute(int* v, CUdevice_attribute a, CUdevice d) {
	if (d != 0 || !v) return CUDA_ERROR_INVALID_VALUE;
	switch (a) {
	case CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK: *v = 1024; break;
	case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X: *v = 1024; break;
	case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y: *v = 1024; break;
	case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z: *v = 64; break;
	case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X: *v = 2147483647; break;
	case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y: *v = 65535; break;
	case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z: *v = 65535; break;
	case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK: *v = (int)kDefaultSmem; break;
	case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN: *v = (int)kSmemRegion; break;
	case CU_DEVICE_ATTRIBUTE_WARP_SIZE: *v = 32; break;
	case CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT: *v = kSMs; break;
	case CU_DEVICE_ATTRIBUTE_CLOCK_RATE: *v = 1980000; break;
	case CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE: *v = 2619000; break;
	case CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH: *v = 5120; break;
	case CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE: *v = 50 << 20; break;
	case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR: *v = 9; break;
	case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR: *v = 0; break;
	case CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR: *v = 2048; break;
	case CU_DEVICE_ATTRIBUTE_UNIFIED_ADDRESSING: *v = 1; break;
	case CU_DEVICE_ATTRIBUTE_CONCURRENT_KERNELS: *v = 1; break;
	default: *v = 0;
	}
	return CUDA_SUCCESS;
}

CUresult cuDevicePrimaryCtxRetain(CUcontext* c, CUdevice d) {
	if (!initialised) return CUDA_ERROR_NOT_INITIALIZED;
	if (d != 0 || !c) return CUDA_ERROR_INVALID_VALUE;
	*c = (CUcontext)&ctx_object;
	return CUDA_SUCCESS;
}

CUresult cuDevicePrimaryCtxRelease(CUdevice d) { return d == 0 ? CUDA_SUCCESS : CUDA_ERROR_INVALID_DEVICE; }

CUresult cuCtxSetCurrent(CUcontext c) {
	if (c && c != (CUcontext)&ctx_object) return CUDA_ERROR_INVALID_CONTEXT;
	current_ctx = c;
	return CUDA_SUCCESS;
}

CUresult cuCtxGetCurrent(CUcontext* c) {
	if (!c) return CUDA_ERROR_INVALID_VALUE;
	*c = current_ctx;
	return CUDA_SUCCESS;
}

CUresult cuCtxSynchronize() {
	std::lock_guard<std::recursive_mutex> l(mu);
	if (CUresult r = unsafe_during_capture("cuCtxSynchronize")) return r;
	return check_ready();
}

CUresult cuMemGetInfo(size_t* free_, size_t* total) {
	std::lock_guard<std::recursive_mutex> l(mu);
	*free_ = kTotalMem - used;
	*total = kTotalMem;
	return CUDA_SUCCESS;
}

CUresult cuMemAlloc(CUdeviceptr* p, size_t bytes) {
	std::lock_guard<std::recursive_mutex> l(mu);
	if (CUresult r = check_ready()) return r;
	if (!current_ctx) return CUDA_ERROR_INVALID_CONTEXT;
	if (CUresult r = unsafe_during_capture("cuMemAlloc")) return r;
	if (!p || bytes == 0) return CUDA_ERROR_INVALID_VALUE;
	if (bytes > kTotalMem - used) return CUDA_ERROR_OUT_OF_MEMORY;
	const size_t padded = round_up(bytes, 256); // cudaMalloc's alignment
	size_t maplen;
	char* base = guarded(padded, &maplen);
	if (!base) return CUDA_ERROR_OUT_OF_MEMORY;
	char* dev = base + maplen - kPage - padded; // the padded end meets the inaccessible page
	memset(dev, 0xff, bytes);
	memset(dev + bytes, kCanary, padded - bytes);
	allocs[(uintptr_t)dev] = Allocation{base, maplen, bytes};
	used += bytes;
	*p = (CUdeviceptr)dev;
	return CUDA_SUCCESS;
}

CUresult cuMemFree(CUdeviceptr p) {
	std::lock_guard<std::recursive_mutex> l(mu);
	if (CUresult r = unsafe_during_capture("cuMemFree")) return r;
	auto it = allocs.find((uintptr_t)p);
	if (it == allocs.end()) {
		fprintf(stderr, "cudaemu: cuMemFree(%p): not an allocation\n", (void*)p);
		return CUDA_ERROR_INVALID_VALUE;
	}
	munmap(it->second.base, it->second.maplen);
	used -= it->second.size;
	allocs.erase(it);
	return CUDA_SUCCESS;
}

CUresult cuMemcpyHtoD(CUdeviceptr d, const void* h, size_t n) { return copy(nullptr, (void*)d, h, n, true, false, true, "cuMemcpyHtoD"); }
CUresult cuMemcpyDtoH(void* h, CUdeviceptr d, size_t n) { return copy(nullptr, h, (const void*)d, n, false, true, true, "cuMemcpyDtoH"); }
CUresult cuMemcpyDtoD(CUdeviceptr d, CUdeviceptr s, size_t n) { return copy(nullptr, (void*)d, (const void*)s, n, true, true, true, "cuMemcpyDtoD"); }
CUresult cuMemcpyHtoDAsync(CUdeviceptr d, const void* h, size_t n, CUstream s) { return copy(s, (void*)d, h, n, true, false, false, "cuMemcpyHtoDAsync"); }
CUresult cuMemcpyDtoHAsync(void* h, CUdeviceptr d, size_t n, CUstream s) { return copy(s, h, (const void*)d, n, false, true, false, "cuMemcpyDtoHAsync"); }
CUresult cuMemcpyDtoDAsync(CUdeviceptr d, CUdeviceptr s, size_t n, CUstream st) { return copy(st, (void*)d, (const void*)s, n, true, true, false, "cuMemcpyDtoDAsync"); }
CUresult cuMemsetD8(CUdeviceptr d, unsigned char v, size_t n) { return set(nullptr, d, v, n, 1, true); }
CUresult cuMemsetD16(CUdeviceptr d, unsigned short v, size_t n) { return set(nullptr, d, v, n, 2, true); }
CUresult cuMemsetD32(CUdeviceptr d, unsigned int v, size_t n) { return set(nullptr, d, v, n, 4, true); }
CUresult cuMemsetD8Async(CUdeviceptr d, unsigned char v, size_t n, CUstream s) { return set(s, d, v, n, 1, false); }
CUresult cuMemsetD16Async(CUdeviceptr d, unsigned short v, size_t n, CUstream s) { return set(s, d, v, n, 2, false); }
CUresult cuMemsetD32Async(CUdeviceptr d, unsigned int v, size_t n, CUstream s) { return set(s, d, v, n, 4, false); }

CUresult cuStreamCreate(CUstream* s, unsigned int flags) {
	std::lock_guard<std::recursive_mutex> l(mu);
	if (CUresult r = check_ready()) return r;
	if (!current_ctx) return CUDA_ERROR_INVALID_CONTEXT;
	if (!s) return CUDA_ERROR_INVALID_VALUE;
	*s = (CUstream) new Stream();
	return CUDA_SUCCESS;
}

CUresult cuStreamDestroy(CUstream hs) {
	std::lock_guard<std::recursive_mutex> l(mu);
	Stream* s = stream_of(hs);
	if (s == &default_stream) return CUDA_ERROR_INVALID_HANDLE;
	if (s->capturing) {
		std::erase(capturing, s);
		delete s->graph;
	}
	delete s;
	return CUDA_SUCCESS;
}

CUresult cuStreamSynchronize(CUstream hs) {
	std::lock_guard<std::recursive_mutex> l(mu);
	if (CUresult r = unsafe_during_capture("cuStreamSynchronize")) return r; // the capturing stream itself too
	return check_ready();
}

CUresult cuStreamQuery(CUstream hs) { return cuStreamSynchronize(hs); }

CUresult cuStreamWaitEvent(CUstream, CUevent, unsigned int) { return check_ready(); }

CUresult cuStreamBeginCapture(CUstream hs, CUstreamCaptureMode mode) {
	std::lock_guard<std::recursive_mutex> l(mu);
	if (CUresult r = check_ready()) return r;
	Stream* s = stream_of(hs);
	if (s == &default_stream) return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
	if (s->capturing) return CUDA_ERROR_ILLEGAL_STATE;
	if (mode != CU_STREAM_CAPTURE_MODE_THREAD_LOCAL && mode != CU_STREAM_CAPTURE_MODE_GLOBAL && mode != CU_STREAM_CAPTURE_MODE_RELAXED)
		return CUDA_ERROR_INVALID_VALUE;
	s->capturing = true;
	s->invalidated = false;
	s->graph = new Graph();
	capturing.push_back(s);
	return CUDA_SUCCESS;
}

CUresult cuStreamEndCapture(CUstream hs, CUgraph* g) {
	std::lock_guard<std::recursive_mutex> l(mu);
	Stream* s = stream_of(hs);
	if (!g) return CUDA_ERROR_INVALID_VALUE;
	*g = nullptr;
	if (!s->capturing) return CUDA_ERROR_ILLEGAL_STATE;
	s->capturing = false;
	std::erase(capturing, s);
	Graph* graph = s->graph;
	s->graph = nullptr;
	if (s->invalidated) {
		delete graph;
		return CUDA_ERROR_STREAM_CAPTURE_INVALIDATED;
	}
	*g = (CUgraph)graph;
	return CUDA_SUCCESS;
}

CUresult cuGraphGetNodes(CUgraph g, CUgraphNode* nodes, size_t* n) {
	if (!g || !n) return CUDA_ERROR_INVALID_VALUE;
	Graph* graph = (Graph*)g;
	if (nodes) {
		const size_t k = *n < graph->nodes.size() ? *n : graph->nodes.size();
		for (size_t i = 0; i < k; i++) nodes[i] = (CUgraphNode)&graph->nodes[i];
	}
	*n = graph->nodes.size();
	return CUDA_SUCCESS;
}

CUresult cuGraphInstantiateWithFlags(CUgraphExec* e, CUgraph g, unsigned long long flags) {
	std::lock_guard<std::recursive_mutex> l(mu);
	if (!e || !g) return CUDA_ERROR_INVALID_VALUE;
	*e = (CUgraphExec) new Graph(*(Graph*)g); // an executable graph is a snapshot of the graph
	return CUDA_SUCCESS;
}

CUresult cuGraphLaunch(CUgraphExec e, CUstream hs) {
	std::lock_guard<std::recursive_mutex> l(mu);
	if (CUresult r = check_ready()) return r;
	if (!e) return CUDA_ERROR_INVALID_VALUE;
	for (const Node& n : ((Graph*)e)->nodes)
		if (CUresult r = submit(hs, n)) return r;
	return CUDA_SUCCESS;
}

CUresult cuGraphExecDestroy(CUgraphExec e) {
	delete (Graph*)e;
	return CUDA_SUCCESS;
}

CUresult cuGraphDestroy(CUgraph g) {
	delete (Graph*)g;
	return CUDA_SUCCESS;
}

CUresult cuEventCreate(CUevent* e, unsigned int flags) {
	if (!e) return CUDA_ERROR_INVALID_VALUE;
	*e = (CUevent) new Event();
	return CUDA_SUCCESS;
}

CUresult cuEventDestroy(CUevent e) {
	delete (Event*)e;
	return CUDA_SUCCESS;
}

CUresult cuEventRecord(CUevent e, CUstream hs) {
	std::lock_guard<std::recursive_mutex> l(mu);
	if (!e) return CUDA_ERROR_INVALID_HANDLE;
	if (stream_of(hs)->capturing) return CUDA_SUCCESS; // an ordering point inside the graph, nothing to time
	((Event*)e)->t = std::chrono::steady_clock::now();
	((Event*)e)->recorded = true;
	return check_ready();
}

CUresult cuEventSynchronize(CUevent e) {
	std::lock_guard<std::recursive_mutex> l(mu);
	if (CUresult r = unsafe_during_capture("cuEventSynchronize")) return r;
	return check_ready();
}

CUresult cuEventQuery(CUevent e) { return check_ready(); }

CUresult cuEventElapsedTime(float* ms, CUevent a, CUevent b) {
	if (!ms || !a || !b) return CUDA_ERROR_INVALID_VALUE;
	if (!((Event*)a)->recorded || !((Event*)b)->recorded) return CUDA_ERROR_INVALID_HANDLE;
	*ms = std::chrono::duration<float, std::milli>(((Event*)b)->t - ((Event*)a)->t).count();
	return CUDA_SUCCESS;
}

CUresult cuModuleLoadFatBinary(CUmodule* m, const void* image) {
	std::lock_guard<std::recursive_mutex> l(mu);
	if (CUresult r = check_ready()) return r;
	if (!current_ctx) return CUDA_ERROR_INVALID_CONTEXT;
	if (!m || !image) return CUDA_ERROR_INVALID_VALUE;
	// A fatbin starts with magic 0xBA55ED50, a 2-byte version, a 2-byte header size and an 8-byte payload size.
	const unsigned char* p = (const unsigned char*)image;
	uint32_t magic;
	uint16_t header;
	uint64_t payload;
	memcpy(&magic, p, 4);
	memcpy(&header, p + 6, 2);
	memcpy(&payload, p + 8, 8);
	if (magic != 0xBA55ED50u || header < 16 || payload > (1ull << 32)) return CUDA_ERROR_INVALID_IMAGE;
	Module* mod = new Module();
	mod->image.assign(p, p + header + payload); // the caller may free the image once loaded
	*m = (CUmodule)mod;
	return CUDA_SUCCESS;
}

CUresult cuModuleLoadData(CUmodule* m, const void* image) { return cuModuleLoadFatBinary(m, image); }

CUresult cuModuleGetFunction(CUfunction* f, CUmodule hm, const char* name) {
	std::lock_guard<std::recursive_mutex> l(mu);
	if (!f || !hm || !name) return CUDA_ERROR_INVALID_VALUE;
	Module* m = (Module*)hm;
	// The entry must exist both in the image the program loaded and among the emulated kernels.
	if (!memmem(m->image.data(), m->image.size(), name, strlen(name) + 1)) {
		fprintf(stderr, "cudaemu: %s is not in the loaded fatbin\n", name);
		return CUDA_ERROR_NOT_FOUND;
	}
	for (int i = 0; i < num_kernels; i++)
		if (strcmp(kernels[i].name, name) == 0) {
			Func* fn = new Func{&kernels[i]};
			m->funcs.push_back(fn);
			*f = (CUfunction)fn;
			return CUDA_SUCCESS;
		}
	fprintf(stderr, "cudaemu: %s is in the fatbin but not among the emulated kernels (gpu/cudaemu/kernels.cc)\n", name);
	return CUDA_ERROR_NOT_FOUND;
}

CUresult cuModuleUnload(CUmodule hm) {
	std::lock_guard<std::recursive_mutex> l(mu);
	Module* m = (Module*)hm;
	if (!m) return CUDA_ERROR_INVALID_VALUE;
	for (Func* f : m->funcs) delete f;
	delete m;
	return CUDA_SUCCESS;
}

CUresult cuFuncSetAttribute(CUfunction hf, CUfunction_attribute a, int v) {
	Func* f = (Func*)hf;
	if (!f) return CUDA_ERROR_INVALID_HANDLE;
	if (a != CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES) return CUDA_ERROR_NOT_SUPPORTED;
	if (v < 0 || (size_t)v > kSmemRegion) return CUDA_ERROR_INVALID_VALUE;
	f->max_dynamic_smem = v;
	return CUDA_SUCCESS;
}

CUresult cuFuncGetAttribute(int* v, CUfunction_attribute a, CUfunction hf) {
	Func* f = (Func*)hf;
	if (!f || !v) return CUDA_ERROR_INVALID_VALUE;
	switch (a) {
	case CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES: *v = f->max_dynamic_smem; break;
	case CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK: *v = 1024; break;
	default: *v = 0;
	}
	return CUDA_SUCCESS;
}

CUresult cuLaunchKernel(CUfunction hf, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx, unsigned int by,
	unsigned int bz, unsigned int smem, CUstream hs, void** params, void** extra) {
	std::lock_guard<std::recursive_mutex> l(mu);
	if (CUresult r = check_ready()) return r;
	if (!current_ctx) return CUDA_ERROR_INVALID_CONTEXT;
	Func* f = (Func*)hf;
	if (!f) return CUDA_ERROR_INVALID_HANDLE;
	const Kernel* k = f->kernel;
	if (extra) return CUDA_ERROR_NOT_SUPPORTED;
	if (k->nparams > 0 && !params) return CUDA_ERROR_INVALID_VALUE;
	const unsigned long long threads = (unsigned long long)bx * by * bz;
	if (gx == 0 || gy == 0 || gz == 0 || threads == 0 || gy > 65535 || gz > 65535 || gx > 2147483647u || bx > 1024 ||
		by > 1024 || bz > 64 || threads > 1024) {
		fprintf(stderr, "cudaemu: %s: launch grid (%u,%u,%u) block (%u,%u,%u) outside the device's limits\n", k->name, gx, gy, gz, bx, by, bz);
		return CUDA_ERROR_INVALID_VALUE;
	}
	if (smem > (unsigned)f->max_dynamic_smem) {
		fprintf(stderr, "cudaemu: %s: %u bytes of dynamic shared memory, the function allows %d\n", k->name, smem, f->max_dynamic_smem);
		return CUDA_ERROR_INVALID_VALUE;
	}
	if (S.trace) fprintf(stderr, "cudaemu: launch %s grid (%u,%u,%u) block (%u,%u,%u) smem %u\n", k->name, gx, gy, gz, bx, by, bz, smem);
	Node n;
	n.kind = Node::kLaunch;
	n.f = f;
	n.grid[0] = gx, n.grid[1] = gy, n.grid[2] = gz;
	n.block[0] = bx, n.block[1] = by, n.block[2] = bz;
	n.smem = smem;
	n.args.assign(k->nparams, 0);
	for (int i = 0; i < k->nparams; i++) memcpy(&n.args[i], params[i], k->param_size[i]);
	return submit(hs, n);
}

} // extern "C"
