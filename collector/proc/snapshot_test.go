package proc

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"testing"
)

func TestSnapshotRoundTrip(t *testing.T) {
	tb := tree(t, Config{})
	tb.OpenFD(200, FD{Num: 3, Kind: FDFile, Path: "/etc/passwd", Flags: oCloexec | 2, Ino: 7, Dev: 8})
	tb.Socket(200, 4, afInet6, sockStream, 0)
	tb.Connect(200, 4, netip.MustParseAddrPort("[::1]:4000"), netip.MustParseAddrPort("[::1]:443"))
	tb.Fork(&ForkInfo{Ts: 11, ParentTid: 200, Tid: 300, Tgid: 300, Flags: CloneFiles})
	tb.Exec(&ExecInfo{Ts: 12, Tid: 200, Tgid: 200, Comm: "bash", Exe: "bash", Args: []string{"-i"}, Env: []string{"A=1"},
		Cgroups: []Cgroup{{Path: "/docker/3f4e9c1b2a7d8e6f5c4b3a29180716f5e4d3c2b1a09f8e7d6c5b4a3928170615"}}, CredMask: CredAll,
		Creds: Creds{UID: 1, EUID: 2, LoginUID: 1000, CapEff: 5}, ExeFile: ExeInfo{Ino: 9, Flags: ExeUpperLayer}})
	tb.Fork(&ForkInfo{Ts: 12, ParentTid: 200, Tid: 201, Tgid: 200, Flags: CloneThread | CloneFiles})
	tb.SetComm(201, "worker")
	fork(t, tb, 13, 300, 400)
	tb.Fork(&ForkInfo{Ts: 14, ParentTid: 400, Tid: 401, Tgid: 400, Flags: CloneFiles}) // 401 shares 400's table
	tb.OpenFD(401, FD{Num: 9, Kind: FDFile, Path: "/shared"})
	tb.Exit(15, 300) // exited, within grace; 400 reparented to init

	snap := tb.Snapshot()
	js, err := json.Marshal(snap)
	if err != nil {
		t.Fatal(err)
	}
	var back []ProcessState
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	rt := New(Config{})
	rt.Advance(15)
	rt.Restore(back)
	js2, _ := json.Marshal(rt.Snapshot())
	if !bytes.Equal(js, js2) {
		t.Fatalf("snapshot changed across restore:\n%s\n%s", js, js2)
	}

	_, bash := rt.Thread(200)
	if names(bash) != "bash sshd init" || bash.Container.IsHost() || bash.Cmdline != "bash -i" {
		t.Fatalf("restored bash %+v", bash)
	}
	if f := bash.FD(4); f == nil || f.Name != "[::1]:4000->[::1]:443" || f.Sock.Role != RoleClient {
		t.Fatalf("restored socket %+v", f)
	}
	if th, _ := rt.Thread(201); th == nil || th.Comm != "worker" {
		t.Fatal("restored thread")
	}
	_, old := rt.Thread(300)
	if old == nil || !old.Exited || old.ExitTs != 15 {
		t.Fatalf("restored exited process %+v", old)
	}
	_, p400 := rt.Thread(400)
	if p400.Parent() == nil || p400.Parent().Pid != 1 {
		t.Fatal("reparented child restored under the wrong parent")
	}
	// Shared tables stay shared.
	rt.OpenFD(400, FD{Num: 10, Kind: FDFile, Path: "/after"})
	if _, p401 := rt.Thread(401); p401.FD(10) == nil || p401.FD(9) == nil {
		t.Fatal("CLONE_FILES sharing lost in restore")
	}
	// And the restored exited process is freed after the grace period.
	rt.Advance(15 + 31*sec)
	if th, _ := rt.Thread(300); th != nil {
		t.Fatal("restored exited process not reaped")
	}
}
