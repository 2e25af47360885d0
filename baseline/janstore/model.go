package janstore

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math"
)

// ModelFile is one model.json (Jan's "ModelFile"): a snapshot of model
// settings. The baseline reads these fields and keeps every other one, so
// a file written for Jan (settings.ctx_len, engine, …) loads unchanged:
//
//	{
//	  "id": "llama-7b",                       // the model to use (thread and assistant files may switch it)
//	  "system_prompt": "You are terse.",      // prepended when the request has no system message
//	  "parameters": {"temperature": 0.2, "top_p": 0.9, "max_tokens": 512}
//	}
type ModelFile map[string]any

// ParseModelFile parses and checks a model.json: a JSON object whose known
// fields have the right types. The error names the JSON path at fault.
func ParseModelFile(data []byte) (ModelFile, error) {
	var m ModelFile
	if err := decodeObject(data, &m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, errors.New("expected a JSON object, got null")
	}
	if _, err := settingsOf(m); err != nil {
		return nil, err
	}
	return m, nil
}

// Settings are the effective settings of one turn: the model file layers
// merged (model < assistant < thread, the deepest wins) and read out.
type Settings struct {
	// Model is the model the turn uses.
	Model string
	// SystemPrompt, Temperature, TopP and MaxTokens fill what the request
	// leaves unset.
	SystemPrompt string
	Temperature  *float64
	TopP         *float64
	MaxTokens    *int
	// Files are the assistant's attached files (their text, or why they
	// were skipped), given to the model as a system message.
	Files []AttachedFile
	// Merged is the whole merged model file, unknown fields included.
	Merged ModelFile
	// Sources are the files that contributed, shallowest first.
	Sources []string
}

// settingsOf reads the known fields of a (merged or single) model file.
func settingsOf(m ModelFile) (Settings, error) {
	var s Settings
	if v, ok := m["id"]; ok && v != nil {
		id, isStr := v.(string)
		if !isStr {
			return s, fmt.Errorf("id must be a string, got %s", jsonType(v))
		}
		s.Model = id
	}
	if v, ok := m["system_prompt"]; ok && v != nil {
		sp, isStr := v.(string)
		if !isStr {
			return s, fmt.Errorf("system_prompt must be a string, got %s", jsonType(v))
		}
		s.SystemPrompt = sp
	}
	pv, ok := m["parameters"]
	if !ok || pv == nil {
		return s, nil
	}
	params, isObj := pv.(map[string]any)
	if !isObj {
		return s, fmt.Errorf("parameters must be an object, got %s", jsonType(pv))
	}
	num := func(key string, lo, hi float64) (*float64, error) {
		v, ok := params[key]
		if !ok || v == nil {
			return nil, nil
		}
		f, isNum := v.(float64)
		if !isNum {
			return nil, fmt.Errorf("parameters.%s must be a number, got %s", key, jsonType(v))
		}
		if f < lo || f > hi {
			return nil, fmt.Errorf("parameters.%s is %g; it must be between %g and %g", key, f, lo, hi)
		}
		return &f, nil
	}
	var err error
	if s.Temperature, err = num("temperature", 0, 2); err != nil {
		return s, err
	}
	if s.TopP, err = num("top_p", 0, 1); err != nil {
		return s, err
	}
	mt, err := num("max_tokens", 1, math.MaxInt32)
	if err != nil {
		return s, err
	}
	if mt != nil {
		if *mt != math.Trunc(*mt) {
			return s, fmt.Errorf("parameters.max_tokens is %g; it must be a whole number", *mt)
		}
		n := int(*mt)
		s.MaxTokens = &n
	}
	return s, nil
}

func jsonType(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return "null"
}

// mergeInto merges src over dst: objects merge key by key, recursively;
// anything else in src (scalars, arrays, null) replaces dst's value. It
// is the Go-workspace rule of Jan's design: the deeper file wins, field by
// field.
func mergeInto(dst, src ModelFile) {
	for k, sv := range src {
		if so, ok := sv.(map[string]any); ok {
			if do, ok := dst[k].(map[string]any); ok {
				merged := maps.Clone(do)
				mergeInto(merged, so)
				dst[k] = merged
				continue
			}
			c := ModelFile{}
			mergeInto(c, so)
			dst[k] = map[string]any(c)
			continue
		}
		dst[k] = sv
	}
}

// readModelFile reads path; a missing file is (nil, nil).
func readModelFile(path string) (ModelFile, error) {
	m, err := readJSONFile(path, ParseModelFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return m, err
}
