package otelcol

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/vigilsec/vigil/collector/capture"
	"github.com/vigilsec/vigil/collector/proc"
	"github.com/vigilsec/vigil/collector/record"
	"github.com/vigilsec/vigil/collector/users"
)

// Facts of the synthetic capture the assertions rely on.
const (
	shadowPath = "/etc/shadow"
	shadowProc = "cat"
	shadowRule = "Credential Store Read By Unexpected Program" // default rule, priority Warning
)

// writeShadowCapture writes a replayable capture: root's login shell
// (pid 100, child of init) forks pid 101, which execs `cat /etc/shadow`,
// opens /etc/shadow (fd 3) and then /etc/hostname (fd 4). With the default
// rules only the first open is a detection.
func writeShadowCapture(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "shadow.vcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	hdr, err := capture.HostHeader("vigil otelcol test")
	if err != nil {
		t.Fatal(err)
	}
	hdr.Hostname = "replayed-host"
	w, err := capture.NewWriter(f, hdr)
	if err != nil {
		t.Fatal(err)
	}

	root := proc.Creds{LoginUID: proc.UnsetLoginUID}
	err = w.WriteSnapshot(&capture.Snapshot{
		Ts: 5,
		Processes: []proc.ProcessState{
			{Pid: 1, Start: 1, Comm: "systemd", Exe: "/sbin/init", ExePath: "/usr/lib/systemd/systemd",
				Cwd: "/", Creds: root, Threads: []proc.ThreadState{{Tid: 1, Start: 1}}},
			{Pid: 100, Start: 2, Ppid: 1, Comm: "bash", Exe: "-bash", ExePath: "/usr/bin/bash",
				Cwd: "/root/", Creds: root, Threads: []proc.ThreadState{{Tid: 100, Start: 2}}},
		},
		Users: []users.Namespace{{MntNS: 0, Users: []users.User{
			{Name: "root", UID: 0, Home: "/root", Shell: "/bin/bash"}}}},
	})
	if err != nil {
		t.Fatal(err)
	}

	const atFDCWD = uint64(1<<64 - 100) // AT_FDCWD (-100) as the kernel passes it

	// bash forks the child 101.
	fork := record.Record{Header: record.Header{TS: 10, TGID: 100, TID: 100, Kind: record.KindProcFork}}
	fork.Args[record.ArgForkChildTGID] = 101
	fork.Args[record.ArgForkChildTID] = 101
	fork.Args[record.ArgForkChildStart] = 10
	fork.Args[record.ArgForkParentTGID] = 100
	fork.Args[record.ArgForkParentStart] = 2

	// The child execs cat with argv "cat /etc/shadow".
	exec := record.Record{Header: record.Header{TS: 11, TGID: 101, TID: 101, Kind: record.KindExecve}}
	exec.Args[record.ArgExecDirfd] = atFDCWD
	exec.Args[record.ArgExecOldTID] = 101
	cat := []byte("/usr/bin/cat")
	exec.Data[record.DataExecFilename] = cat
	exec.Data[record.DataExecArgv] = []byte(shadowProc + "\x00" + shadowPath + "\x00")
	exec.Data[record.DataExecExePath] = cat
	exec.Data[record.DataExecInterp] = cat
	exec.Data[record.DataExecCwd] = []byte("/root")
	exec.Data[record.DataExecComm] = []byte(shadowProc)
	exec.Data[record.DataExecCgroup] = []byte("/user.slice")
	exec.Data[record.DataExecInfo] = record.AppendExecInfo(nil,
		&record.ExecInfo{PPID: 100, LoginUID: ^uint32(0), StartTime: 10, VTGID: 101})

	// openat(AT_FDCWD, path, O_RDONLY) = fd.
	open := func(ts uint64, path string, fd int64) record.Record {
		r := record.Record{Header: record.Header{TS: ts, TGID: 101, TID: 101, Kind: record.KindOpenat, Ret: fd}}
		r.Args[record.ArgOpenDirfd] = atFDCWD
		r.Data[record.DataOpenPath] = []byte(path)
		return r
	}
	recs := []record.Record{fork, exec, open(12, shadowPath, 3), open(13, "/etc/hostname", 4)}

	var buf []byte
	for i := range recs {
		if buf, err = record.Encode(buf[:0], &recs[i]); err != nil {
			t.Fatal(err)
		}
		if err := w.WriteRecord(buf); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}
