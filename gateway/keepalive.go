package gateway

// lineOnlyPings rewrites a competitor's own keep-alives for
// Options.KeepAliveLineOnly. A relayed comment block (": ping\n\n",
// ": OPENROUTER PROCESSING\n\n") ends with a blank line, and the readers the
// option exists for (openai-go up to v1.12) dispatch an empty event at every
// blank line and fail to decode it: relaying the competitor's ping verbatim
// would kill the very client the gateway's own line-only pings spare. Such a
// frame leaves as the gateway's pingLineFrame instead; the comment's text is
// lost, which no reader acts on. Frames with any field (data:, event:, id:,
// retry:) pass unchanged.
type lineOnlyPings struct {
	// afterCR is set when the frame just rewritten ended its blank line
	// with a lone "\r": the framer hands the "\n" of that CRLF over as a
	// frame of its own, which must go too, or it would be a blank line of
	// its own.
	afterCR bool
}

// newLineOnlyPings returns the rewriter of one relayed stream, or nil when
// the option is off (rewrite then relays every frame as it is).
func newLineOnlyPings(on bool) *lineOnlyPings {
	if !on {
		return nil
	}
	return &lineOnlyPings{}
}

// rewrite returns what to send for frame (an event frame when isEvent):
// frame itself, pingLineFrame for a comment-only block, or nil for the rest
// of a rewritten block's CRLF. Small enough to inline: the relay pays one
// nil check per frame when the option is off.
func (l *lineOnlyPings) rewrite(frame []byte, isEvent bool) []byte {
	if l == nil || (isEvent && !l.afterCR) {
		return frame
	}
	return l.slow(frame, isEvent)
}

// slow is rewrite for comment frames and the frame after a rewritten one.
func (l *lineOnlyPings) slow(frame []byte, isEvent bool) []byte {
	afterCR := l.afterCR
	l.afterCR = false
	if afterCR && len(frame) == 1 && frame[0] == '\n' {
		return nil
	}
	if isEvent || !commentOnly(frame) {
		return frame
	}
	l.afterCR = frame[len(frame)-1] == '\r'
	return pingLineFrame
}

// commentOnly reports whether frame is one or more comment lines (":…")
// and the blank line that ends them.
func commentOnly(frame []byte) bool {
	if len(frame) == 0 || frame[0] != ':' {
		return false
	}
	for len(frame) > 0 {
		j := indexEOL(frame)
		if j < 0 {
			return false // a frame always ends with its blank line
		}
		line := frame[:j]
		if frame[j] == '\r' && j+1 < len(frame) && frame[j+1] == '\n' {
			j++
		}
		frame = frame[j+1:]
		if len(line) == 0 {
			return len(frame) == 0
		}
		if line[0] != ':' {
			return false
		}
	}
	return false
}
