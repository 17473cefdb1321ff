#!/usr/bin/python3
"""Generates pde/burgers/kernel_amd64.s, the batched Burgers step kernels (AVX2, AVX-512 and a two-step
AVX-512 kernel). Run from the repository root:

    /usr/bin/python3 scripts/pde/gen_burgers_asm.py

Layout (see pde/burgers/batched.go): rows 0..m+1 of u and v hold stride lanes each (row 0 and row m+1 are
the zero ghost values), dtf holds dt*f for rows 1..m. A kernel walks one register of lanes at a time down
the rows, keeping u_{i-1}, u_i and the squares u_{i-1}^2, u_i^2 in registers, and computes

    w = ((u_i - a*(u_{i+1}^2 - u_{i-1}^2)) + b*((u_{i+1} - 2*u_i) + u_{i-1})) + dt*f_i

with packed VMULPD/VSUBPD/VADDPD in exactly the scalar Solver's order (no FMA), so every lane rounds as
the scalar code does. The rows are unrolled by three so that the register roles rotate without moves (the
one or two leftover rows rotate by moves). stepTwoAVX512 takes two steps per pass (see fused512).
"""

OUT = "pde/burgers/kernel_amd64.s"


def kernel(isa):
    zmm = isa == "avx512"
    R = "Z" if zmm else "Y"
    vb = 64 if zmm else 32  # bytes per register
    name = "stepAVX512" if zmm else "stepAVX2"
    L = []
    w = L.append
    A, B2, BOUND, TWO, ABS, ACC = R + "12", R + "13", R + "14", R + "15", R + "11", R + "10"
    w("// func %s(u, v, dtf *float64, m, stride int, a, b, bound float64, check bool) bool" % name)
    w("TEXT ·%s(SB), NOSPLIT, $0-73" % name)
    w("\tMOVQ u+0(FP), SI")
    w("\tMOVQ v+8(FP), DI")
    w("\tMOVQ dtf+16(FP), DX")
    w("\tMOVQ m+24(FP), CX")
    w("\tMOVQ stride+32(FP), R9")
    w("\tSHLQ $3, R9 // bytes per row")
    w("\tVBROADCASTSD a+40(FP), %s" % A)
    w("\tVBROADCASTSD b+48(FP), %s" % B2)
    w("\tVBROADCASTSD bound+56(FP), %s" % BOUND)
    w("\tMOVQ $0x4000000000000000, AX // 2.0")
    w("\tMOVQ AX, X15")
    w("\tVBROADCASTSD X15, %s" % TWO)
    w("\tMOVQ $0x7fffffffffffffff, AX // |x| mask")
    w("\tMOVQ AX, X11")
    w("\tVBROADCASTSD X11, %s" % ABS)
    if zmm:
        w("\tKXORW K2, K2, K2 // lanes beyond the bound")
    else:
        w("\tVXORPD %s, %s, %s // lanes beyond the bound" % (ACC, ACC, ACC))
    w("\tMOVBQZX check+64(FP), AX")
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
        # slots: u values in regs U[0..2], squares in S[0..2]; roles rotate by one per row.
        U = [R + "0", R + "1", R + "2"]
        S = [R + "3", R + "4", R + "5"]
        T1, T2, T3 = R + "6", R + "7", R + "8"
        w("\tVMOVUPD (R11), %s // u_{i-1} (ghost)" % U[0])
        w("\tVMULPD %s, %s, %s" % (U[0], U[0], S[0]))
        w("\tADDQ R9, R11 // &u[row 1]")
        w("\tVMOVUPD (R11), %s // u_i" % U[1])
        w("\tVMULPD %s, %s, %s" % (U[1], U[1], S[1]))
        w("\tMOVQ CX, BX // rows left")

        def body(k):
            # roles at offset k: um = U[k%3], uc = U[(k+1)%3], up = U[(k+2)%3]
            um, uc, up = U[k % 3], U[(k + 1) % 3], U[(k + 2) % 3]
            sm, sp = S[k % 3], S[(k + 2) % 3]
            o = []
            o.append("\tVMOVUPD (R11)(R9*1), %s // u_{i+1}" % up)
            o.append("\tVMULPD %s, %s, %s // u_{i+1}^2" % (up, up, sp))
            o.append("\tVSUBPD %s, %s, %s // u_{i+1}^2 - u_{i-1}^2" % (sm, sp, T1))
            o.append("\tVMULPD %s, %s, %s // a*(.)" % (T1, A, T1))
            o.append("\tVSUBPD %s, %s, %s // u_i - a*(.)" % (T1, uc, T1))
            o.append("\tVMULPD %s, %s, %s // 2*u_i" % (uc, TWO, T2))
            o.append("\tVSUBPD %s, %s, %s // u_{i+1} - 2*u_i" % (T2, up, T2))
            o.append("\tVADDPD %s, %s, %s // + u_{i-1}" % (um, T2, T2))
            o.append("\tVMULPD %s, %s, %s // b*(.)" % (T2, B2, T2))
            o.append("\tVADDPD %s, %s, %s" % (T2, T1, T1))
            o.append("\tVADDPD (R13), %s, %s // + dt*f_i" % (T1, T1))
            o.append("\tVMOVUPD %s, (R12)" % T1)
            if chk:
                o.append("\tVANDPD %s, %s, %s" % (ABS, T1, T3) if not zmm else "\tVPANDQ %s, %s, %s" % (ABS, T1, T3))
                if zmm:
                    o.append("\tVCMPPD $6, %s, %s, K1 // !(|w| <= bound), NaN included" % (BOUND, T3))
                    o.append("\tKORW K1, K2, K2")
                else:
                    o.append("\tVCMPPD $6, %s, %s, %s // !(|w| <= bound), NaN included" % (BOUND, T3, T3))
                    o.append("\tVORPD %s, %s, %s" % (T3, ACC, ACC))
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
        # rotate: um <- uc, uc <- up, sm <- sc, sc <- sp
        w("\tVMOVAPD %s, %s" % (U[1], U[0]))
        w("\tVMOVAPD %s, %s" % (U[2], U[1]))
        w("\tVMOVAPD %s, %s" % (S[1], S[0]))
        w("\tVMOVAPD %s, %s" % (S[2], S[1]))
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
    w("\tSETNE ret+72(FP)")
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
    A, B2, BOUND, TWO, ABS = "Z28", "Z29", "Z30", "Z31", "Z27"
    U = ["Z0", "Z1", "Z2", "Z3"]
    S = ["Z4", "Z5", "Z6", "Z7"]
    W = ["Z8", "Z9", "Z10", "Z11"]
    WS = ["Z12", "Z13", "Z14", "Z15"]
    ZERO, CT = "Z23", "Z22"
    w("// func stepTwoAVX512(u, v, dtf *float64, m, stride int, a, b, bound float64, check bool) bool")
    w("TEXT ·stepTwoAVX512(SB), NOSPLIT, $0-73")
    w("\tMOVQ u+0(FP), SI")
    w("\tMOVQ v+8(FP), DI")
    w("\tMOVQ dtf+16(FP), DX")
    w("\tMOVQ m+24(FP), CX")
    w("\tMOVQ stride+32(FP), R9")
    w("\tSHLQ $3, R9 // bytes per row")
    w("\tMOVQ CX, R8")
    w("\tIMULQ R9, R8 // m*rowbytes: the offset of the last row")
    w("\tVBROADCASTSD a+40(FP), %s" % A)
    w("\tVBROADCASTSD b+48(FP), %s" % B2)
    w("\tVBROADCASTSD bound+56(FP), %s" % BOUND)
    w("\tMOVQ $0x4000000000000000, AX // 2.0")
    w("\tMOVQ AX, X15")
    w("\tVBROADCASTSD X15, %s" % TWO)
    w("\tMOVQ $0x7fffffffffffffff, AX // |x| mask")
    w("\tMOVQ AX, X15")
    w("\tVBROADCASTSD X15, %s" % ABS)
    w("\tVPXORQ %s, %s, %s" % (ZERO, ZERO, ZERO))
    w("\tKXORW K2, K2, K2 // lanes beyond the bound")
    w("\tMOVBQZX check+64(FP), AX")
    w("\tXORQ R10, R10 // byte offset of the current lanes")

    def step(um, uc, up, sm, sp, dtf, out, t1, t2, chk):
        """out = ((uc - a*(sp - sm)) + b*((up - 2*uc) + um)) + dtf."""
        o = []
        o.append("\tVSUBPD %s, %s, %s" % (sm, sp, t1))
        o.append("\tVMULPD %s, %s, %s" % (t1, A, t1))
        o.append("\tVSUBPD %s, %s, %s" % (t1, uc, t1))
        o.append("\tVMULPD %s, %s, %s" % (uc, TWO, t2))
        o.append("\tVSUBPD %s, %s, %s" % (t2, up, t2))
        o.append("\tVADDPD %s, %s, %s" % (um, t2, t2))
        o.append("\tVMULPD %s, %s, %s" % (t2, B2, t2))
        o.append("\tVADDPD %s, %s, %s" % (t2, t1, t1))
        o.append("\tVADDPD %s, %s, %s // + dt*f" % (dtf, t1, out))
        if chk:
            o.append("\tVPANDQ %s, %s, %s" % (ABS, out, CT))
            o.append("\tVCMPPD $6, %s, %s, K1 // !(|z| <= bound), NaN included" % (BOUND, CT))
            o.append("\tKORW K1, K2, K2")
        return o

    def first(k):
        """Step one at row i = k (mod 4): load u_{i+1}, w_i into W[k]."""
        um, uc, up = U[(k - 1) % 4], U[k], U[(k + 1) % 4]
        sm, sp = S[(k - 1) % 4], S[(k + 1) % 4]
        o = ["\tVMOVUPD (R12)(BX*1), %s // u_{i+1}" % up,
             "\tVMULPD %s, %s, %s" % (up, up, sp),
             "\tVMOVUPD (R13)(BX*1), Z18 // dt*f_i"]
        o += step(um, uc, up, sm, sp, "Z18", W[k], "Z16", "Z17", False)
        o.append("\tVMULPD %s, %s, %s // w_i^2" % (W[k], W[k], WS[k]))
        return o

    def second(k, wp, wsp, chk, off):
        """Step two at row j (z_j from W[(k-1)%4] = w_{j-1}, W[k] = w_j, wp = w_{j+1}); dt*f_j and v row j
        at R14/R15 + BX + off."""
        wm, wc = W[(k - 1) % 4], W[k]
        wsm = WS[(k - 1) % 4]
        o = ["\tVMOVUPD %s(R14)(BX*1), Z21 // dt*f_j" % off]
        o += step(wm, wc, wp, wsm, wsp, "Z21", "Z21", "Z19", "Z20", chk)
        o.append("\tVMOVUPD Z21, %s(R15)(BX*1) // z_j" % off)
        return o

    def body(k, chk):
        """Row i = k (mod 4): w_i, then z_{i-2}."""
        o = first(k)
        j = (k - 2) % 4
        o += second(j, W[(j + 1) % 4], WS[(j + 1) % 4], chk, "")
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
        w("\tVMULPD %s, %s, %s" % (U[0], U[0], S[0]))
        w("\tVMOVUPD (R12), %s // u_1" % U[1])
        w("\tVMULPD %s, %s, %s" % (U[1], U[1], S[1]))
        w("\tVPXORQ %s, %s, %s // w_0 = 0 (ghost)" % (W[0], W[0], W[0]))
        w("\tVPXORQ %s, %s, %s" % (WS[0], WS[0], WS[0]))
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
            L.extend(second((e - 1) % 4, W[e], WS[e], chk, ""))
            w("\tADDQ R9, BX")
            L.extend(second(e, ZERO, ZERO, chk, ""))
            w("\tJMP %s_next" % lbl)
        w("%s_next:" % lbl)
        w("\tADDQ $64, R10")
        w("\tJMP %s_lanes" % lbl)
        w("")
    w("f2done:")
    w("\tKORTESTW K2, K2")
    w("\tSETNE ret+72(FP)")
    w("\tVZEROUPPER")
    w("\tRET")
    w("")
    return L


def main():
    L = ["// Code generated by scripts/pde/gen_burgers_asm.py. DO NOT EDIT.", "",
         "//go:build amd64 && !purego", "", '#include "textflag.h"', ""]
    L += kernel("avx2")
    L += kernel("avx512")
    L += fused512()
    with open(OUT, "w") as fh:
        fh.write("\n".join(L))


main()
