package rulefile

import (
	"reflect"
	"testing"
)

func TestRequiredEngineVersion(t *testing.T) {
	tests := []struct {
		name  string
		yaml  string
		max   string
		wants []want
	}{
		{"semver", "- required_engine_version: 0.57.0\n", "0.57.0", nil},
		{"older", "- required_engine_version: 0.31.0\n", "0.31.0", nil},
		{"integer", "- required_engine_version: 26\n", "0.26.0", nil},
		{"quoted integer", "- required_engine_version: '15'\n", "0.15.0", nil},
		{"hex integer", "- required_engine_version: 0x10\n", "0.16.0", nil},
		{"trailing text", "- required_engine_version: 0.50.0-rc1\n", "0.50.0", nil},
		{"maximum kept", "- required_engine_version: 0.40.0\n- required_engine_version: 12\n- required_engine_version: 0.57.0\n- required_engine_version: 0.50.0\n", "0.57.0", nil},
		{"newer minor", "- required_engine_version: 0.58.0\n", "",
			[]want{{sev: SeverityError, code: CodeValidate, line: 1, col: 28, kind: KindRequiredEngineVersion, msg: "rules require engine version 0.58.0, but engine version is 0.57.0"}}},
		{"newer patch", "- required_engine_version: 0.57.1\n", "", []want{errw(CodeValidate, 1, 28, "require engine version 0.57.1")}},
		{"newer integer", "- required_engine_version: 60\n", "", []want{errw(CodeValidate, 1, 28, "require engine version 0.60.0")}},
		{"other major", "- required_engine_version: 1.0.0\n", "", []want{errw(CodeValidate, 1, 28, "require engine version 1.0.0")}},
		{"unparsable", "- required_engine_version: seven\n", "",
			[]want{errw(CodeYAMLValidate, 1, 28, "cannot parse engine version 'seven'")}},
		{"two numbers", "- required_engine_version: 0.57\n", "", []want{errw(CodeYAMLValidate, 1, 28, "cannot parse")}},
		{"negative", "- required_engine_version: -1\n", "", []want{errw(CodeYAMLValidate, 1, 28, "cannot parse")}},
		{"empty", "- required_engine_version:\n", "", []want{errw(CodeYAMLValidate, 1, 27, "Mapping for key 'required_engine_version' is empty")}},
		{"sequence", "- required_engine_version: [1]\n", "", []want{errw(CodeYAMLValidate, 1, 28, "not a scalar value")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ps := load(t, tt.yaml)
			expectProblems(t, ps, tt.wants...)
			if got := c.RequiredEngineVersion(); got != tt.max {
				t.Errorf("max %q, want %q", got, tt.max)
			}
		})
	}
}

func TestRequiredEngineVersionAcrossFiles(t *testing.T) {
	c, _ := loadOK(t, "- required_engine_version: 0.50.0\n", "- required_engine_version: 0.31.0\n")
	if c.RequiredEngineVersion() != "0.50.0" {
		t.Fatal(c.RequiredEngineVersion())
	}
	c, err := NewCollectionWith(Options{EngineVersion: "0.63.0"})
	if err != nil {
		t.Fatal(err)
	}
	if ps := c.Add(Source{Name: "f", Data: []byte("- required_engine_version: 0.62.0\n")}); len(ps) != 0 {
		t.Fatal(ps)
	}
	if _, err := NewCollectionWith(Options{EngineVersion: "x"}); err == nil {
		t.Fatal("bad engine version accepted")
	}
}

func TestRequiredPluginVersions(t *testing.T) {
	tests := []struct {
		name  string
		yaml  string
		reqs  []PluginRequirement
		wants []want
	}{
		{"container", "- required_plugin_versions:\n  - name: container\n    version: 0.4.0\n",
			[]PluginRequirement{{Alternatives: []PluginVersion{{"container", "0.4.0"}}, Pos: Position{"f1.yaml", 2, 5}}}, nil},
		{"any container version", "- required_plugin_versions:\n  - name: container\n    version: 9.0.0\n",
			[]PluginRequirement{{Alternatives: []PluginVersion{{"container", "9.0.0"}}, Pos: Position{"f1.yaml", 2, 5}}}, nil},
		{"satisfied by an alternative", `
- required_plugin_versions:
  - name: k8saudit
    version: 0.1.0
    alternatives:
      - name: container
        version: 0.4.0
`, []PluginRequirement{{Alternatives: []PluginVersion{{"k8saudit", "0.1.0"}, {"container", "0.4.0"}}, Pos: Position{"f1.yaml", 3, 5}}}, nil},
		{"unsupported plugin", "- required_plugin_versions:\n  - name: k8saudit\n    version: 0.1.0\n    alternatives:\n      - name: k8saudit-eks\n        version: 0.2.0\n",
			[]PluginRequirement{{Alternatives: []PluginVersion{{"k8saudit", "0.1.0"}, {"k8saudit-eks", "0.2.0"}}, Pos: Position{"f1.yaml", 2, 5}}},
			[]want{{sev: SeverityError, code: CodeUnsupportedPlugin, line: 2, col: 5, kind: KindRequiredPluginVersions,
				msg: "plugin requirement not satisfied: Vigil provides none of k8saudit (>= 0.1.0), k8saudit-eks (>= 0.2.0)"}}},
		{"not a sequence", "- required_plugin_versions: container\n", nil,
			[]want{errw(CodeYAMLValidate, 1, 29, "value of required_plugin_versions must be a sequence")}},
		{"entry not a mapping", "- required_plugin_versions: [container]\n", nil,
			[]want{errw(CodeYAMLValidate, 1, 30, "plugin requirement must be a mapping")}},
		{"missing version", "- required_plugin_versions:\n  - name: container\n", nil,
			[]want{errw(CodeYAMLValidate, 2, 5, "Item has no mapping for key 'version'")}},
		{"missing name", "- required_plugin_versions:\n  - version: 1.0.0\n", nil,
			[]want{errw(CodeYAMLValidate, 2, 5, "Item has no mapping for key 'name'")}},
		{"invalid version", "- required_plugin_versions:\n  - name: container\n    version: latest\n", nil,
			[]want{errw(CodeValidate, 3, 14, "invalid required version 'latest' for plugin 'container'")}},
		{"alternatives not a sequence", "- required_plugin_versions:\n  - name: a\n    version: 1.0.0\n    alternatives: b\n", nil,
			[]want{errw(CodeYAMLValidate, 4, 19, "alternatives must be a sequence")}},
		{"alternative not a mapping", "- required_plugin_versions:\n  - name: a\n    version: 1.0.0\n    alternatives: [b]\n", nil,
			[]want{errw(CodeYAMLValidate, 4, 20, "alternative must be a mapping")}},
		{"duplicate name", "- required_plugin_versions:\n  - name: container\n    version: 1.0.0\n    alternatives:\n      - name: container\n        version: 0.4.0\n", nil,
			[]want{errw(CodeValidate, 2, 5, "plugin 'container' appears more than once")}},
		{"unknown keys", "- required_plugin_versions:\n  - name: container\n    version: 0.4.0\n    optional: true\n",
			[]PluginRequirement{{Alternatives: []PluginVersion{{"container", "0.4.0"}}, Pos: Position{"f1.yaml", 2, 5}}},
			[]want{warnw(CodeUnknownKey, 4, 5, "unknown key 'optional'")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ps := load(t, tt.yaml)
			expectProblems(t, ps, tt.wants...)
			if got := c.RequiredPlugins(); !reflect.DeepEqual(got, tt.reqs) && !(len(got) == 0 && len(tt.reqs) == 0) {
				t.Errorf("requirements %+v, want %+v", got, tt.reqs)
			}
		})
	}
}

func TestProvidedPluginVersions(t *testing.T) {
	c, err := NewCollectionWith(Options{Plugins: []PluginVersion{{Name: "container", Version: "0.5.2"}}})
	if err != nil {
		t.Fatal(err)
	}
	for ver, ok := range map[string]bool{"0.4.0": true, "0.5.2": true, "0.5.3": false, "1.0.0": false, "0.0.1": true} {
		ps := c.Add(Source{Name: "f", Data: []byte("- required_plugin_versions:\n  - name: container\n    version: " + ver + "\n")})
		if HasErrors(ps) == ok {
			t.Errorf("container %s required, 0.5.2 provided: problems %v", ver, ps)
		}
	}
	// The first alternative naming a provided plugin decides.
	ps := c.Add(Source{Name: "f", Data: []byte("- required_plugin_versions:\n  - name: container\n    version: 0.9.0\n    alternatives:\n      - name: container2\n        version: 0.1.0\n")})
	if !HasErrors(ps) {
		t.Error("a too old provided plugin fails the requirement")
	}
	if _, err := NewCollectionWith(Options{Plugins: []PluginVersion{{Name: "x", Version: "new"}}}); err == nil {
		t.Error("bad plugin version accepted")
	}
	none, _ := NewCollectionWith(Options{Plugins: []PluginVersion{}})
	if ps := none.Add(Source{Name: "f", Data: []byte("- required_plugin_versions:\n  - name: container\n    version: 0.4.0\n")}); !HasErrors(ps) {
		t.Error("no plugins provided")
	}
}

func TestVersionParsing(t *testing.T) {
	for in, want := range map[string]string{"1.2.3": "1.2.3", " 1. 2. 3": "1.2.3", "+1.2.3x": "1.2.3", "0.57.0-rc": "0.57.0"} {
		v, ok := parseVersion(in)
		if !ok || v.String() != want {
			t.Errorf("parseVersion(%q) = %v %v", in, v, ok)
		}
	}
	for _, in := range []string{"", "1", "1.2", "1.2.", "a.b.c", "1..3", "-1.2.3", "99999999999999999999.0.0"} {
		if _, ok := parseVersion(in); ok {
			t.Errorf("parseVersion(%q) accepted", in)
		}
	}
	for in, want := range map[string]uint64{"26": 26, "+5": 5, "0x1f": 31, "010": 8, "0": 0} {
		if v, ok := parseEngineInteger(in); !ok || v != want {
			t.Errorf("parseEngineInteger(%q) = %d %v", in, v, ok)
		}
	}
	for _, in := range []string{"", "-1", "0.5", "1e3", "0x", "08", "4294967296", "++1", "1_000"} {
		if _, ok := parseEngineInteger(in); ok {
			t.Errorf("parseEngineInteger(%q) accepted", in)
		}
	}
}
