/* Which issue ports the advection kernel's limiter instructions share with packed float64 adds, for the
 * machine-limit estimate of the batched advection solver (pde/advection): throughput of VMINPD,
 * VRANGEPD and VCMPPD (into a mask) on zmm alone and mixed 1:1 with VADDPD or VMULPD, 24 independent
 * chains each (as scripts/pde/fp_peak.c, which measures the adds, multiplies and the clock). A mix
 * that runs at about 2 instructions per cycle shares the two add pipes; one at about 4 does not.
 *
 *   gcc -O2 -mavx512f -o /tmp/fp_limiter_peak scripts/pde/fp_limiter_peak.c && /tmp/fp_limiter_peak
 */
#include <stdio.h>
#include <time.h>

static double now(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + 1e-9 * t.tv_nsec;
}

/* op zmm31, zmmK, zmmK (a chain per register K) or, for compares, op zmm31, zmmK, k1. */
#define V(op, k) op " %%zmm31, %%zmm" #k ", %%zmm" #k "\n\t"
#define K(op, k) op " %%zmm31, %%zmm" #k ", %%k1\n\t"
#define HALF(M, op, a, b, c, d, e, f, g, h, i, j, k, l)                                                  \
	M(op, a) M(op, b) M(op, c) M(op, d) M(op, e) M(op, f) M(op, g) M(op, h) M(op, i) M(op, j) M(op, k) M(op, l)
#define LO(M, op) HALF(M, op, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
#define HI(M, op) HALF(M, op, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23)
#define CLOB                                                                                           \
	"xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11",  \
	    "xmm12", "xmm13", "xmm14", "xmm15", "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21",       \
	    "xmm22", "xmm23", "k1"
#define RUN(name, code)                                                                                \
	do {                                                                                               \
		double t0 = now();                                                                             \
		for (long i = 0; i < n; i++)                                                                   \
			__asm__ volatile(code ::: CLOB);                                                           \
		printf("%-22s %6.3f G instructions/s\n", name, n * 24.0 / (now() - t0) / 1e9);                \
	} while (0)

int main(void) {
	long n = 50000000;
	RUN("vaddpd", LO(V, "vaddpd") HI(V, "vaddpd"));
	RUN("vaddpd+vmulpd", LO(V, "vaddpd") HI(V, "vmulpd"));
	RUN("vminpd", LO(V, "vminpd") HI(V, "vminpd"));
	RUN("vaddpd+vminpd", LO(V, "vaddpd") HI(V, "vminpd"));
	RUN("vmulpd+vminpd", LO(V, "vmulpd") HI(V, "vminpd"));
	RUN("vrangepd", LO(V, "vrangepd $0x0a,") HI(V, "vrangepd $0x0a,"));
	RUN("vaddpd+vrangepd", LO(V, "vaddpd") HI(V, "vrangepd $0x0a,"));
	RUN("vmulpd+vrangepd", LO(V, "vmulpd") HI(V, "vrangepd $0x0a,"));
	RUN("vcmppd->k", LO(K, "vcmppd $6,") HI(K, "vcmppd $6,"));
	RUN("vaddpd+vcmppd->k", LO(V, "vaddpd") HI(K, "vcmppd $6,"));
	RUN("vmulpd+vcmppd->k", LO(V, "vmulpd") HI(K, "vcmppd $6,"));
	return 0;
}
