package rulefile

import "testing"

func TestProblemString(t *testing.T) {
	tests := []struct {
		p    Problem
		want string
	}{
		{Problem{Severity: SeverityError, Code: CodeValidate, Pos: Position{File: "f.yaml", Line: 12, Col: 3}, ItemKind: KindRule, ItemName: "X", Message: "boom"},
			"f.yaml:12:3: error LOAD_ERR_VALIDATE: rule 'X': boom"},
		{Problem{Severity: SeverityWarning, Code: CodeUnknownItem, Pos: Position{File: "f.yaml", Line: 2, Col: 1}, ItemKind: KindItem, Message: "m"},
			"f.yaml:2:1: warning LOAD_UNKNOWN_ITEM: item: m"},
		{Problem{Severity: SeverityError, Code: CodeYAMLParse, Pos: Position{File: "f.yaml", Line: 7}, Message: "bad"},
			"f.yaml:7: error LOAD_ERR_YAML_PARSE: bad"},
		{Problem{Code: CodeFileRead, Pos: Position{File: "f.yaml"}, Message: "gone"},
			"f.yaml: error LOAD_ERR_FILE_READ: gone"},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}

func TestSeverity(t *testing.T) {
	var zero Problem
	if zero.Severity != SeverityError {
		t.Fatal("zero severity must be an error (fail safe)")
	}
	if SeverityError.String() != "error" || SeverityWarning.String() != "warning" {
		t.Fatal("severity names")
	}
	if !HasErrors([]Problem{{Severity: SeverityWarning}, {Severity: SeverityError}}) || HasErrors([]Problem{{Severity: SeverityWarning}}) {
		t.Fatal("HasErrors")
	}
}
