package fields

import "fmt"

// Registry is the immutable set of fields the syscall source supports.
type Registry struct {
	fields []Field        // indexed by ID; fields[0] is unused
	byName map[string]ID  // dotted name → ID
}

// NewRegistry builds the registry of the syscall source.
func NewRegistry() *Registry {
	r := &Registry{fields: make([]Field, 1, len(syscallFields)+1), byName: make(map[string]ID, len(syscallFields))}
	for _, f := range syscallFields {
		f.ID = ID(len(r.fields))
		r.fields = append(r.fields, f)
		r.byName[f.Name] = f.ID
	}
	return r
}

// Field returns the descriptor of id, or nil when id is not registered.
func (r *Registry) Field(id ID) *Field {
	if id == 0 || int(id) >= len(r.fields) {
		return nil
	}
	return &r.fields[id]
}

// Fields returns every field in registration order.
func (r *Registry) Fields() []Field { return r.fields[1:] }

// UnknownFieldError reports a field name the registry does not know.
type UnknownFieldError struct{ Name string }

func (e *UnknownFieldError) Error() string { return fmt.Sprintf("unknown field %q", e.Name) }
