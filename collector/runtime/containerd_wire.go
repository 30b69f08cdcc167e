package runtime

import (
	"errors"
	"fmt"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
)

// The few containerd API messages the Containerd client exchanges, encoded
// and decoded by hand with protowire instead of importing containerd's
// generated code. Field numbers follow containerd's
// api/services/containers/v1/containers.proto, api/services/tasks/v1/tasks.proto
// and api/types/task/task.proto (stable since containerd 1.0); the proto
// well-known types follow google/protobuf/{any,timestamp}.proto.
const (
	// GetContainerRequest { string id = 1; }
	fGetRequestID = 1
	// GetContainerResponse { Container container = 1; }
	fGetResponseContainer = 1

	// Container (containers.proto).
	fContainerID          = 1  // string id
	fContainerLabels      = 2  // map<string, string> labels
	fContainerImage       = 3  // string image
	fContainerRuntime     = 4  // Runtime runtime { string name = 1; Any options = 2; }
	fContainerSpec        = 5  // google.protobuf.Any spec
	fContainerSnapshotter = 6  // string snapshotter
	fContainerCreatedAt   = 8  // google.protobuf.Timestamp created_at
	fContainerExtensions  = 10 // map<string, google.protobuf.Any> extensions
	fContainerSandbox     = 11 // string sandbox (containerd 2.0)

	fRuntimeName = 1 // Container.Runtime.name

	// A map entry is a message { key = 1; value = 2; }.
	fMapKey   = 1
	fMapValue = 2

	// google.protobuf.Any { string type_url = 1; bytes value = 2; }
	fAnyTypeURL = 1
	fAnyValue   = 2

	// google.protobuf.Timestamp { int64 seconds = 1; int32 nanos = 2; }
	fTimestampSeconds = 1
	fTimestampNanos   = 2

	// ListTasksRequest { string filter = 1; } is sent empty.
	// ListTasksResponse { repeated containerd.v1.types.Process tasks = 1; }
	fListTasksTasks = 1
	// Process (task.proto) { string container_id = 1; string id = 2; ...;
	// Status status = 4; }. containerd 1.6 leaves container_id empty in
	// Tasks/List and puts the container id in id (a task's id is its
	// container's).
	fProcessContainerID = 1
	fProcessID          = 2
	fProcessStatus      = 4
)

// Task status values of containerd.v1.types.Status (task.proto).
const (
	taskUnknown = 0
	taskCreated = 1
	taskRunning = 2
	taskStopped = 3
	taskPaused  = 4
	taskPausing = 5
)

// ctrdContainer is the part of a containerd Container the client reads.
type ctrdContainer struct {
	ID          string
	Labels      map[string]string
	Image       string
	Runtime     string
	SpecType    string
	Spec        []byte // the runtime spec, JSON for OCI specs
	Snapshotter string
	CreatedAt   int64 // Unix ns, 0 when absent
	Sandbox     string
	Extensions  map[string][]byte // extension name → Any.value, only those we read
}

// maxLabels bounds the labels decoded from one container.
const maxLabels = 4096

var errWire = errors.New("malformed protobuf")

// encodeGetRequest encodes GetContainerRequest{id}.
func encodeGetRequest(id string) []byte {
	b := protowire.AppendTag(nil, fGetRequestID, protowire.BytesType)
	return protowire.AppendString(b, id)
}

// field is one decoded protobuf field: its number, wire type and either the
// varint value or the length-delimited bytes.
type field struct {
	num    protowire.Number
	typ    protowire.Type
	varint uint64
	bytes  []byte
}

// eachField calls fn for every field of msg in order; it fails on malformed
// input, including groups and truncated fields.
func eachField(msg []byte, fn func(f field) error) error {
	for len(msg) > 0 {
		num, typ, n := protowire.ConsumeTag(msg)
		if n < 0 {
			return fmt.Errorf("%w: %v", errWire, protowire.ParseError(n))
		}
		msg = msg[n:]
		f := field{num: num, typ: typ}
		switch typ {
		case protowire.VarintType:
			f.varint, n = protowire.ConsumeVarint(msg)
		case protowire.BytesType:
			f.bytes, n = protowire.ConsumeBytes(msg)
		case protowire.Fixed32Type:
			var v uint32
			v, n = protowire.ConsumeFixed32(msg)
			f.varint = uint64(v)
		case protowire.Fixed64Type:
			f.varint, n = protowire.ConsumeFixed64(msg)
		default:
			return fmt.Errorf("%w: unsupported wire type %d", errWire, typ)
		}
		if n < 0 {
			return fmt.Errorf("%w: field %d: %v", errWire, num, protowire.ParseError(n))
		}
		msg = msg[n:]
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

// wantBytes fails unless f is length-delimited: a known field with another
// wire type is malformed.
func wantBytes(f field) error {
	if f.typ != protowire.BytesType {
		return fmt.Errorf("%w: field %d has wire type %d", errWire, f.num, f.typ)
	}
	return nil
}

// decodeGetResponse decodes GetContainerResponse.
func decodeGetResponse(b []byte) (*ctrdContainer, error) {
	var c *ctrdContainer
	err := eachField(b, func(f field) error {
		if f.num != fGetResponseContainer {
			return nil
		}
		if err := wantBytes(f); err != nil {
			return err
		}
		var err error
		c, err = decodeContainer(f.bytes)
		return err
	})
	if err != nil {
		return nil, err
	}
	if c == nil || c.ID == "" {
		return nil, fmt.Errorf("%w: answer without a container", errWire)
	}
	return c, nil
}

// extensionsRead are the container extensions the client decodes: the CRI
// plugin's container metadata (containerd 1.x and 2.x names).
var extensionsRead = [...]string{criMetadataV1, criMetadataV2}

func decodeContainer(b []byte) (*ctrdContainer, error) {
	c := &ctrdContainer{}
	err := eachField(b, func(f field) error {
		switch f.num {
		case fContainerID, fContainerImage, fContainerSnapshotter, fContainerSandbox:
			if err := wantBytes(f); err != nil {
				return err
			}
			s := string(f.bytes)
			switch f.num {
			case fContainerID:
				c.ID = s
			case fContainerImage:
				c.Image = s
			case fContainerSnapshotter:
				c.Snapshotter = s
			default:
				c.Sandbox = s
			}
		case fContainerLabels:
			if err := wantBytes(f); err != nil {
				return err
			}
			k, v, err := decodeMapEntry(f.bytes)
			if err != nil {
				return fmt.Errorf("label: %w", err)
			}
			if c.Labels == nil {
				c.Labels = make(map[string]string)
			}
			if len(c.Labels) >= maxLabels {
				return fmt.Errorf("%w: more than %d labels", errWire, maxLabels)
			}
			c.Labels[k] = string(v)
		case fContainerRuntime:
			if err := wantBytes(f); err != nil {
				return err
			}
			return eachField(f.bytes, func(g field) error {
				if g.num == fRuntimeName {
					if err := wantBytes(g); err != nil {
						return err
					}
					c.Runtime = string(g.bytes)
				}
				return nil
			})
		case fContainerSpec:
			if err := wantBytes(f); err != nil {
				return err
			}
			var err error
			c.SpecType, c.Spec, err = decodeAny(f.bytes)
			return err
		case fContainerCreatedAt:
			if err := wantBytes(f); err != nil {
				return err
			}
			var err error
			c.CreatedAt, err = decodeTimestamp(f.bytes)
			return err
		case fContainerExtensions:
			if err := wantBytes(f); err != nil {
				return err
			}
			k, v, err := decodeMapEntry(f.bytes)
			if err != nil {
				return fmt.Errorf("extension: %w", err)
			}
			for _, name := range extensionsRead {
				if k != name {
					continue
				}
				_, val, err := decodeAny(v)
				if err != nil {
					return fmt.Errorf("extension %s: %w", k, err)
				}
				if c.Extensions == nil {
					c.Extensions = make(map[string][]byte, 1)
				}
				c.Extensions[k] = val
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// decodeMapEntry returns the key and the raw value of a map entry whose key
// is a string.
func decodeMapEntry(b []byte) (string, []byte, error) {
	var k string
	var v []byte
	err := eachField(b, func(f field) error {
		switch f.num {
		case fMapKey:
			if err := wantBytes(f); err != nil {
				return err
			}
			k = string(f.bytes)
		case fMapValue:
			if err := wantBytes(f); err != nil {
				return err
			}
			v = f.bytes
		}
		return nil
	})
	return k, v, err
}

func decodeAny(b []byte) (string, []byte, error) {
	var typeURL string
	var val []byte
	err := eachField(b, func(f field) error {
		switch f.num {
		case fAnyTypeURL:
			if err := wantBytes(f); err != nil {
				return err
			}
			typeURL = string(f.bytes)
		case fAnyValue:
			if err := wantBytes(f); err != nil {
				return err
			}
			val = f.bytes
		}
		return nil
	})
	return typeURL, val, err
}

// decodeTimestamp returns a Timestamp as Unix nanoseconds; 0 for times
// before 1970 or after 2262, which Unix nanoseconds cannot hold.
func decodeTimestamp(b []byte) (int64, error) {
	var sec, nsec int64
	err := eachField(b, func(f field) error {
		if f.num != fTimestampSeconds && f.num != fTimestampNanos {
			return nil
		}
		if f.typ != protowire.VarintType {
			return fmt.Errorf("%w: timestamp field %d has wire type %d", errWire, f.num, f.typ)
		}
		if f.num == fTimestampSeconds {
			sec = int64(f.varint)
		} else {
			nsec = int64(int32(f.varint))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	const maxSec = (1<<63 - 1) / int64(time.Second)
	if sec <= 0 || sec >= maxSec || nsec < 0 || nsec >= 1e9 {
		return 0, nil
	}
	return sec*int64(time.Second) + nsec, nil
}

// decodeListTasks returns the ids of the containers whose task is not
// stopped in a ListTasksResponse.
func decodeListTasks(b []byte, into map[string]bool) error {
	return eachField(b, func(f field) error {
		if f.num != fListTasksTasks {
			return nil
		}
		if err := wantBytes(f); err != nil {
			return err
		}
		var id, taskID string
		status := uint64(taskUnknown)
		err := eachField(f.bytes, func(g field) error {
			switch g.num {
			case fProcessContainerID, fProcessID:
				if err := wantBytes(g); err != nil {
					return err
				}
				if g.num == fProcessContainerID {
					id = string(g.bytes)
				} else {
					taskID = string(g.bytes)
				}
			case fProcessStatus:
				if g.typ != protowire.VarintType {
					return fmt.Errorf("%w: task status has wire type %d", errWire, g.typ)
				}
				status = g.varint
			}
			return nil
		})
		if err != nil {
			return err
		}
		if id == "" {
			id = taskID
		}
		if id != "" && status != taskStopped {
			into[id] = true
		}
		return nil
	})
}
