// Package condition parses the Falco condition language into an AST.
//
// The grammar, operator lexing and string escaping follow Falco's filter
// parser; see docs/rules.md. Lists are substituted textually before parsing
// and macros are resolved on the AST by the rules compiler, so this package
// knows nothing about either: a bare identifier is an Ident node.
//
// Invariants:
//   - Parse never panics and always terminates, in time linear in the input;
//     recursion deeper than Options.MaxDepth is a syntax error, not a stack
//     overflow. Depth is counted per grammar level as Falco counts it (one
//     parenthesised group costs five); a run of "not not not ..." is a loop
//     and costs nothing, as in Falco.
//   - Every node carries the byte offset (and line/column) of its first
//     character in the parsed text. Only '\n' starts a line.
//   - The AST is immutable once returned; the compiler clones nothing.
//   - String() of any node is canonical condition text that parses back to
//     a tree with the same String().
//   - Values are not interpreted: numbers, booleans, "<NA>" and the like are
//     text, typed by the compiler against the field. Value.Text is the raw
//     text of a bare value and the decoded text of a quoted one.
//
// Parse accepts what Falco's parser accepts and rejects what it rejects,
// with three deliberate exceptions, each an error here:
//   - a word operator run into a following list operator
//     ("x.y containsin (a)"), which Falco reads as "in";
//   - an invalid escape in the first item of a list ("x.y in ("\q")"),
//     which Falco reads as an empty list;
//   - transformer calls the AST cannot represent: arguments other than one
//     field or transformer, "[arg]" after the call, and the Falco 0.44
//     transformers join, concat and getopt. Falco rejects the first two at
//     load time anyway.
package condition
