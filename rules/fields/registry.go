package fields

import "fmt"

// Registry is the immutable set of fields the syscall source supports.
type Registry struct {
	fields []Field           // indexed by ID; fields[0] is unused
	byName map[string]ID     // dotted name → ID
	dotted []ID              // DottedArg fields, tried as name prefixes
	rawarg map[string]*Field // evt.rawarg typed by parameter name
}

// NewRegistry builds the registry of the syscall source.
func NewRegistry() *Registry {
	r := &Registry{
		fields: make([]Field, NumFields),
		byName: make(map[string]ID, NumFields),
		rawarg: make(map[string]*Field, len(paramTypes)),
	}
	for _, class := range syscallFieldClasses {
		for _, f := range class {
			if f.ID == 0 || f.ID >= NumFields || r.fields[f.ID].Name != "" {
				continue // a broken table; TestFieldIDs reports it
			}
			r.fields[f.ID] = f
			r.byName[f.Name] = f.ID
			if f.Flags.Has(DottedArg) {
				r.dotted = append(r.dotted, f.ID)
			}
		}
	}
	generic := r.fields[EvtRawarg]
	for name, t := range paramTypes {
		f := generic
		f.Type = t
		r.rawarg[name] = &f
	}
	return r
}

// Field returns the descriptor of id, or nil when id is not registered.
func (r *Registry) Field(id ID) *Field {
	if id == 0 || int(id) >= len(r.fields) || r.fields[id].Name == "" {
		return nil
	}
	return &r.fields[id]
}

// Fields returns every field in ID order. The slice is shared and must not
// be modified.
func (r *Registry) Fields() []Field { return r.fields[1:] }

// Lookup returns the field registered under exactly name (no argument, no
// dotted suffix), or nil.
func (r *Registry) Lookup(name string) *Field {
	if id, ok := r.byName[name]; ok {
		return &r.fields[id]
	}
	return nil
}

// UnknownFieldError reports a field name the registry does not know.
type UnknownFieldError struct{ Name string }

func (e *UnknownFieldError) Error() string { return fmt.Sprintf("unknown field %q", e.Name) }

// UnknownParamError reports an `evt.rawarg.NAME` whose NAME is not a
// parameter of any event type.
type UnknownParamError struct{ Name string }

func (e *UnknownParamError) Error() string { return fmt.Sprintf("unknown event argument %s", e.Name) }
