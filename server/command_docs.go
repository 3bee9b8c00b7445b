package server

//go:generate sh -c "go run ./internal/gendocs > command_docs_data.go"

// COMMAND DOCS beyond summary, since, group and complexity (which the command
// table carries): the argument tree, doc flags, deprecation and history, as
// Redis 7.0 describes each command. redis-cli builds its hints and `help`
// text from the argument tree, so without it typing a command shows nothing.
// The data is generated from redis-server's own reply (command_docs_data.go);
// tests/command_docs_test.go compares the whole reply with redis-server's.

// commandDoc is what COMMAND DOCS says about a command besides the table's
// fields.
type commandDoc struct {
	docFlags        []string
	deprecatedSince string
	replacedBy      string
	history         [][2]string
	args            []docArg
}

// docArg is one argument in a COMMAND DOCS argument tree.
type docArg struct {
	name, typ       string
	keySpec         int // key_spec_index plus one; 0 when the argument has none
	token           string
	summary         string
	since           string
	deprecatedSince string
	flags           argFlag
	args            []docArg // for "oneof" and "block"
}

type argFlag uint8

const (
	argOptional argFlag = 1 << iota
	argMultiple
	argMultipleToken
)

// docFields is the number of map entries writeDocs adds for cmd.
func docFields(cmd *Command) int {
	d := redisCommandDocs[cmd.FullName]
	if d == nil {
		return 0
	}
	n := 0
	for _, present := range []bool{len(d.docFlags) > 0, d.deprecatedSince != "", d.replacedBy != "", d.history != nil, d.args != nil} {
		if present {
			n++
		}
	}
	return n
}

// writeDocs writes cmd's doc flags, deprecation, history and arguments, in
// Redis's order (after complexity, before subcommands).
func writeDocs(c *Client, cmd *Command) {
	d := redisCommandDocs[cmd.FullName]
	if d == nil {
		return
	}
	if len(d.docFlags) > 0 {
		c.w.BulkString("doc_flags")
		replyStatusSet(c, d.docFlags)
	}
	if d.deprecatedSince != "" {
		c.w.BulkString("deprecated_since")
		c.w.BulkString(d.deprecatedSince)
	}
	if d.replacedBy != "" {
		c.w.BulkString("replaced_by")
		c.w.BulkString(d.replacedBy)
	}
	if d.history != nil {
		c.w.BulkString("history")
		c.w.Set(len(d.history))
		for _, h := range d.history {
			c.w.Array(2)
			c.w.BulkString(h[0])
			c.w.BulkString(h[1])
		}
	}
	if d.args != nil {
		c.w.BulkString("arguments")
		writeDocArgs(c, d.args)
	}
}

func writeDocArgs(c *Client, args []docArg) {
	c.w.Array(len(args))
	for i := range args {
		a := &args[i]
		isKey := a.keySpec > 0
		hasArgs := a.typ == "oneof" || a.typ == "block"
		n := 2
		for _, present := range []bool{isKey, a.token != "", a.summary != "", a.since != "", a.deprecatedSince != "", a.flags != 0, hasArgs} {
			if present {
				n++
			}
		}
		c.w.Map(n)
		c.w.BulkString("name")
		c.w.BulkString(a.name)
		c.w.BulkString("type")
		c.w.BulkString(a.typ)
		if isKey {
			c.w.BulkString("key_spec_index")
			c.w.Int(int64(a.keySpec - 1))
		}
		if a.token != "" {
			c.w.BulkString("token")
			c.w.BulkString(a.token)
		}
		if a.summary != "" {
			c.w.BulkString("summary")
			c.w.BulkString(a.summary)
		}
		if a.since != "" {
			c.w.BulkString("since")
			c.w.BulkString(a.since)
		}
		if a.deprecatedSince != "" {
			c.w.BulkString("deprecated_since")
			c.w.BulkString(a.deprecatedSince)
		}
		if a.flags != 0 {
			c.w.BulkString("flags")
			var names []string
			for _, f := range []struct {
				bit  argFlag
				name string
			}{{argOptional, "optional"}, {argMultiple, "multiple"}, {argMultipleToken, "multiple_token"}} {
				if a.flags&f.bit != 0 {
					names = append(names, f.name)
				}
			}
			replyStatusSet(c, names)
		}
		if hasArgs {
			c.w.BulkString("arguments")
			writeDocArgs(c, a.args)
		}
	}
}
