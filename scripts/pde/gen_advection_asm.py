#!/usr/bin/python3
"""Generates pde/advection/kernel_amd64.s, the batched advection stage kernels (AVX2 and AVX-512). Run
from the repository root:

    /usr/bin/python3 scripts/pde/gen_advection_asm.py

Layout (see pde/advection/batched.go): rows 0..n+3 of v, src and dst hold stride lanes each (stride a
multiple of 8); rows 0, 1, n+2, n+3 of v are the periodic ghosts, filled by the caller. One stage of the
midpoint scheme sets rows 2..n+1 of dst to

    dst_i = src_i - c*(F_{i+1/2} - F_{i-1/2})

with the fluxes of v: per padded row j, the MC-limited slope

    a = v_j - v_{j-1}, b = v_{j+1} - v_j
    sl = 0                          if a*b <= 0
         min(min(0.5*(a+b), 2a), 2b) if a > 0   (as "if 2a < c { c = 2a }; if 2b < c { c = 2b }")
         max(max(0.5*(a+b), 2a), 2b) otherwise
    uL_j = v_j - 0.5*sl, uR_j = v_j + 0.5*sl

and the flux through the face between rows j-1 and j,

    F = 0.5*((beta*uR_{j-1} + beta*uL_j) - |beta|*(uL_j - uR_{j-1})).

The limiter is evaluated in its sign-free form: for a*b > 0 all three candidates share a's sign (a and
b nonzero, and 0.5*(a+b) cannot underflow to zero when a*b does not), so

    sl = copysign(min(min(|0.5*(a+b)|, |2a|), |2b|), a)

is exactly the scalar's min branch (a > 0) and max branch (a < 0), ties included: equal magnitudes of
one sign are the same number. a*b <= 0 is VCMPPD's LE predicate negated (NLE_US), true for NaN as Go's
"if a*b <= 0" is false for NaN, and selects +0 as the scalar's "return 0" does. A NaN c stays NaN
(VMINPD and VRANGEPD return their NaN operand in the positions used). Products and sums are packed
VMULPD/VADDPD/VSUBPD in the scalar order without FMA, which round as MULSD/ADDSD do. So every lane is
bit-identical to the scalar scheme (pde/advection/fv.go, pde/internal/limiter).

Both kernels (split) take one register of lanes (AVX2: 4, AVX-512: 8) in two passes over the rows: the
face values of every row, then the fluxes and the update (see split). AVX2: |.| is an AND, the min a
VMINPD, the sign an ANDN and OR, the zeroing an AND with the compare mask. AVX-512: |.| and the min are
one VRANGEPD (AVX512DQ), the sign one VPTERNLOGQ, the zeroing a zero-masked multiply by 0.5.
"""

OUT = "pde/advection/kernel_amd64.s"


def split(isa):
    """stageAVX512 (8 lanes) and stageAVX2 (4 lanes): the stage in two passes over the rows of one
    register of lanes, as the scalar Solver runs it: pass 1 writes every row's face values uL_j, uR_j to
    the scratch w (one register per row, rows 2j and 2j+1, reused by every register of lanes); pass 2
    reads them back, forms the fluxes and updates dst. Each pass has a short
    dependency chain per row and no chain between rows, so the out-of-order window holds many rows.
    A single pass with the fluxes carried in registers (the first version of these kernels, in the git
    history) measured 0.65-0.95 ns per cell-update on AVX-512 against 0.60-0.82 for two passes, and
    1.79-2.10 against 1.51-1.97 on AVX2 (interleaved runs, load average 4-5); software pipelining the
    single pass by one row did not help."""
    zmm = isa == "avx512"
    name, vb = ("stageAVX512", 64) if zmm else ("stageAVX2", 32)  # vb: bytes per register (a w row)
    Z = (lambda i: "Z%d" % i) if zmm else (lambda i: "Y%d" % i)  # noqa: E731
    X, A, A2, F = (Z(i) for i in range(4))
    T0, T1, T2, T3 = (Z(i) for i in range(4, 8))
    # pass 2 reuses pass 1's X, A, A2 (AVX2 has 16 registers)
    S0, S1, S2, S3 = (Z(i) for i in ((9, 10, 11, 12) if zmm else (0, 1, 2, 8)))
    CB, CAB, HALF, TWO, CC, ZERO, ABS = (Z(i) for i in range(20 if zmm else 9, 27 if zmm else 16))
    L = []
    w = L.append
    w("// func %s(v, src, dst, w *float64, n, stride int, beta, absBeta, c float64)" % name)
    w("TEXT ·%s(SB), NOSPLIT, $0-72" % name)
    w("\tMOVQ v+0(FP), SI")
    w("\tMOVQ src+8(FP), DI")
    w("\tMOVQ dst+16(FP), DX")
    w("\tMOVQ w+24(FP), R8")
    w("\tMOVQ n+32(FP), CX")
    w("\tMOVQ stride+40(FP), R9")
    w("\tSHLQ $3, R9 // bytes per row")
    w("\tVBROADCASTSD beta+48(FP), %s" % CB)
    w("\tVBROADCASTSD absBeta+56(FP), %s" % CAB)
    w("\tVBROADCASTSD c+64(FP), %s" % CC)
    for reg, bits, what in ((HALF, "0x3fe0000000000000", "0.5"), (TWO, "0x4000000000000000", "2.0"),
                            (ABS, "0x7fffffffffffffff", "|x| mask")):
        w("\tMOVQ $%s, AX // %s" % (bits, what))
        if zmm:
            w("\tVPBROADCASTQ AX, %s" % reg)
        else:
            w("\tMOVQ AX, X%s" % reg[1:])
            w("\tVBROADCASTSD X%s, %s" % (reg[1:], reg))
    w("\t%s %s, %s, %s // +0" % ("VPXORQ" if zmm else "VXORPD", ZERO, ZERO, ZERO))
    w("\tXORQ R10, R10 // byte offset of the current lanes")
    w("")
    w("lanes:")
    w("\tCMPQ R10, R9")
    w("\tJGE done")
    # pass 1: rows 1..n+2
    w("\tLEAQ (SI)(R10*1), R11 // &v[row 0]")
    w("\tVMOVUPD (R11), %s // v_0" % X)
    w("\tVMOVUPD (R11)(R9*1), %s // v_1" % T0)
    w("\tVSUBPD %s, %s, %s // a of row 1" % (X, T0, A))
    w("\tVMULPD %s, %s, %s // 2a" % (A, TWO, A2))
    if not zmm:
        w("\tVANDPD %s, %s, %s // |2a|" % (ABS, A2, A2))
    w("\tVMOVAPD %s, %s" % (T0, X))
    w("\tADDQ R9, R11 // &v[row 1]")
    w("\tLEAQ %d(R8), R12 // &w[row 2]: uL_1" % (2 * vb))
    w("\tLEAQ 2(CX), BX // rows 1..n+2")
    w("pass1:")
    w("\tVMOVUPD (R11)(R9*1), %s // v_{j+1}" % T0)
    w("\tVSUBPD %s, %s, %s // b = v_{j+1} - v_j" % (X, T0, T1))
    w("\tVMULPD %s, %s, %s // a*b" % (T1, A, T2))
    if zmm:
        w("\tVCMPPD $6, %s, %s, K1 // !(a*b <= 0)" % (ZERO, T2))
        w("\tVADDPD %s, %s, %s // a + b" % (T1, A, T3))
        w("\tVMULPD %s, %s, %s // c = 0.5*(a+b)" % (T3, HALF, T3))
        w("\tVRANGEPD $0x0a, %s, %s, %s // min(|c|, |2a|), sign cleared" % (A2, T3, T3))
        w("\tVMULPD %s, %s, %s // 2b (2a of row j+1)" % (T1, TWO, A2))
        w("\tVRANGEPD $0x0a, %s, %s, %s // m = min(., |2b|)" % (A2, T3, T3))
        w("\tVPTERNLOGQ $0xf4, %s, %s, %s // m | (a & sign): sl with a's sign" % (ABS, A, T3))
        w("\tVMULPD.Z %s, %s, K1, %s // 0.5*sl, +0 where a*b <= 0" % (T3, HALF, T3))
    else:
        w("\tVCMPPD $6, %s, %s, %s // !(a*b <= 0)" % (ZERO, T2, T2))
        w("\tVADDPD %s, %s, %s // a + b" % (T1, A, T3))
        w("\tVMULPD %s, %s, %s // c = 0.5*(a+b)" % (T3, HALF, T3))
        w("\tVANDPD %s, %s, %s // |c|" % (ABS, T3, T3))
        w("\tVMINPD %s, %s, %s // min(|2a|, |c|), NaN c kept" % (T3, A2, T3))
        w("\tVMULPD %s, %s, %s // 2b" % (T1, TWO, A2))
        w("\tVANDPD %s, %s, %s // |2b| (|2a| of row j+1)" % (ABS, A2, A2))
        w("\tVMINPD %s, %s, %s // m = min(|2b|, .)" % (T3, A2, T3))
        w("\tVANDNPD %s, %s, %s // a's sign" % (A, ABS, A))
        w("\tVORPD %s, %s, %s // sl = m with a's sign" % (A, T3, T3))
        w("\tVANDPD %s, %s, %s // +0 where a*b <= 0" % (T2, T3, T3))
        w("\tVMULPD %s, %s, %s // 0.5*sl" % (T3, HALF, T3))
    w("\tVSUBPD %s, %s, %s // uL_j = v_j - 0.5*sl" % (T3, X, T2))
    w("\tVADDPD %s, %s, %s // uR_j = v_j + 0.5*sl" % (T3, X, T3))
    w("\tVMOVUPD %s, (R12) // w[2j]" % T2)
    w("\tVMOVUPD %s, %d(R12) // w[2j+1]" % (T3, vb))
    w("\tVMOVAPD %s, %s // a of row j+1" % (T1, A))
    w("\tVMOVAPD %s, %s // v_{j+1}" % (T0, X))
    w("\tADDQ R9, R11")
    w("\tADDQ $%d, R12" % (2 * vb))
    w("\tDECQ BX")
    w("\tJNZ pass1")
    # pass 2: faces j = 2..n+2 (between rows j-1 and j), dst rows 2..n+1
    w("\tLEAQ %d(R8), R12 // &w[row 2]" % (2 * vb))

    def flux(out):
        o = []
        o.append("\tVMOVUPD %d(R12), %s // uR_{j-1}" % (vb, S0))
        o.append("\tVMOVUPD %d(R12), %s // uL_j" % (2 * vb, S1))
        o.append("\tVMULPD %s, %s, %s // beta*uR_{j-1}" % (S0, CB, S2))
        o.append("\tVMULPD %s, %s, %s // beta*uL_j" % (S1, CB, S3))
        o.append("\tVADDPD %s, %s, %s" % (S3, S2, S2))
        o.append("\tVSUBPD %s, %s, %s // uL_j - uR_{j-1}" % (S0, S1, S1))
        o.append("\tVMULPD %s, %s, %s // |beta|*(.)" % (S1, CAB, S1))
        o.append("\tVSUBPD %s, %s, %s" % (S1, S2, S2))
        o.append("\tVMULPD %s, %s, %s // F_{j-1/2}" % (S2, HALF, out))
        o.append("\tADDQ $%d, R12" % (2 * vb))
        return o
    L.extend(flux(F))
    w("\tLEAQ (DI)(R10*1), R13")
    w("\tLEAQ (R13)(R9*2), R13 // &src[row 2]")
    w("\tLEAQ (DX)(R10*1), R14")
    w("\tLEAQ (R14)(R9*2), R14 // &dst[row 2]")
    w("\tMOVQ CX, BX")
    w("pass2:")
    L.extend(flux(T0))
    w("\tVSUBPD %s, %s, %s // F_{j-1/2} - F_{j-3/2}" % (F, T0, T1))
    w("\tVMULPD %s, %s, %s // c*(.)" % (T1, CC, T1))
    w("\tVMOVUPD (R13), %s // src_{j-1}" % T2)
    w("\tVSUBPD %s, %s, %s" % (T1, T2, T2))
    w("\tVMOVUPD %s, (R14) // dst_{j-1}" % T2)
    w("\tVMOVAPD %s, %s" % (T0, F))
    w("\tADDQ R9, R13")
    w("\tADDQ R9, R14")
    w("\tDECQ BX")
    w("\tJNZ pass2")
    w("\tADDQ $%d, R10" % vb)
    w("\tJMP lanes")
    w("")
    w("done:")
    w("\tVZEROUPPER")
    w("\tRET")
    w("")
    return L


def main():
    L = ["// Code generated by scripts/pde/gen_advection_asm.py. DO NOT EDIT.", "",
         "//go:build amd64 && !purego", "", '#include "textflag.h"', ""]
    L += split("avx2")
    L += split("avx512")
    with open(OUT, "w") as fh:
        fh.write("\n".join(L).rstrip("\n") + "\n")


if __name__ == "__main__":
    main()
