#!/usr/bin/python3
"""Generates pde/smoke/kernel_amd64.s, the SIMD kernels of the smoke pressure solve (AVX2 and AVX-512).
Run from the repository root:

    /usr/bin/python3 scripts/pde/gen_smoke_asm.py

The kernels work along x with packed VADDPD/VSUBPD/VMULPD in the scalar loops' operation order and no
FMA, so each lane rounds as the scalar ADDSD/SUBSD/MULSD do and the results are bit-identical
(pde/smoke/poisson.go, transfer.go). Pointers address the first cell; the east/west neighbours are the
loads at +8/-8 bytes, the north/south rows separate pointers.

Red-black sweep (sweepUniform*: whole rows, sweepGeneral*: long runs of cells with general face
weights): the first cell is of the colour being relaxed, so lanes 0, 2, 4, ... hold that colour. A
half-sweep updates cells that read only the other colour, which it never writes, so the candidate update
of W consecutive cells is computed from the array and only the even lanes are stored: AVX-512 with a
masked VMOVUPD (k-mask 0x55), AVX2 by blending the candidate into the cells' current values (VBLENDPD $5)
and storing the whole register (the odd cells get back the value they had). The store of register i is
issued after the loads of register i+1, whose west neighbour is register i's last cell: a load that
overlaps an earlier masked or partly covering store cannot be forwarded and would wait for the store to
retire (measured: without this, 36% of the sweep's samples sat on such a load).

    uniform: v_c = (b_c + v_e + v_w + v_n + v_s) * 0.25
    general: v_c = (b_c + ax_c v_e + ax_w v_w + ay_c v_n + ay_s v_s) * inv_c

The Go side runs the uniform kernel on every row and then overwrites the cells of general runs (smooth.go,
patch.go). Operator (applyUniform*): out_c = 4 v_c - v_e - v_w - v_n - v_s on whole rows, general cells
overwritten afterwards. The row kernels take n >= W cells; the last register starts at n - W and overlaps
the one before when n is not a multiple of W (recomputing the same values).

Transfers (restrictRow*, prolongRow*): cb_X = ((d0_2X + d0_2X+1) + d1_2X) + d1_2X+1 with d = b - res of
the two fine rows, and x_2X+k += act_2X+k v_X, for n coarse cells, a multiple of W.

CG updates (cgUpdate*, cgDirection*): p += alpha d, r -= alpha q returning max |r| (a VMAXPD whose second
operand is the running maximum: a NaN |r| leaves it unchanged as the scalar "if a > res" does; the
maximum of non-NaN numbers does not depend on the order), and d = z + beta d, for n a multiple of W.
The Go caller runs the cells left over with the scalar loop.
"""

OUT = "pde/smoke/kernel_amd64.s"


class Asm:
    def __init__(self, isa):
        self.zmm = isa == "avx512"
        self.suffix = "AVX512" if self.zmm else "AVX2"
        self.vb = 64 if self.zmm else 32  # bytes per register
        self.w = 8 if self.zmm else 4  # lanes per register
        self.L = []

    def r(self, i):
        return ("Z%d" if self.zmm else "Y%d") % i

    def x(self, i):
        return "X%d" % i

    def emit(self, s):
        self.L.append(s)

    def header(self, name, args, frame):
        self.emit("// func %s%s(%s)" % (name, self.suffix, args))
        self.emit("TEXT ·%s%s(SB), NOSPLIT, $0-%d" % (name, self.suffix, frame))

    def load_ptrs(self, names, regs):
        for i, (nm, rg) in enumerate(zip(names, regs)):
            self.emit("\tMOVQ %s+%d(FP), %s" % (nm, 8 * i, rg))

    def const(self, reg, bits, what):
        self.emit("\tMOVQ $%s, AX // %s" % (bits, what))
        self.emit("\tMOVQ AX, %s" % self.x(int(reg[1:])))
        self.emit("\tVBROADCASTSD %s, %s" % (self.x(int(reg[1:])), reg))

    def end(self):
        self.emit("\tVZEROUPPER")
        self.emit("\tRET")
        self.emit("")


def advance(a, ptrs, by):
    for rg in ptrs:
        a.emit("\tADDQ %s, %s" % (by, rg))


def sweep(isa, general):
    """sweepUniform: the uniform red-black update of one colour over a whole row (see the module doc);
    sweepGeneral: the general update over a run of general cells.
    CX counts the bytes from the current block to the last one, which starts at n - W and overlaps
    the one before when n is not a multiple of W. Software-pipelined and unrolled by two: the loads of
    block i+1 come before the store of block i (registers A and B alternate), and the pointers advance
    with four ADDQs per block (indexed addressing would unlaminate every load-op)."""
    a = Asm(isa)
    base = "sweepGeneral" if general else "sweepUniform"
    name = base + a.suffix
    names = ["vc", "vn", "vs", "bc"] + (["ax", "ay", "ays", "inv"] if general else [])
    ptrs = ["SI", "DI", "R8", "R9"] + (["R10", "R11", "R12", "R13"] if general else [])
    a.header(base, ", ".join(names) + " *float64, n int", 8 * len(names) + 8)
    a.load_ptrs(names + ["n"], ptrs + ["CX"])
    VC, VN, VS, BC = ptrs[:4]
    Q, P = a.r(15), a.r(2)
    if not general:
        a.const(Q, "0x3fd0000000000000", "0.25")
    if a.zmm:
        a.emit("\tMOVQ $0x55, AX // lanes 0, 2, 4, 6: the colour being relaxed")
        a.emit("\tKMOVW AX, K1")
    vb = a.vb

    def candidate(t, d, old):
        """t = the candidate update of the W cells at the pointers + d bytes (AVX2: blended with the
        cells' current values); old: scratch."""
        a.emit("\tVMOVUPD %d(%s), %s" % (d, BC, t))
        if general:
            AX, AY, AYS, INV = ptrs[4:]
            for w_, v_, what in (("%d(%s)" % (d, AX), "%d(%s)" % (d + 8, VC), "ax_c v_e"),
                                 ("%d(%s)" % (d - 8, AX), "%d(%s)" % (d - 8, VC), "ax_w v_w"),
                                 ("%d(%s)" % (d, AY), "%d(%s)" % (d, VN), "ay_c v_n"),
                                 ("%d(%s)" % (d, AYS), "%d(%s)" % (d, VS), "ay_s v_s")):
                a.emit("\tVMOVUPD %s, %s" % (w_, P))
                a.emit("\tVMULPD %s, %s, %s // %s" % (v_, P, P, what))
                a.emit("\tVADDPD %s, %s, %s" % (P, t, t))
            a.emit("\tVMULPD %d(%s), %s, %s // * inv_c" % (d, INV, t, t))
        else:
            a.emit("\tVADDPD %d(%s), %s, %s // + v_e" % (d + 8, VC, t, t))
            a.emit("\tVADDPD %d(%s), %s, %s // + v_w" % (d - 8, VC, t, t))
            a.emit("\tVADDPD %d(%s), %s, %s // + v_n" % (d, VN, t, t))
            a.emit("\tVADDPD %d(%s), %s, %s // + v_s" % (d, VS, t, t))
            a.emit("\tVMULPD %s, %s, %s // * 0.25" % (Q, t, t))
        if not a.zmm:
            a.emit("\tVMOVUPD %d(%s), %s" % (d, VC, old))
            a.emit("\tVBLENDPD $5, %s, %s, %s // lanes 0, 2 from the candidate" % (t, old, t))

    def store(t, d, base=VC):
        if a.zmm:
            a.emit("\tVMOVUPD %s, K1, %d(%s)" % (t, d, base))
        else:
            a.emit("\tVMOVUPD %s, %d(%s)" % (t, d, base))

    A, B, O = a.r(0), a.r(1), a.r(3)
    a.emit("\tSHLQ $3, CX")
    a.emit("\tSUBQ $%d, CX // bytes from the first block to the last" % vb)
    a.emit("\tJLT %sdone" % name)
    candidate(A, 0, O)
    a.emit("%sloop:" % name)
    for cur, nxt, lab in ((A, B, "A"), (B, A, "B")):
        a.emit("\tCMPQ CX, $%d" % vb)
        a.emit("\tJLT %stail%s" % (name, lab))
        candidate(nxt, vb, O)
        store(cur, 0)
        advance(a, ptrs, "$%d" % vb)
        a.emit("\tSUBQ $%d, CX" % vb)
    a.emit("\tJMP %sloop" % name)
    for cur, nxt, lab in ((A, B, "A"), (B, A, "B")):
        a.emit("%stail%s: // %s holds the block at the pointers; the last block starts CX bytes on" % (name, lab, cur))
        a.emit("\tTESTQ CX, CX")
        a.emit("\tJEQ %slast%s" % (name, lab))
        a.emit("\tMOVQ %s, BX" % VC)
        advance(a, ptrs, "CX")
        candidate(nxt, 0, O)
        store(cur, 0, "BX")
        a.emit("\tVMOVAPD %s, %s" % (nxt, cur))
        a.emit("%slast%s:" % (name, lab))
        store(cur, 0)
        a.emit("\tJMP %sdone" % name)
    a.emit("%sdone:" % name)
    a.end()
    return a.L


def apply(isa):
    """applyUniform: out = 4 v_c - v_e - v_w - v_n - v_s over a whole row, the last block at n - W."""
    a = Asm(isa)
    name = "applyUniform" + a.suffix
    names = ["out", "vc", "vn", "vs"]
    ptrs = ["BX", "SI", "DI", "R8"]
    a.header("applyUniform", ", ".join(names) + " *float64, n int", 8 * len(names) + 8)
    a.load_ptrs(names + ["n"], ptrs + ["CX"])
    OUTP, VC, VN, VS = ptrs
    F = a.r(15)
    a.const(F, "0x4010000000000000", "4.0")
    T = a.r(0)
    vb = a.vb
    a.emit("\tSHLQ $3, CX")
    a.emit("\tSUBQ $%d, CX // bytes from the first block to the last" % vb)
    a.emit("\tJLT %sdone" % name)
    a.emit("%sloop:" % name)
    a.emit("\tVMULPD (%s), %s, %s // 4 v_c" % (VC, F, T))
    a.emit("\tVSUBPD 8(%s), %s, %s // - v_e" % (VC, T, T))
    a.emit("\tVSUBPD -8(%s), %s, %s // - v_w" % (VC, T, T))
    a.emit("\tVSUBPD (%s), %s, %s // - v_n" % (VN, T, T))
    a.emit("\tVSUBPD (%s), %s, %s // - v_s" % (VS, T, T))
    a.emit("\tVMOVUPD %s, (%s)" % (T, OUTP))
    a.emit("\tCMPQ CX, $%d" % vb)
    a.emit("\tJLT %stail" % name)
    advance(a, ptrs, "$%d" % vb)
    a.emit("\tSUBQ $%d, CX" % vb)
    a.emit("\tJMP %sloop" % name)
    a.emit("%stail: // the last block starts CX bytes on (overlapping the one just stored)" % name)
    a.emit("\tTESTQ CX, CX")
    a.emit("\tJEQ %sdone" % name)
    advance(a, ptrs, "CX")
    a.emit("\tXORQ CX, CX")
    a.emit("\tJMP %sloop" % name)
    a.emit("%sdone:" % name)
    a.end()
    return a.L


def cg_update(isa):
    a = Asm(isa)
    name = "cgUpdate"
    a.header(name, "p, r, d, q *float64, n int, alpha float64) (res float64", 56)
    a.load_ptrs(["p", "r", "d", "q", "n"], ["DX", "SI", "DI", "R8", "CX"])
    AL, ABS, M = a.r(15), a.r(14), a.r(13)
    a.emit("\tVBROADCASTSD alpha+40(FP), %s" % AL)
    a.const(ABS, "0x7fffffffffffffff", "|x| mask")
    a.emit("\tVXORPD X13, X13, X13 // running max |r| (VEX zeroes the upper lanes)")
    T, U = a.r(0), a.r(1)
    a.emit("%sloop%s:" % (name, a.suffix))
    a.emit("\tCMPQ CX, $%d" % a.w)
    a.emit("\tJLT %sreduce%s" % (name, a.suffix))
    a.emit("\tVMULPD (DI), %s, %s // alpha d" % (AL, T))
    a.emit("\tVADDPD (DX), %s, %s // p + alpha d" % (T, T))
    a.emit("\tVMOVUPD %s, (DX)" % T)
    a.emit("\tVMULPD (R8), %s, %s // alpha q" % (AL, U))
    a.emit("\tVMOVUPD (SI), %s" % T)
    a.emit("\tVSUBPD %s, %s, %s // r - alpha q" % (U, T, T))
    a.emit("\tVMOVUPD %s, (SI)" % T)
    a.emit("\t%s %s, %s, %s // |r|" % ("VPANDQ" if a.zmm else "VANDPD", ABS, T, T))
    a.emit("\tVMAXPD %s, %s, %s // a NaN |r| keeps the running max" % (M, T, M))
    advance(a, ["DX", "SI", "DI", "R8"], "$%d" % a.vb)
    a.emit("\tSUBQ $%d, CX" % a.w)
    a.emit("\tJMP %sloop%s" % (name, a.suffix))
    a.emit("%sreduce%s:" % (name, a.suffix))
    m = int(M[1:])
    if a.zmm:
        a.emit("\tVEXTRACTF64X4 $1, %s, Y1" % M)
        a.emit("\tVMAXPD Y1, Y%d, Y%d" % (m, m))
    a.emit("\tVEXTRACTF128 $1, Y%d, X1" % m)
    a.emit("\tVMAXPD X1, X%d, X%d" % (m, m))
    a.emit("\tVPERMILPD $1, X%d, X1" % m)
    a.emit("\tVMAXPD X1, X%d, X%d" % (m, m))
    a.emit("\tVMOVSD X%d, res+48(FP)" % m)
    a.end()
    return a.L


def cg_direction(isa):
    a = Asm(isa)
    name = "cgDirection"
    a.header(name, "d, z *float64, n int, beta float64", 32)
    a.load_ptrs(["d", "z", "n"], ["DI", "SI", "CX"])
    BE = a.r(15)
    a.emit("\tVBROADCASTSD beta+24(FP), %s" % BE)
    T = a.r(0)
    a.emit("%sloop%s:" % (name, a.suffix))
    a.emit("\tCMPQ CX, $%d" % a.w)
    a.emit("\tJLT %sdone%s" % (name, a.suffix))
    a.emit("\tVMULPD (DI), %s, %s // beta d" % (BE, T))
    a.emit("\tVADDPD (SI), %s, %s // z + beta d" % (T, T))
    a.emit("\tVMOVUPD %s, (DI)" % T)
    advance(a, ["DI", "SI"], "$%d" % a.vb)
    a.emit("\tSUBQ $%d, CX" % a.w)
    a.emit("\tJMP %sloop%s" % (name, a.suffix))
    a.emit("%sdone%s:" % (name, a.suffix))
    a.end()
    return a.L


def restrict(isa):
    """restrictRow: cb_X = ((d0_2X + d0_2X+1) + d1_2X) + d1_2X+1 with d = b - res on the two fine rows,
    for n coarse cells (a multiple of W). The even and odd fine cells of 2W consecutive ones are split
    with VUNPCKLPD/VUNPCKHPD, which keeps 128-bit lanes, so the sums come out in the lane order
    (c0, cW/2, c1, ...) and one VPERMPD puts them in order; every sum is formed in the scalar order."""
    a = Asm(isa)
    name = "restrictRow" + a.suffix
    a.header("restrictRow", "cb, b0, r0, b1, r1 *float64, n int", 48)
    ptrs = ["DI", "SI", "R8", "R9", "R10"]
    a.load_ptrs(["cb", "b0", "r0", "b1", "r1", "n"], ptrs + ["CX"])
    CB, B0, R0, B1, R1 = ptrs
    vb = a.vb
    if a.zmm:
        a.emit("\tVMOVUPD restrictPerm<>(SB), Z15 // lane order (0, 2, 4, 6, 1, 3, 5, 7)")
    D = [a.r(i) for i in range(4)]  # d of row 0 (two registers), row 1 (two)
    E0, O0, E1, O1 = (a.r(i) for i in range(4, 8))
    a.emit("%sloop:" % name)
    a.emit("\tCMPQ CX, $%d" % a.w)
    a.emit("\tJLT %sdone" % name)
    for reg, bp, rp, off in ((D[0], B0, R0, 0), (D[1], B0, R0, vb), (D[2], B1, R1, 0), (D[3], B1, R1, vb)):
        a.emit("\tVMOVUPD %d(%s), %s" % (off, bp, reg))
        a.emit("\tVSUBPD %d(%s), %s, %s // b - res" % (off, rp, reg, reg))
    a.emit("\tVUNPCKLPD %s, %s, %s // even fine cells, row 0" % (D[1], D[0], E0))
    a.emit("\tVUNPCKHPD %s, %s, %s // odd" % (D[1], D[0], O0))
    a.emit("\tVUNPCKLPD %s, %s, %s // even fine cells, row 1" % (D[3], D[2], E1))
    a.emit("\tVUNPCKHPD %s, %s, %s // odd" % (D[3], D[2], O1))
    a.emit("\tVADDPD %s, %s, %s // d0 even + d0 odd" % (O0, E0, E0))
    a.emit("\tVADDPD %s, %s, %s // + d1 even" % (E1, E0, E0))
    a.emit("\tVADDPD %s, %s, %s // + d1 odd" % (O1, E0, E0))
    if a.zmm:
        a.emit("\tVPERMPD %s, Z15, %s" % (E0, E0))
    else:
        a.emit("\tVPERMPD $0xd8, %s, %s // lane order (0, 2, 1, 3)" % (E0, E0))
    a.emit("\tVMOVUPD %s, (%s)" % (E0, CB))
    a.emit("\tADDQ $%d, %s" % (vb, CB))
    for rg in (B0, R0, B1, R1):
        a.emit("\tADDQ $%d, %s" % (2 * vb, rg))
    a.emit("\tSUBQ $%d, CX" % a.w)
    a.emit("\tJMP %sloop" % name)
    a.emit("%sdone:" % name)
    a.end()
    return a.L


def prolong(isa):
    """prolongRow: x0_2X+k += a0_2X+k v_X and x1_2X+k += a1_2X+k v_X (k = 0, 1) for n coarse values v (a
    multiple of W): each v is duplicated into two adjacent lanes with VPERMPD, then a VMULPD and a
    VADDPD in the scalar order."""
    a = Asm(isa)
    name = "prolongRow" + a.suffix
    a.header("prolongRow", "cx, x0, a0, x1, a1 *float64, n int", 48)
    ptrs = ["DI", "SI", "R8", "R9", "R10"]
    a.load_ptrs(["cx", "x0", "a0", "x1", "a1", "n"], ptrs + ["CX"])
    CXP, X0, A0, X1, A1 = ptrs
    vb = a.vb
    if a.zmm:
        a.emit("\tVMOVUPD prolongLo<>(SB), Z14 // lanes (0, 0, 1, 1, 2, 2, 3, 3)")
        a.emit("\tVMOVUPD prolongHi<>(SB), Z15 // lanes (4, 4, 5, 5, 6, 6, 7, 7)")
    V, LO, HI, T = (a.r(i) for i in range(4))
    a.emit("%sloop:" % name)
    a.emit("\tCMPQ CX, $%d" % a.w)
    a.emit("\tJLT %sdone" % name)
    a.emit("\tVMOVUPD (%s), %s" % (CXP, V))
    if a.zmm:
        a.emit("\tVPERMPD %s, Z14, %s" % (V, LO))
        a.emit("\tVPERMPD %s, Z15, %s" % (V, HI))
    else:
        a.emit("\tVPERMPD $0x50, %s, %s // lanes (0, 0, 1, 1)" % (V, LO))
        a.emit("\tVPERMPD $0xfa, %s, %s // lanes (2, 2, 3, 3)" % (V, HI))
    for xp, ap in ((X0, A0), (X1, A1)):
        for dup, off in ((LO, 0), (HI, vb)):
            a.emit("\tVMULPD %d(%s), %s, %s // act v" % (off, ap, dup, T))
            a.emit("\tVADDPD %d(%s), %s, %s // x + act v" % (off, xp, T, T))
            a.emit("\tVMOVUPD %s, %d(%s)" % (T, off, xp))
    a.emit("\tADDQ $%d, %s" % (vb, CXP))
    for rg in (X0, A0, X1, A1):
        a.emit("\tADDQ $%d, %s" % (2 * vb, rg))
    a.emit("\tSUBQ $%d, CX" % a.w)
    a.emit("\tJMP %sloop" % name)
    a.emit("%sdone:" % name)
    a.end()
    return a.L


def constants():
    L = []
    for nm, vals in (("restrictPerm", (0, 2, 4, 6, 1, 3, 5, 7)), ("prolongLo", (0, 0, 1, 1, 2, 2, 3, 3)),
                     ("prolongHi", (4, 4, 5, 5, 6, 6, 7, 7))):
        for i, v in enumerate(vals):
            L.append("DATA %s<>+%d(SB)/8, $%d" % (nm, 8 * i, v))
        L.append("GLOBL %s<>(SB), RODATA|NOPTR, $64" % nm)
        L.append("")
    return L


def main():
    L = ["// Code generated by scripts/pde/gen_smoke_asm.py. DO NOT EDIT.", "",
         "//go:build amd64 && !purego", "", '#include "textflag.h"', ""]
    for isa in ("avx2", "avx512"):
        L += sweep(isa, False)
        L += sweep(isa, True)
        L += apply(isa)
        L += cg_update(isa)
        L += cg_direction(isa)
        L += restrict(isa)
        L += prolong(isa)
    L += constants()
    with open(OUT, "w") as fh:
        fh.write("\n".join(L).rstrip("\n") + "\n")


if __name__ == "__main__":
    main()
