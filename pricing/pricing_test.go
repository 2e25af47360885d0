package pricing

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParsePrices(t *testing.T) {
	def := DefaultPrices()
	cases := []struct {
		name    string
		in      string
		json    bool
		want    Prices
		errPart string // substring of the error; "" means no error
	}{
		// an empty YAML document keeps every default
		{"empty", "", false, def, ""},
		// the documented example, in YAML
		{"yaml", "default: {prompt_usd_per_mtok: 1, completion_usd_per_mtok: 2}\nmodels:\n  big: {prompt_usd_per_mtok: 10}\nsandbox_usd_per_second: 0\n", false,
			Prices{Default: Price{1, 2}, Models: map[string]Price{"big": {10, 2}}, SandboxUSDPerSecond: 0}, ""},
		// JSON, with a model entry that inherits the file's default completion price
		{"json", `{"default": {"completion_usd_per_mtok": 3}, "models": {"m": {"prompt_usd_per_mtok": 0}}}`, true,
			Prices{Default: Price{DefaultPromptUSDPerMTok, 3}, Models: map[string]Price{"m": {0, 3}}, SandboxUSDPerSecond: SandboxUSDPerSecond}, ""},
		// a typo is an error, not silently the default
		{"unknown yaml key", "defualt: {prompt_usd_per_mtok: 1}\n", false, Prices{}, "defualt"},
		// the same in JSON
		{"unknown json key", `{"sandbox": 1}`, true, Prices{}, "sandbox"},
		// negative prices are not believable
		{"negative", "default: {prompt_usd_per_mtok: -1}\n", false, Prices{}, "finite number"},
		// a model without an id
		{"empty id", "models: {\"\": {prompt_usd_per_mtok: 1}}\n", false, Prices{}, "empty model id"},
		// not a price table at all
		{"garbage", "[1, 2", false, Prices{}, "parse price table"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParsePrices([]byte(c.in), c.json)
			if c.errPart != "" {
				if err == nil || !strings.Contains(err.Error(), c.errPart) {
					t.Errorf("%s: err = %v, want containing %q", c.name, err, c.errPart)
				}
				return
			}
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
				return
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
			}
		})
	}
}

func TestLoadPrices(t *testing.T) {
	dir := t.TempDir()
	js := filepath.Join(dir, "p.json")
	os.WriteFile(js, []byte(`{"default": {"prompt_usd_per_mtok": 2}}`), 0o644)
	p, err := LoadPrices(js)
	if err != nil || p.Default.PromptUSDPerMTok != 2 {
		t.Errorf("LoadPrices(json) = %+v, %v", p, err)
	}
	if _, err := LoadPrices(filepath.Join(dir, "missing.yaml")); err == nil || !strings.Contains(err.Error(), "load prices") {
		t.Errorf("missing file: err = %v", err)
	}
	if got := p.For("unknown-model"); got != p.Default {
		t.Errorf("For(unknown) = %+v, want the default", got)
	}
}
