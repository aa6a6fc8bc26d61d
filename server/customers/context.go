package customers

import (
	"context"
	"encoding/json"
	"net/netip"
	"net/url"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db"
	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/limits"
	"github.com/opensupport/livechat/server/principal"
	"github.com/opensupport/livechat/server/widgets"
)

// The bounds of a visitor context report.
const (
	// ReportPages is the most pages one report may carry.
	ReportPages = 20
	// Trail is how many pages of a visit are kept, newest first.
	Trail = 20
	// PageURL and PageTitle bound a reported page, in characters.
	PageURL   = 2000
	PageTitle = 200
	// DeviceField bounds each text a browser says of itself.
	DeviceField = 64
	// maxAgo is the oldest a reported page may say it is; older claims
	// are clamped (a report is sent within seconds of a page view).
	maxAgo = 10 * time.Minute
)

// Widgets is what the domain asks of package widgets: a widget's settings,
// for its tracking switches.
type Widgets interface {
	GetWidget(ctx context.Context, id uuid.UUID) (widgets.Widget, error)
}

// Geo locates a client address; Locate returns "" for what it does not
// know. A nil Geo locates nothing.
type Geo interface {
	Locate(ip netip.Addr) (country, city string)
}

// PageView is one page a visitor saw.
type PageView struct {
	URL    string    `json:"url"`
	Title  string    `json:"title,omitempty"`
	SeenAt time.Time `json:"at"`
}

// Device is what the visitor's browser says of itself.
type Device struct {
	Browser      string `json:"browser,omitempty"`
	OS           string `json:"os,omitempty"`
	DeviceType   string `json:"deviceType,omitempty"`
	ScreenWidth  int    `json:"screenWidth,omitempty"`
	ScreenHeight int    `json:"screenHeight,omitempty"`
	Language     string `json:"language,omitempty"`
	TimeZone     string `json:"timeZone,omitempty"`
}

// VisitorContext is where a visitor is and has been.
type VisitorContext struct {
	// Trail holds the pages of the visit, newest first; Trail[0] is the
	// current page.
	Trail             []PageView
	Referrer          string
	Device            Device
	IP, Country, City string
	UpdatedAt         time.Time
}

// ReportedPage is a page as the widget reports it.
type ReportedPage struct {
	URL, Title string
	// Ago is how long before the report the visitor arrived.
	Ago time.Duration
}

// Report is one batch of what the widget saw.
type Report struct {
	// Pages are oldest first.
	Pages    []ReportedPage
	Referrer string
	// Device is set on a session's start.
	Device *Device
}

// ReportVisitorContext merges a report from the visitor's widget into
// their context and, when they have an open conversation, tells agents
// (a conversation_updated event). ip is the call's client address.
// Errors: TooManyItems (field "pages"); TextTooLong or TextInvalid (fields
// "pages[i].url", "pages[i].title", "referrer", "device.*").
func (s *Service) ReportVisitorContext(ctx context.Context, v principal.Visitor, ip netip.Addr, r Report) error {
	if len(r.Pages) > ReportPages {
		return apperr.New(apperr.TooManyItems, "at most %d pages a report", ReportPages).WithField("pages").WithLimit(ReportPages)
	}
	w, err := s.widgets.GetWidget(ctx, v.WidgetID)
	if err != nil {
		return err
	}
	tracking := w.Settings.Tracking
	now := time.Now()
	var pages []PageView // newest first
	if !tracking.PagesOff {
		for i, p := range r.Pages {
			field := "pages[" + strconv.Itoa(i) + "]"
			u, err := limits.CleanOptional(field+".url", p.URL, PageURL, false)
			if err != nil {
				return err
			}
			title, err := limits.CleanOptional(field+".title", p.Title, PageTitle, false)
			if err != nil {
				return err
			}
			if u = pageURL(u, tracking.KeepQueryStrings); u == "" {
				continue
			}
			ago := min(max(p.Ago, 0), maxAgo)
			pages = append([]PageView{{URL: u, Title: title, SeenAt: now.Add(-ago)}}, pages...)
		}
	}
	referrer, err := limits.CleanOptional("referrer", r.Referrer, PageURL, false)
	if err != nil {
		return err
	}
	referrer = pageURL(referrer, tracking.KeepQueryStrings)
	if tracking.PagesOff {
		referrer = ""
	}
	var device *Device
	if r.Device != nil {
		d, err := cleanDevice(*r.Device)
		if err != nil {
			return err
		}
		device = &d
	}
	var country, city string
	if s.geo != nil && ip.IsValid() {
		country, city = s.geo.Locate(ip)
	}
	err = db.Tx(ctx, s.pool, func(q *dbq.Queries) error {
		if _, err := q.LockVisitorContext(ctx, v.CustomerID); err != nil {
			return apperr.NotFoundAs(err, apperr.CustomerNotFound, "customer not found")
		}
		cur, err := s.visitorContext(ctx, q, v.CustomerID)
		if err != nil {
			return err
		}
		next := VisitorContext{Referrer: cur.Referrer, Device: cur.Device, Country: country, City: city}
		if next.Referrer == "" {
			next.Referrer = referrer
		}
		if device != nil {
			next.Device = *device
		}
		if ip.IsValid() {
			next.IP = ip.String()
		}
		next.Trail = append(pages, cur.Trail...)
		if len(next.Trail) > Trail {
			next.Trail = next.Trail[:Trail]
		}
		trail, _ := json.Marshal(next.Trail) // strings and times always encode
		dev, _ := json.Marshal(next.Device)
		params := dbq.SaveVisitorContextParams{
			CustomerID: v.CustomerID, Referrer: next.Referrer, Trail: trail, Device: dev,
			IpAddress: next.IP, Country: next.Country, City: next.City,
		}
		if len(next.Trail) > 0 {
			params.CurrentUrl, params.CurrentTitle = next.Trail[0].URL, next.Trail[0].Title
		}
		if err := q.SaveVisitorContext(ctx, params); err != nil {
			return err
		}
		return q.AnnounceCustomerChange(ctx, v.CustomerID)
	})
	if err == nil && s.hub != nil {
		s.hub.Committed()
	}
	return err
}

// visitorContext reads a customer's context; nil before any report.
func (s *Service) visitorContext(ctx context.Context, q *dbq.Queries, customerID uuid.UUID) (*VisitorContext, error) {
	row, err := q.VisitorContext(ctx, customerID)
	if apperr.Is(err, apperr.NotFound) {
		return &VisitorContext{}, nil
	}
	if err != nil {
		return nil, err
	}
	c := &VisitorContext{Referrer: row.Referrer, IP: row.IpAddress, Country: row.Country, City: row.City, UpdatedAt: row.UpdatedAt}
	// Both documents are written by ReportVisitorContext only.
	_ = json.Unmarshal(row.Trail, &c.Trail)
	_ = json.Unmarshal(row.Device, &c.Device)
	return c, nil
}

// pageURL keeps an http or https URL, without its fragment and, unless
// keepQuery, its query string; anything else is "".
func pageURL(raw string, keepQuery bool) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	u.Fragment, u.RawFragment, u.User = "", "", nil
	if !keepQuery {
		u.RawQuery, u.ForceQuery = "", false
	}
	return u.String()
}

// cleanDevice checks what a browser said of itself.
func cleanDevice(d Device) (Device, error) {
	for _, f := range []struct {
		name string
		v    *string
	}{
		{"device.browser", &d.Browser}, {"device.os", &d.OS}, {"device.device_type", &d.DeviceType},
		{"device.language", &d.Language}, {"device.time_zone", &d.TimeZone},
	} {
		v, err := limits.CleanOptional(f.name, *f.v, DeviceField, false)
		if err != nil {
			return Device{}, err
		}
		*f.v = v
	}
	switch d.DeviceType {
	case "", "desktop", "tablet", "mobile":
	default:
		d.DeviceType = ""
	}
	d.ScreenWidth, d.ScreenHeight = min(max(d.ScreenWidth, 0), 100000), min(max(d.ScreenHeight, 0), 100000)
	return d, nil
}
