// Package outbound sends the server's own HTTP requests to addresses that
// admins type in (webhooks), guarded against server-side request forgery:
// a request may not reach a loopback, private, link-local (cloud metadata
// at 169.254.169.254 included), unspecified or multicast address unless the
// caller allows private targets for it or the operator allows the network.
//
// The check runs when a connection is dialled, on the address actually
// dialled, so a name that resolves to a public address once and a private
// one later (DNS rebinding) and a redirect to a private address are refused
// like a literal private address. No proxy from the environment is used,
// since the check would then see only the proxy's address.
package outbound

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"
)

// Options tune a Client; zero fields take the defaults.
type Options struct {
	// Timeout bounds one request, redirects and reading the response
	// included (default 10s).
	Timeout time.Duration
	// MaxResponseBytes is how much of a response body is read (default
	// 64 KiB); the rest is discarded unread.
	MaxResponseBytes int64
	// MaxRedirects is how many redirects are followed (default 3); every
	// hop is checked like the first.
	MaxRedirects int
	// Allow lists networks the operator allows although they are private
	// (for example a receiver on the same private network).
	Allow []netip.Prefix
}

// Request is one POST.
type Request struct {
	URL    string
	Header map[string]string
	Body   []byte
	// AllowPrivate lets this request reach private, loopback and
	// link-local addresses: an admin's explicit choice.
	AllowPrivate bool
}

// Response is what came back: the status and the first MaxResponseBytes
// of the body.
type Response struct {
	Status int
	Body   []byte
}

// ForbiddenError is a refused target address.
type ForbiddenError struct {
	Addr netip.Addr
}

func (e *ForbiddenError) Error() string {
	return fmt.Sprintf("the address %s is private, loopback or link-local: not allowed for this target", e.Addr)
}

// Client sends guarded requests. It is safe for concurrent use.
type Client struct {
	opts Options
	// Connections are pooled per transport, so a connection dialled for a
	// request that allowed private targets is never reused by one that
	// did not.
	guarded, open *http.Client
}

// New returns a client.
func New(o Options) *Client {
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.MaxResponseBytes <= 0 {
		o.MaxResponseBytes = 64 << 10
	}
	if o.MaxRedirects == 0 {
		o.MaxRedirects = 3
	}
	c := &Client{opts: o}
	c.guarded = c.httpClient(false)
	c.open = c.httpClient(true)
	return c
}

func (c *Client) httpClient(allowPrivate bool) *http.Client {
	d := &net.Dialer{
		Timeout: c.opts.Timeout,
		ControlContext: func(_ context.Context, _, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("dial %s: %w", address, err)
			}
			if !allowPrivate && !c.allowed(ap.Addr()) {
				return &ForbiddenError{Addr: ap.Addr().Unmap()}
			}
			return nil
		},
	}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          50,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   c.opts.Timeout,
		ResponseHeaderTimeout: c.opts.Timeout,
	}
	max := c.opts.MaxRedirects
	return &http.Client{
		Transport: tr,
		Timeout:   c.opts.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if max < 0 || len(via) > max {
				return fmt.Errorf("stopped after %d redirects", len(via))
			}
			return CheckURL(req.URL.String())
		},
	}
}

// allowed reports whether addr may be dialled without AllowPrivate.
func (c *Client) allowed(addr netip.Addr) bool {
	addr = addr.Unmap()
	for _, p := range c.opts.Allow {
		if p.Contains(addr) {
			return true
		}
	}
	return Public(addr)
}

// Public reports whether addr is an ordinary public unicast address: not
// loopback, private (RFC 1918, unique local), link-local (metadata
// services), shared (carrier-grade NAT), unspecified, multicast or
// reserved.
func Public(addr netip.Addr) bool {
	addr = addr.Unmap()
	if !addr.IsValid() || addr.IsLoopback() || addr.IsPrivate() || addr.IsLinkLocalUnicast() ||
		addr.IsLinkLocalMulticast() || addr.IsInterfaceLocalMulticast() || addr.IsMulticast() || addr.IsUnspecified() {
		return false
	}
	for _, p := range reserved {
		if p.Contains(addr) {
			return false
		}
	}
	return true
}

// reserved are the further ranges no receiver lives at.
var reserved = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),         // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),     // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),      // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),     // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),       // reserved, broadcast
	netip.MustParsePrefix("64:ff9b::/96"),      // NAT64: would reach IPv4 behind it
	netip.MustParsePrefix("64:ff9b:1::/48"),    // local NAT64
	netip.MustParsePrefix("2001:db8::/32"),     // documentation
	netip.MustParsePrefix("fd00:ec2::254/128"), // EC2 metadata over IPv6
}

// ErrBadURL is the cause of every error of CheckURL.
var ErrBadURL = errors.New("bad url")

// CheckURL checks that raw is an absolute http or https URL with a host and
// no user name or password (which would travel, and be logged, in clear).
func CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadURL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%w: the scheme must be http or https", ErrBadURL)
	}
	if u.Hostname() == "" {
		return fmt.Errorf("%w: the host is missing", ErrBadURL)
	}
	if u.User != nil {
		return fmt.Errorf("%w: user names and passwords do not belong in the URL", ErrBadURL)
	}
	return nil
}

// LiteralForbidden reports whether raw names its host by an IP address
// that a request without AllowPrivate may not reach (a name is only
// checked when dialled).
func (c *Client) LiteralForbidden(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	a, err := netip.ParseAddr(u.Hostname())
	return err == nil && !c.allowed(a)
}

// Post sends r and reads the start of the response. An error means no
// response: the target was refused (errors.As *ForbiddenError), could not
// be reached, or did not answer in time.
func (c *Client) Post(ctx context.Context, r Request) (Response, error) {
	if err := CheckURL(r.URL); err != nil {
		return Response{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL, bytes.NewReader(r.Body))
	if err != nil {
		return Response{}, fmt.Errorf("%w: %v", ErrBadURL, err)
	}
	for k, v := range r.Header {
		req.Header.Set(k, v)
	}
	hc := c.guarded
	if r.AllowPrivate {
		hc = c.open
	}
	resp, err := hc.Do(req)
	if err != nil {
		return Response{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.opts.MaxResponseBytes))
	if err != nil {
		return Response{Status: resp.StatusCode, Body: body}, err
	}
	return Response{Status: resp.StatusCode, Body: body}, nil
}
