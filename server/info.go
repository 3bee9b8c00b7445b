package server

import (
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// INFO, with Redis 7.0's sections, field names and format: "# Section"
// headers, CRLF line ends, a blank line between sections. Fields whose
// mechanism Ember does not have (forks, jemalloc, Lua, replication links)
// report what Redis reports when that mechanism is idle.

// infoDefaultSections are the sections INFO prints without arguments
// (and for "default").
var infoDefaultSections = []string{"server", "clients", "memory", "persistence", "stats", "replication", "cpu", "module_list", "errorstats", "cluster", "keyspace"}

// infoSection is one section, in Redis's order.
type infoSection struct {
	name  string // as selected by INFO <name>
	alias string // a second name selecting it ("modules" for module_list)
	gen   func(s *Server, b *strings.Builder)
}

var infoSections []infoSection

func init() {
	infoSections = []infoSection{
		{"server", "", (*Server).infoServer},
		{"clients", "", (*Server).infoClients},
		{"memory", "", (*Server).infoMemory},
		{"persistence", "", (*Server).infoPersistence},
		{"stats", "", (*Server).infoStats},
		{"replication", "", (*Server).infoReplication},
		{"cpu", "", (*Server).infoCPU},
		{"module_list", "modules", func(s *Server, b *strings.Builder) { b.WriteString("# Modules\r\n") }},
		{"commandstats", "", (*Server).infoCommandStats},
		{"errorstats", "", (*Server).infoErrorStats},
		{"latencystats", "", (*Server).infoLatencyStats},
		{"cluster", "", func(s *Server, b *strings.Builder) { b.WriteString("# Cluster\r\ncluster_enabled:0\r\n") }},
		{"keyspace", "", (*Server).infoKeyspace},
	}
}

// Info renders INFO for the given section arguments, with Redis's rules:
// none means the default sections; "default", "all" and "everything" select
// groups; names are case-insensitive; unknown names select nothing.
func (s *Server) Info(args ...string) string {
	want := map[string]bool{}
	all := false
	if len(args) == 0 {
		for _, n := range infoDefaultSections {
			want[n] = true
		}
	}
	for _, a := range args {
		switch la := strings.ToLower(a); la {
		case "default":
			for _, n := range infoDefaultSections {
				want[n] = true
			}
		case "all", "everything":
			all = true
		default:
			want[la] = true
		}
	}
	var b strings.Builder
	n := 0
	for _, sec := range infoSections {
		if !all && !want[sec.name] && !(sec.alias != "" && want[sec.alias]) {
			continue
		}
		if n > 0 {
			b.WriteString("\r\n")
		}
		n++
		sec.gen(s, &b)
	}
	return b.String()
}

func infoLine(b *strings.Builder, name string, v any) {
	b.WriteString(name)
	b.WriteByte(':')
	switch x := v.(type) {
	case string:
		b.WriteString(x)
	case int:
		b.WriteString(strconv.Itoa(x))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case uint64:
		b.WriteString(strconv.FormatUint(x, 10))
	case bool:
		if x {
			b.WriteByte('1')
		} else {
			b.WriteByte('0')
		}
	default:
		fmt.Fprint(b, x)
	}
	b.WriteString("\r\n")
}

var unameOnce = sync.OnceValue(func() string {
	var u syscall.Utsname
	if err := syscall.Uname(&u); err != nil {
		return runtime.GOOS
	}
	str := func(a [65]int8) string {
		var sb strings.Builder
		for _, c := range a {
			if c == 0 {
				break
			}
			sb.WriteByte(byte(c))
		}
		return sb.String()
	}
	return str(u.Sysname) + " " + str(u.Release) + " " + str(u.Machine)
})

var executablePath = sync.OnceValue(func() string {
	p, err := os.Executable()
	if err != nil {
		return ""
	}
	return p
})

func (s *Server) infoServer(b *strings.Builder) {
	now := time.Now()
	uptime := int64(now.Sub(s.started) / time.Second)
	b.WriteString("# Server\r\n")
	infoLine(b, "redis_version", RedisVersion)
	infoLine(b, "redis_git_sha1", "00000000")
	infoLine(b, "redis_git_dirty", 0)
	infoLine(b, "redis_build_id", "0")
	infoLine(b, "redis_mode", "standalone")
	infoLine(b, "os", unameOnce())
	infoLine(b, "arch_bits", 64)
	infoLine(b, "monotonic_clock", "POSIX clock_gettime")
	infoLine(b, "multiplexing_api", "epoll")
	infoLine(b, "atomicvar_api", "c11-builtin")
	infoLine(b, "gcc_version", "0.0.0")
	infoLine(b, "process_id", os.Getpid())
	infoLine(b, "process_supervised", "no")
	infoLine(b, "run_id", s.runID)
	infoLine(b, "tcp_port", s.cfg.GetInt("port"))
	infoLine(b, "server_time_usec", now.UnixMicro())
	infoLine(b, "uptime_in_seconds", uptime)
	infoLine(b, "uptime_in_days", uptime/(3600*24))
	infoLine(b, "hz", s.cfg.HZ())
	infoLine(b, "configured_hz", s.cfg.GetInt("hz"))
	infoLine(b, "lru_clock", (now.UnixMilli()/1000)&(1<<24-1))
	infoLine(b, "executable", executablePath())
	infoLine(b, "config_file", s.cfg.File())
	infoLine(b, "io_threads_active", 0)
}

func (s *Server) infoClients(b *strings.Builder) {
	b.WriteString("# Clients\r\n")
	infoLine(b, "connected_clients", s.clients.count())
	infoLine(b, "cluster_connections", 0)
	infoLine(b, "maxclients", s.cfg.MaxClients())
	infoLine(b, "client_recent_max_input_buffer", 0)
	infoLine(b, "client_recent_max_output_buffer", 0)
	infoLine(b, "blocked_clients", s.blockedClientCount()+int(s.intro.pause.waiting.Load()))
	infoLine(b, "tracking_clients", s.tracking.clients.Load())
	infoLine(b, "clients_in_timeout_table", 0)
}

// bytesToHuman renders a byte count as Redis's bytesToHuman.
func bytesToHuman(n uint64) string {
	const k = 1024
	switch {
	case n < k:
		return fmt.Sprintf("%dB", n)
	case n < k*k:
		return fmt.Sprintf("%.2fK", float64(n)/k)
	case n < k*k*k:
		return fmt.Sprintf("%.2fM", float64(n)/(k*k))
	case n < k*k*k*k:
		return fmt.Sprintf("%.2fG", float64(n)/(k*k*k))
	case n < k*k*k*k*k:
		return fmt.Sprintf("%.2fT", float64(n)/(k*k*k*k))
	case n < k*k*k*k*k*k:
		return fmt.Sprintf("%.2fP", float64(n)/(k*k*k*k*k))
	}
	return fmt.Sprintf("%dB", n)
}

// memStats are the Go runtime's figures INFO memory is built from.
type memStats struct {
	used      uint64 // live heap objects + stacks: Redis's used_memory
	heapTotal uint64 // mapped heap (allocator_active)
	resident  uint64 // runtime memory obtained from the OS
}

var memSamples = []metrics.Sample{
	{Name: "/memory/classes/heap/objects:bytes"},
	{Name: "/memory/classes/heap/unused:bytes"},
	{Name: "/memory/classes/os-stacks:bytes"},
	{Name: "/memory/classes/heap/stacks:bytes"},
	{Name: "/memory/classes/total:bytes"},
}

var memMu sync.Mutex

// UsedMemory is used_memory: bytes of live Go heap objects and stacks.
func UsedMemory() uint64 { return readMem().used }

func readMem() memStats {
	memMu.Lock()
	defer memMu.Unlock()
	metrics.Read(memSamples)
	v := func(i int) uint64 {
		if memSamples[i].Value.Kind() == metrics.KindUint64 {
			return memSamples[i].Value.Uint64()
		}
		return 0
	}
	return memStats{
		used:      v(0) + v(3),
		heapTotal: v(0) + v(1),
		resident:  v(4),
	}
}

// processRSS reads the resident set size from /proc (0 when unavailable).
func processRSS() uint64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(data))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseUint(f[1], 10, 64)
	return pages * uint64(os.Getpagesize())
}

var totalSystemMemory = sync.OnceValue(func() uint64 {
	var si syscall.Sysinfo_t
	if err := syscall.Sysinfo(&si); err != nil {
		return 0
	}
	return uint64(si.Totalram) * uint64(si.Unit)
})

func ratio(a, b uint64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func (s *Server) infoMemory(b *strings.Builder) {
	m := readMem()
	rss := processRSS()
	// used_memory is the dataset's running total plus the start-up
	// footprint (maxmemory.go); the runtime's own figures follow as the
	// allocator's.
	used := uint64(s.usedMemory())
	peak := uint64(s.trackPeakMemory())
	startup := uint64(s.startupMemory)
	clients := uint64(s.clientsMemory())
	overhead := startup + uint64(s.store.OverheadMemory()) + clients
	dataset := used - min(used, overhead)
	maxmem := uint64(s.memst.maxmemory.Load())
	sysmem := totalSystemMemory()
	b.WriteString("# Memory\r\n")
	infoLine(b, "used_memory", used)
	infoLine(b, "used_memory_human", bytesToHuman(used))
	infoLine(b, "used_memory_rss", rss)
	infoLine(b, "used_memory_rss_human", bytesToHuman(rss))
	infoLine(b, "used_memory_peak", peak)
	infoLine(b, "used_memory_peak_human", bytesToHuman(peak))
	infoLine(b, "used_memory_peak_perc", fmt.Sprintf("%.2f%%", ratio(used, peak)*100))
	infoLine(b, "used_memory_overhead", overhead)
	infoLine(b, "used_memory_startup", startup)
	infoLine(b, "used_memory_dataset", dataset)
	infoLine(b, "used_memory_dataset_perc", fmt.Sprintf("%.2f%%", ratio(dataset, used-min(used, startup))*100))
	infoLine(b, "allocator_allocated", m.used)
	infoLine(b, "allocator_active", m.heapTotal)
	infoLine(b, "allocator_resident", m.resident)
	infoLine(b, "total_system_memory", sysmem)
	infoLine(b, "total_system_memory_human", bytesToHuman(sysmem))
	infoLine(b, "used_memory_lua", 0)
	infoLine(b, "used_memory_vm_eval", 0)
	infoLine(b, "used_memory_lua_human", "0B")
	infoLine(b, "used_memory_scripts_eval", 0)
	infoLine(b, "number_of_cached_scripts", 0)
	infoLine(b, "number_of_functions", 0)
	infoLine(b, "number_of_libraries", 0)
	infoLine(b, "used_memory_vm_functions", 0)
	infoLine(b, "used_memory_vm_total", 0)
	infoLine(b, "used_memory_vm_total_human", "0B")
	infoLine(b, "used_memory_functions", 0)
	infoLine(b, "used_memory_scripts", 0)
	infoLine(b, "used_memory_scripts_human", "0B")
	infoLine(b, "maxmemory", maxmem)
	infoLine(b, "maxmemory_human", bytesToHuman(maxmem))
	infoLine(b, "maxmemory_policy", s.cfg.MustGet("maxmemory-policy"))
	infoLine(b, "allocator_frag_ratio", fmt.Sprintf("%.2f", ratio(m.heapTotal, m.used)))
	infoLine(b, "allocator_frag_bytes", m.heapTotal-min(m.heapTotal, m.used))
	infoLine(b, "allocator_rss_ratio", fmt.Sprintf("%.2f", ratio(m.resident, m.heapTotal)))
	infoLine(b, "allocator_rss_bytes", int64(m.resident)-int64(m.heapTotal))
	infoLine(b, "rss_overhead_ratio", fmt.Sprintf("%.2f", ratio(rss, m.resident)))
	infoLine(b, "rss_overhead_bytes", int64(rss)-int64(m.resident))
	infoLine(b, "mem_fragmentation_ratio", fmt.Sprintf("%.2f", ratio(rss, used)))
	infoLine(b, "mem_fragmentation_bytes", int64(rss)-int64(used))
	infoLine(b, "mem_not_counted_for_evict", 0)
	infoLine(b, "mem_replication_backlog", 0)
	infoLine(b, "mem_total_replication_buffers", 0)
	infoLine(b, "mem_clients_slaves", 0)
	infoLine(b, "mem_clients_normal", clients)
	infoLine(b, "mem_cluster_links", 0)
	infoLine(b, "mem_aof_buffer", s.aofBufferBytes())
	infoLine(b, "mem_allocator", "go-"+runtime.Version())
	infoLine(b, "active_defrag_running", 0)
	infoLine(b, "lazyfree_pending_objects", 0)
	infoLine(b, "lazyfreed_objects", 0)
}

func (s *Server) infoPersistence(b *strings.Builder) {
	b.WriteString("# Persistence\r\n")
	bgInProgress, lastBgTime, curBgTime, cowNow, cowLast, keysDone, keysTotal := s.infoRDB()
	loading := 0
	if s.rdb.loading.Load() {
		loading = 1
	}
	infoLine(b, "loading", loading)
	infoLine(b, "async_loading", 0)
	if loading == 1 {
		total, done := s.rdb.loadTotal.Load(), s.rdb.loadDone.Load()
		perc, eta := 0.0, 1
		if total > 0 {
			perc = float64(done) / float64(total) * 100
		}
		if elapsed := time.Now().Unix() - s.rdb.loadStart.Load(); done > 0 && elapsed > 0 {
			eta = int(float64(total-done) / (float64(done) / float64(elapsed)))
		}
		infoLine(b, "loading_start_time", s.rdb.loadStart.Load())
		infoLine(b, "loading_total_bytes", total)
		infoLine(b, "loading_rdb_used_mem", 0)
		infoLine(b, "loading_loaded_bytes", done)
		infoLine(b, "loading_loaded_perc", fmt.Sprintf("%.2f", perc))
		infoLine(b, "loading_eta_seconds", eta)
	}
	infoLine(b, "current_cow_peak", cowNow)
	infoLine(b, "current_cow_size", cowNow)
	infoLine(b, "current_cow_size_age", 0)
	forkPerc := 0.0
	if keysTotal > 0 {
		forkPerc = float64(keysDone) / float64(keysTotal) * 100
	}
	infoLine(b, "current_fork_perc", fmt.Sprintf("%.2f", forkPerc))
	infoLine(b, "current_save_keys_processed", keysDone)
	infoLine(b, "current_save_keys_total", keysTotal)
	infoLine(b, "rdb_changes_since_last_save", s.dirty()-s.stats.dirtyAtSave.Load())
	infoLine(b, "rdb_bgsave_in_progress", bgInProgress)
	infoLine(b, "rdb_last_save_time", s.stats.lastSave.Load())
	status := "ok"
	if s.stats.lastBgsave.Load() {
		status = "err"
	}
	infoLine(b, "rdb_last_bgsave_status", status)
	infoLine(b, "rdb_last_bgsave_time_sec", lastBgTime)
	infoLine(b, "rdb_current_bgsave_time_sec", curBgTime)
	infoLine(b, "rdb_saves", s.rdb.saves.Load())
	infoLine(b, "rdb_last_cow_size", cowLast)
	infoLine(b, "rdb_last_load_keys_expired", s.rdb.expiredKeys.Load())
	infoLine(b, "rdb_last_load_keys_loaded", s.rdb.loadedKeys.Load())
	s.infoAOF(b)
	infoLine(b, "module_fork_in_progress", 0)
	infoLine(b, "module_fork_last_cow_size", 0)
	s.infoAOFSizes(b)
}

func (s *Server) infoStats(b *strings.Builder) {
	st := &s.stats
	st.instMu.Lock()
	ops, in, out := st.instOps.value(), st.instInput.value(), st.instOutput.value()
	st.instMu.Unlock()
	b.WriteString("# Stats\r\n")
	infoLine(b, "total_connections_received", st.connections.Load())
	infoLine(b, "total_commands_processed", s.totalCommands())
	infoLine(b, "instantaneous_ops_per_sec", ops)
	infoLine(b, "total_net_input_bytes", st.netInput.Load())
	infoLine(b, "total_net_output_bytes", st.netOutput.Load())
	infoLine(b, "total_net_repl_input_bytes", 0)
	infoLine(b, "total_net_repl_output_bytes", 0)
	infoLine(b, "instantaneous_input_kbps", fmt.Sprintf("%.2f", float64(in)/1024))
	infoLine(b, "instantaneous_output_kbps", fmt.Sprintf("%.2f", float64(out)/1024))
	infoLine(b, "instantaneous_input_repl_kbps", "0.00")
	infoLine(b, "instantaneous_output_repl_kbps", "0.00")
	infoLine(b, "rejected_connections", st.rejectedConns.Load())
	infoLine(b, "sync_full", 0)
	infoLine(b, "sync_partial_ok", 0)
	infoLine(b, "sync_partial_err", 0)
	infoLine(b, "expired_keys", st.expiredKeys.Load())
	infoLine(b, "expired_stale_perc", "0.00")
	infoLine(b, "expired_time_cap_reached_count", 0)
	infoLine(b, "expire_cycle_cpu_milliseconds", 0)
	infoLine(b, "evicted_keys", st.evictedKeys.Load())
	infoLine(b, "evicted_clients", st.evictedClients.Load())
	infoLine(b, "total_eviction_exceeded_time", 0)
	infoLine(b, "current_eviction_exceeded_time", 0)
	infoLine(b, "keyspace_hits", st.keyspaceHits.Load())
	infoLine(b, "keyspace_misses", st.keyspaceMisses.Load())
	infoLine(b, "pubsub_channels", s.pubsub.nchannels.Load())
	infoLine(b, "pubsub_patterns", s.pubsub.npatterns.Load())
	infoLine(b, "pubsubshard_channels", s.pubsub.nshard.Load())
	infoLine(b, "latest_fork_usec", st.forkUsec.Load())
	infoLine(b, "total_forks", st.forks.Load())
	infoLine(b, "migrate_cached_sockets", 0)
	infoLine(b, "slave_expires_tracked_keys", 0)
	infoLine(b, "active_defrag_hits", 0)
	infoLine(b, "active_defrag_misses", 0)
	infoLine(b, "active_defrag_key_hits", 0)
	infoLine(b, "active_defrag_key_misses", 0)
	infoLine(b, "total_active_defrag_time", 0)
	infoLine(b, "current_active_defrag_time", 0)
	tkeys, titems, tprefixes := s.trackingInfo()
	infoLine(b, "tracking_total_keys", tkeys)
	infoLine(b, "tracking_total_items", titems)
	infoLine(b, "tracking_total_prefixes", tprefixes)
	infoLine(b, "unexpected_error_replies", st.unexpectedErrs.Load())
	infoLine(b, "total_error_replies", st.totalErrors.Load())
	infoLine(b, "dump_payload_sanitizations", 0)
	infoLine(b, "total_reads_processed", 0)
	infoLine(b, "total_writes_processed", 0)
	infoLine(b, "io_threaded_reads_processed", 0)
	infoLine(b, "io_threaded_writes_processed", 0)
	infoLine(b, "reply_buffer_shrinks", 0)
	infoLine(b, "reply_buffer_expands", 0)
}

func (s *Server) infoReplication(b *strings.Builder) {
	b.WriteString("# Replication\r\n")
	infoLine(b, "role", "master")
	infoLine(b, "connected_slaves", 0)
	infoLine(b, "master_failover_state", "no-failover")
	infoLine(b, "master_replid", s.replIDValue())
	infoLine(b, "master_replid2", strings.Repeat("0", 40))
	infoLine(b, "master_repl_offset", 0)
	infoLine(b, "second_repl_offset", -1)
	infoLine(b, "repl_backlog_active", 0)
	infoLine(b, "repl_backlog_size", s.cfg.GetInt("repl-backlog-size"))
	infoLine(b, "repl_backlog_first_byte_offset", 0)
	infoLine(b, "repl_backlog_histlen", 0)
}

func rusageTime(tv syscall.Timeval) string {
	return fmt.Sprintf("%d.%06d", tv.Sec, tv.Usec)
}

func (s *Server) infoCPU(b *strings.Builder) {
	var self, children syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children)
	b.WriteString("# CPU\r\n")
	infoLine(b, "used_cpu_sys", rusageTime(self.Stime))
	infoLine(b, "used_cpu_user", rusageTime(self.Utime))
	infoLine(b, "used_cpu_sys_children", rusageTime(children.Stime))
	infoLine(b, "used_cpu_user_children", rusageTime(children.Utime))
	// Ember has no single main thread: the process figures stand in.
	infoLine(b, "used_cpu_sys_main_thread", rusageTime(self.Stime))
	infoLine(b, "used_cpu_user_main_thread", rusageTime(self.Utime))
}

func (s *Server) infoErrorStats(b *strings.Builder) {
	b.WriteString("# Errorstats\r\n")
	for _, e := range s.stats.errorCounts() {
		fmt.Fprintf(b, "errorstat_%s:count=%d\r\n", e[0], e[1])
	}
}

func (s *Server) infoKeyspace(b *strings.Builder) {
	b.WriteString("# Keyspace\r\n")
	for db := 0; db < s.store.Databases(); db++ {
		keys, expires, avg := s.store.KeyspaceStats(db)
		if keys > 0 || expires > 0 {
			fmt.Fprintf(b, "db%d:keys=%d,expires=%d,avg_ttl=%d\r\n", db, keys, expires, avg)
		}
	}
}
