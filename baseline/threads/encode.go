package threads

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// marshalMessage encodes m as one line of JSON (no trailing newline),
// without HTML escaping so stored text reads as it was written.
func marshalMessage(m Message) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("encode message %s: %w", m.ID, err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte{'\n'}), nil
}

// MarshalLine encodes m as one JSON Lines record, newline included.
func MarshalLine(m Message) ([]byte, error) {
	b, err := marshalMessage(m)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
