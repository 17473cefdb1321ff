package train

import (
	"bytes"
	"encoding/json"
	"errors"
)

// UnmarshalStrict decodes one JSON value into v, rejecting unknown object keys and trailing data. It is the
// one strict decoder of the module's files: configurations (after TOML or YAML), the configuration a
// checkpoint records, and the CLI's JSON inputs.
func UnmarshalStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}
