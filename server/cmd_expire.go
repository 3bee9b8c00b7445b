package server

func expireCommands() []*Command {
	return nil
}
