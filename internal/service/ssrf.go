package service

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// guard refuses competitor URLs that reach inside: loopback, private,
// link-local (cloud metadata lives there), unspecified, multicast and
// carrier-grade NAT addresses, unless an allow-list entry (a CIDR or an
// exact host name) names them.
type guard struct {
	nets  []netip.Prefix
	hosts map[string]bool
	res   *net.Resolver
}

// newGuard parses allow-list entries: CIDRs ("127.0.0.0/8"), addresses
// ("10.0.0.5") or host names ("scorer.internal").
func newGuard(allow []string) (*guard, error) {
	g := &guard{hosts: map[string]bool{}, res: net.DefaultResolver}
	for _, a := range allow {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		if p, err := netip.ParsePrefix(a); err == nil {
			g.nets = append(g.nets, p.Masked())
			continue
		}
		if ip, err := netip.ParseAddr(a); err == nil {
			g.nets = append(g.nets, netip.PrefixFrom(ip, ip.BitLen()))
			continue
		}
		if strings.ContainsAny(a, "/:@ ") {
			return nil, fmt.Errorf("allow-target %q: want a CIDR, an address or a host name", a)
		}
		g.hosts[strings.ToLower(a)] = true
	}
	return g, nil
}

// metadataHosts are cloud metadata names refused whatever they resolve to.
var metadataHosts = map[string]bool{"metadata.google.internal": true, "metadata": true, "instance-data": true}

// internal says whether an address is one a competitor URL may not reach.
func internal(ip netip.Addr) bool {
	ip = ip.Unmap()
	cgnat := netip.MustParsePrefix("100.64.0.0/10")
	return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast() || cgnat.Contains(ip) ||
		!ip.IsGlobalUnicast()
}

func (g *guard) allowed(ip netip.Addr) bool {
	for _, p := range g.nets {
		if p.Contains(ip.Unmap()) {
			return true
		}
	}
	return false
}

// check parses raw as an http(s) URL and resolves its host; every address
// must be public or allow-listed.
func (g *guard) check(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("not a URL: %v", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("scheme %q: want http or https", u.Scheme)
	}
	if u.User != nil {
		return fmt.Errorf("credentials in the URL: pass api_key instead")
	}
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return fmt.Errorf("no host")
	}
	if g.hosts[host] {
		return nil
	}
	if metadataHosts[host] {
		return fmt.Errorf("host %s is a cloud metadata service", host)
	}
	var addrs []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{ip}
	} else {
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		ips, err := g.res.LookupNetIP(rctx, "ip", host)
		if err != nil {
			return fmt.Errorf("host %s does not resolve: %v", host, err)
		}
		addrs = ips
	}
	for _, ip := range addrs {
		if internal(ip) && !g.allowed(ip) {
			return fmt.Errorf("host %s is an internal address (%s): refused unless the service allow-lists it (--allow-target)", host, ip)
		}
	}
	return nil
}
