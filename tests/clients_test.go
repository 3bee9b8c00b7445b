package tests

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Client libraries people use against Redis, run against Ember and against
// redis-server with the same scripts (tests/clients/python, tests/clients/node):
// a mistake in a script fails on both servers, an Ember bug only on Ember.
// The scripts find the server through REDIS_PORT.

// clientServers starts Ember and, when installed, redis-server for one test.
// The script runs against the two in parallel subtests.
func clientServers(t *testing.T) map[string]*proc {
	t.Helper()
	servers := map[string]*proc{"ember": startEmber(t)}
	if redisServerPath() != "" {
		servers["redis"] = startRedis(t)
	} else {
		t.Log("redis-server is not installed: running the client scripts against Ember only")
	}
	return servers
}

// runClientScript runs name with args in dir against p and fails the test
// with the script's output when it exits non-zero. Lines matching skipLine
// are logged so that skipped cases stay visible.
func runClientScript(t *testing.T, p *proc, dir string, skipLine *regexp.Regexp, name string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "REDIS_PORT="+strconv.Itoa(p.Port), "PYTHONDONTWRITEBYTECODE=1", "NO_COLOR=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	for _, line := range strings.Split(out.String(), "\n") {
		if skipLine.MatchString(line) {
			t.Log(strings.TrimSpace(line))
		}
	}
	if err != nil {
		t.Errorf("%s %s: %v\n%s\nserver log:\n%s", name, strings.Join(args, " "), err, out.String(), p.Log())
		return
	}
	t.Logf("%s %s passed in %v", filepath.Base(name), strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
}

// pythonWith returns a python3 interpreter that can import every module in
// mods, or "" with the reason. Debian's python3-redis lives in /usr/bin's
// python3, which need not be the first python3 on PATH.
func pythonWith(mods ...string) (string, string) {
	var candidates []string
	if p, err := exec.LookPath("python3"); err == nil {
		candidates = append(candidates, p)
	}
	candidates = append(candidates, "/usr/bin/python3")
	tried := []string{}
	for _, py := range candidates {
		if _, err := os.Stat(py); err != nil {
			continue
		}
		tried = append(tried, py)
		if exec.Command(py, "-c", "import "+strings.Join(mods, ", ")).Run() == nil {
			return py, ""
		}
	}
	if len(tried) == 0 {
		return "", "python3 is not installed"
	}
	return "", "no python3 (" + strings.Join(tried, ", ") + ") can import " + strings.Join(mods, ", ") +
		" (.ci/run installs Debian's python3-redis and python3-flask)"
}

var pySkipped = regexp.MustCompile(`\.\.\. skipped`)

func TestClients_RedisPy(t *testing.T) {
	py, why := pythonWith("redis")
	if py == "" {
		t.Skip(why)
	}
	version, _ := exec.Command(py, "-c", "import redis, sys; print('redis-py', redis.__version__, 'python', sys.version.split()[0])").Output()
	t.Log(strings.TrimSpace(string(version)))
	for name, p := range clientServers(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			runClientScript(t, p, "clients/python", pySkipped, py, "redispy_test.py")
		})
	}
}

func TestClients_FlaskHitCounter(t *testing.T) {
	py, why := pythonWith("redis", "flask")
	if py == "" {
		t.Skip(why)
	}
	version, _ := exec.Command(py, "-c", "import flask; print('flask', flask.__version__)").Output()
	t.Log(strings.TrimSpace(string(version)))
	for name, p := range clientServers(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			runClientScript(t, p, "clients/python", pySkipped, py, "flask_hits_test.py")
		})
	}
}

var nodeSkipped = regexp.MustCompile(`# SKIP|﹣|# .* not implemented`)

// nodeWith returns the node binary when node and the packages in
// tests/clients/node/node_modules are present, or "" with the reason.
func nodeWith(pkgs ...string) (string, string) {
	node, err := exec.LookPath("node")
	if err != nil {
		return "", "node is not installed (.ci/run installs nodejs and npm when missing)"
	}
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		return "", "node --version failed: " + err.Error()
	}
	// node --test needs Node 18 or later.
	if major, _ := strconv.Atoi(strings.SplitN(strings.TrimPrefix(strings.TrimSpace(string(out)), "v"), ".", 2)[0]); major < 18 {
		return "", "node " + strings.TrimSpace(string(out)) + " is older than 18 (node --test)"
	}
	for _, pkg := range pkgs {
		if _, err := os.Stat(filepath.Join("clients/node/node_modules", pkg, "package.json")); err != nil {
			return "", "tests/clients/node/node_modules/" + pkg + " is missing: run `npm ci` in tests/clients/node (.ci/run does)"
		}
	}
	return node, ""
}

func nodePackageVersion(pkg string) string {
	b, err := os.ReadFile(filepath.Join("clients/node/node_modules", pkg, "package.json"))
	if err != nil {
		return "?"
	}
	if m := regexp.MustCompile(`"version":\s*"([^"]+)"`).FindSubmatch(b); m != nil {
		return string(m[1])
	}
	return "?"
}

func TestClients_NodeRedis(t *testing.T) {
	node, why := nodeWith("redis", "redis-current")
	if node == "" {
		t.Skip(why)
	}
	t.Logf("node-redis %s and %s", nodePackageVersion("redis"), nodePackageVersion("redis-current"))
	for name, p := range clientServers(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			runClientScript(t, p, "clients/node", nodeSkipped, node, "--test", "--test-reporter=spec", "noderedis.test.js")
		})
	}
}

func TestClients_IORedis(t *testing.T) {
	node, why := nodeWith("ioredis")
	if node == "" {
		t.Skip(why)
	}
	t.Logf("ioredis %s", nodePackageVersion("ioredis"))
	for name, p := range clientServers(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			runClientScript(t, p, "clients/node", nodeSkipped, node, "--test", "--test-reporter=spec", "ioredis.test.js")
		})
	}
}
