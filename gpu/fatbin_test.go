package gpu

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// The committed fatbin was built from the committed kernel sources: kernels_gen.go records each source's
// SHA-256 at generation time.
func TestFatbinUpToDate(t *testing.T) {
	files, err := filepath.Glob("kernels/*")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range files {
		name := filepath.Base(f)
		if !strings.HasSuffix(name, ".cu") && !strings.HasSuffix(name, ".cuh") && name != "build.sh" {
			continue
		}
		seen[name] = true
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		want, ok := kernelSources[name]
		switch {
		case !ok:
			t.Errorf("kernels/%s is not in the fatbin; run go generate ./gpu/... (needs nvcc)", name)
		case hex.EncodeToString(sum[:]) != want:
			t.Errorf("kernels/%s changed since kernels.fatbin was built; run go generate ./gpu/... (needs nvcc)", name)
		}
	}
	for name := range kernelSources {
		if !seen[name] {
			t.Errorf("kernels.fatbin was built from kernels/%s, which is gone; run go generate ./gpu/...", name)
		}
	}
	sum := sha256.Sum256(kernelsFatbin)
	if got := hex.EncodeToString(sum[:]); got != fatbinSHA256 {
		t.Errorf("embedded kernels.fatbin has SHA-256 %s, kernels_gen.go records %s", got, fatbinSHA256)
	}
	if !strings.Contains(fatbinCompiler, "nvcc") || !strings.Contains(fatbinFlags, "-fatbin") {
		t.Errorf("generated header lacks the compiler (%q) or flags (%q)", fatbinCompiler, fatbinFlags)
	}
}

// The fatbin holds sm_80 and sm_90 machine code and compute_90 PTX, and each cubin defines exactly the
// kernels of the Go table, which are exactly the sources' extern "C" __global__ functions.
func TestFatbinContents(t *testing.T) {
	entries, err := parseFatbin(kernelsFatbin)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for k := kernel(0); k < numKernels; k++ {
		want[k.String()] = true
	}
	var elfArchs, ptxArchs []int
	for _, e := range entries {
		if e.PTX {
			ptxArchs = append(ptxArchs, e.Arch)
			continue
		}
		elfArchs = append(elfArchs, e.Arch)
		if e.Compressed {
			t.Fatalf("sm_%d cubin is compressed; build.sh must not compress machine code", e.Arch)
		}
		syms, err := cubinKernels(e.Payload)
		if err != nil {
			t.Fatal(err)
		}
		for name := range want {
			if !syms[name] {
				t.Errorf("sm_%d cubin lacks kernel %s", e.Arch, name)
			}
		}
		for name := range syms {
			if !want[name] {
				t.Errorf("sm_%d cubin defines %s, which the Go kernel table does not list", e.Arch, name)
			}
		}
	}
	sort.Ints(elfArchs)
	if len(elfArchs) != 2 || elfArchs[0] != 80 || elfArchs[1] != 90 {
		t.Errorf("machine code for %v, want sm_80 and sm_90", elfArchs)
	}
	if len(ptxArchs) != 1 || ptxArchs[0] != 90 {
		t.Errorf("PTX for %v, want compute_90", ptxArchs)
	}

	re := regexp.MustCompile(`extern "C" __global__ void(?: __launch_bounds__\(\w+\))? (\w+)\(`)
	files, _ := filepath.Glob("kernels/*.cu")
	src := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllSubmatch(b, -1) {
			src[string(m[1])] = true
		}
	}
	if len(src) != len(want) {
		t.Errorf("sources define %d kernels, the Go table lists %d", len(src), len(want))
	}
	for name := range src {
		if !want[name] {
			t.Errorf("kernels define %s, missing from the Go table", name)
		}
	}
}

func TestParseFatbinRejectsGarbage(t *testing.T) {
	for name, b := range map[string][]byte{
		"empty":     nil,
		"magic":     bytes.Repeat([]byte{1}, 64),
		"truncated": kernelsFatbin[:100],
	} {
		if _, err := parseFatbin(b); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
}
