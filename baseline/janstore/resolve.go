package janstore

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/janus-bench/janus/baseline/threads"
)

// Resolve computes the effective settings of one turn: model is the model
// used when no layer names one (the request's plain model, or the server's
// default), assistantID the assistant ("" for none) and threadID the thread
// ("" for none). Layers
// merge model < assistant < thread, field by field, the deepest winning.
// The model itself is chosen the same way: a thread's model.json "id"
// beats its assistant's, which beats the request's. An unknown assistant
// is ErrNotFound; a model without a models/<id> folder just contributes no
// layer.
func (s *Store) Resolve(ctx context.Context, model, assistantID, threadID string) (Settings, error) {
	var out Settings
	var asst, thread ModelFile
	var files []AttachedFile
	if assistantID != "" {
		a, err := s.Assistant(ctx, assistantID)
		if err != nil {
			return out, err
		}
		asst = ModelFile{}
		if a.Model != "" {
			asst["id"] = a.Model
		}
		if a.Instructions != "" {
			asst["system_prompt"] = a.Instructions
		}
		out.Sources = append(out.Sources, filepath.Join(s.assistantDir(assistantID), assistantFile))
		if len(a.Files) > 0 {
			files = s.AssistantFiles(assistantID, a.Files)
		}
		if a.ModelFile != nil {
			mergeInto(asst, a.ModelFile)
			out.Sources = append(out.Sources, filepath.Join(s.assistantDir(assistantID), modelFile))
		}
	}
	if threadID != "" {
		path := filepath.Join(s.threadDir(threadID), modelFile)
		var err error
		if thread, err = readModelFile(path); err != nil {
			return out, err
		}
		if thread != nil {
			out.Sources = append(out.Sources, path)
		}
	}
	upper := ModelFile{}
	mergeInto(upper, asst)
	mergeInto(upper, thread)
	base := model
	if id, ok := upper["id"].(string); ok && id != "" {
		base = id
	}
	merged := ModelFile{}
	if s.HasModel(base) {
		m, err := s.Model(ctx, base)
		if err != nil {
			return out, err
		}
		mergeInto(merged, m)
		out.Sources = append([]string{s.modelPath(base)}, out.Sources...)
	}
	if assistantID != "" && threads.ValidID(base) == nil {
		// Jan's Mode 2: the assistant's own models/<model>/model.json
		// overrides the global one (the closest path wins), under the
		// assistant's and the thread's layers.
		path := filepath.Join(s.assistantDir(assistantID), modelsDir, base, modelFile)
		nested, err := readModelFile(path)
		if err != nil {
			return out, err
		}
		if nested != nil {
			delete(nested, "id")
			mergeInto(merged, nested)
			out.Sources = append(out.Sources, path)
		}
	}
	mergeInto(merged, upper)
	merged["id"] = base
	st, err := settingsOf(merged)
	if err != nil {
		return out, fmt.Errorf("merged settings of model %q, assistant %q, thread %q: %w", base, assistantID, threadID, err)
	}
	st.Merged, st.Sources, st.Files = merged, out.Sources, files
	return st, nil
}
