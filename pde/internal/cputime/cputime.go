//go:build unix

// Package cputime reads the process CPU time, so that benchmarks on a shared machine can report CPU
// seconds per operation next to wall time (NumPy's references use time.process_time likewise).
package cputime

import "syscall"

// Seconds returns the user + system CPU time of the process so far.
func Seconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + 1e-6*float64(ru.Utime.Usec+ru.Stime.Usec)
}
