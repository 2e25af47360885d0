package leaderboard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/janus-bench/janus/record"
)

// GetRunBrief is GetRun without the tasks' details (record.TaskDetail:
// answer excerpts and stream events, up to ~60 KB a task): they are
// skipped while decoding the task rows, and the report's task list (the
// same tasks: FinishRun writes the rows from it) is not decoded but
// filled from the rows, so a page that lists a run's tasks does not pay
// for decoding them. (While a resumed run is running again, its rows can
// be ahead of its earlier report; the brief report then lists the rows.)
func (s *Store) GetRunBrief(ctx context.Context, id string) (*RunDetail, error) {
	return s.getRun(ctx, id, true)
}

// GetTask returns one stored task of a run, with its detail, and the
// run's summary, without reading the run's report or its other tasks.
func (s *Store) GetTask(ctx context.Context, runID, taskID string) (*RunSummary, *record.TaskResult, error) {
	var row runRow
	if err := s.db.WithContext(ctx).Omit("report_json").Where("id = ?", runID).Take(&row).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, nil, fmt.Errorf("get task %s of run %s: %w", taskID, runID, ErrNotFound)
		}
		return nil, nil, fmt.Errorf("get task %s of run %s: %w", taskID, runID, err)
	}
	var c competitorRow
	if err := s.db.WithContext(ctx).Where("id = ?", row.CompetitorID).Take(&c).Error; err != nil {
		return nil, nil, fmt.Errorf("get task %s of run %s: competitor: %w", taskID, runID, err)
	}
	if err := fillDims(s.db.WithContext(ctx), &row); err != nil {
		return nil, nil, fmt.Errorf("get task %s of run %s: %w", taskID, runID, err)
	}
	sum := summaryOf(row, c)
	var rows []taskRow
	if err := s.db.WithContext(ctx).Where("run_id = ? AND task_id = ?", runID, taskID).Limit(1).Find(&rows).Error; err != nil {
		return nil, nil, fmt.Errorf("get task %s of run %s: %w", taskID, runID, err)
	}
	if len(rows) == 0 {
		return &sum, nil, fmt.Errorf("get task %s of run %s: %w", taskID, runID, ErrNotFound)
	}
	t, err := decodeTask(rows[0].ResultJSON, false)
	if err != nil {
		return nil, nil, fmt.Errorf("get task %s of run %s: decode: %w", taskID, runID, err)
	}
	return &sum, &t, nil
}

// skipJSON is a JSON value that is scanned past, not decoded.
type skipJSON struct{}

// UnmarshalJSON ignores the value: the decoder has already checked it.
func (*skipJSON) UnmarshalJSON([]byte) error { return nil }

// briefTask decodes a task result without its detail: the outer Detail
// field takes the "detail" key from the embedded one.
type briefTask struct {
	record.TaskResult
	Detail skipJSON `json:"detail"`
}

func decodeTask(s string, brief bool) (record.TaskResult, error) {
	if !brief {
		var t record.TaskResult
		err := json.Unmarshal([]byte(s), &t)
		return t, err
	}
	var t briefTask
	err := json.Unmarshal([]byte(s), &t)
	return t.TaskResult, err
}

// decodeReport decodes a stored report; brief leaves its tasks out (the
// caller takes them from the task rows, which FinishRun made equal).
func decodeReport(s string, brief bool) (*record.Report, error) {
	var rep record.Report
	if !brief {
		err := json.Unmarshal([]byte(s), &rep)
		return &rep, err
	}
	var r struct {
		*record.Report
		Tasks skipJSON `json:"tasks"`
	}
	r.Report = &rep
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		return nil, err
	}
	return &rep, nil
}
