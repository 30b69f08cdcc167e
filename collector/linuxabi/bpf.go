package linuxabi

// bpfCmdNames are the bpf(2) commands (enum bpf_cmd in linux/bpf.h).
// BPF_PROG_RUN is an alias of BPF_PROG_TEST_RUN and is not printed.
var bpfCmdNames = [...]string{
	"BPF_MAP_CREATE",
	"BPF_MAP_LOOKUP_ELEM",
	"BPF_MAP_UPDATE_ELEM",
	"BPF_MAP_DELETE_ELEM",
	"BPF_MAP_GET_NEXT_KEY",
	"BPF_PROG_LOAD",
	"BPF_OBJ_PIN",
	"BPF_OBJ_GET",
	"BPF_PROG_ATTACH",
	"BPF_PROG_DETACH",
	"BPF_PROG_TEST_RUN",
	"BPF_PROG_GET_NEXT_ID",
	"BPF_MAP_GET_NEXT_ID",
	"BPF_PROG_GET_FD_BY_ID",
	"BPF_MAP_GET_FD_BY_ID",
	"BPF_OBJ_GET_INFO_BY_FD",
	"BPF_PROG_QUERY",
	"BPF_RAW_TRACEPOINT_OPEN",
	"BPF_BTF_LOAD",
	"BPF_BTF_GET_FD_BY_ID",
	"BPF_TASK_FD_QUERY",
	"BPF_MAP_LOOKUP_AND_DELETE_ELEM",
	"BPF_MAP_FREEZE",
	"BPF_BTF_GET_NEXT_ID",
	"BPF_MAP_LOOKUP_BATCH",
	"BPF_MAP_LOOKUP_AND_DELETE_BATCH",
	"BPF_MAP_UPDATE_BATCH",
	"BPF_MAP_DELETE_BATCH",
	"BPF_LINK_CREATE",
	"BPF_LINK_UPDATE",
	"BPF_LINK_GET_FD_BY_ID",
	"BPF_LINK_GET_NEXT_ID",
	"BPF_ENABLE_STATS",
	"BPF_ITER_CREATE",
	"BPF_LINK_DETACH",
	"BPF_PROG_BIND_MAP",
	"BPF_TOKEN_CREATE", // Linux 6.9
}

// AppendBPFCmd appends the name of a bpf(2) command, e.g. 5 as
// "BPF_PROG_LOAD"; it appends nothing for an unknown command.
func AppendBPFCmd(dst []byte, cmd uint64) []byte {
	if cmd < uint64(len(bpfCmdNames)) {
		dst = append(dst, bpfCmdNames[cmd]...)
	}
	return dst
}
