package fields

// Field IDs of the syscall source. Sources switch on them in Extract; the
// field table (fields_*.go) gives every ID its descriptor. IDs are dense,
// start at 1 and are stable within one build only.
const (
	_ ID = iota // 0 is never a field

	// Event (fields_evt.go).
	EvtNum
	EvtTime
	EvtTimeS
	EvtTimeISO8601
	EvtDatetime
	EvtDatetimeS
	EvtRawtime
	EvtCPU
	EvtDir
	EvtType
	SyscallType
	EvtArgs
	EvtArg
	EvtRawarg
	EvtRes
	EvtRawres
	EvtFailed
	EvtIsOpenRead
	EvtIsOpenWrite
	EvtIsOpenExec
	EvtBuffer
	EvtHostname
	EvtIsAsync

	// Process (fields_proc.go).
	ProcPID
	ProcPPID
	ProcVPID
	ProcPVPID
	ProcSID
	ProcVPGID
	ProcPGID
	ProcName
	ProcExe
	ProcExepath
	ProcArgs
	ProcCmdline
	ProcCmdnargs
	ProcCwd
	ProcEnv
	ProcTTY
	ProcLoginShellID
	ProcDuration
	ProcNthreads
	ProcPname
	ProcPexe
	ProcPexepath
	ProcPcmdline
	ProcAname
	ProcAPID
	ProcAexe
	ProcAexepath
	ProcAcmdline
	ProcSname
	ProcIsExeWritable
	ProcIsExeUpperLayer
	ProcIsExeFromMemfd
	ProcExeIno
	ProcExeInoCtime
	ProcExeInoMtime
	ProcExeInoCtimeDurationProcStart
	ProcIsVPGIDLeader
	ProcIsSIDLeader

	// Thread (fields_proc.go).
	ThreadTID
	ThreadVTID
	ThreadCapEffective
	ThreadCapPermitted
	ThreadCapInheritable

	// User and group (fields_user.go).
	UserUID
	UserName
	UserHomedir
	UserShell
	UserLoginUID
	UserLoginname
	GroupGID
	GroupName

	// File descriptor (fields_fd.go).
	FdNum
	FdType
	FdTypechar
	FdName
	FdNameraw
	FdDirectory
	FdFilename
	FdIP
	FdCIP
	FdSIP
	FdLIP
	FdRIP
	FdPort
	FdCport
	FdSport
	FdLport
	FdRport
	FdNet
	FdCnet
	FdSnet
	FdLnet
	FdRnet
	FdL4proto
	FdSockfamily
	FdIsServer
	FdConnected
	FdNameChanged
	FdCIPName
	FdSIPName
	FdLIPName
	FdRIPName
	FdIno
	FdDev
	FdTypes

	// Container and Kubernetes (fields_container.go).
	ContainerID
	ContainerFullID
	ContainerName
	ContainerImage
	ContainerImageID
	ContainerImageRepository
	ContainerImageTag
	ContainerImageDigest
	ContainerType
	ContainerPrivileged
	ContainerLabels
	ContainerLabel
	ContainerMounts
	ContainerMount
	ContainerMountSource
	ContainerMountDest
	ContainerMountMode
	ContainerMountRdwr
	ContainerMountPropagation
	ContainerStartTS
	ContainerDuration
	ContainerIP
	K8sNsName
	K8sPodName
	K8sPodUID
	K8sPodLabels
	K8sPodLabel

	// NumFields is one past the largest field ID.
	NumFields
)
