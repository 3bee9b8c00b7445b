package server

import (
	"testing"
)

func TestParseCommandLine(t *testing.T) {
	cases := []struct {
		argv  []string
		file  string
		stdin bool
		text  string
	}{
		{[]string{"--port", "7000"}, "", false, "port \"7000\" "},
		{[]string{"/etc/r.conf", "--port", "7000", "--save", ""}, "/etc/r.conf", false, "port \"7000\" \nsave \"\" "},
		{[]string{"--save", "--port", "1"}, "", false, "save \"\"\nport \"1\" "},
		{[]string{"--save"}, "", false, "save \"\""},
		{[]string{"--port 7000"}, "", false, "port 7000 "},
		{[]string{"--save", "100", "100", "--port", "1"}, "", false, "save \"100\" \"100\" \nport \"1\" "},
		{[]string{"-", "--port", "1"}, "", true, "port \"1\" "},
		{[]string{"/r.conf", "--port", "1", "-"}, "/r.conf", true, "port \"1\" "},
		{[]string{"--port", "1", "-", "x"}, "", false, "port \"1\" \"-\" \"x\" "},
		{[]string{"--maxmemory", "--1mb"}, "", false, "maxmemory \"--1mb\" "},
		{[]string{"--sentinel", "--port", "1"}, "", false, "sentinel \nport \"1\" "},
		{[]string{"-x", "--port", "1"}, "", false, "\"-x\" \nport \"1\" "},
	}
	for _, tc := range cases {
		f, stdin, text := ParseCommandLine(tc.argv)
		if f != tc.file || stdin != tc.stdin || text != tc.text {
			t.Errorf("ParseCommandLine(%q) = %q, %v, %q; want %q, %v, %q", tc.argv, f, stdin, text, tc.file, tc.stdin, tc.text)
		}
	}
}
