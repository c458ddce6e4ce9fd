package cli

import (
	"encoding/json"
	"io"
)

// writeJSON is the one way commands print --json output: indented, one
// document, trailing newline.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
