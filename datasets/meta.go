package datasets

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
)

// Generator records what produced a dataset, so that a file can be regenerated or traced.
type Generator struct {
	Name    string         `json:"name"`
	Version string         `json:"version,omitempty"`
	Seed    int64          `json:"seed"`
	Params  map[string]any `json:"params,omitempty"`
}

// Metadata is everything a dataset stores besides its tensors. Exactly one of Episodes, Geometric
// and Fields is set, matching Kind.
type Metadata struct {
	Kind        Kind
	DType       DType
	Episodes    *EpisodeSpec
	Geometric   *GeometricSpec
	Fields      *FieldSpec
	Units       map[string]string // column name -> unit, e.g. "positions": "angstrom"
	Generator   Generator
	Stats       map[string]ColumnStats // per-column statistics over the feature (last) axis
	Description string
}

// spec returns the kind's spec as an interface for JSON and checks.
func (m *Metadata) spec() (interface {
	check() error
	columns() []column
}, error) {
	switch m.Kind {
	case Episodes:
		if m.Episodes != nil && m.Geometric == nil && m.Fields == nil {
			return m.Episodes, nil
		}
	case Geometric:
		if m.Geometric != nil && m.Episodes == nil && m.Fields == nil {
			return m.Geometric, nil
		}
	case Fields:
		if m.Fields != nil && m.Episodes == nil && m.Geometric == nil {
			return m.Fields, nil
		}
	default:
		return nil, fmt.Errorf("metadata: unknown kind %v", m.Kind)
	}
	return nil, fmt.Errorf("metadata: kind %v needs exactly its own spec set", m.Kind)
}

// columns lists the schema's columns for this metadata. It assumes check passed.
func (m *Metadata) columns() []column {
	s, err := m.spec()
	if err != nil {
		return nil
	}
	return s.columns()
}

// check validates the spec and that units and stats name existing columns.
func (m *Metadata) check() error {
	s, err := m.spec()
	if err != nil {
		return err
	}
	if err := s.check(); err != nil {
		return err
	}
	if m.DType != Float32 && m.DType != Float64 {
		return fmt.Errorf("metadata: unknown dtype %v", m.DType)
	}
	cols := map[string]column{}
	for _, c := range s.columns() {
		cols[c.name] = c
	}
	for name := range m.Units {
		if _, ok := cols[name]; !ok {
			return fmt.Errorf("metadata: unit given for unknown column %q", name)
		}
	}
	for name, st := range m.Stats {
		c, ok := cols[name]
		if !ok || !c.isFloat() {
			return fmt.Errorf("metadata: statistics for unknown or non-float column %q", name)
		}
		if err := st.check(c.featureDim()); err != nil {
			return fmt.Errorf("metadata: statistics of %q: %w", name, err)
		}
	}
	return nil
}

// arrowMetadata encodes m as Arrow schema metadata. stats is passed separately because writers
// fill it in only when they close.
func (m *Metadata) arrowMetadata(stats string) (arrow.Metadata, error) {
	s, err := m.spec()
	if err != nil {
		return arrow.Metadata{}, err
	}
	kv := map[string]string{
		KeySchemaVersion: strconv.Itoa(SchemaVersion),
		KeyKind:          m.Kind.String(),
		KeyDType:         m.DType.String(),
	}
	enc := func(key string, v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("metadata: encoding %s: %w", key, err)
		}
		kv[key] = string(b)
		return nil
	}
	if err := enc(KeySpec, s); err != nil {
		return arrow.Metadata{}, err
	}
	units := m.Units
	if units == nil {
		units = map[string]string{}
	}
	if err := enc(KeyUnits, units); err != nil {
		return arrow.Metadata{}, err
	}
	if err := enc(KeyGenerator, m.Generator); err != nil {
		return arrow.Metadata{}, err
	}
	if stats != "" {
		kv[KeyStats] = stats
	}
	if m.Description != "" {
		kv[KeyDescription] = m.Description
	}
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	vals := make([]string, len(keys))
	for i, k := range keys {
		vals[i] = kv[k]
	}
	return arrow.NewMetadata(keys, vals), nil
}

// parseMetadata decodes and checks the trajdiff keys of a schema's metadata.
func parseMetadata(md arrow.Metadata) (*Metadata, error) {
	get := func(key string) (string, bool) {
		i := md.FindKey(key)
		if i < 0 {
			return "", false
		}
		return md.Values()[i], true
	}
	v, ok := get(KeySchemaVersion)
	if !ok {
		return nil, fmt.Errorf("missing schema version (metadata key %q): not a trajdiff dataset", KeySchemaVersion)
	}
	if n, err := strconv.Atoi(v); err != nil || n != SchemaVersion {
		return nil, fmt.Errorf("schema version %q is not supported (this build reads version %d)", v, SchemaVersion)
	}
	m := &Metadata{}
	ks, ok := get(KeyKind)
	if !ok {
		return nil, fmt.Errorf("missing metadata key %q", KeyKind)
	}
	var err error
	if m.Kind, err = ParseKind(ks); err != nil {
		return nil, fmt.Errorf("metadata key %q: %w", KeyKind, err)
	}
	ds, _ := get(KeyDType)
	if m.DType, err = ParseDType(ds); err != nil {
		return nil, fmt.Errorf("metadata key %q: %w", KeyDType, err)
	}
	spec, ok := get(KeySpec)
	if !ok {
		return nil, fmt.Errorf("missing metadata key %q", KeySpec)
	}
	var target any
	switch m.Kind {
	case Episodes:
		m.Episodes = &EpisodeSpec{}
		target = m.Episodes
	case Geometric:
		m.Geometric = &GeometricSpec{}
		target = m.Geometric
	case Fields:
		m.Fields = &FieldSpec{}
		target = m.Fields
	}
	if err := json.Unmarshal([]byte(spec), target); err != nil {
		return nil, fmt.Errorf("metadata key %q: %w", KeySpec, err)
	}
	if u, ok := get(KeyUnits); ok {
		if err := json.Unmarshal([]byte(u), &m.Units); err != nil {
			return nil, fmt.Errorf("metadata key %q: %w", KeyUnits, err)
		}
	}
	if g, ok := get(KeyGenerator); ok {
		if err := json.Unmarshal([]byte(g), &m.Generator); err != nil {
			return nil, fmt.Errorf("metadata key %q: %w", KeyGenerator, err)
		}
	}
	if st, ok := get(KeyStats); ok {
		if err := json.Unmarshal([]byte(st), &m.Stats); err != nil {
			return nil, fmt.Errorf("metadata key %q: %w", KeyStats, err)
		}
	}
	m.Description, _ = get(KeyDescription)
	if err := m.check(); err != nil {
		return nil, err
	}
	return m, nil
}

// sameLayout reports whether two shards' metadata describe the same columns and shapes.
func sameLayout(a, b *Metadata) bool {
	if a.Kind != b.Kind || a.DType != b.DType {
		return false
	}
	sa, _ := a.spec()
	sb, _ := b.spec()
	ja, _ := json.Marshal(sa)
	jb, _ := json.Marshal(sb)
	return string(ja) == string(jb)
}
