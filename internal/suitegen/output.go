package suitegen

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"math/rand/v2"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/math/fixed"
)

// BarChart draws labelled bars of the given values (each 1…9) the way a
// competitor's image tool might, for the reference answer of a task that
// asks for an image: the same values always yield the same PNG bytes.
func BarChart(labels []string, values []int) []byte { return barChart(labels, values, encode) }

func barChart(labels []string, values []int, encode func(image.Image) []byte) []byte {
	img := canvas()
	w := (Size - 36) / max(1, len(values))
	for i, v := range values {
		px := 20 * v
		x0 := 18 + i*w + w/6
		x1 := 18 + (i+1)*w - w/6
		rect(img, image.Rect(x0, 225-px, x1, 225), Palette[i%len(Palette)].C)
		dr := &font.Drawer{Dst: img, Src: image.NewUniform(black), Face: smallFace(), Dot: fixed.P(x0+2, 250)}
		dr.DrawString(labels[i])
	}
	rect(img, image.Rect(10, 225, 250, 227), black)
	return encode(img)
}

// ReferenceArtifact is a reference answer's image artifact: a data URL
// with its true size and digest, as a competitor's descriptor would carry.
func ReferenceArtifact(id, name string, png []byte) map[string]any {
	sum := sha256.Sum256(png)
	return map[string]any{"id": id, "type": "image", "mime_type": "image/png", "display_name": name,
		"url": Image{PNG: png}.DataURL(), "size_bytes": len(png), "sha256": hex.EncodeToString(sum[:])}
}

// imageOutputTasks ask for a chart as an image artifact (generation_flags
// generate_image) and a one-word reading of it in text: the artifact check
// proves a decodable PNG came back, the text check that the answer is
// about this chart.
func imageOutputTasks(r *rand.Rand) []task {
	series := [][]string{
		{"Q1", "Q2", "Q3", "Q4"},
		{"Mon", "Tue", "Wed", "Thu", "Fri"},
		{"North", "South", "East", "West"},
		{"2021", "2022", "2023", "2024"},
		{"Apples", "Pears", "Plums"},
		{"Red", "Green", "Blue", "Gold", "Grey"},
	}
	var out []task
	for i, labels := range series {
		vals := r.Perm(9)[:len(labels)]
		best := 0
		for j := range vals {
			vals[j]++ // 1…9
			if vals[j] > vals[best] {
				best = j
			}
		}
		desc := ""
		for j, l := range labels {
			if j > 0 {
				desc += ", "
			}
			desc += fmt.Sprintf("%s %d", l, vals[j])
		}
		id := fmt.Sprintf("multimodal-draw-chart-%d", i+1)
		png := BarChart(labels, vals)
		// The artifact check reads the pixels (scorer's image spec): the
		// size, the white background and every bar colour the prompt asks
		// for, so a blank or unrelated image fails however it is described.
		var names, hexes []string
		for j := range labels {
			c := Palette[j%len(Palette)]
			names = append(names, c.Name)
			hexes = append(hexes, fmt.Sprintf("#%02x%02x%02x", c.C.R, c.C.G, c.C.B))
		}
		out = append(out, task{ID: id, Category: "multimodal",
			Messages: []any{user(fmt.Sprintf("Draw a bar chart of these values: %s. Return the chart as a %d×%d PNG image "+
				"on a white background, with the bars coloured %s, in that order, "+
				"and in your text reply give only the label of the highest bar.", desc, Size, Size, strings.Join(names, ", ")))},
			Request: map[string]any{"max_tokens": 16, "temperature": 0, "generation_flags": map[string]any{"generate_image": true}},
			Expect: map[string]any{"checks": []any{
				map[string]any{"type": "artifact", "value": "image", "mime": "image/png", "min_bytes": 200,
					"image": map[string]any{"width": Size, "height": Size, "background": "#ffffff", "colours": hexes}},
				exact(labels[best]),
			}},
			Reference: map[string]any{"content": labels[best], "artifacts": []any{ReferenceArtifact("ref-"+id, "chart.png", png)}},
			Tags:      []string{"image-output"}})
	}
	return out
}

// multiTurnToolTasks make janus play the tool: the first turn must call
// the tool with the right arguments, the scripted result comes back, and
// the final answer must use it. Results are random, so a model that
// guesses instead of reading the tool's answer fails.
func multiTurnToolTasks(r *rand.Rand) []task {
	cities := []string{"Oslo", "Nairobi", "Lima", "Osaka", "Perth"}
	conds := []string{"snow", "rain", "sunny", "fog", "wind"}
	var out []task
	mk := func(id, prompt, name string, args map[string]any, result any, answer float64) {
		a, _ := json.Marshal(args)
		res, _ := json.Marshal(result)
		out = append(out, task{ID: id, Category: "tools", Messages: []any{user(prompt)},
			Request: map[string]any{"max_tokens": 64, "temperature": 0, "tools": toolDefs, "tool_choice": "auto"},
			Expect:  checks(map[string]any{"type": "tool_call", "name": name, "arguments": args}, number(answer)),
			Reference: map[string]any{
				"tool_calls": []any{map[string]any{"name": name, "arguments": string(a)}},
				"content":    fmt.Sprint(answer)},
			ToolResults: []any{map[string]any{"name": name, "arguments": args, "content": string(res)}},
			Tags:        []string{"multi-turn"}})
	}
	for i, c := range cities {
		// Tenths make a clash with another task's whole-number answer
		// (which validation would flag) practically impossible.
		t := float64(r.IntN(450)-100) / 10
		if t == float64(int(t)) {
			t += 0.3
		}
		mk(fmt.Sprintf("tools-multi-weather-%02d", i+1),
			fmt.Sprintf("Use the get_weather tool to look up %s, then reply with the current temperature in °C as a number only.", c),
			"get_weather", map[string]any{"city": c},
			map[string]any{"city": c, "temp_c": t, "condition": conds[i%len(conds)]}, t)
	}
	for i := 0; i < 5; i++ {
		v := 10 + r.IntN(400)
		from, to := "km", "mi"
		if i%2 == 1 {
			from, to = "m", "ft"
		}
		// The scripted converter answers with a made-up factor, so only a
		// model that uses the tool's result gets it right.
		res := float64(v) * (0.5 + float64(r.IntN(100))/100)
		res = float64(int(res*100)) / 100
		mk(fmt.Sprintf("tools-multi-convert-%02d", i+1),
			fmt.Sprintf("Use the convert_units tool to convert %d %s to %s, then reply with the tool's result as a number only, exactly as the tool gives it.", v, from, to),
			"convert_units", map[string]any{"value": v, "from": from, "to": to},
			map[string]any{"value": res, "unit": to}, res)
	}
	return out
}
