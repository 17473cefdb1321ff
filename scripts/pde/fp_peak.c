/* Packed float64 add and multiply throughput of one core, for the machine-limit estimate of the
 * Burgers stencil (docs/benchmarks.md): 24 independent dependency chains of VADDPD / VMULPD / VFMADD231PD on zmm and
 * ymm registers, so latency is hidden and the issue ports are the limit; a chain of 3-cycle IMULs
 * gives the clock. The divider's throughput (VDIVPD, VSQRTPD on zmm and ymm, from registers holding 1 and
 * 1.0000001, so no special values) bounds the CNS kernels, whose cell-update takes 5 divisions and 3
 * square roots.
 *
 *   gcc -O2 -mavx512f -mfma -o /tmp/fp_peak scripts/pde/fp_peak.c && /tmp/fp_peak
 */
#include <stdio.h>
#include <time.h>

static double now(void) {
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); /* CPU time: robust to sharing the core */
	return t.tv_sec + 1e-9 * t.tv_nsec;
}

#define C3(op, r, k) op " %%" r "31, %%" r #k ", %%" r #k "\n\t"
#define C24(op, r)                                                                                     \
	C3(op, r, 0) C3(op, r, 1) C3(op, r, 2) C3(op, r, 3) C3(op, r, 4) C3(op, r, 5) C3(op, r, 6)         \
	C3(op, r, 7) C3(op, r, 8) C3(op, r, 9) C3(op, r, 10) C3(op, r, 11) C3(op, r, 12) C3(op, r, 13)     \
	C3(op, r, 14) C3(op, r, 15) C3(op, r, 16) C3(op, r, 17) C3(op, r, 18) C3(op, r, 19) C3(op, r, 20) \
	C3(op, r, 21) C3(op, r, 22) C3(op, r, 23)
#define MIX(r)                                                                                         \
	C3("vaddpd", r, 0) C3("vaddpd", r, 1) C3("vaddpd", r, 2) C3("vaddpd", r, 3) C3("vaddpd", r, 4)     \
	C3("vaddpd", r, 5) C3("vaddpd", r, 6) C3("vaddpd", r, 7) C3("vaddpd", r, 8) C3("vaddpd", r, 9)     \
	C3("vaddpd", r, 10) C3("vaddpd", r, 11) C3("vmulpd", r, 12) C3("vmulpd", r, 13)                   \
	C3("vmulpd", r, 14) C3("vmulpd", r, 15) C3("vmulpd", r, 16) C3("vmulpd", r, 17)                   \
	C3("vmulpd", r, 18) C3("vmulpd", r, 19) C3("vmulpd", r, 20) C3("vmulpd", r, 21)                   \
	C3("vmulpd", r, 22) C3("vmulpd", r, 23)
#define S3(op, r, k) op " %%" r #k ", %%" r #k "\n\t"
#define S24(op, r)                                                                                     \
	S3(op, r, 0) S3(op, r, 1) S3(op, r, 2) S3(op, r, 3) S3(op, r, 4) S3(op, r, 5) S3(op, r, 6)         \
	S3(op, r, 7) S3(op, r, 8) S3(op, r, 9) S3(op, r, 10) S3(op, r, 11) S3(op, r, 12) S3(op, r, 13)     \
	S3(op, r, 14) S3(op, r, 15) S3(op, r, 16) S3(op, r, 17) S3(op, r, 18) S3(op, r, 19) S3(op, r, 20) \
	S3(op, r, 21) S3(op, r, 22) S3(op, r, 23)
#define CLOB                                                                                           \
	"xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11",  \
	    "xmm12", "xmm13", "xmm14", "xmm15", "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21",       \
	    "xmm22", "xmm23"
#define RUN(name, code) RUNN(name, code, n)
#define RUNN(name, code, m)                                                                            \
	do {                                                                                               \
		double t0 = now();                                                                             \
		for (long i = 0; i < (m); i++)                                                                 \
			__asm__ volatile(code ::: CLOB);                                                           \
		double dt = now() - t0;                                                                        \
		printf("%-16s %6.3f G instructions/s, %6.3f ns each\n", name, (m) * 24.0 / dt / 1e9,           \
		       dt / ((m) * 24.0) * 1e9);                                                               \
	} while (0)

/* ones puts 1 into zmm0..zmm23 and 1.0000001 into zmm31. */
static void ones(void) {
	static const double one = 1, d = 1.0000001;
	__asm__ volatile("vbroadcastsd %0, %%zmm31" ::"m"(one) : "xmm31");
#define B1(k) "vmovapd %%zmm31, %%zmm" #k "\n\t"
	__asm__ volatile(B1(0) B1(1) B1(2) B1(3) B1(4) B1(5) B1(6) B1(7) B1(8) B1(9) B1(10) B1(11) B1(12)
	                     B1(13) B1(14) B1(15) B1(16) B1(17) B1(18) B1(19) B1(20) B1(21) B1(22) B1(23)::
	                         : CLOB);
	__asm__ volatile("vbroadcastsd %0, %%zmm31" ::"m"(d) : "xmm31");
}

int main(void) {
	long n = 100000000;
	unsigned long x = 3, y = 5;
	double t0 = now();
	for (long i = 0; i < 4 * n; i++)
		__asm__ volatile("imul %1, %0\n\timul %1, %0\n\timul %1, %0\n\timul %1, %0" : "+r"(x) : "r"(y));
	printf("clock            %6.3f GHz (chain of 3-cycle imul)\n", 4 * n * 12.0 / (now() - t0) / 1e9);
	RUN("vaddpd zmm", C24("vaddpd", "zmm"));
	RUN("vmulpd zmm", C24("vmulpd", "zmm"));
	RUN("add+mul zmm", MIX("zmm"));
	RUN("vfmadd231pd zmm", C24("vfmadd231pd", "zmm"));
	RUN("vaddpd ymm", C24("vaddpd", "ymm"));
	RUN("vmulpd ymm", C24("vmulpd", "ymm"));
	RUN("vfmadd231pd ymm", C24("vfmadd231pd", "ymm"));
	ones();
	RUNN("vdivpd zmm", C24("vdivpd", "zmm"), n / 20);
	ones();
	RUNN("vsqrtpd zmm", S24("vsqrtpd", "zmm"), n / 20);
	ones();
	RUNN("vdivpd ymm", C24("vdivpd", "ymm"), n / 20);
	ones();
	RUNN("vsqrtpd ymm", S24("vsqrtpd", "ymm"), n / 20);
	return 0;
}
