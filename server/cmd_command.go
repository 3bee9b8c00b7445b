package server

func introspectionCommands() []*Command {
	return nil
}
