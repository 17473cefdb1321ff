package train

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/trajdiff/trajdiff/datasets"
)

// ConditionKind is what one value of a window model's condition is (ConditionItem).
type ConditionKind int

const (
	// CondEntry is a window entry "STEP:COMPONENT" of the (normalised) window itself.
	CondEntry ConditionKind = iota
	// CondReturns is "returns": Decision Diffuser's return condition (Ajay et al. 2023), the discounted
	// return-to-go of the window's episode from the window's first step t0,
	//
	//	R(t0) = sum_{k>=0} discount^k r_{t0+k}      (to the end of the episode),
	//
	// given to the network as R(t0) / data.returns_scale.
	CondReturns
	// CondInfo is "info:NAME:K": component K of the episode info column infos/NAME at the window's first step
	// (maze2d's infos/goal is the controller's target), mapped to [-1, 1] by that component's minimum lo and
	// maximum hi over the dataset: 2 (v - lo) / (hi - lo) - 1 (the limits normaliser of the column's stored
	// statistics, whatever data.normalizer is).
	CondInfo
)

// ConditionItem is one value of a window model's condition (an item of DataConfig.Condition).
type ConditionItem struct {
	Kind  ConditionKind
	Entry WindowEntry // CondEntry
	Info  string      // CondInfo: the info's name, read from column infos/<Info>
	K     int         // CondInfo: the component
}

// String is the item as DataConfig.Condition lists it.
func (it ConditionItem) String() string {
	switch it.Kind {
	case CondReturns:
		return "returns"
	case CondInfo:
		return fmt.Sprintf("info:%s:%d", it.Info, it.K)
	}
	return fmt.Sprintf("%d:%d", it.Entry.T, it.Entry.C)
}

// FromEpisode reports an item whose value comes from the window's episode (returns, info) rather than from
// the window itself: SampleRequest.CondValues gives these.
func (it ConditionItem) FromEpisode() bool { return it.Kind != CondEntry }

// ParseConditionItem reads "returns", "info:NAME:K" or a window entry "STEP:COMPONENT".
func ParseConditionItem(s string) (ConditionItem, error) {
	switch {
	case s == "returns":
		return ConditionItem{Kind: CondReturns}, nil
	case strings.HasPrefix(s, "info:"):
		name, ks, ok := strings.Cut(strings.TrimPrefix(s, "info:"), ":")
		k, err := strconv.Atoi(ks)
		if !ok || err != nil || name == "" || k < 0 || strings.Contains(name, "/") {
			return ConditionItem{}, fmt.Errorf("train: condition %q: want info:NAME:COMPONENT, e.g. info:goal:0", s)
		}
		return ConditionItem{Kind: CondInfo, Info: name, K: k}, nil
	}
	e, err := ParseWindowEntry(s)
	if err != nil {
		return ConditionItem{}, fmt.Errorf("train: condition %q: want STEP:COMPONENT, returns or info:NAME:COMPONENT", s)
	}
	return ConditionItem{Kind: CondEntry, Entry: e}, nil
}

// DefaultDiscount is data.discount's default, Decision Diffuser's.
const DefaultDiscount = 0.99

// ConditionItems parses Condition and checks the keys that go with its items: data.returns_scale (required,
// positive) and data.discount (in (0, 1], default DefaultDiscount) belong to a "returns" item; an episode-derived
// item is listed at most once.
func (d DataConfig) ConditionItems() ([]ConditionItem, error) {
	var out []ConditionItem
	returns := false
	for _, s := range d.Condition {
		it, err := ParseConditionItem(s)
		if err != nil {
			return nil, err
		}
		if it.FromEpisode() && slices.Contains(out, it) {
			return nil, fmt.Errorf("train: data.condition lists %q twice", s)
		}
		returns = returns || it.Kind == CondReturns
		out = append(out, it)
	}
	switch {
	case returns && !(d.ReturnsScale > 0 && !math.IsInf(d.ReturnsScale, 1)):
		return nil, fmt.Errorf("train: the \"returns\" condition needs data.returns_scale > 0 (the return-to-go is divided by it; Decision Diffuser uses 400 for locomotion), got %v", d.ReturnsScale)
	case !returns && (d.ReturnsScale != 0 || d.Discount != 0):
		return nil, fmt.Errorf("train: data.returns_scale and data.discount belong to a \"returns\" item of data.condition")
	case d.Discount < 0 || d.Discount > 1 || math.IsNaN(d.Discount):
		return nil, fmt.Errorf("train: data.discount must be in (0, 1] (0 for the default %v), got %v", DefaultDiscount, d.Discount)
	}
	return out, nil
}

// discount is data.discount with its default.
func (d DataConfig) discount() float64 {
	if d.Discount == 0 {
		return DefaultDiscount
	}
	return d.Discount
}

// episodeCondition maps an episode-derived condition item from the data's units to training units.
type episodeCondition struct {
	item  ConditionItem
	scale float64 // returns: data.returns_scale
	lo    float64 // info: the component's minimum over the dataset
	span  float64 // info: its maximum minus minimum (widened to 2 for a constant component, as the limits normaliser does)
}

// toTraining maps a value in the data's units to the network's: R / returns_scale, or 2 (v - lo) / span - 1.
func (c episodeCondition) toTraining(v float64) float64 {
	if c.item.Kind == CondReturns {
		return v / c.scale
	}
	return 2*(v-c.lo)/c.span - 1
}

// episodeConditions builds the maps of the episode-derived items of items, in order, from the dataset's
// stored statistics: what Load recomputes, like the window normalisers, from the training data.
func (d DataConfig) episodeConditions(ds *datasets.Dataset, items []ConditionItem) ([]episodeCondition, error) {
	var out []episodeCondition
	for _, it := range items {
		if !it.FromEpisode() {
			continue
		}
		if ds.Kind() != datasets.Episodes {
			return nil, fmt.Errorf("train: condition %s needs an episodes dataset, %s is %v", it, d.Path, ds.Kind())
		}
		c := episodeCondition{item: it, scale: d.ReturnsScale}
		if it.Kind == CondInfo {
			col := datasets.InfoPrefix + it.Info
			var width int
			for _, in := range ds.Metadata().Episodes.Infos {
				if in.Name == it.Info {
					width = in.Dim
				}
			}
			if width == 0 {
				return nil, fmt.Errorf("train: condition %s: the dataset has no info column %s (columns %v)", it, col, ds.Columns())
			}
			if it.K >= width {
				return nil, fmt.Errorf("train: condition %s: info %s has %d components", it, col, width)
			}
			nm, err := ds.NormalizerFor(col, datasets.NormMinMax)
			if err != nil {
				return nil, fmt.Errorf("train: condition %s: %w", it, err)
			}
			lo, hi, _ := nm.Limits()
			c.lo, c.span = lo[it.K], hi[it.K]-lo[it.K]
		}
		out = append(out, c)
	}
	return out, nil
}

// episodeValues returns the condition's value, in training units, at every step of every episode of ds:
// [episode][step]. Returns-to-go come from one backward pass per episode, R(t) = r_t + discount R(t+1) with
// R(L) = 0, accumulated in float64: O(total steps).
func (c episodeCondition) episodeValues(ds *datasets.Dataset, discount float64) ([][]float64, error) {
	out := make([][]float64, ds.Len())
	for e := range out {
		ep, err := ds.Episode(e)
		if err != nil {
			return nil, fmt.Errorf("train: condition %s: %w", c.item, err)
		}
		v := make([]float64, ep.Len)
		switch c.item.Kind {
		case CondReturns:
			R := 0.0
			for t := ep.Len - 1; t >= 0; t-- {
				R = ep.Rewards.At(t) + discount*R
				v[t] = R
			}
		case CondInfo:
			info := ep.Infos[c.item.Info]
			w := info.Len() / max(ep.Len, 1)
			for t := range v {
				v[t] = info.At(t*w + c.item.K)
			}
		}
		for t, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("train: condition %s of episode %d step %d is %v", c.item, e, t, x)
			}
			v[t] = c.toTraining(x)
		}
		out[e] = v
	}
	return out, nil
}

// conditionOn makes the source conditional on data.condition's items, in order: a window entry is read from
// the example's normalised window, an episode-derived item at the window's first step of its episode.
func (s *SamplerSource) conditionOn(ds *datasets.Dataset, d DataConfig) error {
	items, err := d.ConditionItems()
	if err != nil {
		return err
	}
	conds, err := d.episodeConditions(ds, items)
	if err != nil {
		return err
	}
	var entries []WindowEntry
	for _, it := range items {
		if !it.FromEpisode() {
			entries = append(entries, it.Entry)
		}
	}
	if err := s.ConditionOn(entries); err != nil {
		return err
	}
	// Interleave: s.cond holds every item's window position, -1 for an episode-derived one.
	cond := make([]int, 0, len(items))
	derived := make([][][]float64, 0, len(items))
	ei, ci := 0, 0
	for _, it := range items {
		if !it.FromEpisode() {
			cond, derived = append(cond, s.cond[ei]), append(derived, nil)
			ei++
			continue
		}
		v, err := conds[ci].episodeValues(ds, d.discount())
		if err != nil {
			return err
		}
		cond, derived = append(cond, -1), append(derived, v)
		ci++
	}
	s.cond, s.derived = cond, derived
	return nil
}

// CondValueItems lists the condition items whose values a SampleRequest gives in CondValues (the
// episode-derived ones: returns, info), in the order of data.condition.
func (m *Model) CondValueItems() []ConditionItem {
	var out []ConditionItem
	for _, c := range m.episodeConds {
		out = append(out, c.item)
	}
	return out
}

// CondValueRange is the range over the training data of the i-th item of CondValueItems when it is an
// info item, the [lo, hi] its limits map to [-1, 1] (hi = lo + 2 for a constant component); ok is false
// for a returns item (divided by data.returns_scale, not ranged) or an i out of range.
func (m *Model) CondValueRange(i int) (lo, hi float64, ok bool) {
	if i < 0 || i >= len(m.episodeConds) || m.episodeConds[i].item.Kind != CondInfo {
		return 0, 0, false
	}
	c := m.episodeConds[i]
	return c.lo, c.lo + c.span, true
}

// ConditionItems lists every item of the model's condition (DataConfig.Condition), in order.
func (m *Model) ConditionItems() []ConditionItem { return append([]ConditionItem(nil), m.items...) }

// windowCondition builds a window model's condition vectors, N rows of the items in training units: window
// entries from the fixed entries, episode-derived items from CondValues.
func (m *Model) windowCondition(req SampleRequest, sp *sampler) error {
	nv := len(m.episodeConds)
	if nv == 0 {
		if len(req.CondValues) > 0 {
			return badRequest("the model takes no condition values (CondValues): its condition is %v", m.Config.Data.Condition)
		}
	} else {
		if len(req.CondValues) != 1 && len(req.CondValues) != req.N {
			return badRequest("%d condition value vectors (CondValues) for %d windows (want 1 or %d, each the values of %v)", len(req.CondValues), req.N, req.N, m.CondValueItems())
		}
		for i, c := range req.CondValues {
			if len(c) != nv {
				return badRequest("condition value vector %d has %d values, the model takes %d: %v", i, len(c), nv, m.CondValueItems())
			}
			for k, v := range c {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return badRequest("condition value %d (%s) of vector %d is %v", k, m.episodeConds[k].item, i, v)
				}
			}
		}
	}
	C := len(m.items)
	if C == 0 {
		return nil
	}
	n, D := req.N, m.Horizon*m.Transition
	conds := make([]float64, n*C)
	ci := 0
	for j, it := range m.items {
		if it.FromEpisode() {
			for s := 0; s < n; s++ {
				conds[s*C+j] = m.episodeConds[ci].toTraining(req.CondValues[min(s, len(req.CondValues)-1)][ci])
			}
			ci++
			continue
		}
		e := it.Entry
		k, err := e.Index(m.Horizon, m.Transition)
		if err != nil {
			return fmt.Errorf("train: the model's condition: %w", err)
		}
		if sp.inpaint == nil || !sp.inpaint.Mask[k] {
			return badRequest("the model is conditioned on entry %d:%d (%s): fix it", e.T, e.C, m.Components()[e.C])
		}
		for s := 0; s < n; s++ {
			conds[s*C+j] = sp.inpaint.Values[s*D+k]
		}
	}
	sp.cond = conds
	return nil
}
