package server

import (
	"testing"
)

func newTestACL(t *testing.T) *aclState {
	t.Helper()
	table, err := NewTable(commandFamilies()...)
	if err != nil {
		t.Fatal(err)
	}
	a := &aclState{}
	a.init(table)
	return a
}

func TestACL_DescribeSimple(t *testing.T) {
	a := newTestACL(t)
	if msg := a.setUser("u", [][]byte{[]byte("+get"), []byte("+set"), []byte("~k*"), []byte("on")}); msg != "" {
		t.Fatal(msg)
	}
	u := a.users["u"]
	t.Log(a.describeUser(u.get()))
}
