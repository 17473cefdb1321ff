//go:build !unix

// Package cputime reads the process CPU time (unavailable on this platform: Seconds returns 0).
package cputime

// Seconds returns 0 where getrusage is unavailable.
func Seconds() float64 { return 0 }
