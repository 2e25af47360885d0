// Package baseurl turns a reference server's listening address into the
// base URL its clients use.
package baseurl

import (
	"net"
	"strconv"
)

// For is the URL clients use for addr, ending in /v1; a wildcard bind
// address is replaced by 127.0.0.1.
func For(a net.Addr) string {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return "http://" + a.String() + "/v1"
	}
	ip := ta.IP
	if ip == nil || ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
	}
	return "http://" + net.JoinHostPort(ip.String(), strconv.Itoa(ta.Port)) + "/v1"
}
