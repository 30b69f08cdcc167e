package fields

import (
	"fmt"
	"strconv"
	"strings"
)

// maxArgIndex bounds numeric field arguments (ancestor depth, parameter
// position, mount number).
const maxArgIndex = 1 << 20

// Resolve resolves a field as written in a condition or an output: name is
// the field name as the parser split it (possibly with a dotted argument,
// `evt.arg.flags`, `k8s.pod.label.app`) and arg the text between brackets
// when hasArg is set (`proc.aname[2]` → "proc.aname", "2", true).
//
// A name that is not registered is tried as the longest registered
// DottedArg field followed by a dot and a key. The argument is checked
// against the field's ArgSpec. An unknown name yields *UnknownFieldError; an
// `evt.arg` or `evt.rawarg` parameter no event has yields *UnknownParamError. For
// `evt.rawarg` the returned Field carries the parameter's type.
func (r *Registry) Resolve(name, arg string, hasArg bool) (Ref, *Field, error) {
	if id, ok := r.byName[name]; ok {
		f := &r.fields[id]
		if !hasArg {
			switch f.Arg {
			case ArgIndexRequired, ArgKeyRequired, ArgIndexOrKey:
				return Ref{}, nil, fmt.Errorf("field %s requires an argument", name)
			}
			return Ref{ID: id}, f, nil
		}
		a, err := parseArg(f, arg)
		if err != nil {
			return Ref{}, nil, err
		}
		return r.typed(Ref{ID: id, Arg: a}, f)
	}
	for _, id := range r.dotted {
		f := &r.fields[id]
		if len(name) <= len(f.Name) || name[len(f.Name)] != '.' || !strings.HasPrefix(name, f.Name) {
			continue
		}
		key := name[len(f.Name)+1:]
		switch {
		case key == "":
			return Ref{}, nil, fmt.Errorf("field %s: empty argument after the dot", f.Name)
		case hasArg:
			return Ref{}, nil, fmt.Errorf("field %s: argument given twice, as .%s and as [%s]", f.Name, key, arg)
		}
		return r.typed(Ref{ID: id, Arg: Arg{Kind: ArgKey, Key: key}}, f)
	}
	return Ref{}, nil, &UnknownFieldError{Name: name}
}

// typed returns the typed variant of evt.rawarg for the parameter ref names.
func (r *Registry) typed(ref Ref, f *Field) (Ref, *Field, error) {
	if ref.ID == EvtArg && ref.Arg.Kind == ArgKey && !ParamKnown(ref.Arg.Key) {
		return Ref{}, nil, &UnknownParamError{Name: ref.Arg.Key} // a misspelt evt.arg.NAME would never match
	}
	if ref.ID != EvtRawarg {
		return ref, f, nil
	}
	if ref.Arg.Kind != ArgKey {
		return Ref{}, nil, fmt.Errorf("field %s takes a parameter name, not a position", f.Name)
	}
	tf, ok := r.rawarg[ref.Arg.Key]
	if !ok {
		return Ref{}, nil, &UnknownParamError{Name: ref.Arg.Key}
	}
	return ref, tf, nil
}

// parseArg checks a bracket argument against the field's ArgSpec.
func parseArg(f *Field, arg string) (Arg, error) {
	if f.Arg == ArgNotAllowed {
		return Arg{}, fmt.Errorf("field %s does not take an argument", f.Name)
	}
	if arg == "" {
		return Arg{}, fmt.Errorf("field %s: empty argument", f.Name)
	}
	n, isIndex := parseIndex(arg)
	switch f.Arg {
	case ArgIndexOptional, ArgIndexRequired:
		if !isIndex {
			return Arg{}, fmt.Errorf("field %s takes a numeric index from 0 to %d, not %q", f.Name, maxArgIndex, arg)
		}
		return Arg{Kind: ArgIndex, Index: n}, nil
	case ArgIndexOrKey:
		if isIndex {
			return Arg{Kind: ArgIndex, Index: n}, nil
		}
	}
	return Arg{Kind: ArgKey, Key: arg}, nil
}

// parseIndex parses a non-negative decimal index without sign.
func parseIndex(s string) (int, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n > maxArgIndex {
		return 0, false
	}
	return n, true
}
