package fields

// userFields describe the credentials of the thread.
var userFields = []Field{
	{ID: UserUID, Name: "user.uid", Type: TypeUint,
		Desc: "Effective user id of the thread."},
	{ID: UserName, Name: "user.name", Type: TypeString,
		Desc: "Name of user.uid, from the passwd database of the host or of the container."},
	{ID: UserHomedir, Name: "user.homedir", Type: TypeString,
		Desc: "Home directory of user.uid."},
	{ID: UserShell, Name: "user.shell", Type: TypeString,
		Desc: "Login shell of user.uid."},
	{ID: UserLoginUID, Name: "user.loginuid", Type: TypeInt,
		Desc: "Audit login user id (who logged in, kept across su and sudo); -1 when unset."},
	{ID: UserLoginname, Name: "user.loginname", Type: TypeString,
		Desc: "Name of user.loginuid."},
	{ID: GroupGID, Name: "group.gid", Type: TypeUint,
		Desc: "Effective group id of the thread."},
	{ID: GroupName, Name: "group.name", Type: TypeString,
		Desc: "Name of group.gid, from the group database of the host or of the container."},
}
