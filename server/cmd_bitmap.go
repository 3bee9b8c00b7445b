package server

func bitmapCommands() []*Command {
	return nil
}
