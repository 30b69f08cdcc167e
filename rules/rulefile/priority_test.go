package rulefile

import "testing"

func TestParsePriority(t *testing.T) {
	tests := []struct {
		in   string
		want Priority
		ok   bool
	}{
		{"emergency", PriorityEmergency, true},
		{"EMERGENCY", PriorityEmergency, true},
		{"Alert", PriorityAlert, true},
		{"critical", PriorityCritical, true},
		{"CRITICAL", PriorityCritical, true},
		{"error", PriorityError, true},
		{"ERROR", PriorityError, true},
		{"warning", PriorityWarning, true},
		{"WARNING", PriorityWarning, true},
		{"wArNiNg", PriorityWarning, true},
		{"notice", PriorityNotice, true},
		{"NOTICE", PriorityNotice, true},
		{"informational", PriorityInformational, true},
		{"Informational", PriorityInformational, true},
		{"info", PriorityInformational, true},
		{"INFO", PriorityInformational, true},
		{"debug", PriorityDebug, true},
		{"DEBUG", PriorityDebug, true},
		{"warn", PriorityInvalid, false},
		{"err", PriorityInvalid, false},
		{" info", PriorityInvalid, false},
		{"info ", PriorityInvalid, false},
		{"", PriorityInvalid, false},
		{"invalid", PriorityInvalid, false},
		{"7", PriorityInvalid, false},
	}
	for _, tt := range tests {
		got, err := ParsePriority(tt.in)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("ParsePriority(%q) = %v, %v; want %v ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestPriorityNamesAndOrder(t *testing.T) {
	names := []string{"emergency", "alert", "critical", "error", "warning", "notice", "informational", "debug"}
	titles := []string{"Emergency", "Alert", "Critical", "Error", "Warning", "Notice", "Informational", "Debug"}
	for i, n := range names {
		p := PriorityEmergency + Priority(i)
		if p.String() != n || p.Title() != titles[i] || !p.Valid() {
			t.Errorf("priority %d: %q %q", p, p.String(), p.Title())
		}
		back, err := ParsePriority(p.String())
		if err != nil || back != p {
			t.Errorf("round trip %v", p)
		}
	}
	if PriorityInvalid.Valid() || PriorityInvalid.String() != "invalid" || Priority(200).String() != "invalid" {
		t.Error("invalid priority")
	}
	if !PriorityDebug.Less(PriorityEmergency) || PriorityEmergency.Less(PriorityDebug) || PriorityWarning.Less(PriorityWarning) {
		t.Error("Less")
	}
	if !PriorityError.AtLeast(PriorityWarning) || !PriorityWarning.AtLeast(PriorityWarning) || PriorityNotice.AtLeast(PriorityWarning) {
		t.Error("AtLeast")
	}
	if PriorityInvalid.AtLeast(PriorityDebug) {
		t.Error("invalid priority is never at least anything")
	}
}
