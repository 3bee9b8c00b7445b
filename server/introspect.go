package server

import (
	"sync/atomic"
	"time"
)

// What happens around every command besides running it: keyspace-event
// bookkeeping, client-side caching, the slow log, the latency monitor,
// MONITOR, CLIENT PAUSE and output buffer limits. The dispatcher calls
// these hooks; each is a few loads when its feature is off.

// introspection is the server-wide state of those features.
type introspection struct {
	slowlog  slowlog
	latency  latencyMonitor
	monitors monitorList
	pause    clientPause
	obuf     atomic.Pointer[[3]obufLimit] // client-output-buffer-limit, by class
}

// initIntrospection prepares Pub/Sub, tracking and the introspection
// features, and connects them to their configuration.
func (s *Server) initIntrospection() {
	s.pubsub = newPubsubRegistry()
	s.tracking = newTrackingTable()
	s.intro.pause.init()
	s.watchNotifyConfig()
	s.watchObufLimits()
	s.intro.slowlog.watch(s.cfg)
	s.intro.latency.watch(s.cfg)
}

// diagnosticCommands are MONITOR, SLOWLOG and LATENCY.
func diagnosticCommands() []*Command {
	return append(append([]*Command{monitorCommand()}, slowlogCommands()...), latencyCommands()...)
}

// runHandler runs a command queued in a transaction: what call() does
// around a handler, except locking and committing replies, which EXEC does
// once for the whole transaction.
func (c *Client) runHandler(cmd *Command, args [][]byte) {
	start, errs := time.Now(), c.errCount
	c.notePreCommand(cmd, args)
	cmd.Handler(c, args)
	c.notePostCommand()
	c.rememberKeys(cmd, args)
	c.monitorCommand(cmd, args)
	dur := time.Since(start)
	c.srv.cmdStats.called(cmd, dur.Microseconds(), c.errCount != errs, c.srv.cfg.LatencyTracking())
	// The error belongs to this command, not to EXEC (Redis moves its
	// prev_err_count past it).
	c.errCount = errs
	c.afterCall(cmd, args, dur, true)
}

// afterCall records a finished command where Redis's call() does: latency
// samples, the slow log, then the BCAST invalidations it caused
// (for a transaction's commands, nested, those wait for the end of EXEC,
// which Redis sends as one message per prefix).
func (c *Client) afterCall(cmd *Command, args [][]byte, dur time.Duration, nested bool) {
	s := c.srv
	if s.intro.latency.threshold.Load() > 0 {
		event := "command"
		if cmd.Has(FlagFast) {
			event = "fast-command"
		}
		s.intro.latency.addSampleIfNeeded(event, dur.Milliseconds())
	}
	if !cmd.Has(FlagSkipSlowlog) && c.blocked.Load() == nil {
		// A command that blocked is logged when it is served.
		s.intro.slowlog.push(c, cmd, args, dur)
	}
	if !nested && s.tracking.bcastDue.Load() {
		s.broadcastInvalidations()
	}
}

// monitorCommand shows a command that ran to the MONITOR clients (unless
// it is administrative or flagged skip_monitor). It runs before the
// command's shard locks are released, so commands on the same keys appear
// in the order they ran.
func (c *Client) monitorCommand(cmd *Command, args [][]byte) {
	if c.srv.intro.monitors.count.Load() > 0 && !cmd.Has(FlagSkipMonitor) && !cmd.Has(FlagAdmin) {
		c.srv.feedMonitors(c, cmd, args)
	}
}

// commandProcessed resets per-command client state after any command,
// run or rejected (resetClient): CLIENT CACHING lasts for one command
// (or one transaction) unless the command was CLIENT itself.
func (c *Client) commandProcessed(cmd *Command) {
	if c.track.caching && c.multi == nil && (cmd == nil || cmd.parent == nil || cmd.parent.Name != "client") {
		c.track.caching = false
	}
}

// clientGone releases what a disconnected client held: subscriptions,
// tracking, MONITOR.
func (s *Server) clientGone(c *Client) {
	c.unsubscribeAll()
	s.disableTracking(c)
	s.removeMonitor(c)
}

// resetIntrospection is RESET's part: no subscriptions, no tracking, no
// MONITOR.
func (c *Client) resetIntrospection() {
	c.unsubscribeAll()
	c.srv.disableTracking(c)
	c.srv.removeMonitor(c)
}

// introspectionCron runs with the server cron: keeps the tracking table
// within tracking-table-max-keys, broadcasts invalidations of keys the
// cron expired, checks output buffer limits of clients that
// stopped receiving output, and ends an expired CLIENT PAUSE.
func (s *Server) introspectionCron(now time.Time) {
	if s.tracking.clients.Load() > 0 {
		s.limitTrackedKeys()
	}
	if s.tracking.bcastDue.Load() {
		s.broadcastInvalidations()
	}
	s.intro.pause.expire(now)
	s.cronOutputLimits(now)
}
