package chat

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Request limits, checked before anything reaches the gateway.
const (
	// DefaultMaxImageBytes bounds one attached image (decoded).
	DefaultMaxImageBytes = 4 << 20
	// maxImages bounds the images of one request.
	maxImages = 8
	// maxMessages bounds the turns of one request.
	maxMessages = 200
	// maxIDLen bounds ids (model, competitor, conversation, prompt).
	maxIDLen = 200
)

// BadRequestError is a client request refused before it reached the
// gateway; Path is the JSON path of the bad value.
type BadRequestError struct {
	Path string
	Msg  string
}

func (e *BadRequestError) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

func bad(path, format string, a ...any) error {
	return &BadRequestError{Path: path, Msg: fmt.Sprintf(format, a...)}
}

// clientRequest is what the page posts: the conversation so far and where
// to send it. Everything else in the forwarded body is set by the server,
// so the page cannot smuggle fields (pace overrides, tools) to competitors.
type clientRequest struct {
	ConversationID string          `json:"conversation_id"`
	Model          string          `json:"model"`
	CompetitorID   string          `json:"competitor_id"`
	Messages       []clientMessage `json:"messages"`
}

// clientMessage is one turn: text, or parts (text and image_url).
type clientMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

// part is one content part of a multi-part message.
type part struct {
	Type     string    `json:"type"`
	Text     string    `json:"text,omitempty"`
	ImageURL *imageURL `json:"image_url,omitempty"`
}

type imageURL struct {
	URL string `json:"url"`
}

// upstreamRequest is the body sent to the gateway.
type upstreamRequest struct {
	Model         string          `json:"model"`
	CompetitorID  string          `json:"competitor_id,omitempty"`
	Messages      []clientMessage `json:"messages"`
	Stream        bool            `json:"stream"`
	StreamOptions struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
}

// imageTypes are the image types an attachment may have.
var imageTypes = []string{"image/png", "image/jpeg", "image/gif", "image/webp"}

// parseRequest reads and checks a page's chat request and builds the body
// for the gateway. maxImage bounds each decoded image.
func parseRequest(b []byte, maxImage int) (clientRequest, []byte, error) {
	var cr clientRequest
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cr); err != nil {
		return cr, nil, bad("", "the body must be a JSON chat request: %v", err)
	}
	if dec.More() {
		return cr, nil, bad("", "more than one JSON value in the body")
	}
	for _, f := range []struct{ path, v string }{{"conversation_id", cr.ConversationID}, {"model", cr.Model}, {"competitor_id", cr.CompetitorID}} {
		if len(f.v) > maxIDLen || !utf8.ValidString(f.v) || strings.ContainsAny(f.v, "\r\n\x00") {
			return cr, nil, bad(f.path, "must be at most %d characters of one line", maxIDLen)
		}
	}
	if cr.Model == "" {
		return cr, nil, bad("model", "pick a model")
	}
	if len(cr.Messages) == 0 || len(cr.Messages) > maxMessages {
		return cr, nil, bad("messages", "must hold 1 to %d messages, not %d", maxMessages, len(cr.Messages))
	}
	images := 0
	for i, m := range cr.Messages {
		n, err := checkMessage(m, maxImage)
		if err != nil {
			err.(*BadRequestError).Path = fmt.Sprintf("messages[%d]", i) + err.(*BadRequestError).Path
			return cr, nil, err
		}
		images += n
	}
	if images > maxImages {
		return cr, nil, bad("messages", "%d images; at most %d may be sent at once", images, maxImages)
	}
	up := upstreamRequest{Model: cr.Model, CompetitorID: cr.CompetitorID, Messages: cr.Messages, Stream: true}
	up.StreamOptions.IncludeUsage = true
	out, err := json.Marshal(up)
	if err != nil {
		return cr, nil, bad("", "could not encode the request: %v", err)
	}
	return cr, out, nil
}

// checkMessage checks one turn and counts its images.
func checkMessage(m clientMessage, maxImage int) (int, error) {
	switch m.Role {
	case "user", "assistant", "system":
	default:
		return 0, bad(".role", "must be user, assistant or system, not %q", m.Role)
	}
	var s string
	if json.Unmarshal(m.Content, &s) == nil {
		return 0, nil
	}
	var parts []part
	if err := json.Unmarshal(m.Content, &parts); err != nil {
		return 0, bad(".content", "must be a string or an array of parts")
	}
	images := 0
	for j, p := range parts {
		switch p.Type {
		case "text":
		case "image_url":
			if p.ImageURL == nil {
				return 0, bad(fmt.Sprintf(".content[%d].image_url", j), "missing")
			}
			if err := checkImage(p.ImageURL.URL, maxImage); err != nil {
				return 0, bad(fmt.Sprintf(".content[%d].image_url.url", j), "%s", err.Error())
			}
			images++
		default:
			return 0, bad(fmt.Sprintf(".content[%d].type", j), "must be text or image_url, not %q", p.Type)
		}
	}
	return images, nil
}

// checkImage accepts a base64 data URL of a known image type whose
// decoded size is within max. Remote URLs are refused: the competitor
// would fetch them, and the page only ever attaches local files.
func checkImage(u string, max int) error {
	head, data, ok := strings.Cut(u, ",")
	if !ok || !strings.HasPrefix(head, "data:") || !strings.HasSuffix(head, ";base64") {
		return fmt.Errorf("must be a base64 data: URL of an image")
	}
	mt := strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(head, "data:"), ";base64"))
	known := false
	for _, t := range imageTypes {
		known = known || mt == t
	}
	if !known {
		return fmt.Errorf("image type %q: want one of %s", mt, strings.Join(imageTypes, ", "))
	}
	if n := base64.StdEncoding.DecodedLen(len(data)); n > max+3 {
		return fmt.Errorf("image of about %d bytes, more than the %d allowed", n, max)
	}
	raw, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		return fmt.Errorf("bad base64: %v", err)
	}
	if len(raw) > max {
		return fmt.Errorf("image of %d bytes, more than the %d allowed", len(raw), max)
	}
	return nil
}

// arenaRequest is the body sent to the gateway's arena endpoint.
type arenaRequest struct {
	Model         string          `json:"model"`
	Messages      []clientMessage `json:"messages"`
	Stream        bool            `json:"stream"`
	StreamOptions struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
}

// arenaBody builds the arena body from a checked request: the competitors
// are the gateway's choice, never the page's.
func arenaBody(cr clientRequest) []byte {
	ar := arenaRequest{Model: cr.Model, Messages: cr.Messages, Stream: true}
	ar.StreamOptions.IncludeUsage = true
	b, _ := json.Marshal(ar)
	return b
}
