package rulefile

import (
	"strconv"
	"strings"
)

// Severity tells whether a problem fails the load (error) or not (warning).
// The zero value is SeverityError, so a Problem built without a severity
// fails safe.
type Severity uint8

// Severities.
const (
	SeverityError Severity = iota
	SeverityWarning
)

// String returns "error" or "warning".
func (s Severity) String() string {
	if s == SeverityWarning {
		return "warning"
	}
	return "error"
}

// Code is a stable identifier of a kind of problem. Where Falco has a name for
// the condition, the code is Falco's load_result name.
type Code string

// Error codes (Falco's load_result error codes, plus Vigil's
// LOAD_UNSUPPORTED_PLUGIN).
const (
	CodeFileRead          Code = "LOAD_ERR_FILE_READ"
	CodeYAMLParse         Code = "LOAD_ERR_YAML_PARSE"
	CodeYAMLValidate      Code = "LOAD_ERR_YAML_VALIDATE"
	CodeCompileCondition  Code = "LOAD_ERR_COMPILE_CONDITION"
	CodeCompileOutput     Code = "LOAD_ERR_COMPILE_OUTPUT"
	CodeValidate          Code = "LOAD_ERR_VALIDATE"
	CodeExtension         Code = "LOAD_ERR_EXTENSION"
	CodeUnsupportedPlugin Code = "LOAD_UNSUPPORTED_PLUGIN"
)

// Warning codes (Falco's load_result warning codes, plus Vigil's
// LOAD_DUPLICATE_KEY).
//
// LOAD_TOO_MANY_PROBLEMS summarises the problems of a file beyond the first
// thousand; it is an error when any of them is.
const (
	CodeUnknownSource          Code = "LOAD_UNKNOWN_SOURCE"
	CodeUnsafeNACheck          Code = "LOAD_UNSAFE_NA_CHECK"
	CodeNoEvttype              Code = "LOAD_NO_EVTTYPE"
	CodeUnknownFilter          Code = "LOAD_UNKNOWN_FILTER"
	CodeUnusedMacro            Code = "LOAD_UNUSED_MACRO"
	CodeUnusedList             Code = "LOAD_UNUSED_LIST"
	CodeUnknownItem            Code = "LOAD_UNKNOWN_ITEM"
	CodeDeprecatedItem         Code = "LOAD_DEPRECATED_ITEM"
	CodeWarningExtension       Code = "LOAD_WARNING_EXTENSION"
	CodeAppendNoValues         Code = "LOAD_APPEND_NO_VALUES"
	CodeExceptionNameNotUnique Code = "LOAD_EXCEPTION_NAME_NOT_UNIQUE"
	CodeInvalidMacroName       Code = "LOAD_INVALID_MACRO_NAME"
	CodeInvalidListName        Code = "LOAD_INVALID_LIST_NAME"
	CodeCompileConditionHint   Code = "LOAD_COMPILE_CONDITION"
	CodeUnknownKey             Code = "LOAD_UNKNOWN_KEY"
	CodeDuplicateKey           Code = "LOAD_DUPLICATE_KEY"
	CodeTooManyProblems        Code = "LOAD_TOO_MANY_PROBLEMS"
)

// Item kinds used in Problem.ItemKind.
const (
	KindList                   = "list"
	KindMacro                  = "macro"
	KindRule                   = "rule"
	KindRequiredEngineVersion  = "required_engine_version"
	KindRequiredPluginVersions = "required_plugin_versions"
	KindItem                   = "item" // an entry whose kind is unknown or not yet decided
)

// Position is a place in a rules file. Line and Col are 1-based; 0 means
// unknown (a YAML syntax error may only know its line).
type Position struct {
	File      string
	Line, Col int
}

// String renders "file:line:col", leaving out unknown parts.
func (p Position) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(p.Line))
		if p.Col > 0 {
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(p.Col))
		}
	}
	return b.String()
}

// Problem is one error or warning found while loading rules.
type Problem struct {
	Severity Severity
	Code     Code
	Pos      Position
	ItemKind string // KindList, KindMacro, KindRule, ... or "" for the file itself
	ItemName string
	Message  string
}

// String renders the problem on one line:
//
//	file:12:3: error LOAD_ERR_VALIDATE: rule 'X': message
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.Pos.String())
	b.WriteString(": ")
	b.WriteString(p.Severity.String())
	b.WriteByte(' ')
	b.WriteString(string(p.Code))
	b.WriteString(": ")
	if p.ItemKind != "" {
		b.WriteString(p.ItemKind)
		if p.ItemName != "" {
			b.WriteString(" '")
			b.WriteString(p.ItemName)
			b.WriteByte('\'')
		}
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// HasErrors reports whether any of the problems is an error.
func HasErrors(problems []Problem) bool {
	for _, p := range problems {
		if p.Severity == SeverityError {
			return true
		}
	}
	return false
}
