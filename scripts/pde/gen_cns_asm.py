#!/usr/bin/python3
"""Generates pde/cns/kernel_amd64.s, the batched CNS kernels (AVX-512 and AVX2). Run from the repository root:

    /usr/bin/python3 scripts/pde/gen_cns_asm.py

The kernels are written once below as straight-line vector programs (one cell, or one face, of every lane) in a
small single-assignment language; this script allocates registers (spilling to a scratch area of the parameter
block, choosing the value used furthest ahead) and emits Go assembly for both instruction sets.

Layout (pde/cns/batched.go): the batch lives in one slab of padded cells, cell-major, each cell a block of
NFIELD fields of 8 float64 lanes (one trajectory per lane): field f of padded cell j of lane b is
slab[(j*NFIELD + f)*8 + b]. A kernel walks `count` consecutive cells from the pointer it is given, so every
operand is a constant displacement from one register. The parameter block holds one 8-lane vector per slot:
constants (0.5, 2, 1/(gamma-1), ...), per-lane coefficients (each trajectory has its own time step),
accumulators (minimum density, maximum signal speed, "all positive" flags) and the spill area. The AVX2
kernels take 4 lanes: the caller runs them on lanes 0-3 and 4-7 with both pointers advanced by 32 bytes.

Every lane performs exactly the scalar Solver's floating-point operations in the scalar order (packed
VADDPD/VSUBPD/VMULPD/VDIVPD/VSQRTPD, no FMA), and the scalar branches become selections:

  * "if x < c { c = x }" is VMINPD(x, c) (Intel's MINPD returns its second operand when either is NaN or both
    are zero, exactly when "x < c" is false), "if x > c { c = x }" is VMAXPD(x, c);
  * comparisons are ordered predicates (false on NaN, as Go's are): LT_OS 1, LE_OS 2, GE_OS 13, GT_OS 14;
  * branches whose both sides are cheap (the MC limiter, the three cases of HLLC) are blends; HLLC selects the
    upwind side's state before the star flux, so a face spends two divisions as the scalar one does;
  * the Hancock step's first-order fallback (rare) is not in the kernel: the kernel flags the (cell, lane)
    pairs that need it and the caller recomputes them with the scalar formulas.

So a lane's results are bit-identical to pde/cns.Solver on the same trajectory (TestBatchSolverIsBitIdentical
in pde/cns/batched_test.go).
"""

OUT = "pde/cns/kernel_amd64.s"

# Fields of a padded cell (keep in step with pde/cns/batched.go).
FIELDS = ["d", "m", "e", "r", "u", "w", "ir",
          "rl", "ul", "pl", "al", "ml", "el",
          "rr", "ur", "pr", "ar", "mr", "er",
          "okv", "fd", "fm", "fe"]
NFIELD = len(FIELDS)
FIELD = {f: i for i, f in enumerate(FIELDS)}

# Slots of the parameter block (keep in step with pde/cns/batched.go).
SLOTS = ["half", "two", "zero", "one", "gi", "gm1", "g", "maxf", "absmask", "k",
         "c", "c2", "cv", "act",
         "vl", "taul", "workl",
         "accok", "rmin", "okd", "okp", "smax"]
SLOT = {s: i for i, s in enumerate(SLOTS)}
NSPILL = 24  # spill slots after the named ones

# Comparison predicates (ordered: false when either operand is NaN), and NLE_US, "not a <= b" (true on NaN).
LT, LE, GE, GT = 1, 2, 13, 14
NLE_US = 6


class Val:
    """A value of the program: kind 'op' (computed), 'load' (a field of a cell, re-read from the slab at
    every use), 'param' (a slot, likewise), 'pin' (a register held for the whole kernel)."""

    def __init__(self, prog, kind, cls, op=None, args=(), mem=None, imm=None, name=None):
        self.prog, self.kind, self.cls, self.op, self.args, self.mem, self.imm = prog, kind, cls, op, args, mem, imm
        self.name = name

    def __add__(self, o): return self.prog.emit("add", self, o)
    def __sub__(self, o): return self.prog.emit("sub", self, o)
    def __mul__(self, o): return self.prog.emit("mul", self, o)
    def __truediv__(self, o): return self.prog.emit("div", self, o)
    def __and__(self, o): return self.prog.emit("mand", self, o)


class Prog:
    """One kernel: pinned registers loaded from slots before the loop, the body run for every cell, the pins
    stored back after it."""

    def __init__(self, name, doc):
        self.name, self.doc = name, doc
        self.body = []  # instructions: (dst Val or None, op, args, extra)
        self.pins = []  # (Val, slot, store back)

    def ld(self, field, off=0):
        return Val(self, "load", "v", mem=("cell", (off * NFIELD + FIELD[field]) * 64))

    def p(self, slot):
        return Val(self, "param", "v", mem=("prm", SLOT[slot] * 64))

    def pin(self, slot, store=True):
        v = Val(self, "pin", "v", name=slot)
        self.pins.append((v, slot, store))
        return v

    def emit(self, op, *args, imm=None):
        cls = "m" if op in ("cmp", "mand") else "v"  # mulz, copysign, rangeminabs: vectors
        v = Val(self, "op", cls, op=op, args=args, imm=imm)
        self.body.append(v)
        return v

    def st(self, field, off, v):
        s = Val(self, "op", None, op="store", args=(v,), mem=("cell", (off * NFIELD + FIELD[field]) * 64))
        self.body.append(s)

    def set(self, pin, v):
        s = Val(self, "op", None, op="set", args=(v,), name=pin)
        self.body.append(s)

    # operations with the scalar's semantics
    def cmp(self, a, pred, b): return self.emit("cmp", a, b, imm=pred)
    def min(self, x, c): return self.emit("min", x, c)  # x < c ? x : c
    def max(self, x, c): return self.emit("max", x, c)  # x > c ? x : c
    def sqrt(self, a): return self.emit("sqrt", a)
    def abs(self, a): return self.emit("and", a, self.p("absmask"))
    def blend(self, m, t, f): return self.emit("blend", m, t, f)  # m ? t : f


# ---------------------------------------------------------------------------------------------- kernels

def half_mc(k, be, a, b):
    """0.5*limiter.MC(a, b). MC is 0 if a*b <= 0, else min(min(0.5(a+b), 2a), 2b) for a > 0 and the max
    otherwise, in the scalar's "if 2a < c { c = 2a }" form. With AVX-512 it is evaluated sign-free, as the
    advection kernels do (scripts/pde/gen_advection_asm.py): for a*b > 0 the three candidates share a's sign,
    so MC = copysign(min(|c|, |2a|, |2b|), a), two VRANGEPD and one VPTERNLOGQ, and the zeroing where
    a*b <= 0 (NLE_US, true for NaN as Go's "a*b <= 0" is false) is a zero-masked multiply by 0.5."""
    zero, half, two = k.p("zero"), k.p("half"), k.p("two")
    c = half * (a + b)
    a2, b2 = two * a, two * b
    if be.zmm:
        nz = k.cmp(a * b, NLE_US, zero)
        m = k.emit("rangeminabs", k.emit("rangeminabs", c, a2), b2)
        return k.emit("mulz", nz, k.emit("copysign", m, a), half)
    z = k.cmp(a * b, LE, zero)
    pos = k.cmp(a, GT, zero)
    cp = k.min(b2, k.min(a2, c))
    cn = k.max(b2, k.max(a2, c))
    return half * k.blend(z, zero, k.blend(pos, cp, cn))


def hancock(be):
    """Reconstruction and half-step evolution of cell j (Solver.hydro's first loop): the evolved face states
    of the cell, okv = 1 where they are usable and 0 where the scalar solver falls back to first order (the
    caller recomputes those), accok = 0 in lanes with any fallback."""
    k = Prog("hancock", "the MUSCL-Hancock face states of count cells")
    acc = k.pin("accok")
    half, zero, one, gi, gm1, g, c = (k.p(s) for s in ("half", "zero", "one", "gi", "gm1", "g", "c"))
    prim = {}
    for f in ("r", "u", "w"):
        prim[f] = (k.ld(f, -1), k.ld(f, 0), k.ld(f, 1))
    hs = {}
    for f, (m_, c0, p_) in prim.items():
        hs[f] = half_mc(k, be, c0 - m_, p_ - c0)
    r0, u0, w0 = prim["r"][1], prim["u"][1], prim["w"][1]
    rL, uL, pL = r0 - hs["r"], u0 - hs["u"], w0 - hs["w"]
    rR, uR, pR = r0 + hs["r"], u0 + hs["u"], w0 + hs["w"]
    ok = k.cmp(rL, GT, zero) & k.cmp(pL, GT, zero) & k.cmp(rR, GT, zero) & k.cmp(pR, GT, zero)
    mL = rL * uL
    eL = pL * gi + half * mL * uL
    mR = rR * uR
    eR = pR * gi + half * mR * uR
    dD = c * (mL - mR)
    dM = c * ((mL * uL + pL) - (mR * uR + pR))
    dE = c * (uL * (eL + pL) - uR * (eR + pR))
    DL, ML, EL = rL + dD, mL + dM, eL + dE
    DR, MR, ER = rR + dD, mR + dM, eR + dE
    iL, iR = one / DL, one / DR
    uL, uR = ML * iL, MR * iR
    pL = gm1 * (EL - half * ML * uL)
    pR = gm1 * (ER - half * MR * uR)
    ok = ok & k.cmp(DL, GT, zero) & k.cmp(pL, GT, zero) & k.cmp(DR, GT, zero) & k.cmp(pR, GT, zero)
    aL = k.sqrt(g * pL * iL)
    aR = k.sqrt(g * pR * iR)
    for f, v in (("rl", DL), ("ul", uL), ("pl", pL), ("al", aL), ("ml", ML), ("el", EL),
                 ("rr", DR), ("ur", uR), ("pr", pR), ("ar", aR), ("mr", MR), ("er", ER)):
        k.st(f, 0, v)
    k.st("okv", 0, k.blend(ok, one, zero))
    k.set("accok", k.blend(ok, acc, zero))
    return k


def hllc(be):
    """The HLLC flux (hllc in hllc.go) through the face between the right state of cell j+1 and the left state
    of cell j+2, stored as (fd, fm, fe) of cell j."""
    k = Prog("hllc", "the HLLC fluxes of count faces")
    zero, one = k.p("zero"), k.p("one")
    rl, ul, pl, al, ml, el = (k.ld(f, 1) for f in ("rr", "ur", "pr", "ar", "mr", "er"))
    rr, ur, pr, ar, mr, er = (k.ld(f, 2) for f in ("rl", "ul", "pl", "al", "ml", "el"))
    sl, sr = ul - al, ur + ar
    sl = k.min(ur - ar, sl)
    sr = k.max(ul + al, sr)
    left = k.cmp(sl, GE, zero)
    right = k.cmp(sr, LE, zero)
    ql, qr = rl * (sl - ul), rr * (sr - ur)
    ss = (pr - pl + ul * ql - ur * qr) / (ql - qr)
    side = k.cmp(ss, GE, zero)
    fdL, fmL, feL = ml, ml * ul + pl, ul * (el + pl)
    fdR, fmR, feR = mr, mr * ur + pr, ur * (er + pr)
    # The star flux F_K + S_K (U*_K - U_K) of the side K = L if S* >= 0, else R; F_K is the selected side's
    # flux (the same operations on the same operands as the scalar's m_K u_K + p_K and u_K (e_K + p_K)).
    sK, qK, rK, mK, uK, eK, pK, fmK, feK = (k.blend(side, a, b) for a, b in (
        (sl, sr), (ql, qr), (rl, rr), (ml, mr), (ul, ur), (el, er), (pl, pr), (fmL, fmR), (feL, feR)))
    inv = one / (sK - ss)
    c = qK * inv
    fd = mK + sK * (c - rK)
    fm = fmK + sK * (c * ss - mK)
    fe = feK + sK * ((eK * (sK - uK) + (ss - uK) * (qK * ss + pK)) * inv - eK)
    k.st("fd", 0, k.blend(left, fdL, k.blend(right, fdR, fd)))
    k.st("fm", 0, k.blend(left, fmL, k.blend(right, fmR, fm)))
    k.st("fe", 0, k.blend(left, feL, k.blend(right, feR, fe)))
    return k


def update(be):
    """The conservative update of interior cell j by its faces (stored at cells j-2 and j-1), then 1/rho, the
    smallest density and whether every density is positive and finite (Solver.hydro's second loop and
    Solver.reciprocals)."""
    k = Prog("update", "the conservative update and reciprocal densities of count cells")
    rmin, okd = k.pin("rmin"), k.pin("okd")
    c2, zero, one, maxf = k.p("c2"), k.p("zero"), k.p("one"), k.p("maxf")
    out = {}
    for q, f in (("d", "fd"), ("m", "fm"), ("e", "fe")):
        out[q] = k.ld(q) - c2 * (k.ld(f, -1) - k.ld(f, -2))
        k.st(q, 0, out[q])
    d = out["d"]
    k.st("ir", 0, one / d)
    k.set("rmin", k.min(d, rmin))
    k.set("okd", k.blend(k.cmp(d, GT, zero) & k.cmp(d, LE, maxf), okd, zero))
    return k


def prims(be, speed):
    """Primitive variables (rho, u, p) of cell j from the conserved ones and 1/rho (Solver.primitives), okp = 0
    in lanes with a non-positive or non-finite value, and with speed the largest |u| + c
    (Solver.primitivesSpeed)."""
    k = Prog("primsSpeed" if speed else "prims", "the primitive variables of count cells" +
             (" and the largest signal speed" if speed else ""))
    prims_of(k, k.ld("m"), k.ld("e"), speed)
    return k


def prims_of(k, m, e, speed):
    """The primitives of cell j with momentum m and energy e (loaded, or just computed by a viscous step)."""
    okp = k.pin("okp")
    sm = k.pin("smax") if speed else None
    zero, half, gm1, g, maxf = (k.p(s) for s in ("zero", "half", "gm1", "g", "maxf"))
    d, ir = k.ld("d"), k.ld("ir")
    u = m * ir
    p = gm1 * (e - half * m * u)
    k.st("r", 0, d)
    k.st("u", 0, u)
    k.st("w", 0, p)
    au = k.abs(u)
    ok = k.cmp(d, GT, zero) & k.cmp(p, GT, zero) & k.cmp(d + p + au, LE, maxf)
    k.set("okp", k.blend(ok, okp, zero))
    if speed:
        k.set("smax", k.max(au + k.sqrt(g * p * ir), sm))


def viscous(be, then=None):
    """One viscous sub-step of count cells (Solver.viscous's inner loop): the face i+1/2 stress and work from
    the velocities of cells i and i+1, carried to the next cell; lanes with act = 0 keep their state. The
    caller puts the right boundary velocity into the m and ir of the ghost after the last cell (as itself
    and 1, whose product is exact), so the last cell is the loop's too. then = "prims" or "primsSpeed": the
    sub-step is the last, and the cell's primitives follow at once (the primitives kernels' operations on
    the values just computed)."""
    k = Prog("viscous" + ("" if then is None else then[0].upper() + then[1:]),
             "one viscous sub-step of count cells" + ("" if then is None else ", then their primitives"))
    vl, taul, workl = k.pin("vl"), k.pin("taul"), k.pin("workl")
    kk, half, cv, zero = k.p("k"), k.p("half"), k.p("cv"), k.p("zero")
    vr = k.ld("m", 1) * k.ld("ir", 1)
    taur = kk * (vr - vl)
    workr = taur * (half * (vl + vr))
    act = k.cmp(k.p("act"), GT, zero)
    m = k.blend(act, k.ld("m") + cv * (taur - taul), k.ld("m"))
    e = k.blend(act, k.ld("e") + cv * (workr - workl), k.ld("e"))
    k.st("m", 0, m)
    k.st("e", 0, e)
    k.set("vl", vr)
    k.set("taul", taur)
    k.set("workl", workr)
    if then is not None:
        prims_of(k, m, e, then == "primsSpeed")
    return k


KERNELS = [hancock, hllc, update, lambda be: prims(be, False), lambda be: prims(be, True), viscous,
           lambda be: viscous(be, "prims"), lambda be: viscous(be, "primsSpeed")]

# ------------------------------------------------------------------------------------------ code generation


class Backend:
    def __init__(self, isa):
        self.isa = isa
        self.zmm = isa == "avx512"
        self.nv = 32 if self.zmm else 16
        self.vw = 64 if self.zmm else 32

    def vreg(self, i): return ("Z%d" if self.zmm else "Y%d") % i
    def kreg(self, i): return "K%d" % i

    def mask_cls(self): return "k" if self.zmm else "v"


def mem_str(m, prm_reg="DI", cell_reg="SI"):
    base, off = m
    return "%d(%s)" % (off, cell_reg if base == "cell" else prm_reg)


def gen(prog, be):
    """Emits prog for backend be: register allocation over the straight-line body (furthest next use spills),
    the pins in fixed registers."""
    L = []
    w = L.append
    name = prog.name + ("AVX512" if be.zmm else "AVX2")
    w("// func %s(cells, prm *float64, count int): %s (%s lanes)" % (name, prog.doc, 8 if be.zmm else 4))
    w("TEXT ·%s(SB), NOSPLIT, $0-24" % name)
    w("\tMOVQ cells+0(FP), SI")
    w("\tMOVQ prm+8(FP), DI")
    w("\tMOVQ count+16(FP), CX")
    pinreg = {}
    for i, (v, slot, _) in enumerate(prog.pins):
        r = be.vreg(be.nv - 1 - i)
        pinreg[id(v)] = r
        w("\tVMOVUPD %d(DI), %s // %s" % (SLOT[slot] * 64, r, slot))
    w("\tTESTQ CX, CX")
    w("\tJLE done")
    w("loop:")
    body = allocate(prog, be, pinreg)
    L.extend("\t" + s for s in body)
    w("\tADDQ $%d, SI" % (NFIELD * 64))
    w("\tDECQ CX")
    w("\tJNZ loop")
    w("done:")
    for v, slot, store in prog.pins:
        if store:
            w("\tVMOVUPD %s, %d(DI) // %s" % (pinreg[id(v)], SLOT[slot] * 64, slot))
    w("\tVZEROUPPER")
    w("\tRET")
    return L


def allocate(prog, be, pinreg):
    body = prog.body
    # next uses of every computed value
    uses = {}
    for i, ins in enumerate(body):
        for a in ins.args:
            if a.kind == "op":
                uses.setdefault(id(a), []).append(i)
    free = {"v": [be.vreg(i) for i in range(be.nv - len(prog.pins))], "k": ["K%d" % i for i in range(1, 8)]}
    loc, slot_of = {}, {}
    holder = {}  # register -> value
    nslots = [0]
    out = []

    def cls_of(v):
        return be.mask_cls() if v.cls == "m" else "v"

    def next_use(v, i):
        for u in uses.get(id(v), []):
            if u >= i:
                return u
        return 1 << 30

    def spill_one(cls, i, locked):
        best, bu = None, -1
        for r, v in holder.items():
            if (r[0] == "K") != (cls == "k") or id(v) in locked:
                continue
            nu = next_use(v, i)
            if nu > bu:
                best, bu = r, nu
        if best is None:
            raise RuntimeError("%s: no register to spill" % prog.name)
        v = holder.pop(best)
        del loc[id(v)]
        if id(v) not in slot_of and bu < (1 << 30):
            if nslots[0] >= NSPILL:
                raise RuntimeError("%s: out of spill slots" % prog.name)
            slot_of[id(v)] = (len(SLOTS) + nslots[0]) * 64
            nslots[0] += 1
            out.append(("KMOVB %s, %d(DI)" if cls == "k" else "VMOVUPD %s, %d(DI)") % (best, slot_of[id(v)]) + " // spill")
        free[cls].append(best)

    def get_reg(cls, i, locked):
        if not free[cls]:
            spill_one(cls, i, locked)
        return free[cls].pop(0)

    def ensure(v, i, locked):
        """v in a register (pins and computed values; remat loads go to a temp register)."""
        if v.kind == "pin":
            return pinreg[id(v)], None
        if v.kind in ("load", "param"):
            r = get_reg("v", i, locked)
            out.append("VMOVUPD %s, %s" % (mem_str(v.mem), r))
            return r, r
        if id(v) not in loc:
            cls = cls_of(v)
            r = get_reg(cls, i, locked)
            out.append(("KMOVB %d(DI), %s" if cls == "k" else "VMOVUPD %d(DI), %s") % (slot_of[id(v)], r) + " // reload")
            loc[id(v)] = r
            holder[r] = v
        return loc[id(v)], None

    def operand(v, i, locked, memok):
        if memok and v.kind in ("load", "param"):
            return mem_str(v.mem), None
        return ensure(v, i, locked)

    for i, ins in enumerate(body):
        locked = {id(a) for a in ins.args}
        temps = []

        def opnd(v, memok):
            s, t = operand(v, i, locked, memok)
            if t:
                temps.append(t)
            return s
        op = ins.op
        if op == "store":
            s = opnd(ins.args[0], False)
            out.append("VMOVUPD %s, %s" % (s, mem_str(ins.mem)))
        elif op == "set":
            a = ins.args[0]
            dst = pinreg[id(next(p for p, sl, _ in prog.pins if sl == ins.name))]
            if a.kind == "op" and id(a) not in loc and id(a) not in slot_of:
                raise RuntimeError("set of an unknown value")
            s = opnd(a, True)
            out.append("VMOVUPD %s, %s" % (s, dst))
        else:
            a = ins.args
            if op in ("add", "sub", "mul", "div", "min", "max", "and"):
                x, y = a
                if op in ("add", "mul") and x.kind in ("load", "param") and y.kind not in ("load", "param"):
                    x, y = y, x  # commutative: the memory operand second
                sx = opnd(x, False)
                sy = opnd(y, True)
                args_s = "%s, %s" % (sy, sx)
                mnem = {"add": "VADDPD", "sub": "VSUBPD", "mul": "VMULPD", "div": "VDIVPD", "min": "VMINPD",
                        "max": "VMAXPD", "and": "VANDPD"}[op]
            elif op == "rangeminabs":  # min(|x|, |y|), sign cleared
                sx = opnd(a[0], False)
                sy = opnd(a[1], True)
                args_s, mnem = "$0x0a, %s, %s" % (sy, sx), "VRANGEPD"
            elif op == "mulz":  # m ? x*y : +0
                m, x, y = a
                sm = opnd(m, False)
                sx = opnd(x, False)
                sy = opnd(y, True)
                args_s, mnem = "%s, %s, %s" % (sy, sx, sm), "VMULPD.Z"
            elif op == "copysign":  # |m| with a's sign, m non-negative: m | (a & sign)
                sm = opnd(a[0], False)
                sa = opnd(a[1], False)
                absm = mem_str(("prm", SLOT["absmask"] * 64))
                pre = "VMOVAPD %s, " % sm
                args_s, mnem = "%s, %s" % (absm, sa), "VPTERNLOGQ $0xf4,"
            elif op == "sqrt":
                sx = opnd(a[0], True)
                args_s, mnem = sx, "VSQRTPD"
            elif op == "cmp":
                sx = opnd(a[0], False)
                sy = opnd(a[1], True)
                args_s, mnem = "$%d, %s, %s" % (ins.imm, sy, sx), "VCMPPD"
            elif op == "mand":
                sx = opnd(a[0], False)
                sy = opnd(a[1], False)
                args_s, mnem = ("%s, %s" % (sy, sx)), ("KANDB" if be.zmm else "VANDPD")
            elif op == "blend":
                m, t, f = a
                sm = opnd(m, False)
                st = opnd(t, True)
                sf = opnd(f, False)
                if be.zmm:
                    args_s, mnem = "%s, %s, %s" % (st, sf, sm), "VBLENDMPD"
                else:
                    args_s, mnem = "%s, %s, %s" % (sm, st, sf), "VBLENDVPD"
            else:
                raise RuntimeError(op)
            # free operands that die here and the temps, then take the destination (before freeing them
            # for copysign, which writes its destination before it reads its operands)
            cls = cls_of(ins)
            if not uses.get(id(ins)):
                raise RuntimeError("%s: value of %s never used" % (prog.name, op))
            destructive = op == "copysign"
            if destructive:
                r = get_reg(cls, i, locked)
            for t in temps:
                free["v"].append(t)
            for x in a:
                if x.kind == "op" and next_use(x, i + 1) == 1 << 30 and id(x) in loc:
                    rx = loc.pop(id(x))
                    holder.pop(rx)
                    free[cls_of(x)].append(rx)
            if not destructive:
                r = get_reg(cls, i, set())
            loc[id(ins)] = r
            holder[r] = ins
            if destructive:
                out.append(pre + r)
            out.append("%s %s, %s" % (mnem, args_s, r))
            continue
        for t in temps:
            free["v"].append(t)
        for x in ins.args:
            if x.kind == "op" and next_use(x, i + 1) == 1 << 30 and id(x) in loc:
                r = loc.pop(id(x))
                holder.pop(r)
                free[cls_of(x)].append(r)
    return out


def main():
    L = ["// Code generated by scripts/pde/gen_cns_asm.py. DO NOT EDIT.", "",
         "//go:build amd64 && !purego", "", '#include "textflag.h"', ""]
    for isa in ("avx512", "avx2"):
        be = Backend(isa)
        for mk in KERNELS:
            L.extend(gen(mk(be), be))
            L.append("")
    with open(OUT, "w") as f:
        f.write("\n".join(L))


if __name__ == "__main__":
    main()
