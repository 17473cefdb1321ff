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

stageAVX2 (kernel) walks one register of 4 lanes down the rows in one pass, carrying a, |2a|, uR_{j-1}
and the previous face flux in registers: per row one load of v_{j+1} and src_{j-1}, one store of dst.
|.| is an AND, the sign an ANDN and OR, the zeroing an AND with the compare mask.

stageAVX512 (split512) takes 8 lanes in two passes over the rows: face values, then fluxes and update
(see there); |.| and the min are one VRANGEPD (AVX512DQ), the sign one VPTERNLOGQ, the zeroing a
zero-masked multiply by 0.5.
"""

OUT = "pde/advection/kernel_amd64.s"


def kernel():
    """stageAVX2: one pass over the rows of one register (4 lanes), fluxes and updates together."""
    R, vb, name = "Y", 32, "stageAVX2"
    # State carried from row to row: X = v_j, A = a = v_j - v_{j-1}, A2 = |2a|, UR = uR_{j-1}, F = the
    # flux through the left face of row j-1.
    X, A, A2, UR, F = (R + str(i) for i in range(5))
    T0, T1, T2, T3 = (R + str(i) for i in range(5, 9))
    CB, CAB, HALF, TWO, CC, ZERO, ABS = (R + str(i) for i in range(9, 16))
    L = []
    w = L.append
    w("// func %s(v, src, dst *float64, n, stride int, beta, absBeta, c float64)" % name)
    w("TEXT ·%s(SB), NOSPLIT, $0-64" % name)
    w("\tMOVQ v+0(FP), SI")
    w("\tMOVQ src+8(FP), DI")
    w("\tMOVQ dst+16(FP), DX")
    w("\tMOVQ n+24(FP), CX")
    w("\tMOVQ stride+32(FP), R9")
    w("\tSHLQ $3, R9 // bytes per row")
    w("\tVBROADCASTSD beta+40(FP), %s" % CB)
    w("\tVBROADCASTSD absBeta+48(FP), %s" % CAB)
    w("\tVBROADCASTSD c+56(FP), %s" % CC)
    for reg, bits, what in ((HALF, "0x3fe0000000000000", "0.5"), (TWO, "0x4000000000000000", "2.0"),
                            (ABS, "0x7fffffffffffffff", "|x| mask")):
        w("\tMOVQ $%s, AX // %s" % (bits, what))
        w("\tMOVQ AX, X%s" % reg[1:])
        w("\tVBROADCASTSD X%s, %s" % (reg[1:], reg))
    w("\tVXORPD %s, %s, %s // +0" % (ZERO, ZERO, ZERO))
    w("\tXORQ R10, R10 // byte offset of the current lanes")
    w("")
    AND = "VANDPD"

    def body(flux, apply):
        """One padded row j (R11 = &v[j]); leaves the state for row j+1."""
        o = []
        o.append("\tVMOVUPD (R11)(R9*1), %s // v_{j+1}" % T0)
        o.append("\tVSUBPD %s, %s, %s // b = v_{j+1} - v_j" % (X, T0, T1))
        o.append("\tVMULPD %s, %s, %s // a*b" % (T1, A, T2))
        o.append("\tVCMPPD $6, %s, %s, %s // !(a*b <= 0)" % (ZERO, T2, T2))
        o.append("\tVADDPD %s, %s, %s // a + b" % (T1, A, T3))
        o.append("\tVMULPD %s, %s, %s // c = 0.5*(a+b)" % (T3, HALF, T3))
        o.append("\t%s %s, %s, %s // |c|" % (AND, ABS, T3, T3))
        o.append("\tVMINPD %s, %s, %s // min(|2a|, |c|), NaN c kept" % (T3, A2, T3))
        o.append("\tVMULPD %s, %s, %s // 2b" % (T1, TWO, A2))
        o.append("\t%s %s, %s, %s // |2b| (|2a| of row j+1)" % (AND, ABS, A2, A2))
        o.append("\tVMINPD %s, %s, %s // m = min(|2b|, .)" % (T3, A2, T3))
        o.append("\tVANDNPD %s, %s, %s // a's sign" % (A, ABS, A))
        o.append("\tVORPD %s, %s, %s // sl = m with a's sign" % (A, T3, T3))
        o.append("\tVANDPD %s, %s, %s // +0 where a*b <= 0" % (T2, T3, T3))
        o.append("\tVMULPD %s, %s, %s // 0.5*sl" % (T3, HALF, T3))
        o.append("\tVSUBPD %s, %s, %s // uL_j = v_j - 0.5*sl" % (T3, X, T2))
        o.append("\tVADDPD %s, %s, %s // uR_j = v_j + 0.5*sl" % (T3, X, T3))
        o.append("\tVMOVAPD %s, %s // a of row j+1" % (T1, A))
        o.append("\tVMOVAPD %s, %s // v_{j+1}" % (T0, X))
        if flux:
            o.append("\tVMULPD %s, %s, %s // beta*uR_{j-1}" % (UR, CB, T1))
            o.append("\tVMULPD %s, %s, %s // beta*uL_j" % (T2, CB, T0))
            o.append("\tVADDPD %s, %s, %s" % (T0, T1, T1))
            o.append("\tVSUBPD %s, %s, %s // uL_j - uR_{j-1}" % (UR, T2, T2))
            o.append("\tVMULPD %s, %s, %s // |beta|*(.)" % (T2, CAB, T2))
            o.append("\tVSUBPD %s, %s, %s" % (T2, T1, T1))
            o.append("\tVMULPD %s, %s, %s // F_{j-1/2}" % (T1, HALF, T1))
            if apply:
                o.append("\tVSUBPD %s, %s, %s // F_{j-1/2} - F_{j-3/2}" % (F, T1, T2))
                o.append("\tVMULPD %s, %s, %s // c*(.)" % (T2, CC, T2))
                o.append("\tVMOVUPD (R12), %s // src_{j-1}" % T0)
                o.append("\tVSUBPD %s, %s, %s" % (T2, T0, T0))
                o.append("\tVMOVUPD %s, (R13) // dst_{j-1}" % T0)
                o.append("\tADDQ R9, R12")
                o.append("\tADDQ R9, R13")
            o.append("\tVMOVAPD %s, %s" % (T1, F))
        o.append("\tVMOVAPD %s, %s" % (T3, UR))
        o.append("\tADDQ R9, R11")
        return o

    w("lanes:")
    w("\tCMPQ R10, R9")
    w("\tJGE done")
    w("\tLEAQ (SI)(R10*1), R11 // &v[row 0]")
    w("\tVMOVUPD (R11), %s // v_0" % X)
    w("\tVMOVUPD (R11)(R9*1), %s // v_1" % T0)
    w("\tVSUBPD %s, %s, %s // a of row 1" % (X, T0, A))
    w("\tVMULPD %s, %s, %s // 2a" % (A, TWO, A2))
    w("\t%s %s, %s, %s // |2a|" % (AND, ABS, A2, A2))
    w("\tVMOVAPD %s, %s" % (T0, X))
    w("\tADDQ R9, R11 // &v[row 1]")
    L.extend(body(False, False))  # row 1: uR_1
    L.extend(body(True, False))  # row 2: F_{3/2}, the left face of cell 0
    w("\tLEAQ (DI)(R10*1), R12")
    w("\tLEAQ (R12)(R9*2), R12 // &src[row 2]")
    w("\tLEAQ (DX)(R10*1), R13")
    w("\tLEAQ (R13)(R9*2), R13 // &dst[row 2]")
    w("\tMOVQ CX, BX // rows left")
    w("rows:")
    L.extend(body(True, True))  # rows 3..n+2: dst rows 2..n+1
    w("\tDECQ BX")
    w("\tJNZ rows")
    w("\tADDQ $%d, R10" % vb)
    w("\tJMP lanes")
    w("")
    w("done:")
    w("\tVZEROUPPER")
    w("\tRET")
    w("")
    return L


def split512():
    """stageAVX512: the AVX-512 stage (8 lanes) in two passes over the rows of one register of lanes, as the
    scalar Solver runs it: pass 1 writes every row's face values uL_j, uR_j to the scratch w (8 lanes per
    row, rows 2j and 2j+1, reused by every register of lanes); pass 2 reads them back, forms the fluxes and updates dst. Each pass has a short
    dependency chain per row and no chain between rows, so the out-of-order window holds many rows
    (one pass with the fluxes in registers measured 0.65-0.95 ns per cell-update against 0.60-0.82 for
    the two passes on N = 64 and 1024, load average 4; software pipelining the one pass by a row did not
    help). The operations on each value are those of kernel()."""
    Z = lambda i: "Z%d" % i  # noqa: E731
    X, A, A2, F = (Z(i) for i in range(4))
    T0, T1, T2, T3 = (Z(i) for i in range(5, 9))
    S0, S1, S2, S3 = (Z(i) for i in range(9, 13))
    CB, CAB, HALF, TWO, CC, ZERO, ABS = (Z(i) for i in range(20, 27))
    L = []
    w = L.append
    w("// func stageAVX512(v, src, dst, w *float64, n, stride int, beta, absBeta, c float64)")
    w("TEXT ·stageAVX512(SB), NOSPLIT, $0-72")
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
        w("\tVPBROADCASTQ AX, %s" % reg)
    w("\tVPXORQ %s, %s, %s // +0" % (ZERO, ZERO, ZERO))
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
    w("\tVMOVAPD %s, %s" % (T0, X))
    w("\tADDQ R9, R11 // &v[row 1]")
    w("\tLEAQ 128(R8), R12 // &w[row 2]: uL_1")
    w("\tLEAQ 2(CX), BX // rows 1..n+2")
    w("pass1:")
    w("\tVMOVUPD (R11)(R9*1), %s // v_{j+1}" % T0)
    w("\tVSUBPD %s, %s, %s // b = v_{j+1} - v_j" % (X, T0, T1))
    w("\tVMULPD %s, %s, %s // a*b" % (T1, A, T2))
    w("\tVCMPPD $6, %s, %s, K1 // !(a*b <= 0)" % (ZERO, T2))
    w("\tVADDPD %s, %s, %s // a + b" % (T1, A, T3))
    w("\tVMULPD %s, %s, %s // c = 0.5*(a+b)" % (T3, HALF, T3))
    w("\tVRANGEPD $0x0a, %s, %s, %s // min(|c|, |2a|), sign cleared" % (A2, T3, T3))
    w("\tVMULPD %s, %s, %s // 2b (2a of row j+1)" % (T1, TWO, A2))
    w("\tVRANGEPD $0x0a, %s, %s, %s // m = min(., |2b|)" % (A2, T3, T3))
    w("\tVPTERNLOGQ $0xf4, %s, %s, %s // m | (a & sign): sl with a's sign" % (ABS, A, T3))
    w("\tVMULPD.Z %s, %s, K1, %s // 0.5*sl, +0 where a*b <= 0" % (T3, HALF, T3))
    w("\tVSUBPD %s, %s, %s // uL_j = v_j - 0.5*sl" % (T3, X, T2))
    w("\tVADDPD %s, %s, %s // uR_j = v_j + 0.5*sl" % (T3, X, T3))
    w("\tVMOVUPD %s, (R12) // w[2j]" % T2)
    w("\tVMOVUPD %s, 64(R12) // w[2j+1]" % T3)
    w("\tVMOVAPD %s, %s // a of row j+1" % (T1, A))
    w("\tVMOVAPD %s, %s // v_{j+1}" % (T0, X))
    w("\tADDQ R9, R11")
    w("\tADDQ $128, R12")
    w("\tDECQ BX")
    w("\tJNZ pass1")
    # pass 2: faces j = 2..n+2 (between rows j-1 and j), dst rows 2..n+1
    w("\tLEAQ 128(R8), R12 // &w[row 2]")

    def flux(out):
        o = []
        o.append("\tVMOVUPD 64(R12), %s // uR_{j-1}" % S0)
        o.append("\tVMOVUPD 128(R12), %s // uL_j" % S1)
        o.append("\tVMULPD %s, %s, %s // beta*uR_{j-1}" % (S0, CB, S2))
        o.append("\tVMULPD %s, %s, %s // beta*uL_j" % (S1, CB, S3))
        o.append("\tVADDPD %s, %s, %s" % (S3, S2, S2))
        o.append("\tVSUBPD %s, %s, %s // uL_j - uR_{j-1}" % (S0, S1, S1))
        o.append("\tVMULPD %s, %s, %s // |beta|*(.)" % (S1, CAB, S1))
        o.append("\tVSUBPD %s, %s, %s" % (S1, S2, S2))
        o.append("\tVMULPD %s, %s, %s // F_{j-1/2}" % (S2, HALF, out))
        o.append("\tADDQ $128, R12")
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
    w("\tADDQ $64, R10")
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
    L += kernel()
    L += split512()
    with open(OUT, "w") as fh:
        fh.write("\n".join(L).rstrip("\n") + "\n")


if __name__ == "__main__":
    main()
