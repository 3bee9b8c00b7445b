package server

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestParseSortScore checks the strtod emulation against glibc's strtod
// (expected values produced by a C program on the reference machine; ok
// mirrors Redis's test: whole string read, no ERANGE, not NaN).
func TestParseSortScore(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"1", 0x1p+0, true},
		{"-1", -0x1p+0, true},
		{"+1", 0x1p+0, true},
		{"1.5", 0x1.8p+0, true},
		{"-1.5e3", -0x1.77p+10, true},
		{"1e-310", 0, false},
		{"1e-400", 0, false},
		{"4.9e-324", 0, false},
		{"2.2250738585072014e-308", 0x1p-1022, true},
		{"2.2250738585072011e-308", 0, false},
		{"0x1p-1074", 0x0.0000000000001p-1022, true},
		{"0x1p-1080", 0, false},
		{"0x1.8p-1070", 0x0.0000000000018p-1022, true},
		{"1e309", 0, false},
		{"-1e309", 0, false},
		{"1e308", 0x1.1ccf385ebc8ap+1023, true},
		{"0x10", 0x1p+4, true},
		{"0x", 0, false},
		{"0x.8", 0x1p-1, true},
		{"0x1.8p1", 0x1.8p+1, true},
		{"0X1P3", 0x1p+3, true},
		{"0x1p", 0, false},
		{"0xg", 0, false},
		{" 12", 0x1.8p+3, true},
		{"\t\n12", 0x1.8p+3, true},
		{"12 ", 0, false},
		{"", 0x0p+0, true},
		{"  ", 0, false},
		{"infinity", math.Inf(1), true},
		{"INF", math.Inf(1), true},
		{"-inf", math.Inf(-1), true},
		{"+Infinity", math.Inf(1), true},
		{"infx", 0, false},
		{"infinit", 0, false},
		{"nan", 0, false},
		{"NaN", 0, false},
		{"nan(123)", 0, false},
		{"-nan", 0, false},
		{"1e", 0, false},
		{"1e+", 0, false},
		{"1e+5", 0x1.86ap+16, true},
		{"1.e5", 0x1.86ap+16, true},
		{".5", 0x1p-1, true},
		{"-.5", -0x1p-1, true},
		{".", 0, false},
		{"-", 0, false},
		{"+", 0, false},
		{"e5", 0, false},
		{"0e-999999", 0x0p+0, true},
		{"1e-324", 0, false},
		{"0.000", 0x0p+0, true},
		{"-0", -0x0p+0, true},
		{"00012", 0x1.8p+3, true},
		{"1_0", 0, false},
		{"1,5", 0, false},
		{"0x1.fffffffffffffp1023", 0x1.fffffffffffffp+1023, true},
		{"0x1p1024", 0, false},
		{"123456789012345678901234567890", 0x1.8ee90ff6c373ep+96, true},
		{"9007199254740993", 0x1p+53, true},
		{"3.14159265358979323846", 0x1.921fb54442d18p+1, true},
		{"1e22", 0x1.0f0cf064dd592p+73, true},
		{"1e23", 0x1.52d02c7e14af6p+76, true},
		{"1\x002", 1, true}, // C stops at the NUL
		{"\x00", 0, true},
		{"0x1p-1074\x00x", 0x1p-1074, true},
	}
	for _, tt := range tests {
		got, ok := parseSortScore([]byte(tt.in))
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("parseSortScore(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// TestPartialSort checks that the pqsort port leaves the requested range
// exactly as a full sort would, for random inputs and ranges.
func TestPartialSort(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	cmpItems := func(a, b *sortItem) int { return cmp.Compare(a.score, b.score) }
	for round := 0; round < 500; round++ {
		n := r.IntN(120)
		items := make([]sortItem, n)
		for i := range items {
			items[i].score = float64(r.IntN(1000))
		}
		want := slices.Clone(items)
		slices.SortFunc(want, func(a, b sortItem) int { return cmpItems(&a, &b) })
		if n == 0 {
			continue
		}
		lo := r.IntN(n)
		hi := lo + r.IntN(n-lo)
		partialSort(items, lo, hi, cmpItems)
		for i := lo; i <= hi; i++ {
			if items[i].score != want[i].score {
				t.Fatalf("round %d n %d range %d..%d: position %d has %v, want %v", round, n, lo, hi, i, items[i].score, want[i].score)
			}
		}
	}
}

var _ = math.Inf
