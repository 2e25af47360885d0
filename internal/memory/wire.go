package memory

import "time"

// Message is one conversation message sent for extraction.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// ExtractRequest is the body of POST /memories/extract.
type ExtractRequest struct {
	UserID       string    `json:"user_id"`
	Conversation []Message `json:"conversation"`
}

// Saved is one memory an extraction stored.
type Saved struct {
	ID            string    `json:"id"`
	Caption       string    `json:"caption"`
	SourceMessage int       `json:"source_message"`
	CreatedAt     time.Time `json:"created_at"`
}

// ExtractResponse answers POST /memories/extract. MemoriesSaved are the
// new memories; Refreshed are existing memories the conversation stated
// again (same caption), which count as used; Evicted are the ids the
// per-user cap removed.
type ExtractResponse struct {
	MemoriesSaved     []Saved  `json:"memories_saved"`
	Refreshed         []string `json:"refreshed,omitempty"`
	Evicted           []string `json:"evicted,omitempty"`
	AlreadyProcessed  bool     `json:"already_processed,omitempty"`
	TotalUserMemories int      `json:"total_user_memories"`
}

// Summary is one recalled memory.
type Summary struct {
	ID      string  `json:"id"`
	Caption string  `json:"caption"`
	Score   float64 `json:"score"`
}

// RelevantResponse answers GET /memories/relevant. Method is "bm25" or
// "embeddings".
type RelevantResponse struct {
	Memories []Summary `json:"memories"`
	Method   string    `json:"method"`
}

// Full is a whole stored memory.
type Full struct {
	ID            string    `json:"id"`
	Caption       string    `json:"caption"`
	FullText      string    `json:"full_text"`
	SourceMessage int       `json:"source_message"`
	SourceRole    string    `json:"source_role"`
	SourceText    string    `json:"source_text"`
	CreatedAt     time.Time `json:"created_at"`
	LastUsedAt    time.Time `json:"last_used_at"`
	UseCount      int       `json:"use_count"`
}

// ListResponse answers GET /memories/list and GET /memories/full.
type ListResponse struct {
	Memories []Full `json:"memories"`
	Total    int    `json:"total"`
}

// PatchRequest is the body of PATCH /memories/{id}: the fields to change.
type PatchRequest struct {
	Caption  *string `json:"caption,omitempty"`
	FullText *string `json:"full_text,omitempty"`
}

// DeleteResponse answers DELETE /memories/{id} and /memories/clear.
type DeleteResponse struct {
	Status  string `json:"status"`
	Deleted int    `json:"deleted"`
}

// Health answers GET /health.
type Health struct {
	Status        string `json:"status"`
	Service       string `json:"service"`
	Store         string `json:"store"`
	SchemaVersion int    `json:"schema_version"`
	Recall        string `json:"recall"`
}

// extraction is the JSON object the extraction model must return
// (extractionSchema).
type extraction struct {
	Memories []extractedItem `json:"memories"`
}

type extractedItem struct {
	Caption       string `json:"caption"`
	FullText      string `json:"full_text"`
	SourceMessage *int   `json:"source_message"`
}
