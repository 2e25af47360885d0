package tui

import (
	"io"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// styles are every lipgloss style the TUI uses, built from one renderer so
// that --no-color, NO_COLOR and the tests' plain output switch them all.
type styles struct {
	r        *lipgloss.Renderer
	title    lipgloss.Style
	tab      lipgloss.Style
	tabOn    lipgloss.Style
	label    lipgloss.Style
	dim      lipgloss.Style
	focus    lipgloss.Style
	pass     lipgloss.Style
	fail     lipgloss.Style
	warn     lipgloss.Style
	header   lipgloss.Style
	selected lipgloss.Style
	err      lipgloss.Style
	help     help.Styles
}

// newStyles builds the styles for output w; plain drops every colour and
// attribute (the renderer's Ascii profile), which is what the golden tests
// and --no-color use.
func newStyles(w io.Writer, plain bool) styles {
	r := lipgloss.NewRenderer(w)
	if plain {
		r.SetColorProfile(termenv.Ascii)
	}
	c := func(s string) lipgloss.Color { return lipgloss.Color(s) }
	s := styles{
		r:        r,
		title:    r.NewStyle().Bold(true).Foreground(c("12")),
		tab:      r.NewStyle().Foreground(c("8")),
		tabOn:    r.NewStyle().Bold(true).Underline(true),
		label:    r.NewStyle().Foreground(c("6")),
		dim:      r.NewStyle().Foreground(c("8")),
		focus:    r.NewStyle().Bold(true).Foreground(c("11")),
		pass:     r.NewStyle().Foreground(c("10")),
		fail:     r.NewStyle().Foreground(c("9")),
		warn:     r.NewStyle().Foreground(c("11")),
		header:   r.NewStyle().Bold(true),
		selected: r.NewStyle().Reverse(true),
		err:      r.NewStyle().Bold(true).Foreground(c("9")),
	}
	s.help = help.Styles{
		ShortKey:       r.NewStyle().Foreground(c("7")),
		ShortDesc:      r.NewStyle().Foreground(c("8")),
		ShortSeparator: r.NewStyle().Foreground(c("8")),
		Ellipsis:       r.NewStyle().Foreground(c("8")),
		FullKey:        r.NewStyle().Foreground(c("7")),
		FullDesc:       r.NewStyle().Foreground(c("8")),
		FullSeparator:  r.NewStyle().Foreground(c("8")),
	}
	return s
}
