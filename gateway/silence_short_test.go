//go:build !long

package gateway

import "time"

// silence is how long the competitor in TestKeepAliveDuringSilence stays
// quiet: 3 s keeps `make test` fast; `make test-long` runs the contract's
// 10 s.
const silence = 3 * time.Second
