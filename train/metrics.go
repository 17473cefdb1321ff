package train

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/trajdiff/trajdiff/internal/fsutil"
)

// Metric is one line of a run's metrics.jsonl: the step (1-based, after the update), the batch loss, the
// learning rate and gradient norm of that step, the run's speed so far and the wall time (RFC 3339, UTC).
type Metric struct {
	Step        int     `json:"step"`
	Loss        float64 `json:"loss"`
	LR          float64 `json:"lr"`
	GradNorm    float64 `json:"grad_norm"`
	StepsPerSec float64 `json:"steps_per_s"`
	Time        string  `json:"time"`
}

type metricsLog struct{ f *os.File }

// openMetrics opens the metrics log for appending. A resumed run first drops the lines of steps after
// its checkpoint (written by the killed process after its last checkpoint), so the log reads as one run.
func openMetrics(path string, resumedAt int) (*metricsLog, error) {
	if b, err := os.ReadFile(path); err == nil {
		var kept bytes.Buffer
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(make([]byte, 0, 1<<16), 1<<20)
		for sc.Scan() {
			var m Metric
			if json.Unmarshal(sc.Bytes(), &m) == nil && m.Step <= resumedAt {
				kept.Write(sc.Bytes())
				kept.WriteByte('\n')
			}
		}
		if err := fsutil.WriteFileAtomic(path, kept.Bytes()); err != nil {
			return nil, err
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o666)
	if err != nil {
		return nil, err
	}
	return &metricsLog{f: f}, nil
}

func (l *metricsLog) Write(m Metric) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	_, err = l.f.Write(append(b, '\n'))
	return err
}

func (l *metricsLog) Close() error { return l.f.Close() }

// ReadMetrics reads a run's metrics: path is a run directory (its metrics.jsonl) or the file itself. A
// line that is not a metric is an error naming its line number; an empty log is an error.
func ReadMetrics(path string) ([]Metric, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, metricsFile)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("train: metrics: %w", err)
	}
	var out []Metric
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 1<<16), 1<<20)
	for n := 1; sc.Scan(); n++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var m Metric
		if err := UnmarshalStrict(sc.Bytes(), &m); err != nil {
			return nil, fmt.Errorf("train: metrics %s line %d: %w", path, n, err)
		}
		out = append(out, m)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("train: metrics %s: %w", path, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("train: metrics %s: no metrics", path)
	}
	return out, nil
}
