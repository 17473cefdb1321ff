package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progressBar draws "label [#####.....] done/total rate/s ETA" on a terminal, redrawing in place; on a pipe or
// file it prints a line at each tenth of the work instead, so logs stay readable.
type progressBar struct {
	w        io.Writer
	label    string
	unit     string
	total    int
	start    time.Time
	terminal bool
	lastTen  int
	lastDraw time.Time
}

func newProgressBar(w io.Writer, label, unit string, total int) *progressBar {
	tty := false
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	return &progressBar{w: w, label: label, unit: unit, total: total, start: time.Now(), terminal: tty, lastTen: -1}
}

// Func returns a progress callback for the library generators, which report (done, total) and may learn
// their total only as they start: each call sets the bar's total and draws done.
func (p *progressBar) Func() func(done, total int) {
	return func(done, total int) {
		p.total = total
		p.Update(done)
	}
}

// Update reports done units of total.
func (p *progressBar) Update(done int) { p.UpdateNote(done, "") }

// UpdateNote reports done units of total with a short note (e.g. the current loss).
func (p *progressBar) UpdateNote(done int, note string) {
	el := time.Since(p.start).Seconds()
	rate := float64(done) / max(el, 1e-9)
	eta := "?"
	if done > 0 {
		eta = (time.Duration(float64(p.total-done)/rate) * time.Second).Round(time.Second).String()
	}
	if p.terminal {
		if done < p.total && time.Since(p.lastDraw) < 100*time.Millisecond {
			return
		}
		p.lastDraw = time.Now()
		const width = 30
		fill := width * done / max(p.total, 1)
		fmt.Fprintf(p.w, "\r%s [%s%s] %d/%d %.1f %s/s ETA %s %s ", p.label, strings.Repeat("#", fill),
			strings.Repeat(".", width-fill), done, p.total, rate, p.unit, eta, note)
		if done >= p.total {
			fmt.Fprintln(p.w)
		}
		return
	}
	if ten := 10 * done / max(p.total, 1); ten != p.lastTen {
		p.lastTen = ten
		fmt.Fprintf(p.w, "%s: %d/%d (%.1f %s/s, ETA %s) %s\n", p.label, done, p.total, rate, p.unit, eta, note)
	}
}

// progressBars keeps one bar per label for a library that reports several tasks (methods, levels) through one
// callback. A bar's clock starts at its label's first report, so the library reports done = 0 as a task
// starts; a bar made at the first finished batch would show that batch done in no time.
type progressBars struct {
	w            io.Writer
	prefix, unit string
	bars         map[string]*progressBar
}

func newProgressBars(w io.Writer, prefix, unit string) *progressBars {
	return &progressBars{w: w, prefix: prefix, unit: unit, bars: map[string]*progressBar{}}
}

// Update reports done units of total for label.
func (b *progressBars) Update(label string, done, total int) {
	bar, ok := b.bars[label]
	if !ok {
		bar = newProgressBar(b.w, b.prefix+label, b.unit, total)
		b.bars[label] = bar
	}
	bar.total = total
	bar.Update(done)
}
