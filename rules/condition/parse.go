package condition

import "fmt"

// DefaultMaxDepth bounds the nesting of parentheses, nots and transformers.
const DefaultMaxDepth = 1000

// Options tune Parse.
type Options struct {
	// MaxDepth bounds nesting; 0 means DefaultMaxDepth.
	MaxDepth int
}

// SyntaxError is a parse failure at a position of the condition text.
type SyntaxError struct {
	Pos Pos
	Msg string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%d:%d: %s", e.Pos.Line, e.Pos.Col, e.Msg)
}

// Parse parses a complete condition. A failure is a *SyntaxError.
func Parse(text string, opts Options) (Expr, error) {
	return nil, &SyntaxError{Pos: Pos{Line: 1, Col: 1}, Msg: "parser not implemented"}
}
