package realtime

import (
	"context"
	"encoding/base64"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apperr"
)

// Visitors on the site
//
// A visitor who browses a website with a widget holds one Browse stream per
// open page. Each instance keeps its own visitors in memory and tells the
// others with notification lines, never with a table row, so a page view
// costs no durable write:
//
//	va <instance> <b64>                   visitors' pages (a ListVisitorsResponse)
//	vl <instance> <widget> <key>          the visitor's last page here closed
//	vi <instance> <widget> <key> <b64>    an invitation for the visitor's pages
//
// Every VisitorRefresh each instance announces all its visitors again; an
// instance drops another's visitors that were not announced for three
// refreshes (the other instance died). Agent streams get a
// VisitorsChangedEvent per widget at most once per VisitorsChangedEvery.

// VisitorPage is a visitor's page as their Browse stream reports it.
type VisitorPage struct {
	WidgetID uuid.UUID
	// Key is the browser's visitor key.
	Key string
	// CustomerID is the visitor's customer when they have a session; zero
	// otherwise.
	CustomerID uuid.UUID
	URL, Title string
	VisitStart time.Time
	PageOpened time.Time
	Returning  bool
}

// VisitorOnSite is one visitor in a widget's list: their newest page and
// how many pages (tabs, on any instance) they have open.
type VisitorOnSite struct {
	VisitorPage
	Pages int
}

// Browser is one open page of a visitor on this instance.
type Browser struct {
	h    *Hub
	page VisitorPage
	// invites receives invitation payloads for the visitor.
	invites chan string
	done    chan struct{}
	once    sync.Once
}

// Invitations delivers the payloads of InviteVisitor for this visitor.
func (b *Browser) Invitations() <-chan string { return b.invites }

// Done is closed when the hub shuts down.
func (b *Browser) Done() <-chan struct{} { return b.done }

// Leave takes the page off the list; the visitor leaves it with their last
// page. Safe to call more than once.
func (b *Browser) Leave() {
	b.once.Do(func() { b.h.site.leave(b) })
}

type localVisitor struct {
	page  VisitorPage
	pages map[*Browser]struct{}
}

type remoteVisitor struct {
	page  VisitorPage
	pages int
	seen  time.Time
}

type siteKey struct {
	widget uuid.UUID
	key    string
}

type site struct {
	h  *Hub
	mu sync.Mutex
	// local: this instance's visitors, by widget and key.
	local map[uuid.UUID]map[string]*localVisitor
	// remote: other instances' visitors, by instance.
	remote map[string]map[siteKey]remoteVisitor
	// dirty: widgets whose list changed since the last VisitorsChangedEvent.
	dirty map[uuid.UUID]bool
	timer *time.Timer
}

func newSite(h *Hub) *site {
	return &site{h: h, local: map[uuid.UUID]map[string]*localVisitor{}, remote: map[string]map[siteKey]remoteVisitor{}, dirty: map[uuid.UUID]bool{}}
}

// Arrive puts a visitor's page on its widget's list until Leave. Errors:
// TooManyVisitors when the widget has VisitorsPerWidget visitors on this
// instance.
func (h *Hub) Arrive(p VisitorPage) (*Browser, error) {
	b := &Browser{h: h, page: p, invites: make(chan string, 4), done: make(chan struct{})}
	s := h.site
	s.mu.Lock()
	defer s.mu.Unlock()
	if h.closedSite {
		return nil, errShutdown
	}
	byKey := s.local[p.WidgetID]
	if byKey == nil {
		byKey = map[string]*localVisitor{}
		s.local[p.WidgetID] = byKey
	}
	v := byKey[p.Key]
	if v == nil {
		if len(byKey) >= h.opts.VisitorsPerWidget {
			return nil, apperr.New(apperr.TooManyVisitors, "this website has as many visitors as the server keeps track of").WithRetryAfter(time.Minute)
		}
		v = &localVisitor{pages: map[*Browser]struct{}{}}
		byKey[p.Key] = v
	}
	v.pages[b] = struct{}{}
	if !p.PageOpened.Before(v.page.PageOpened) {
		v.page = p
	}
	s.announceLocked(v)
	return b, nil
}

func (s *site) leave(b *Browser) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := b.page
	v := s.local[p.WidgetID][p.Key]
	if v == nil {
		return
	}
	delete(v.pages, b)
	if len(v.pages) > 0 {
		// Another tab stays: the newest open page is the visitor's page.
		first := true
		for o := range v.pages {
			if first || o.page.PageOpened.After(v.page.PageOpened) {
				v.page, first = o.page, false
			}
		}
		s.announceLocked(v)
		return
	}
	delete(s.local[p.WidgetID], p.Key)
	if len(s.local[p.WidgetID]) == 0 {
		delete(s.local, p.WidgetID)
	}
	s.h.notifyEphemeral("vl " + s.h.opts.InstanceID.String() + " " + p.WidgetID.String() + " " + p.Key)
	s.changedLocked(p.WidgetID)
}

// announceLocked tells the other instances of a local visitor's page.
func (s *site) announceLocked(v *localVisitor) {
	s.h.notifyEphemeral("va " + s.h.opts.InstanceID.String() + " " + encodeVisitors([]*livechatv1.Visitor{visitorProto(v.page, len(v.pages))}))
	s.changedLocked(v.page.WidgetID)
}

// changedLocked schedules a VisitorsChangedEvent for the widget.
func (s *site) changedLocked(widget uuid.UUID) {
	s.dirty[widget] = true
	if s.timer == nil {
		s.timer = time.AfterFunc(s.h.opts.VisitorsChangedEvery, s.flush)
	}
}

// flush sends one VisitorsChangedEvent per changed widget to agent streams.
func (s *site) flush() {
	s.mu.Lock()
	widgets := make([]uuid.UUID, 0, len(s.dirty))
	for w := range s.dirty {
		widgets = append(widgets, w)
	}
	s.dirty = map[uuid.UUID]bool{}
	s.timer = nil
	s.mu.Unlock()
	now := timestamppb.New(s.h.opts.Now())
	evs := make([]*livechatv1.Event, len(widgets))
	for i, w := range widgets {
		evs[i] = &livechatv1.Event{OccurredAt: now, Kind: &livechatv1.Event_VisitorsChanged{VisitorsChanged: &livechatv1.VisitorsChangedEvent{WidgetId: w.String()}}}
	}
	s.h.fanoutPresence(evs, nil)
}

// Visitors lists the widget's visitors (every widget's for uuid.Nil) on
// every instance, newest page first.
func (h *Hub) Visitors(widgetID uuid.UUID) []VisitorOnSite {
	s := h.site
	s.mu.Lock()
	type id struct {
		widget uuid.UUID
		key    string
	}
	byKey := map[id]*VisitorOnSite{}
	add := func(p VisitorPage, pages int) {
		if cur := byKey[id{p.WidgetID, p.Key}]; cur != nil {
			cur.Pages += pages
			if p.PageOpened.After(cur.PageOpened) {
				cur.VisitorPage = p
			}
			return
		}
		byKey[id{p.WidgetID, p.Key}] = &VisitorOnSite{VisitorPage: p, Pages: pages}
	}
	for w, byKey := range s.local {
		if w != widgetID && widgetID != uuid.Nil {
			continue
		}
		for _, v := range byKey {
			add(v.page, len(v.pages))
		}
	}
	for _, vs := range s.remote {
		for k, v := range vs {
			if k.widget == widgetID || widgetID == uuid.Nil {
				add(v.page, v.pages)
			}
		}
	}
	s.mu.Unlock()
	out := make([]VisitorOnSite, 0, len(byKey))
	for _, v := range byKey {
		out = append(out, *v)
	}
	slices.SortFunc(out, func(a, b VisitorOnSite) int {
		if c := b.PageOpened.Compare(a.PageOpened); c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
	return out
}

// Invite hands payload to the visitor's open pages, on whichever instance
// holds them. It reports false when the visitor is on no instance's list.
func (h *Hub) Invite(widgetID uuid.UUID, key, payload string) bool {
	s := h.site
	s.mu.Lock()
	defer s.mu.Unlock()
	found := false
	if v := s.local[widgetID][key]; v != nil {
		found = true
		s.deliverLocked(v, payload)
	}
	remote := false
	for _, vs := range s.remote {
		if _, ok := vs[siteKey{widgetID, key}]; ok {
			remote = true
		}
	}
	if remote {
		h.notifyEphemeral("vi " + h.opts.InstanceID.String() + " " + widgetID.String() + " " + key + " " + base64.StdEncoding.EncodeToString([]byte(payload)))
	}
	return found || remote
}

func (s *site) deliverLocked(v *localVisitor, payload string) {
	for b := range v.pages {
		select {
		case b.invites <- payload:
		default: // a page with invitations piling up misses this one
		}
	}
}

// apply handles another instance's visitor line.
func (s *site) apply(kind, inst, data string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch kind {
	case "va":
		raw, err := base64.StdEncoding.DecodeString(data)
		if err != nil {
			return
		}
		list := &livechatv1.ListVisitorsResponse{}
		if proto.Unmarshal(raw, list) != nil {
			return
		}
		vs := s.remote[inst]
		if vs == nil {
			vs = map[siteKey]remoteVisitor{}
			s.remote[inst] = vs
		}
		for _, pv := range list.Visitors {
			p, pages, ok := decodeVisitor(pv)
			if !ok {
				continue
			}
			k := siteKey{p.WidgetID, p.Key}
			old, had := vs[k]
			if !had && len(vs) >= maxRemoteVisitors {
				return
			}
			vs[k] = remoteVisitor{page: p, pages: pages, seen: s.h.opts.Now()}
			if !had || old.page != p || old.pages != pages {
				s.changedLocked(p.WidgetID)
			}
		}
	case "vl":
		w, key, _ := strings.Cut(data, " ")
		widget, err := uuid.Parse(w)
		if err != nil {
			return
		}
		if vs := s.remote[inst]; vs != nil {
			if _, ok := vs[siteKey{widget, key}]; ok {
				delete(vs, siteKey{widget, key})
				s.changedLocked(widget)
			}
		}
	case "vi":
		w, rest, _ := strings.Cut(data, " ")
		key, b64, _ := strings.Cut(rest, " ")
		widget, err := uuid.Parse(w)
		if err != nil {
			return
		}
		payload, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return
		}
		if v := s.local[widget][key]; v != nil {
			s.deliverLocked(v, string(payload))
		}
	}
}

// maxRemoteVisitors bounds what one other instance can make this one keep.
const maxRemoteVisitors = 200_000

// refresh announces this instance's visitors again and forgets other
// instances' visitors that were not announced for three refreshes.
func (s *site) refresh() {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Several visitors a line, so that thousands fit the notifier's
	// bounded queue.
	self := s.h.opts.InstanceID.String()
	var batch []*livechatv1.Visitor
	size := 0
	send := func() {
		if len(batch) > 0 {
			s.h.notifyEphemeral("va " + self + " " + encodeVisitors(batch))
		}
		batch, size = nil, 0
	}
	for _, byKey := range s.local {
		for _, v := range byKey {
			pv := visitorProto(v.page, len(v.pages))
			if n := proto.Size(pv); size+n > visitorLineBytes {
				send()
			}
			batch = append(batch, pv)
			size += proto.Size(pv)
		}
	}
	send()
	stale := s.h.opts.Now().Add(-3 * s.h.opts.VisitorRefresh)
	for inst, vs := range s.remote {
		for k, v := range vs {
			if v.seen.Before(stale) {
				delete(vs, k)
				s.changedLocked(k.widget)
			}
		}
		if len(vs) == 0 {
			delete(s.remote, inst)
		}
	}
}

func (s *site) loop(ctx context.Context) {
	t := time.NewTicker(s.h.opts.VisitorRefresh)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.refresh()
		}
	}
}

// close ends every Browse stream of this instance.
func (s *site) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.h.closedSite {
		return
	}
	s.h.closedSite = true
	for _, byKey := range s.local {
		for _, v := range byKey {
			for b := range v.pages {
				close(b.done)
			}
		}
	}
	if s.timer != nil {
		s.timer.Stop()
	}
}

// visitorLineBytes bounds the visitors of one "va" line: base64 makes it
// a third longer, and a notification payload holds 7,900 bytes.
const visitorLineBytes = 5000

// encodeVisitors is the data of a "va" line: a ListVisitorsResponse.
func encodeVisitors(vs []*livechatv1.Visitor) string {
	raw, _ := proto.Marshal(&livechatv1.ListVisitorsResponse{Visitors: vs})
	return base64.StdEncoding.EncodeToString(raw)
}

func visitorProto(p VisitorPage, pages int) *livechatv1.Visitor {
	pv := &livechatv1.Visitor{
		Key:            p.Key,
		WidgetId:       p.WidgetID.String(),
		Url:            p.URL,
		Title:          p.Title,
		VisitStartedAt: timestamppb.New(p.VisitStart),
		PageOpenedAt:   timestamppb.New(p.PageOpened),
		Returning:      p.Returning,
		Pages:          int32(pages),
	}
	if p.CustomerID != uuid.Nil {
		pv.CustomerId = p.CustomerID.String()
	}
	return pv
}

func decodeVisitor(pv *livechatv1.Visitor) (VisitorPage, int, bool) {
	w, err := uuid.Parse(pv.WidgetId)
	if err != nil || pv.Key == "" {
		return VisitorPage{}, 0, false
	}
	var c uuid.UUID
	if pv.CustomerId != "" {
		if c, err = uuid.Parse(pv.CustomerId); err != nil {
			return VisitorPage{}, 0, false
		}
	}
	return VisitorPage{
		WidgetID: w, Key: pv.Key, CustomerID: c, URL: pv.Url, Title: pv.Title,
		VisitStart: pv.VisitStartedAt.AsTime(), PageOpened: pv.PageOpenedAt.AsTime(), Returning: pv.Returning,
	}, int(pv.Pages), true
}

// WidgetID is the widget whose list the page is on.
func (b *Browser) WidgetID() uuid.UUID { return b.page.WidgetID }
