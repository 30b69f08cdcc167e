package rulefile

import (
	"fmt"
	"strings"
)

// Priority is a rule's severity, in Falco's order from most to least severe.
// The zero value is PriorityInvalid, so an unset priority is never mistaken
// for Emergency.
type Priority uint8

// Priorities, most severe first.
const (
	PriorityInvalid Priority = iota
	PriorityEmergency
	PriorityAlert
	PriorityCritical
	PriorityError
	PriorityWarning
	PriorityNotice
	PriorityInformational
	PriorityDebug
)

// priorityNames are the canonical lowercase names; titles are the forms Falco
// prints in alerts ("Warning", "Informational").
var (
	priorityNames  = [...]string{"invalid", "emergency", "alert", "critical", "error", "warning", "notice", "informational", "debug"}
	priorityTitles = [...]string{"Invalid", "Emergency", "Alert", "Critical", "Error", "Warning", "Notice", "Informational", "Debug"}
)

// ParsePriority accepts Falco's priority names in any letter case:
// emergency, alert, critical, error, warning, notice, informational (or
// info), debug. Surrounding blanks are not accepted, as in Falco.
func ParsePriority(s string) (Priority, error) {
	for p := PriorityEmergency; p <= PriorityDebug; p++ {
		if strings.EqualFold(s, priorityNames[p]) {
			return p, nil
		}
	}
	if strings.EqualFold(s, "info") {
		return PriorityInformational, nil
	}
	return PriorityInvalid, fmt.Errorf("invalid priority %q: want one of emergency, alert, critical, error, warning, notice, informational (info), debug", s)
}

// Valid reports whether p is one of the eight priorities.
func (p Priority) Valid() bool { return p >= PriorityEmergency && p <= PriorityDebug }

// String returns the canonical lowercase name ("informational", never
// "info"); the form used for metric labels and configuration.
func (p Priority) String() string {
	if !p.Valid() {
		return priorityNames[0]
	}
	return priorityNames[p]
}

// Title returns the capitalised name Falco prints in alert lines and JSON
// ("Warning", "Informational").
func (p Priority) Title() string {
	if !p.Valid() {
		return priorityTitles[0]
	}
	return priorityTitles[p]
}

// Less reports whether p is less severe than q (Debug is less severe than
// Emergency).
func (p Priority) Less(q Priority) bool { return p > q }

// AtLeast reports whether p is at least as severe as min: the test Falco's
// minimum-priority setting applies (priority: warning keeps warning, error,
// critical, alert and emergency rules).
func (p Priority) AtLeast(min Priority) bool { return p.Valid() && p <= min }
