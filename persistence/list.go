package persistence

import "github.com/ember-kv/ember/store"

// newListValue builds a list from a file's elements.
func newListValue(st *store.Store, elems [][]byte) (store.Value, error) {
	return st.NewListValue(elems)
}
