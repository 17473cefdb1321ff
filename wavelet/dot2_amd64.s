// SSE2 kernel for dot2 (see dot2.go). Packed MULPD/ADDPD round each lane exactly like MULSD/ADDSD,
// and every lane sums its taps in the same order as the Go kernel, so the results are bit-identical.

#include "textflag.h"

// func dot2F64(base *float64, offs *int, nk int, fa2, fd2 *float64, outA, outD *float64, n int, acc bool)
TEXT ·dot2F64(SB), NOSPLIT, $0-65
	MOVQ    base+0(FP), SI
	MOVQ    offs+8(FP), R8
	MOVQ    nk+16(FP), CX
	MOVQ    fa2+24(FP), R9
	MOVQ    fd2+32(FP), R10
	MOVQ    outA+40(FP), DI
	MOVQ    outD+48(FP), DX
	MOVQ    n+56(FP), BX
	MOVBQZX acc+64(FP), AX
	XORQ    R11, R11 // j: first lane of the current block

block8:
	LEAQ 8(R11), R12
	CMPQ R12, BX
	JGT  block2
	TESTQ AX, AX
	JZ   zero8
	MOVUPD (DI)(R11*8), X0
	MOVUPD 16(DI)(R11*8), X1
	MOVUPD 32(DI)(R11*8), X2
	MOVUPD 48(DI)(R11*8), X3
	MOVUPD (DX)(R11*8), X4
	MOVUPD 16(DX)(R11*8), X5
	MOVUPD 32(DX)(R11*8), X6
	MOVUPD 48(DX)(R11*8), X7
	JMP  taps8

zero8:
	XORPD X0, X0
	XORPD X1, X1
	XORPD X2, X2
	XORPD X3, X3
	XORPD X4, X4
	XORPD X5, X5
	XORPD X6, X6
	XORPD X7, X7

taps8:
	MOVQ CX, R13 // k runs from nk-1 down to 0

tap8:
	DECQ R13
	JL   store8
	MOVQ (R8)(R13*8), R12 // offs[k]
	ADDQ R11, R12
	LEAQ (SI)(R12*8), R12 // &base[offs[k]+j]
	MOVQ R13, R14
	SHLQ $4, R14          // 16 bytes per broadcast tap
	MOVUPD (R9)(R14*1), X8
	MOVUPD (R10)(R14*1), X9

	MOVUPD (R12), X10
	MOVAPD X10, X11
	MULPD  X8, X10
	ADDPD  X10, X0
	MULPD  X9, X11
	ADDPD  X11, X4

	MOVUPD 16(R12), X12
	MOVAPD X12, X13
	MULPD  X8, X12
	ADDPD  X12, X1
	MULPD  X9, X13
	ADDPD  X13, X5

	MOVUPD 32(R12), X10
	MOVAPD X10, X11
	MULPD  X8, X10
	ADDPD  X10, X2
	MULPD  X9, X11
	ADDPD  X11, X6

	MOVUPD 48(R12), X12
	MOVAPD X12, X13
	MULPD  X8, X12
	ADDPD  X12, X3
	MULPD  X9, X13
	ADDPD  X13, X7
	JMP    tap8

store8:
	MOVUPD X0, (DI)(R11*8)
	MOVUPD X1, 16(DI)(R11*8)
	MOVUPD X2, 32(DI)(R11*8)
	MOVUPD X3, 48(DI)(R11*8)
	MOVUPD X4, (DX)(R11*8)
	MOVUPD X5, 16(DX)(R11*8)
	MOVUPD X6, 32(DX)(R11*8)
	MOVUPD X7, 48(DX)(R11*8)
	ADDQ   $8, R11
	JMP    block8

block2:
	LEAQ 2(R11), R12
	CMPQ R12, BX
	JGT  block1
	TESTQ AX, AX
	JZ   zero2
	MOVUPD (DI)(R11*8), X0
	MOVUPD (DX)(R11*8), X4
	JMP  taps2

zero2:
	XORPD X0, X0
	XORPD X4, X4

taps2:
	MOVQ CX, R13

tap2:
	DECQ R13
	JL   store2
	MOVQ (R8)(R13*8), R12
	ADDQ R11, R12
	LEAQ (SI)(R12*8), R12
	MOVQ R13, R14
	SHLQ $4, R14
	MOVUPD (R9)(R14*1), X8
	MOVUPD (R10)(R14*1), X9
	MOVUPD (R12), X10
	MOVAPD X10, X11
	MULPD  X8, X10
	ADDPD  X10, X0
	MULPD  X9, X11
	ADDPD  X11, X4
	JMP    tap2

store2:
	MOVUPD X0, (DI)(R11*8)
	MOVUPD X4, (DX)(R11*8)
	ADDQ   $2, R11
	JMP    block2

block1:
	CMPQ R11, BX
	JGE  done
	TESTQ AX, AX
	JZ   zero1
	MOVSD (DI)(R11*8), X0
	MOVSD (DX)(R11*8), X4
	JMP  taps1

zero1:
	XORPD X0, X0
	XORPD X4, X4

taps1:
	MOVQ CX, R13

tap1:
	DECQ R13
	JL   store1
	MOVQ (R8)(R13*8), R12
	ADDQ R11, R12
	MOVSD (SI)(R12*8), X10
	MOVAPD X10, X11
	MOVQ R13, R14
	SHLQ $4, R14
	MULSD (R9)(R14*1), X10
	ADDSD X10, X0
	MULSD (R10)(R14*1), X11
	ADDSD X11, X4
	JMP   tap1

store1:
	MOVSD X0, (DI)(R11*8)
	MOVSD X4, (DX)(R11*8)
	INCQ  R11
	JMP   block1

done:
	RET
