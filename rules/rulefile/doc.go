// Package rulefile reads Falco rules files (YAML) and collects their lists,
// macros and rules with Falco's loading semantics: multi-document files,
// redefinition, the deprecated `append: true`, `override:` with append and
// replace, the `enabled`-only shorthand, structured exceptions and the
// engine/plugin requirement items. It produces the resolved material that the
// rules compiler (package rules) parses and compiles; it does not parse
// conditions or outputs itself.
//
// Files are added in order to one Collection, exactly as Falco loads several
// rules files into one collector: later files may append to, override or
// redefine items of earlier files, never the other way round. Every
// definition, append and override advances one sequence shared by lists,
// macros and rules; items remember the sequence number of their first
// definition (Index) and of their last change (Visibility), which is what the
// ordering rules of the language are expressed in:
//
//   - an item of list L names another list M (and is replaced by M's items)
//     only if M.Index < L.Visibility, one level deep;
//   - a macro may reference another macro only if the referenced macro's
//     Index is below the referencing macro's Visibility (checked by the
//     compiler);
//   - rules are evaluated in Index order; redefining a rule keeps its place.
//
// Lists are substituted into conditions textually, with Falco's quirks
// (ExpandLists), and exceptions are expanded into the rule's condition text
// (Rule.Condition) exactly as Falco writes them.
//
// Invariants:
//   - Add never panics and always terminates, whatever the input. Inputs that
//     would expand beyond fixed bounds (YAML alias bombs, list flattening,
//     list substitution) are reported as errors, not attempted.
//   - Every Problem carries the file, line and column of the item, key or
//     value it is about, the item's kind and name when known, and a stable
//     Code. All problems of a file are reported: an item with an error is
//     skipped as a whole (the collection is left as if it were absent) and
//     reading continues with the next item. A YAML syntax error stops that
//     file, and nothing of it is collected.
//   - Lists, Macros and Rules return fresh views rebuilt after each Add;
//     mutating them (the compiler sets Used flags) never changes the
//     collection. A Collection is not safe for concurrent use.
package rulefile
