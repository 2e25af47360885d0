package leaderboard

import (
	"cmp"
	"fmt"
	"slices"

	"gorm.io/gorm"

	"github.com/janus-bench/janus/record"
)

// dimRow is one run's score on one dimension: a run_scores row. The
// dimensions are rows, not run columns, so a dimension the scorer adds is
// stored, and read back, without a schema change. The composite stays a
// run column: the board orders and indexes by it.
type dimRow struct {
	RunID     string `gorm:"primaryKey"`
	Dimension string `gorm:"primaryKey"`
	Value     float64
	Lo        *float64
	Hi        *float64
}

func (dimRow) TableName() string { return "run_scores" }

// saveDims replaces run id's dimension rows with dims.
func saveDims(tx *gorm.DB, id string, dims map[record.Dimension]*Score) error {
	if err := tx.Where("run_id = ?", id).Delete(&dimRow{}).Error; err != nil {
		return fmt.Errorf("clear dimension scores: %w", err)
	}
	rows := make([]dimRow, 0, len(dims))
	for d, sc := range dims {
		if sc == nil {
			continue
		}
		r := dimRow{RunID: id, Dimension: string(d), Value: sc.Value}
		if sc.CI95 != nil {
			lo, hi := sc.CI95[0], sc.CI95[1]
			r.Lo, r.Hi = &lo, &hi
		}
		rows = append(rows, r)
	}
	// A stable insert order keeps the statement the same for the same run.
	slices.SortFunc(rows, func(a, b dimRow) int { return cmp.Compare(a.Dimension, b.Dimension) })
	if len(rows) == 0 {
		return nil
	}
	if err := tx.Create(&rows).Error; err != nil {
		return fmt.Errorf("save dimension scores: %w", err)
	}
	return nil
}

// loadDims fills rows' Dims from run_scores, 500 runs per query.
func loadDims(db *gorm.DB, rows ...*runRow) error {
	byID := make(map[string][]*runRow, len(rows))
	ids := make([]string, 0, len(rows))
	for _, r := range rows {
		r.Dims = map[record.Dimension]*Score{}
		if _, seen := byID[r.ID]; !seen {
			ids = append(ids, r.ID)
		}
		byID[r.ID] = append(byID[r.ID], r)
	}
	for chunk := range slices.Chunk(ids, 500) {
		var ds []dimRow
		if err := db.Where("run_id IN ?", chunk).Find(&ds).Error; err != nil {
			return fmt.Errorf("read dimension scores: %w", err)
		}
		for _, d := range ds {
			for _, r := range byID[d.RunID] {
				r.Dims[record.Dimension(d.Dimension)] = score(&d.Value, d.Lo, d.Hi)
			}
		}
	}
	return nil
}
