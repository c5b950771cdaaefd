package capture

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The tshark test opens what the writer wrote with Wireshark's own
// dissectors, checksum validation switched on, and compares every field
// with what was written. It runs when tshark is installed, and must run
// in CI (TCPSIM_CI=1), where .ci/run installs it.

// tsharkFields are the fields the test asks for, in column order.
var tsharkFields = []string{
	"frame.number", "frame.time_epoch", "frame.comment", "_ws.malformed", "_ws.expert.severity", "_ws.expert.message",
	"ip.checksum.status", "tcp.checksum.status", "udp.checksum.status",
	"ip.src", "ipv6.src", "ip.ttl", "ipv6.hlim", "tcp.srcport", "udp.srcport",
	"tcp.flags", "tcp.seq_raw", "tcp.ack_raw", "tcp.window_size_value", "tcp.urgent_pointer", "tcp.len",
	"tcp.option_kind", "tcp.options.mss_val", "tcp.options.wscale.shift",
	"tcp.options.timestamp.tsval", "tcp.options.timestamp.tsecr", "tcp.options.sack_le", "tcp.options.sack_re",
	"udp.length",
}

// Wireshark's expert severities (epan/proto.h PI_*).
const (
	severityWarn  = 0x00600000
	severityError = 0x00800000
)

// tshark returns the path of tshark, or skips the test; in CI a missing
// tshark fails it.
func tshark(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("tshark")
	if err != nil {
		if os.Getenv("TCPSIM_CI") == "1" {
			t.Fatal("tshark is not installed, and TCPSIM_CI=1 makes this test mandatory (.ci/run installs the Debian package tshark)")
		}
		t.Skip("tshark is not installed (Debian package tshark); set TCPSIM_CI=1 to make this test mandatory")
	}
	return path
}

// runTshark dissects file and returns one map of field values per packet.
// It uses a private, empty configuration directory so that a user's
// preferences cannot change what is checked, and -n so that no name is
// looked up on the network.
func runTshark(t *testing.T, bin, file string) []map[string]string {
	t.Helper()
	args := []string{"-r", file, "-n",
		"-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
		"-o", "tcp.relative_sequence_numbers:FALSE", "-o", "tcp.analyze_sequence_numbers:TRUE",
		"-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=;"}
	for _, f := range tsharkFields {
		args = append(args, "-e", f)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "WIRESHARK_CONFIG_DIR="+t.TempDir(), "LC_ALL=C")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("tshark %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	// tshark warns when run as root; anything else on stderr (a file "cut
	// short in the middle of a packet", an unknown preference) fails.
	for _, l := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		if l != "" && !strings.HasPrefix(l, "Running as user \"root\"") {
			t.Errorf("tshark on %s said: %s", filepath.Base(file), l)
		}
	}
	var rows []map[string]string
	for _, line := range strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n") {
		cols := strings.Split(line, "\t")
		if len(cols) != len(tsharkFields) {
			t.Fatalf("tshark line has %d columns, want %d: %q", len(cols), len(tsharkFields), line)
		}
		row := map[string]string{}
		for i, f := range tsharkFields {
			row[f] = cols[i]
		}
		rows = append(rows, row)
	}
	return rows
}

func tsharkVersion(bin string) string {
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	first, _, _ := strings.Cut(string(out), "\n")
	return first
}

// optionText renders the TCP options tshark decoded the way tcpdump and
// tcpstate's Options.String do, from the kinds in wire order and the
// values of each option.
func optionText(r map[string]string) (string, error) {
	if r["tcp.option_kind"] == "" {
		return "", nil
	}
	vals := func(f string) []string { return strings.Split(r[f], ";") }
	le, re := vals("tcp.options.sack_le"), vals("tcp.options.sack_re")
	var out []string
	for _, k := range vals("tcp.option_kind") {
		switch k {
		case "1":
			out = append(out, "nop")
		case "2":
			out = append(out, "mss "+r["tcp.options.mss_val"])
		case "3":
			out = append(out, "wscale "+r["tcp.options.wscale.shift"])
		case "4":
			out = append(out, "sackOK")
		case "5":
			s := fmt.Sprintf("sack %d ", len(le))
			for i := range le {
				s += "{" + le[i] + ":" + re[i] + "}"
			}
			out = append(out, s)
		case "8":
			out = append(out, "TS val "+r["tcp.options.timestamp.tsval"]+" ecr "+r["tcp.options.timestamp.tsecr"])
		default:
			return "", fmt.Errorf("unexpected option kind %s", k)
		}
	}
	return strings.Join(out, ","), nil
}

// maxSeverity returns the highest expert severity tshark reported.
func maxSeverity(r map[string]string) int64 {
	var m int64
	for _, s := range strings.Split(r["_ws.expert.severity"], ";") {
		if v, err := strconv.ParseInt(s, 0, 64); err == nil && v > m {
			m = v
		}
	}
	return m
}

func TestTshark(t *testing.T) {
	bin := tshark(t)
	t.Logf("using %s", tsharkVersion(bin))
	// The IPv4 exchange, then the IPv6 one two seconds later.
	// Ports 49152, 50007, 40000 and 40001 have no dissector in tshark
	// (tshark -G decodes), so nothing is decoded above TCP and UDP.
	recs := scenario(client4, netip.MustParseAddrPort("10.0.0.2:50007"))
	for _, r := range scenario(client6, server6) {
		r.at += 2 * time.Second
		recs = append(recs, r)
	}
	for _, format := range []Format{PCAPNG, PCAP} {
		for _, link := range []LinkType{Ethernet, RawIP} {
			t.Run(format.String()+"/"+link.String(), func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "scenario."+format.String())
				f, err := Create(path, format, link)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Discard()
				writeScenario(t, f.Writer, recs)
				if err := f.Close(); err != nil {
					t.Fatal(err)
				}
				rows := runTshark(t, bin, path)
				if len(rows) != len(recs) {
					t.Fatalf("tshark shows %d packets, want %d", len(rows), len(recs))
				}
				for i, r := range rows {
					checkTsharkRow(t, format, i, r, recs[i])
				}
			})
		}
	}
}

// checkTsharkRow compares what tshark decoded of packet i with the record
// it was written from.
func checkTsharkRow(t *testing.T, format Format, i int, r map[string]string, rec record) {
	t.Helper()
	errorf := func(format string, args ...any) {
		t.Helper()
		t.Errorf("packet %d (%s): %s", i+1, rec.comment, fmt.Sprintf(format, args...))
	}
	if r["_ws.malformed"] != "" {
		errorf("malformed: %q", r["_ws.malformed"])
	}
	if s := maxSeverity(r); s >= severityWarn {
		errorf("expert info of severity %#x: %s", s, r["_ws.expert.message"])
	}
	// Checksum status 1 is "Good" (0 "Bad", 2 "Unverified").
	v4 := rec.src.Addr().Is4()
	if rec.seg != nil {
		v4 = rec.seg.Src.Addr().Is4()
	}
	want := map[string]string{"ip.checksum.status": "", "tcp.checksum.status": "", "udp.checksum.status": ""}
	if v4 {
		want["ip.checksum.status"] = "1"
		want["ip.ttl"] = "64"
	} else {
		want["ipv6.hlim"] = "64"
	}
	at := epoch.Add(rec.at)
	want["frame.time_epoch"] = fmt.Sprintf("%d.%09d", at.Unix(), at.Nanosecond())
	want["frame.comment"] = ""
	if format == PCAPNG {
		want["frame.comment"] = rec.comment
	}
	if seg := rec.seg; seg != nil {
		want["tcp.checksum.status"] = "1"
		want["tcp.srcport"] = strconv.Itoa(int(seg.Src.Port()))
		want["tcp.flags"] = fmt.Sprintf("0x%04x", uint8(seg.Flags)) // the same bit order (RFC 9293 §3.1)
		want["tcp.seq_raw"] = strconv.FormatUint(uint64(seg.Seq), 10)
		want["tcp.ack_raw"] = strconv.FormatUint(uint64(seg.Ack), 10)
		want["tcp.window_size_value"] = strconv.Itoa(int(seg.Window))
		want["tcp.urgent_pointer"] = strconv.Itoa(int(seg.Urgent))
		want["tcp.len"] = strconv.Itoa(len(seg.Payload))
		opts, err := optionText(r)
		if err != nil {
			errorf("%v", err)
		} else if opts != seg.Options.String() {
			errorf("tshark shows options %q, tcpstate %q", opts, seg.Options.String())
		}
	} else {
		want["udp.checksum.status"] = "1"
		want["udp.srcport"] = strconv.Itoa(int(rec.src.Port()))
		want["udp.length"] = strconv.Itoa(8 + len(rec.payload))
	}
	for _, f := range tsharkFields {
		if w, ok := want[f]; ok && r[f] != w {
			errorf("%s = %q, want %q", f, r[f], w)
		}
	}
}
