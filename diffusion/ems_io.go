package diffusion

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"
)

// EMS files are safetensors (an 8-byte little-endian header length, a JSON header naming each tensor's dtype,
// shape and byte range, then the raw little-endian data): float64 tensors lambda, time, alpha, sigma [M] and
// l, s, b [M, D], with metadata format = "trajdiff-ems", process, process_params, dim, samples and source.
// diffusion may import only the standard library, so this small reader and writer lives here rather than
// using nn's.
const emsFormat = "trajdiff-ems"

type stEntry struct {
	Dtype   string `json:"dtype"`
	Shape   []int  `json:"shape"`
	Offsets [2]int `json:"data_offsets"`
}

// Save writes the statistics to path as safetensors.
func (e *EMS) Save(path string) error {
	if err := e.Validate(); err != nil {
		return err
	}
	m := len(e.Lambda)
	tensors := []struct {
		name  string
		shape []int
		data  []float64
	}{{"alpha", []int{m}, e.Alpha}, {"b", []int{m, e.D}, e.B}, {"l", []int{m, e.D}, e.L}, {"lambda", []int{m}, e.Lambda},
		{"s", []int{m, e.D}, e.S}, {"sigma", []int{m}, e.Sigma}, {"time", []int{m}, e.Time}}
	header := map[string]any{"__metadata__": map[string]string{"format": emsFormat, "process": e.Process,
		"process_params": e.ProcessParams, "dim": strconv.Itoa(e.D), "samples": strconv.Itoa(e.Samples), "source": e.Source}}
	var body []byte
	for _, t := range tensors {
		start := len(body)
		for _, v := range t.data {
			body = binary.LittleEndian.AppendUint64(body, math.Float64bits(v))
		}
		header[t.name] = stEntry{Dtype: "F64", Shape: t.shape, Offsets: [2]int{start, len(body)}}
	}
	hj, err := json.Marshal(header)
	if err != nil {
		return fmt.Errorf("diffusion: EMS header: %w", err)
	}
	for len(hj)%8 != 0 {
		hj = append(hj, ' ')
	}
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(hj)))
	out = append(append(out, hj...), body...)
	if err := os.WriteFile(path, out, 0o644); err != nil {
		return fmt.Errorf("diffusion: writing EMS: %w", err)
	}
	return nil
}

// LoadEMS reads statistics written by Save and refuses them (Check) for another process, other process
// parameters or another data dimension.
func LoadEMS(path string, p Process, dim int) (*EMS, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("diffusion: reading EMS: %w", err)
	}
	e, err := decodeEMS(raw)
	if err != nil {
		return nil, fmt.Errorf("diffusion: EMS file %s: %w", path, err)
	}
	if err := e.Check(p, dim); err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return e, nil
}

func decodeEMS(raw []byte) (*EMS, error) {
	if len(raw) < 8 {
		return nil, fmt.Errorf("too short for safetensors")
	}
	n := binary.LittleEndian.Uint64(raw)
	if n > uint64(len(raw)-8) {
		return nil, fmt.Errorf("header length %d exceeds the file", n)
	}
	var header map[string]json.RawMessage
	if err := json.Unmarshal(raw[8:8+n], &header); err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	body := raw[8+n:]
	var meta map[string]string
	if err := json.Unmarshal(header["__metadata__"], &meta); err != nil || meta["format"] != emsFormat {
		return nil, fmt.Errorf("not a %s file (metadata %v)", emsFormat, meta)
	}
	e := &EMS{Process: meta["process"], ProcessParams: meta["process_params"], Source: meta["source"]}
	var err error
	if e.D, err = strconv.Atoi(meta["dim"]); err != nil {
		return nil, fmt.Errorf("dim: %w", err)
	}
	if e.Samples, err = strconv.Atoi(meta["samples"]); err != nil {
		return nil, fmt.Errorf("samples: %w", err)
	}
	dst := map[string]*[]float64{"lambda": &e.Lambda, "time": &e.Time, "alpha": &e.Alpha, "sigma": &e.Sigma,
		"l": &e.L, "s": &e.S, "b": &e.B}
	for name, ptr := range dst {
		var t stEntry
		if err := json.Unmarshal(header[name], &t); err != nil {
			return nil, fmt.Errorf("tensor %s: %w", name, err)
		}
		count := 1
		for _, s := range t.Shape {
			count *= s
		}
		if t.Dtype != "F64" || t.Offsets[0] < 0 || t.Offsets[1] > len(body) || t.Offsets[1]-t.Offsets[0] != 8*count {
			return nil, fmt.Errorf("tensor %s: dtype %s, shape %v, bytes %v do not fit", name, t.Dtype, t.Shape, t.Offsets)
		}
		v := make([]float64, count)
		for i := range v {
			v[i] = math.Float64frombits(binary.LittleEndian.Uint64(body[t.Offsets[0]+8*i:]))
		}
		*ptr = v
	}
	return e, e.Validate()
}
