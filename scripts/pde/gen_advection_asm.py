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

A kernel walks one register of lanes down the rows, carrying a = b of the previous row, 2a, uR_{j-1} and
the previous face flux in registers, so each row loads v_{j+1} and src_{j-1} and stores dst_{j-1} once.
Every operation is the scalar Solver's (pde/advection/fv.go, pde/internal/limiter) in its order, packed
and without FMA: the products and sums round as MULSD/ADDSD do; "if x < c { c = x }" is VMINPD x, c
(which returns its second operand unless x < c, NaN and signed zeros included) and "if x > c { c = x }"
is VMAXPD; the a*b <= 0 and a > 0 tests are VCMPPD LE (negated, so NaN goes on as in Go) and GT; the
selection is a blend (AVX2: VBLENDVPD, and AND with the a*b <= 0 mask, which gives the scalar's +0;
AVX-512: a merge-masked move and a zero-masked multiply by 0.5). So every lane is bit-identical to the
scalar scheme.
"""

OUT = "pde/advection/kernel_amd64.s"


def kernel(isa):
    zmm = isa == "avx512"
    R = "Z" if zmm else "Y"
    vb = 64 if zmm else 32  # bytes per register
    name = "stageAVX512" if zmm else "stageAVX2"
    X, A, A2, UR, F = (R + str(i) for i in range(5))
    T0, T1, T2, T3, T4 = (R + str(i) for i in range(5, 10))
    CB, CAB, HALF, TWO, CC, ZERO = (R + str(i) for i in range(10, 16))
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
    w("\tMOVQ $0x3fe0000000000000, AX // 0.5")
    w("\tMOVQ AX, X%s" % HALF[1:])
    w("\tVBROADCASTSD X%s, %s" % (HALF[1:], HALF))
    w("\tMOVQ $0x4000000000000000, AX // 2.0")
    w("\tMOVQ AX, X%s" % TWO[1:])
    w("\tVBROADCASTSD X%s, %s" % (TWO[1:], TWO))
    w("\t%s %s, %s, %s // +0" % ("VPXORQ" if zmm else "VXORPD", ZERO, ZERO, ZERO))
    w("\tXORQ R10, R10 // byte offset of the current lanes")
    w("")

    def body(flux, apply):
        """One padded row j: X = v_j, A = v_j - v_{j-1}, A2 = 2*A, UR = uR_{j-1}, F = F_{j-1/2} on entry,
        R11 = &v[j]. Leaves the same for row j+1."""
        o = []
        o.append("\tVMOVUPD (R11)(R9*1), %s // v_{j+1}" % T0)
        o.append("\tVSUBPD %s, %s, %s // b = v_{j+1} - v_j" % (X, T0, T1))
        o.append("\tVMULPD %s, %s, %s // a*b" % (T1, A, T2))
        if zmm:
            o.append("\tVCMPPD $6, %s, %s, K1 // !(a*b <= 0)" % (ZERO, T2))
            o.append("\tVCMPPD $0x0e, %s, %s, K2 // a > 0" % (ZERO, A))
        else:
            o.append("\tVCMPPD $6, %s, %s, %s // !(a*b <= 0)" % (ZERO, T2, T2))
        o.append("\tVADDPD %s, %s, %s // a + b" % (T1, A, T3))
        o.append("\tVMULPD %s, %s, %s // c = 0.5*(a+b)" % (T3, HALF, T3))
        if not zmm:
            o.append("\tVCMPPD $0x0e, %s, %s, %s // a > 0" % (ZERO, A, A))
        o.append("\tVMINPD %s, %s, %s // 2a < c ? 2a : c" % (T3, A2, T4))
        o.append("\tVMAXPD %s, %s, %s // 2a > c ? 2a : c" % (T3, A2, T3))
        o.append("\tVMULPD %s, %s, %s // 2b (2a of row j+1)" % (T1, TWO, A2))
        o.append("\tVMINPD %s, %s, %s // 2b < c ? 2b : c" % (T4, A2, T4))
        o.append("\tVMAXPD %s, %s, %s // 2b > c ? 2b : c" % (T3, A2, T3))
        if zmm:
            o.append("\tVMOVAPD %s, K2, %s // sl = a > 0 ? min : max" % (T4, T3))
            o.append("\tVMULPD.Z %s, %s, K1, %s // 0.5*sl, +0 where a*b <= 0" % (T3, HALF, T3))
        else:
            o.append("\tVBLENDVPD %s, %s, %s, %s // sl = a > 0 ? min : max" % (A, T4, T3, T3))
            o.append("\tVANDPD %s, %s, %s // +0 where a*b <= 0" % (T2, T3, T3))
            o.append("\tVMULPD %s, %s, %s // 0.5*sl" % (T3, HALF, T3))
        o.append("\tVSUBPD %s, %s, %s // uL_j = v_j - 0.5*sl" % (T3, X, T2))
        o.append("\tVADDPD %s, %s, %s // uR_j = v_j + 0.5*sl" % (T3, X, T3))
        o.append("\tVMOVAPD %s, %s // a of row j+1" % (T1, A))
        if flux:
            o.append("\tVMULPD %s, %s, %s // beta*uR_{j-1}" % (UR, CB, T1))
            o.append("\tVMULPD %s, %s, %s // beta*uL_j" % (T2, CB, T4))
            o.append("\tVADDPD %s, %s, %s" % (T4, T1, T1))
            o.append("\tVSUBPD %s, %s, %s // uL_j - uR_{j-1}" % (UR, T2, T2))
            o.append("\tVMULPD %s, %s, %s // |beta|*(.)" % (T2, CAB, T2))
            o.append("\tVSUBPD %s, %s, %s" % (T2, T1, T1))
            o.append("\tVMULPD %s, %s, %s // F_{j-1/2}" % (T1, HALF, T1))
            if apply:
                o.append("\tVSUBPD %s, %s, %s // F_{j-1/2} - F_{j-3/2}" % (F, T1, T2))
                o.append("\tVMULPD %s, %s, %s // c*(.)" % (T2, CC, T2))
                o.append("\tVMOVUPD (R12), %s // src_{j-1}" % T4)
                o.append("\tVSUBPD %s, %s, %s" % (T2, T4, T4))
                o.append("\tVMOVUPD %s, (R13) // dst_{j-1}" % T4)
                o.append("\tADDQ R9, R12")
                o.append("\tADDQ R9, R13")
            o.append("\tVMOVAPD %s, %s" % (T1, F))
        o.append("\tVMOVAPD %s, %s" % (T3, UR))
        o.append("\tVMOVAPD %s, %s" % (T0, X))
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


def main():
    L = ["// Code generated by scripts/pde/gen_advection_asm.py. DO NOT EDIT.", "",
         "//go:build amd64 && !purego", "", '#include "textflag.h"', ""]
    L += kernel("avx2")
    L += kernel("avx512")
    with open(OUT, "w") as fh:
        fh.write("\n".join(L).rstrip("\n") + "\n")


if __name__ == "__main__":
    main()
