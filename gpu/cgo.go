//go:build cuda || trajdiff_cuda

package gpu

// The few driver calls gorgonia.org/cu v0.9.6 does not wrap: stream capture into a CUDA graph, graph
// instantiation and launch, and a function's dynamic shared-memory limit. All are in libcuda.so.1 with
// unversioned symbols (cuStreamBeginCapture is cuStreamBeginCapture_v2 and cuGraphInstantiateWithFlags exists
// since CUDA 11.4; both are still exported by CUDA 12 and 13 drivers).

/*
#cgo LDFLAGS: -lcuda
#include <cuda.h>

static CUresult td_begin_capture(CUstream s) {
	return cuStreamBeginCapture(s, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL);
}
static CUresult td_end_capture(CUstream s, CUgraph* g) { return cuStreamEndCapture(s, g); }
static CUresult td_instantiate(CUgraphExec* e, CUgraph g) { return cuGraphInstantiateWithFlags(e, g, 0); }
static CUresult td_graph_launch(CUgraphExec e, CUstream s) { return cuGraphLaunch(e, s); }
static CUresult td_graph_exec_destroy(CUgraphExec e) { return cuGraphExecDestroy(e); }
static CUresult td_graph_destroy(CUgraph g) { return cuGraphDestroy(g); }
static CUresult td_graph_nodes(CUgraph g, size_t* n) { return cuGraphGetNodes(g, NULL, n); }
static CUresult td_set_max_dynamic_smem(CUfunction f, int bytes) {
	return cuFuncSetAttribute(f, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes);
}
static const char* td_error_name(CUresult r) {
	const char* s = NULL;
	if (cuGetErrorName(r, &s) != CUDA_SUCCESS || s == NULL) return "unknown CUDA error";
	return s;
}
*/
import "C"

import (
	"fmt"
	"unsafe"

	"gorgonia.org/cu"
)

func cuErr(r C.CUresult, what string) error {
	if r == C.CUDA_SUCCESS {
		return nil
	}
	return fmt.Errorf("gpu: %s: %s (%d)", what, C.GoString(C.td_error_name(r)), int(r))
}

// cStream converts cu's stream handle to this package's C type (the same CUstream pointer).
func cStream(s cu.Stream) C.CUstream { return C.CUstream(unsafe.Pointer(s.C())) }

// cFunction reads the CUfunction out of cu.Function, a struct holding only that handle.
func cFunction(f cu.Function) C.CUfunction { return *(*C.CUfunction)(unsafe.Pointer(&f)) }

func setMaxDynamicSmem(f cu.Function, bytes int) error {
	return cuErr(C.td_set_max_dynamic_smem(cFunction(f), C.int(bytes)), "cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES)")
}

// graph is an instantiated CUDA graph.
type graph struct {
	g     C.CUgraph
	exec  C.CUgraphExec
	nodes int
}

func beginCapture(s cu.Stream) error {
	return cuErr(C.td_begin_capture(cStream(s)), "cuStreamBeginCapture")
}

// endCapture ends the capture begun on s and instantiates the graph. On error the capture is over and
// nothing is left allocated.
func endCapture(s cu.Stream) (*graph, error) {
	var g C.CUgraph
	if err := cuErr(C.td_end_capture(cStream(s), &g), "cuStreamEndCapture"); err != nil {
		if g != nil {
			C.td_graph_destroy(g)
		}
		return nil, err
	}
	out := &graph{g: g}
	var n C.size_t
	if err := cuErr(C.td_graph_nodes(g, &n), "cuGraphGetNodes"); err != nil {
		C.td_graph_destroy(g)
		return nil, err
	}
	out.nodes = int(n)
	if err := cuErr(C.td_instantiate(&out.exec, g), "cuGraphInstantiateWithFlags"); err != nil {
		C.td_graph_destroy(g)
		return nil, err
	}
	return out, nil
}

func (g *graph) launch(s cu.Stream) error {
	return cuErr(C.td_graph_launch(g.exec, cStream(s)), "cuGraphLaunch")
}

func (g *graph) destroy() error {
	err := cuErr(C.td_graph_exec_destroy(g.exec), "cuGraphExecDestroy")
	if e := cuErr(C.td_graph_destroy(g.g), "cuGraphDestroy"); err == nil {
		err = e
	}
	return err
}
