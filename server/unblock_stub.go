package server

// Blocking commands are not built yet. The lists work replaces this file
// with the real machinery, keeping these signatures.

// unblockClient unblocks the client with the given id if it is blocked in
// a blocking command (CLIENT UNBLOCK): with withError it gets an -UNBLOCKED
// error, else the command's timeout reply. It reports whether a client was
// unblocked.
func (s *Server) unblockClient(id int64, withError bool) bool { return false }

// blockedClientCount is INFO's blocked_clients.
func (s *Server) blockedClientCount() int { return 0 }

// isBlocked reports whether c waits in a blocking command (flag b in
// CLIENT LIST).
func (c *Client) isBlocked() bool { return false }
