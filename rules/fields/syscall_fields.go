package fields

// syscallFields is the field table of the syscall source, in the order
// `vigil fields` lists them.
var syscallFields = []Field{
	{Name: "evt.type", Type: TypeString, Desc: "Event type: the syscall or event name, e.g. openat."},
}
