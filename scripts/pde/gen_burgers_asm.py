#!/usr/bin/python3
"""Generates pde/burgers/kernel_amd64.s, the batched Burgers step kernels (AVX2, AVX-512 and a two-step
AVX-512 kernel). Run from the repository root:

    /usr/bin/python3 scripts/pde/gen_burgers_asm.py

Layout (see pde/burgers/batched.go): rows 0..m+1 of u and v hold stride lanes each (row 0 and row m+1 are
the zero ghost values), dtf holds dt*f for rows 1..m. A kernel walks one register of lanes at a time down
the rows, keeping u_{i-1} and u_i in registers, and computes the scalar update (pde/burgers/stencil.go)

    k = fma(-a, u_{i+1} - u_{i-1}, b),  r = fma(c, u_i, dt*f_i),  w = fma(u_{i+1} + u_{i-1}, k, r)

with packed VADDPD/VSUBPD and the fused VFNMADD213PD/VFMADD231PD (five floating-point operations per
point), so every lane rounds as the scalar code (math.FMA) does. The rows are unrolled by three so that the
register roles rotate without moves (the one or two leftover rows rotate by moves). stepTwoAVX512 takes two
steps per pass (see fused512).
"""

OUT = "pde/burgers/kernel_amd64.s"


def update(um, uc, up, dtf, out, t1, t2, A, B, C):
    """One point of the scheme as the scalar update (stencil.go): t1 = u_{i+1} + u_{i-1},
    t2 = b - a (u_{i+1} - u_{i-1}), out = c u_i + dt f_i, out = t1 t2 + out (each fused product rounded once).
    dtf is a memory operand. Plan 9 operand order: VFNMADD213PD x, y, z is z = -(y*z) + x and
    VFMADD231PD x, y, z is z = y*x + z."""
    return ["\tVADDPD %s, %s, %s // u_{i+1} + u_{i-1}" % (um, up, t1),
            "\tVSUBPD %s, %s, %s // u_{i+1} - u_{i-1}" % (um, up, t2),
            "\tVFNMADD213PD %s, %s, %s // b - a*(.)" % (B, A, t2),
            "\tVMOVUPD %s, %s // dt*f_i" % (dtf, out),
            "\tVFMADD231PD %s, %s, %s // c*u_i + dt*f_i" % (uc, C, out),
            "\tVFMADD231PD %s, %s, %s // + (u_{i+1} + u_{i-1})*(b - a*(.))" % (t2, t1, out)]


def prologue(name, R, A, B, C, BOUND, ABS):
    """Arguments into registers: u SI, v DI, dtf DX, m CX, row bytes R9, the broadcast coefficients."""
    return ["// func %s(u, v, dtf *float64, m, stride int, a, b, c, bound float64, check bool) bool" % name,
            "TEXT ·%s(SB), NOSPLIT, $0-81" % name,
            "\tMOVQ u+0(FP), SI",
            "\tMOVQ v+8(FP), DI",
            "\tMOVQ dtf+16(FP), DX",
            "\tMOVQ m+24(FP), CX",
            "\tMOVQ stride+32(FP), R9",
            "\tSHLQ $3, R9 // bytes per row",
            "\tVBROADCASTSD a+40(FP), %s" % A,
            "\tVBROADCASTSD b+48(FP), %s" % B,
            "\tVBROADCASTSD c+56(FP), %s" % C,
            "\tVBROADCASTSD bound+64(FP), %s" % BOUND,
            "\tMOVQ $0x7fffffffffffffff, AX // |x| mask",
            "\tMOVQ AX, X15",
            "\tVBROADCASTSD X15, %s" % ABS]


def check(zmm, R, out, ABS, BOUND, T, ACC):
    """Flag lanes with !(|out| <= bound) (NaN included) into K2 (AVX-512) or ACC (AVX2)."""
    if zmm:
        return ["\tVPANDQ %s, %s, %s" % (ABS, out, T),
                "\tVCMPPD $6, %s, %s, K1 // !(|w| <= bound), NaN included" % (BOUND, T),
                "\tKORW K1, K2, K2"]
    return ["\tVANDPD %s, %s, %s" % (ABS, out, T),
            "\tVCMPPD $6, %s, %s, %s // !(|w| <= bound), NaN included" % (BOUND, T, T),
            "\tVORPD %s, %s, %s" % (T, ACC, ACC)]


def kernel(isa):
    zmm = isa == "avx512"
    R = "Z" if zmm else "Y"
    vb = 64 if zmm else 32  # bytes per register
    name = "stepAVX512" if zmm else "stepAVX2"
    L = []
    w = L.append
    A, B, C, BOUND, ABS, ACC = R + "12", R + "13", R + "9", R + "14", R + "15", R + "10"
    L += prologue(name, R, A, B, C, BOUND, ABS)
    if zmm:
        w("\tKXORW K2, K2, K2 // lanes beyond the bound")
    else:
        w("\tVXORPD %s, %s, %s // lanes beyond the bound" % (ACC, ACC, ACC))
    w("\tMOVBQZX check+72(FP), AX")
    w("\tXORQ R10, R10 // byte offset of the current lanes")
    w("")
    for chk in (False, True):
        lbl = "chk" if chk else "plain"
        if not chk:
            w("\tTESTQ AX, AX")
            w("\tJNZ chk_lanes")
        w("%s_lanes:" % lbl)
        w("\tCMPQ R10, R9")
        w("\tJGE done")
        w("\tLEAQ (SI)(R10*1), R11 // &u[row 0]")
        w("\tLEAQ (DI)(R10*1), R12")
        w("\tADDQ R9, R12 // &v[row 1]")
        w("\tLEAQ (DX)(R10*1), R13 // &dtf[row 1]")
        # u values in regs U[0..2]; roles rotate by one per row.
        U = [R + "0", R + "1", R + "2"]
        T1, T2, T3, OUT = R + "6", R + "7", R + "8", R + "3"
        w("\tVMOVUPD (R11), %s // u_{i-1} (ghost)" % U[0])
        w("\tADDQ R9, R11 // &u[row 1]")
        w("\tVMOVUPD (R11), %s // u_i" % U[1])
        w("\tMOVQ CX, BX // rows left")

        def body(k):
            # roles at offset k: um = U[k%3], uc = U[(k+1)%3], up = U[(k+2)%3]
            um, uc, up = U[k % 3], U[(k + 1) % 3], U[(k + 2) % 3]
            o = ["\tVMOVUPD (R11)(R9*1), %s // u_{i+1}" % up]
            o += update(um, uc, up, "(R13)", OUT, T1, T2, A, B, C)
            o.append("\tVMOVUPD %s, (R12)" % OUT)
            if chk:
                o += check(zmm, R, OUT, ABS, BOUND, T3, ACC)
            o.append("\tADDQ R9, R11")
            o.append("\tADDQ R9, R12")
            o.append("\tADDQ R9, R13")
            return o

        w("%s_rows3:" % lbl)
        w("\tCMPQ BX, $3")
        w("\tJLT %s_tail" % lbl)
        for k in range(3):
            L.extend(body(k))
        w("\tSUBQ $3, BX")
        w("\tJMP %s_rows3" % lbl)
        w("%s_tail:" % lbl)
        # one or two rows left: run body(0), rotate by moves, body(0) again.
        w("\tTESTQ BX, BX")
        w("\tJZ %s_next" % lbl)
        L.extend(body(0))
        w("\tDECQ BX")
        w("\tJZ %s_next" % lbl)
        # rotate: um <- uc, uc <- up
        w("\tVMOVAPD %s, %s" % (U[1], U[0]))
        w("\tVMOVAPD %s, %s" % (U[2], U[1]))
        L.extend(body(0))
        w("%s_next:" % lbl)
        w("\tADDQ $%d, R10" % vb)
        w("\tJMP %s_lanes" % lbl)
        w("")
    w("done:")
    if zmm:
        w("\tKORTESTW K2, K2")
    else:
        w("\tVPTEST %s, %s" % (ACC, ACC))
    w("\tSETNE ret+80(FP)")
    w("\tVZEROUPPER")
    w("\tRET")
    w("")
    return L


def fused512():
    """stepTwoAVX512: two Euler steps in one pass over the rows (temporal blocking). Step one's rows w_i
    (from u_{i-1..i+1}) stay in registers; step two's row i-2 (z_{i-2}, from w_{i-3..i-1}) is computed in
    the same iteration as w_i, one row behind so that the two halves do not wait on each other, and
    stored, so u is read and v written once per two steps. Every value is computed by the operations of
    two single steps in their order; the check (if any) applies to step two. Needs m >= 2. Registers
    rotate with period 4 (rows unrolled by four), so no moves are needed."""
    L = []
    w = L.append
    A, B, C, BOUND, ABS = "Z28", "Z29", "Z30", "Z31", "Z27"
    U = ["Z0", "Z1", "Z2", "Z3"]
    W = ["Z8", "Z9", "Z10", "Z11"]
    ZERO, CT = "Z23", "Z22"
    L += prologue("stepTwoAVX512", "Z", A, B, C, BOUND, ABS)
    w("\tMOVQ CX, R8")
    w("\tIMULQ R9, R8 // m*rowbytes: the offset of the last row")
    w("\tVPXORQ %s, %s, %s" % (ZERO, ZERO, ZERO))
    w("\tKXORW K2, K2, K2 // lanes beyond the bound")
    w("\tMOVBQZX check+72(FP), AX")
    w("\tXORQ R10, R10 // byte offset of the current lanes")

    def first(k):
        """Step one at row i = k (mod 4): load u_{i+1}, w_i into W[k]."""
        um, uc, up = U[(k - 1) % 4], U[k], U[(k + 1) % 4]
        o = ["\tVMOVUPD (R12)(BX*1), %s // u_{i+1}" % up]
        o += update(um, uc, up, "(R13)(BX*1)", W[k], "Z16", "Z17", A, B, C)
        return o

    def second(k, wp, chk, off):
        """Step two at row j (z_j from W[(k-1)%4] = w_{j-1}, W[k] = w_j, wp = w_{j+1}); dt*f_j and v row j
        at R14/R15 + BX + off."""
        wm, wc = W[(k - 1) % 4], W[k]
        o = update(wm, wc, wp, "%s(R14)(BX*1)" % off, "Z21", "Z19", "Z20", A, B, C)
        if chk:
            o += check(True, "Z", "Z21", ABS, BOUND, CT, None)
        o.append("\tVMOVUPD Z21, %s(R15)(BX*1) // z_j" % off)
        return o

    def body(k, chk):
        """Row i = k (mod 4): w_i, then z_{i-2}."""
        o = first(k)
        j = (k - 2) % 4
        o += second(j, W[(j + 1) % 4], chk, "")
        o.append("\tADDQ R9, BX")
        return o

    for chk in (False, True):
        lbl = "f2chk" if chk else "f2plain"
        if not chk:
            w("\tTESTQ AX, AX")
            w("\tJNZ f2chk_lanes")
        w("%s_lanes:" % lbl)
        w("\tCMPQ R10, R9")
        w("\tJGE f2done")
        # With BX = i*rowbytes: u row i+1 at R12+BX, dt*f row i at R13+BX (dtf starts at row 1), dt*f
        # row i-2 at R14+BX, v row i-2 at R15+BX.
        w("\tLEAQ (SI)(R10*1), R11 // &u[row 0]")
        w("\tLEAQ (R11)(R9*1), R12")
        w("\tLEAQ (DX)(R10*1), R13")
        w("\tSUBQ R9, R13")
        w("\tMOVQ R13, R14")
        w("\tSUBQ R9, R14")
        w("\tSUBQ R9, R14")
        w("\tLEAQ (DI)(R10*1), R15")
        w("\tSUBQ R9, R15")
        w("\tSUBQ R9, R15")
        w("\tVMOVUPD (R11), %s // u_0 (ghost)" % U[0])
        w("\tVMOVUPD (R12), %s // u_1" % U[1])
        w("\tVPXORQ %s, %s, %s // w_0 = 0 (ghost)" % (W[0], W[0], W[0]))
        w("\tMOVQ R9, BX // i = 1")
        L.extend(first(1))
        w("\tADDQ R9, BX // i = 2")
        L.extend(first(2))
        w("\tADDQ R9, BX // i = 3")
        w("%s_rows4:" % lbl)
        w("\tLEAQ (BX)(R9*2), AX")
        w("\tADDQ R9, AX")
        w("\tCMPQ AX, R8 // rows i..i+3 <= m")
        w("\tJGT %s_tail" % lbl)
        for k in (3, 0, 1, 2):
            L.extend(body(k, chk))
        w("\tJMP %s_rows4" % lbl)
        w("%s_tail:" % lbl)
        for k in (3, 0, 1):
            w("\tCMPQ BX, R8")
            w("\tJGT %s_end%d" % (lbl, (k - 1) % 4))
            L.extend(body(k, chk))
        w("\tJMP %s_end1" % lbl)
        # Ends: the last row m = e (mod 4) is done, BX = (m+1)*rowbytes; z_{m-1} and z_m remain.
        for e in range(4):
            w("%s_end%d:" % (lbl, e))
            L.extend(second((e - 1) % 4, W[e], chk, ""))
            w("\tADDQ R9, BX")
            L.extend(second(e, ZERO, chk, ""))
            w("\tJMP %s_next" % lbl)
        w("%s_next:" % lbl)
        w("\tADDQ $64, R10")
        w("\tJMP %s_lanes" % lbl)
        w("")
    w("f2done:")
    w("\tKORTESTW K2, K2")
    w("\tSETNE ret+80(FP)")
    w("\tVZEROUPPER")
    w("\tRET")
    w("")
    return L


def scalar_row():
    """stepRowFMA: the scalar solver's interior loop, v[j] = update(u[j], u[j+1], u[j+2], dt*f[j]), with
    VEX scalar instructions (VFNMADD213SD/VFMADD231SD as in update)."""
    return ["// func stepRowFMA(u, v, f *float64, n int, dt, a, b, c float64)",
            "TEXT ·stepRowFMA(SB), NOSPLIT, $0-64",
            "\tMOVQ u+0(FP), SI",
            "\tMOVQ v+8(FP), DI",
            "\tMOVQ f+16(FP), DX",
            "\tMOVQ n+24(FP), CX",
            "\tVMOVSD dt+32(FP), X12",
            "\tVMOVSD a+40(FP), X13",
            "\tVMOVSD b+48(FP), X14",
            "\tVMOVSD c+56(FP), X15",
            "\tVMOVSD (SI), X0 // u_{i-1}",
            "\tVMOVSD 8(SI), X1 // u_i",
            "\tXORQ AX, AX",
            "row_loop:",
            "\tCMPQ AX, CX",
            "\tJGE row_done",
            "\tVMOVSD 16(SI)(AX*8), X2 // u_{i+1}",
            "\tVADDSD X0, X2, X3 // u_{i+1} + u_{i-1}",
            "\tVSUBSD X0, X2, X4 // u_{i+1} - u_{i-1}",
            "\tVFNMADD213SD X14, X13, X4 // b - a*(.)",
            "\tVMULSD (DX)(AX*8), X12, X5 // dt*f_i",
            "\tVFMADD231SD X1, X15, X5 // c*u_i + dt*f_i",
            "\tVFMADD231SD X4, X3, X5 // + (u_{i+1} + u_{i-1})*(b - a*(.))",
            "\tVMOVSD X5, (DI)(AX*8)",
            "\tVMOVAPD X1, X0",
            "\tVMOVAPD X2, X1",
            "\tINCQ AX",
            "\tJMP row_loop",
            "row_done:",
            "\tRET",
            ""]


def adjoint_row():
    """stepAdjointRowFMA: the adjoint sweep's interior loop (pde/burgers/adjoint.go, adjointPoint): for
    j < n, with lm, lc, lp = lam[j], lam[j+1], lam[j+2] and i = j+1,
    acc[i] += lc and out[i] = fma(al2*u[i], lp - lm, fma(be, (lm + lp) - 2 lc, lc))."""
    return ["// func stepAdjointRowFMA(out, lam, u, acc *float64, n int, al2, be float64)",
            "TEXT ·stepAdjointRowFMA(SB), NOSPLIT, $0-56",
            "\tMOVQ out+0(FP), DI",
            "\tMOVQ lam+8(FP), SI",
            "\tMOVQ u+16(FP), DX",
            "\tMOVQ acc+24(FP), R8",
            "\tMOVQ n+32(FP), CX",
            "\tVMOVSD al2+40(FP), X12",
            "\tVMOVSD be+48(FP), X13",
            "\tMOVQ $0x4000000000000000, AX // 2.0",
            "\tMOVQ AX, X14",
            "\tVMOVSD (SI), X0 // lam_{i-1}",
            "\tVMOVSD 8(SI), X1 // lam_i",
            "\tXORQ AX, AX",
            "adj_loop:",
            "\tCMPQ AX, CX",
            "\tJGE adj_done",
            "\tVMOVSD 16(SI)(AX*8), X2 // lam_{i+1}",
            "\tVADDSD (R8)(AX*8), X1, X7 // acc_i + lam_i",
            "\tVMOVSD X7, (R8)(AX*8)",
            "\tVADDSD X2, X0, X3 // lam_{i-1} + lam_{i+1}",
            "\tVFNMADD231SD X1, X14, X3 // (.) - 2 lam_i",
            "\tVMOVAPD X1, X4",
            "\tVFMADD231SD X3, X13, X4 // lam_i + be*(.)",
            "\tVSUBSD X0, X2, X5 // lam_{i+1} - lam_{i-1}",
            "\tVMULSD (DX)(AX*8), X12, X6 // al2*u_i",
            "\tVFMADD231SD X5, X6, X4 // + al2 u_i (lam_{i+1} - lam_{i-1})",
            "\tVMOVSD X4, (DI)(AX*8)",
            "\tVMOVAPD X1, X0",
            "\tVMOVAPD X2, X1",
            "\tINCQ AX",
            "\tJMP adj_loop",
            "adj_done:",
            "\tRET",
            ""]


def main():
    L = ["// Code generated by scripts/pde/gen_burgers_asm.py. DO NOT EDIT.", "",
         "//go:build amd64 && !purego", "", '#include "textflag.h"', ""]
    L += kernel("avx2")
    L += kernel("avx512")
    L += fused512()
    L += scalar_row()
    L += adjoint_row()
    with open(OUT, "w") as fh:
        fh.write("\n".join(L))


main()
