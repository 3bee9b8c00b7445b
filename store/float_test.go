package store

import (
	"strings"
	"testing"
)

// Expected replies were taken from redis-server 7.0.15: SET k <value>,
// INCRBYFLOAT k <incr>.
func TestLongDouble_IncrMatchesRedis(t *testing.T) {
	cases := []struct{ value, incr, want string }{
		{"0", "0.1", "0.1"},
		{"0.1", "0.2", "0.3"},
		{"10.5", "0.1", "10.6"},
		{"1", "-1", "0"},
		{"-0", "-0", "0"},
		{"0", "1e-20", "0"},
		{"0", "-1e-20", "0"},
		{"3.0e3", "5.0e3", "8000"},
		{"1.5", "1.5", "3"},
		{"0x10", "0x1p-3", "16.125"},
		{"1e20", "1e-5", "100000000000000000000"},
		{"9007199254740993", "0.5", "9007199254740993.5"},
		{"18446744073709551615", "1", "18446744073709551616"},
		{"0.3333333333333333333333", "0.6666666666666666666666", "1"},
		{"2.5e-17", "0", "0.00000000000000002"},
		{"1.23456789012345678", "1e-17", "1.23456789012345679"},
		{"1e300", "1e300", "2000000000000000000017994648159118387741047888546581495876520164642531293192361871511698304167500994380700745017228549671807185112369345967826192521041497292574654271283687306588168510215212033579453305864740061102765895241989080589545563779241212358535223254194821301134374772211380178849830208012288"},
		{"-1e-300", "1", "1"},
		{"3.14159265358979323846264338327950288", "0", "3.14159265358979324"},
		{"123456789012345678901234567890", "1", "123456789012345678899921813504"},
		{"0.000000000000000015", "0", "0.00000000000000002"},
		{"1e-4950", "0", "0"},
		{"1.8e308", "1", "179999999999999999999881771787362161637220209158073133960560422505416127280029255244107997673859226438283514044626429957209025499007974251385432967893475410210273172413073335453312363908086675820212949905714122235220658169597814084147124893145992785623648605092105720908059815938226685343159956237414219907072"},
	}
	for _, c := range cases {
		a, ok1 := ParseLongDouble([]byte(c.value))
		b, ok2 := ParseLongDouble([]byte(c.incr))
		if !ok1 || !ok2 {
			t.Errorf("%s + %s: parse failed", c.value, c.incr)
			continue
		}
		sum, ok := AddLongDouble(a, b)
		if !ok {
			t.Errorf("%s + %s: not finite", c.value, c.incr)
			continue
		}
		if got := string(AppendLongDouble(nil, sum)); got != c.want {
			t.Errorf("%s + %s = %s, want %s", c.value, c.incr, got, c.want)
		}
	}
}

func TestLongDouble_TenthsAddUpLikeRedis(t *testing.T) {
	// In float64, 0.1 added ten times is 0.9999999999999999; in Redis's
	// long double it prints as 1.
	v, _ := ParseLongDouble([]byte("0"))
	tenth, _ := ParseLongDouble([]byte("0.1"))
	want := []string{"0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9", "1", "1.1"}
	for i, w := range want {
		v, _ = AddLongDouble(v, tenth)
		if got := string(AppendLongDouble(nil, v)); got != w {
			t.Fatalf("step %d: %s, want %s", i+1, got, w)
		}
	}
}

func TestLongDouble_Parse(t *testing.T) {
	cases := []struct {
		in    string
		ok    bool
		inf   bool
		human string // AppendLongDouble of the parsed value
	}{
		{"1", true, false, "1"},
		{"+1", true, false, "1"},
		{"-1.5", true, false, "-1.5"},
		{".5", true, false, "0.5"},
		{"5.", true, false, "5"},
		{"1E2", true, false, "100"},
		{"1e+2", true, false, "100"},
		{"1e-2", true, false, "0.01"},
		{"00012.50000", true, false, "12.5"},
		{"0x10", true, false, "16"},
		{"0X1.8P1", true, false, "3"},
		{"0x.8", true, false, "0.5"},
		{"0e99999999999", true, false, "0"},
		{"-0", true, false, "0"},
		{"inf", true, true, ""},
		{"-Infinity", true, true, ""},
		{"INF", true, true, ""},
		{"1e4932", true, false, ""},
		{"0x1p16383", true, false, ""},
		{"1e-4950", true, false, "0"},
		{"0x1p-16445", true, false, "0"},
		{"0x1.0000001p-16446", true, false, "0"},
		{"nan", false, false, ""},
		{"-nan", false, false, ""},
		{"nan(123)", false, false, ""},
		{"infin", false, false, ""},
		{"", false, false, ""},
		{" 1", false, false, ""},
		{"1 ", false, false, ""},
		{"\t1", false, false, ""},
		{"1\x002", false, false, ""},
		{"abc", false, false, ""},
		{".", false, false, ""},
		{"-", false, false, ""},
		{"+", false, false, ""},
		{"1e", false, false, ""},
		{"1e+", false, false, ""},
		{"1e5x", false, false, ""},
		{"0x", false, false, ""},
		{"0x.", false, false, ""},
		{"0xg", false, false, ""},
		{"0x1p", false, false, ""},
		{"1.2.3", false, false, ""},
		{"1e4933", false, false, ""},                     // overflow
		{"1.18973149535723176505e4932", true, false, ""}, // rounds down to LDBL_MAX
		{"1.1897314953572317651e4932", false, false, ""}, // rounds to infinity
		{"0x1p16384", false, false, ""},
		{"1e99999999999999999999", false, false, ""},
		{"1e-5000", false, false, ""},    // underflow to zero
		{"0x1p-16446", false, false, ""}, // exactly half the smallest subnormal: ties to 0
		{"1e-99999999999999999", false, false, ""},
		{"1." + strings.Repeat("0", 5117), true, false, "1"},
		{"1." + strings.Repeat("0", 5118), false, false, ""}, // longer than Redis's buffer
	}
	for _, c := range cases {
		f, ok := ParseLongDouble([]byte(c.in))
		if ok != c.ok {
			t.Errorf("ParseLongDouble(%q) ok = %v, want %v", c.in, ok, c.ok)
			continue
		}
		if !ok {
			continue
		}
		if f.IsInf() != c.inf {
			t.Errorf("ParseLongDouble(%q) inf = %v, want %v", c.in, f.IsInf(), c.inf)
		}
		if c.human != "" {
			if got := string(AppendLongDouble(nil, f)); got != c.human {
				t.Errorf("ParseLongDouble(%q) = %s, want %s", c.in, got, c.human)
			}
		}
	}
}

func TestLongDouble_AddRejectsNonFinite(t *testing.T) {
	inf, _ := ParseLongDouble([]byte("inf"))
	ninf, _ := ParseLongDouble([]byte("-inf"))
	one, _ := ParseLongDouble([]byte("1"))
	big, _ := ParseLongDouble([]byte("1.1e4932"))
	if _, ok := AddLongDouble(inf, one); ok {
		t.Error("inf + 1 is finite")
	}
	if _, ok := AddLongDouble(inf, ninf); ok {
		t.Error("inf + -inf is finite")
	}
	if _, ok := AddLongDouble(big, big); ok {
		t.Error("1.1e4932 * 2 did not overflow")
	}
	if _, ok := AddLongDouble(big, one); !ok {
		t.Error("1.1e4932 + 1 overflowed")
	}
}
