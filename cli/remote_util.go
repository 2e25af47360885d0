package cli

import (
	"encoding/json"
	"errors"
	"io"

	"github.com/janus-bench/janus/internal/service"
)

func asAPIError(err error, target **service.APIError) bool { return errors.As(err, target) }

func writeJSONTo(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
