package server

// Server commands: CONFIG, INFO, TIME, SHUTDOWN, DEBUG, ...

func serverCommands() []*Command {
	return nil
}
