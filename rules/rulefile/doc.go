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
//     compiler; rules may reference any macro);
//   - rules are evaluated in Index order; redefining a rule keeps its place.
//
// Lists are substituted into conditions textually, with Falco's quirks
// (Expand, ExpandLists), and exceptions are expanded into the rule's
// condition text (Rule.Condition) exactly as Falco writes them. Rule.CondPosAt,
// Rule.OutputPosAt, Macro.CondPosAt and Expansion.Origin map an offset in
// those texts back to a line and column of the rules file.
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
//   - Lists, Macros and Rules return views rebuilt after each Add; mutating
//     them (the compiler sets Used flags) never changes the collection, and
//     Used flags start afresh after every Add. A Collection is not safe for
//     concurrent use.
//
// Where Vigil deliberately differs from Falco 0.42–0.44:
//   - Falco stops a file at its first error; Vigil reports every problem and
//     collects the items without errors (the load still fails).
//   - `source:` null or empty in a full rule definition means the default
//     (syscall) instead of an error; in appends and overrides it means
//     "unspecified", as in Falco.
//   - An `override:` that is not a mapping is ignored as in Falco, but with a
//     LOAD_UNKNOWN_KEY warning.
//   - Exceptions given with `override: {exceptions: replace}` are validated
//     and get their default comps, like defined ones (Falco skips this).
//     Exception values are checked against their fields when read, not when
//     compiled, and nesting deeper than Falco can represent is an error.
//     Whether exception fields exist is for the compiler to check.
//   - required_plugin_versions is checked as each file is added: a
//     requirement no provided plugin satisfies is a LOAD_UNSUPPORTED_PLUGIN
//     error. By default the container plugin counts as provided (see
//     Options.Plugins).
//   - Additional warnings: LOAD_DUPLICATE_KEY for a key repeated in one
//     mapping (the first wins, as in yaml-cpp), LOAD_UNKNOWN_KEY also inside
//     exceptions and plugin requirements.
//   - LOAD_UNKNOWN_SOURCE is not reported here: rules of unknown sources are
//     collected with Rule.UnknownSource set, and the compiler skips them with
//     that warning.
package rulefile
