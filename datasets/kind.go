package datasets

import "fmt"

// Kind is one of the three dataset layouts. The kind decides what a row is: one time step for
// episodes (episodes have different lengths), one whole trajectory for geometric and field data
// (every trajectory of a dataset has the same number of frames).
type Kind int

const (
	// Episodes are offline-RL episodes in the D4RL layout: one row per time step.
	Episodes Kind = iota + 1
	// Geometric datasets hold trajectories of T frames of N nodes in D spatial dimensions.
	Geometric
	// Fields datasets hold PDE trajectories: T frames of a 1-, 2- or 3-D grid with C channels.
	Fields
)

// String returns the name stored in the file metadata ("episodes", "geometric", "fields").
func (k Kind) String() string {
	switch k {
	case Episodes:
		return "episodes"
	case Geometric:
		return "geometric"
	case Fields:
		return "fields"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// ParseKind is the inverse of Kind.String.
func ParseKind(s string) (Kind, error) {
	switch s {
	case "episodes":
		return Episodes, nil
	case "geometric":
		return Geometric, nil
	case "fields":
		return Fields, nil
	}
	return 0, fmt.Errorf("unknown dataset kind %q (want episodes, geometric or fields)", s)
}

// DType is the element type of every tensor column of a dataset.
type DType int

const (
	// Float32 is the default element type.
	Float32 DType = iota
	// Float64 is used where a generator asks for it (e.g. stiff PDE states).
	Float64
)

// String returns "float32" or "float64".
func (t DType) String() string {
	if t == Float64 {
		return "float64"
	}
	return "float32"
}

// Size is the size of one element in bytes.
func (t DType) Size() int {
	if t == Float64 {
		return 8
	}
	return 4
}

// ParseDType is the inverse of DType.String.
func ParseDType(s string) (DType, error) {
	switch s {
	case "float32", "":
		return Float32, nil
	case "float64":
		return Float64, nil
	}
	return 0, fmt.Errorf("unknown dtype %q (want float32 or float64)", s)
}
