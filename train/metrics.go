package train

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"

	"github.com/trajdiff/trajdiff/internal/fsutil"
)

// metricLine is one line of metrics.jsonl.
type metricLine struct {
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
			var m metricLine
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

func (l *metricsLog) Write(m metricLine) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	_, err = l.f.Write(append(b, '\n'))
	return err
}

func (l *metricsLog) Close() error { return l.f.Close() }
