package server

func listCommands() []*Command {
	return nil
}
