package cli

import "testing"

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{{"8MiB", 8 << 20, true}, {"512", 512, true}, {"2 kb", 2000, true}, {"1GiB", 1 << 30, true}, {"1b", 1, true},
		{"0", 0, false}, {"-1MiB", 0, false}, {"MiB", 0, false}, {"1.5MiB", 0, false}, {"9999999999GiB", 0, false}}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseSize(tt.in)
			if (err == nil) != tt.ok || got != tt.want {
				t.Fatalf("parseSize(%q) = %d, %v; want %d, ok %v", tt.in, got, err, tt.want, tt.ok)
			}
		})
	}
}
