//go:build long

package gateway

import "time"

// silence is the contract's 10 s mid-stream silence (see
// silence_short_test.go for the quick variant).
const silence = 10 * time.Second
