#!/usr/bin/python3
"""Generates pde/smoke/kernel_amd64.s, the SIMD kernels of the smoke pressure solve (AVX2 and AVX-512).
Run from the repository root:

    /usr/bin/python3 scripts/pde/gen_smoke_asm.py

Every kernel works along x on one run of cells of a padded row (pde/smoke/poisson.go), with packed
VADDPD/VSUBPD/VMULPD in the scalar loop's operation order and no FMA, so each lane rounds as the scalar
ADDSD/SUBSD/MULSD do and the results are bit-identical. Pointers address the run's first cell; the
east/west neighbours are the loads at +8/-8 bytes, the north/south rows separate pointers.

Red-black sweep (sweepUniform*, sweepGeneral*): the run starts at a cell of the colour being relaxed,
so lanes 0, 2, 4, ... hold that colour. A half-sweep updates cells that read only the other colour,
which it never writes, so the candidate update of all W consecutive cells is computed from the array
and only the even lanes are stored: AVX-512 with a masked VMOVUPD (k-mask 0x55), AVX2 by blending the
candidate into the cells' current values (VBLENDPD $5) and storing the full register (the odd cells get
back the value they had). The store of block i is issued after the loads of block i+1, whose west
neighbour is block i's last cell: a load that overlaps an earlier, partly masked or partly covering
store cannot be forwarded and would wait for the store to retire.

    uniform: v_c = (b_c + v_e + v_w + v_n + v_s) * 0.25
    general: v_c = (b_c + ax_c v_e + ax_w v_w + ay_c v_n + ay_s v_s) * inv_c

Operator (applyUniform*, applyGeneral*): out = A v on a run, contiguous,

    uniform: out_c = 4 v_c - v_e - v_w - v_n - v_s
    general: out_c = diag_c v_c - ax_c v_e - ax_w v_w - ay_c v_n - ay_s v_s

CG updates (cgUpdate*, cgDirection*): p += alpha d, r -= alpha q returning max |r| (a VMAXPD whose second
operand is the running maximum: a NaN |r| leaves it unchanged as the scalar "if a > res" does; the
maximum of non-NaN numbers does not depend on the order), and d = z + beta d.

Every kernel takes n, a multiple of the register width W (4 or 8); the Go caller runs the remaining
cells with the scalar loop.
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

    def advance(self, regs):
        for rg in regs:
            self.emit("\tADDQ $%d, %s" % (self.vb, rg))

    def end(self):
        self.emit("\tVZEROUPPER")
        self.emit("\tRET")
        self.emit("")


def step(a, ptrs, prev=None):
    """Advance the pointers to the next block: by W cells, or by the CX < W cells left so that the last
    block ends at the row's end (it then overlaps the previous one). prev, if given, first receives the
    current vc pointer (the block the caller still has to store)."""
    a.emit("\tMOVQ $%d, DX" % a.w)
    a.emit("\tCMPQ CX, DX")
    a.emit("\tCMOVQLT CX, DX // DX = min(CX, W)")
    a.emit("\tSUBQ DX, CX")
    a.emit("\tSHLQ $3, DX")
    if prev:
        a.emit("\tMOVQ %s, %s" % (ptrs[0], prev))
    for rg in ptrs:
        a.emit("\tADDQ DX, %s" % rg)


def sweep(isa):
    """sweepUniform: the uniform red-black update of one colour over a whole row (see the module doc),
    software-pipelined: the store of block i follows the loads of block i+1."""
    a = Asm(isa)
    name = "sweepUniform"
    names = ["vc", "vn", "vs", "bc"]
    ptrs = ["SI", "DI", "R8", "R9"]
    a.header(name, ", ".join(names) + " *float64, n int", 8 * len(names) + 8)
    a.load_ptrs(names + ["n"], ptrs + ["CX"])
    VC, VN, VS, BC = ptrs
    Q = a.r(15)
    a.const(Q, "0x3fd0000000000000", "0.25")
    if a.zmm:
        a.emit("\tMOVQ $0x55, AX // lanes 0, 2, 4, 6: the colour being relaxed")
        a.emit("\tKMOVW AX, K1")

    def candidate(t, old):
        """t = the candidate update of the W cells at the pointers (AVX2: blended with the cells'
        current values); old: scratch."""
        a.emit("\tVMOVUPD (%s), %s" % (BC, t))
        a.emit("\tVADDPD 8(%s), %s, %s // + v_e" % (VC, t, t))
        a.emit("\tVADDPD -8(%s), %s, %s // + v_w" % (VC, t, t))
        a.emit("\tVADDPD (%s), %s, %s // + v_n" % (VN, t, t))
        a.emit("\tVADDPD (%s), %s, %s // + v_s" % (VS, t, t))
        a.emit("\tVMULPD %s, %s, %s // * 0.25" % (Q, t, t))
        if not a.zmm:
            a.emit("\tVMOVUPD (%s), %s" % (VC, old))
            a.emit("\tVBLENDPD $5, %s, %s, %s // lanes 0, 2 from the candidate" % (t, old, t))

    def store(t, at):
        if a.zmm:
            a.emit("\tVMOVUPD %s, K1, (%s)" % (t, at))
        else:
            a.emit("\tVMOVUPD %s, (%s)" % (t, at))

    A, B, O = a.r(0), a.r(1), a.r(3)
    a.emit("\tSUBQ $%d, CX // cells after the first block" % a.w)
    a.emit("\tJLT %sdone%s" % (name, a.suffix))
    candidate(A, O)
    a.emit("%sloop%s:" % (name, a.suffix))
    a.emit("\tTESTQ CX, CX")
    a.emit("\tJEQ %slast%s" % (name, a.suffix))
    step(a, ptrs, prev="BX")
    candidate(B, O)
    store(A, "BX")
    a.emit("\tVMOVAPD %s, %s" % (B, A))
    a.emit("\tJMP %sloop%s" % (name, a.suffix))
    a.emit("%slast%s:" % (name, a.suffix))
    store(A, VC)
    a.emit("%sdone%s:" % (name, a.suffix))
    a.end()
    return a.L


def apply(isa):
    """applyUniform: out = 4 v_c - v_e - v_w - v_n - v_s over a whole row."""
    a = Asm(isa)
    name = "applyUniform"
    names = ["out", "vc", "vn", "vs"]
    ptrs = ["BX", "SI", "DI", "R8"]
    a.header(name, ", ".join(names) + " *float64, n int", 8 * len(names) + 8)
    a.load_ptrs(names + ["n"], ptrs + ["CX"])
    OUTP, VC, VN, VS = ptrs
    F = a.r(15)
    a.const(F, "0x4010000000000000", "4.0")
    T = a.r(0)
    a.emit("\tSUBQ $%d, CX // cells after the first block" % a.w)
    a.emit("\tJLT %sdone%s" % (name, a.suffix))
    a.emit("%sloop%s:" % (name, a.suffix))
    a.emit("\tVMULPD (%s), %s, %s // 4 v_c" % (VC, F, T))
    a.emit("\tVSUBPD 8(%s), %s, %s // - v_e" % (VC, T, T))
    a.emit("\tVSUBPD -8(%s), %s, %s // - v_w" % (VC, T, T))
    a.emit("\tVSUBPD (%s), %s, %s // - v_n" % (VN, T, T))
    a.emit("\tVSUBPD (%s), %s, %s // - v_s" % (VS, T, T))
    a.emit("\tVMOVUPD %s, (%s)" % (T, OUTP))
    a.emit("\tTESTQ CX, CX")
    a.emit("\tJEQ %sdone%s" % (name, a.suffix))
    step(a, ptrs)
    a.emit("\tJMP %sloop%s" % (name, a.suffix))
    a.emit("%sdone%s:" % (name, a.suffix))
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
    a.advance(["DX", "SI", "DI", "R8"])
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
    a.advance(["DI", "SI"])
    a.emit("\tSUBQ $%d, CX" % a.w)
    a.emit("\tJMP %sloop%s" % (name, a.suffix))
    a.emit("%sdone%s:" % (name, a.suffix))
    a.end()
    return a.L


def main():
    L = ["// Code generated by scripts/pde/gen_smoke_asm.py. DO NOT EDIT.", "",
         "//go:build amd64 && !purego", "", '#include "textflag.h"', ""]
    for isa in ("avx2", "avx512"):
        L += sweep(isa)
        L += apply(isa)
        L += cg_update(isa)
        L += cg_direction(isa)
    with open(OUT, "w") as fh:
        fh.write("\n".join(L).rstrip("\n") + "\n")


if __name__ == "__main__":
    main()
