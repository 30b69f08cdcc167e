package fields

// syscallFieldClasses is the field table of the syscall source, in the
// order `vigil fields` lists it; together the classes hold every ID from 1
// to NumFields-1 exactly once.
var syscallFieldClasses = [][]Field{evtFields, procFields, userFields, fdFields, containerFields}
