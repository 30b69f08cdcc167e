// Package condition parses the Falco condition language into an AST.
//
// The grammar, operator lexing and string escaping follow Falco's filter
// parser; see docs/rules.md. Lists are substituted textually before parsing
// and macros are resolved on the AST by the rules compiler, so this package
// knows nothing about either: a bare identifier is an Ident node.
//
// Invariants:
//   - Parse never panics and always terminates; nesting deeper than
//     Options.MaxDepth is a syntax error, not a stack overflow.
//   - Every node carries the byte offset (and line/column) of its first
//     character in the parsed text.
//   - The AST is immutable once returned; the compiler clones nothing.
package condition
