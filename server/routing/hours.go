package routing

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"time"
	// The server may run where the system has no time zone database (a
	// scratch container); the schedules must still read their zones.
	_ "time/tzdata"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
)

// Outside is what a widget does outside its business hours, as stored.
type Outside string

// The outside-hours behaviours.
const (
	// OutsideOfflineForm shows the offline state and form.
	OutsideOfflineForm Outside = "offline_form"
	// OutsideNotice keeps the chat open with a notice of the next opening.
	OutsideNotice Outside = "notice"
)

// ReplyMode says where the expected reply time comes from, as stored.
type ReplyMode string

// The reply-time modes.
const (
	ReplyMeasured ReplyMode = "measured"
	ReplyFixed    ReplyMode = "fixed"
	ReplyHidden   ReplyMode = "hidden"
)

// MaxHolidays bounds a schedule's holidays.
const MaxHolidays = 100

// MaxReplyMinutes bounds a fixed reply time (a day).
const MaxReplyMinutes = 1440

// replyWindow is how far back measured reply times look.
const replyWindow = 30 * 24 * time.Hour

// replyCacheTTL is how long a measured reply time is reused: the widget's
// config is read on every page load, the median changes slowly.
const replyCacheTTL = 5 * time.Minute

// DayHours is one day's opening period in minutes after local midnight.
type DayHours struct {
	// Day is 0 (Sunday) to 6 (Saturday), as time.Weekday.
	Day   int `json:"day"`
	Open  int `json:"open"`
	Close int `json:"close"`
}

// Hours is a widget's weekly schedule.
type Hours struct {
	// Enabled false: open whenever agents are online.
	Enabled bool
	// TimeZone is an IANA name; "" is UTC.
	TimeZone string
	// Days are the open days, one period each, by day.
	Days []DayHours
	// Holidays are local dates, YYYY-MM-DD, closed all day.
	Holidays []string
	Outside  Outside
}

// ReplyTime is what visitors are told about how soon they get an answer.
type ReplyTime struct {
	Mode         ReplyMode
	FixedMinutes int
}

// Availability is what a visitor's widget is told about opening hours.
type Availability struct {
	// Open is true inside business hours (always without them).
	Open    bool
	Outside Outside
	// OpensAt is the next opening when closed; zero when there is none.
	OpensAt time.Time
	// OpensDay and OpensMinute are OpensAt in the schedule's time zone.
	OpensDay    int
	OpensMinute int
	// ReplySeconds is the expected time to a first reply; 0 unknown.
	ReplySeconds int
	// ChangesIn is how long until the schedule next opens or closes, by
	// the service's clock (rounded up to a second; 0 when it never does
	// within a year or there is no schedule), so a widget left open flips
	// at the time.
	ChangesIn time.Duration
}

// checkHours validates and normalises a schedule: days sorted, holidays
// sorted without repeats, the zone's name as given ("" becomes "UTC").
// Errors: InvalidTimeZone, InvalidSchedule, InvalidDate, TooManyItems,
// InvalidValue for an unknown outside behaviour.
func checkHours(h Hours) (Hours, error) {
	if h.TimeZone == "" {
		h.TimeZone = "UTC"
	}
	if _, err := location(h.TimeZone); err != nil {
		return Hours{}, err
	}
	if h.Outside == "" {
		h.Outside = OutsideOfflineForm
	}
	if h.Outside != OutsideOfflineForm && h.Outside != OutsideNotice {
		return Hours{}, apperr.New(apperr.InvalidValue, "outside must be OFFLINE_FORM or NOTICE").WithField("routing.hours.outside")
	}
	seen := map[int]bool{}
	for _, d := range h.Days {
		switch {
		case d.Day < 0 || d.Day > 6:
			return Hours{}, errSchedule("day %d is not 0 (Sunday) to 6 (Saturday)", d.Day)
		case seen[d.Day]:
			return Hours{}, errSchedule("%s is given twice", time.Weekday(d.Day))
		case d.Open < 0 || d.Close > 1440 || d.Open >= d.Close:
			return Hours{}, errSchedule("%s must open (0–1439) before it closes (1–1440)", time.Weekday(d.Day))
		}
		seen[d.Day] = true
	}
	h.Days = slices.Clone(h.Days)
	slices.SortFunc(h.Days, func(a, b DayHours) int { return a.Day - b.Day })
	if len(h.Holidays) > MaxHolidays {
		return Hours{}, apperr.New(apperr.TooManyItems, "at most %d holidays", MaxHolidays).WithField("routing.hours.holidays").WithLimit(MaxHolidays)
	}
	for _, d := range h.Holidays {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			return Hours{}, apperr.New(apperr.InvalidDate, "holiday %q is not a date written YYYY-MM-DD", d).WithField("routing.hours.holidays")
		}
	}
	h.Holidays = append([]string{}, slices.Compact(slices.Sorted(slices.Values(h.Holidays)))...)
	return h, nil
}

func errSchedule(format string, args ...any) error {
	return apperr.New(apperr.InvalidSchedule, format, args...).WithField("routing.hours.days")
}

// location loads an IANA zone; "Local" (the server's own zone) is refused,
// since it would change with the machine.
func location(name string) (*time.Location, error) {
	loc, err := time.LoadLocation(name)
	if err != nil || name == "Local" {
		return nil, apperr.New(apperr.InvalidTimeZone, "unknown time zone %q", name).WithField("routing.hours.time_zone")
	}
	return loc, nil
}

// checkReply validates a reply-time setting. Errors: InvalidValue.
func checkReply(r ReplyTime) (ReplyTime, error) {
	switch r.Mode {
	case "":
		r.Mode = ReplyMeasured
	case ReplyMeasured, ReplyHidden:
	case ReplyFixed:
		if r.FixedMinutes < 1 || r.FixedMinutes > MaxReplyMinutes {
			return ReplyTime{}, apperr.New(apperr.InvalidValue, "a fixed reply time is 1–%d minutes", MaxReplyMinutes).
				WithField("routing.reply_time.fixed_minutes").WithLimit(MaxReplyMinutes)
		}
		return r, nil
	default:
		return ReplyTime{}, apperr.New(apperr.InvalidValue, "reply time mode must be MEASURED, FIXED or HIDDEN").WithField("routing.reply_time.mode")
	}
	r.FixedMinutes = 0
	return r, nil
}

// OpenAt reports whether the schedule is open at now and, when closed, its
// next opening (zero when it never opens within a year).
func (h Hours) OpenAt(now time.Time) (open bool, next time.Time) {
	if !h.Enabled {
		return true, time.Time{}
	}
	loc, err := location(h.TimeZone)
	if err != nil {
		loc = time.UTC // stored schedules were validated
	}
	local := now.In(loc)
	byDay := map[time.Weekday]DayHours{}
	for _, d := range h.Days {
		byDay[time.Weekday(d.Day)] = d
	}
	y, m, dd := local.Date()
	for i := range 367 {
		date := time.Date(y, m, dd+i, 0, 0, 0, 0, loc)
		if slices.Contains(h.Holidays, date.Format(time.DateOnly)) {
			continue
		}
		p, ok := byDay[date.Weekday()]
		if !ok {
			continue
		}
		opens := time.Date(date.Year(), date.Month(), date.Day(), 0, p.Open, 0, 0, loc)
		closes := time.Date(date.Year(), date.Month(), date.Day(), 0, p.Close, 0, 0, loc)
		if i == 0 && !now.Before(opens) && now.Before(closes) {
			return true, time.Time{}
		}
		if opens.After(now) {
			return false, opens
		}
	}
	return false, time.Time{}
}

// ChangesIn is how long from now until the schedule next opens or closes,
// rounded up to a whole second; 0 without a schedule or when it does not
// change within a year: the next opening when closed (OpenAt), else the
// end of the open period.
func (h Hours) ChangesIn(now time.Time) time.Duration {
	if !h.Enabled {
		return 0
	}
	open, next := h.OpenAt(now)
	var at time.Time
	if !open {
		at = next
	} else {
		at = h.closesAfter(now)
	}
	if at.IsZero() || !at.After(now) {
		return 0
	}
	d := at.Sub(now)
	return (d + time.Second - 1).Truncate(time.Second)
}

// closesAfter is when a schedule open at now closes: the end of today's
// period, or later when the next day's period starts at midnight and
// continues it.
func (h Hours) closesAfter(now time.Time) time.Time {
	loc, err := location(h.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	local := now.In(loc)
	y, m, d := local.Date()
	for i := range 8 {
		date := time.Date(y, m, d+i, 0, 0, 0, 0, loc)
		var closes time.Time
		for _, p := range h.Days {
			if time.Weekday(p.Day) == date.Weekday() {
				closes = time.Date(date.Year(), date.Month(), date.Day(), 0, p.Close, 0, 0, loc)
			}
		}
		if closes.IsZero() || !closes.After(now) {
			return time.Time{}
		}
		// Open again at the closing instant (a period from midnight the
		// next day, not a holiday): it goes on.
		if open, _ := h.OpenAt(closes); !open {
			return closes
		}
	}
	return time.Time{}
}

// WidgetAvailability is what a visitor's widget is told about the
// widget's hours and reply time now. Errors: WidgetNotFound.
func (s *Service) WidgetAvailability(ctx context.Context, widgetID uuid.UUID) (Availability, error) {
	r, err := s.WidgetRouting(ctx, widgetID)
	if err != nil {
		return Availability{}, err
	}
	now := s.opts.Now()
	a := Availability{Outside: r.Hours.Outside}
	var next time.Time
	a.Open, next = r.Hours.OpenAt(now)
	if !next.IsZero() {
		a.OpensAt = next
		a.OpensDay = int(next.Weekday())
		a.OpensMinute = next.Hour()*60 + next.Minute()
	}
	a.ChangesIn = r.Hours.ChangesIn(now)
	switch r.ReplyTime.Mode {
	case ReplyFixed:
		a.ReplySeconds = r.ReplyTime.FixedMinutes * 60
	case ReplyMeasured:
		a.ReplySeconds, err = s.measuredReply(ctx, widgetID, now)
		if err != nil {
			return Availability{}, err
		}
	}
	return a, nil
}

// replyCache keeps measured reply times per widget for replyCacheTTL.
type replyCache struct {
	mu      sync.Mutex
	entries map[uuid.UUID]replyEntry
}

type replyEntry struct {
	seconds int
	at      time.Time
}

// measuredReply is the median first-reply time of the widget's recent
// conversations, in whole seconds.
func (s *Service) measuredReply(ctx context.Context, widgetID uuid.UUID, now time.Time) (int, error) {
	s.replies.mu.Lock()
	e, ok := s.replies.entries[widgetID]
	s.replies.mu.Unlock()
	if ok && now.Sub(e.at) < replyCacheTTL && !now.Before(e.at) {
		return e.seconds, nil
	}
	median, err := s.q.MedianFirstReply(ctx, dbq.MedianFirstReplyParams{WidgetID: widgetID, Since: now.Add(-replyWindow)})
	if err != nil {
		return 0, err
	}
	secs := int(median + 0.5)
	s.replies.mu.Lock()
	if s.replies.entries == nil {
		s.replies.entries = map[uuid.UUID]replyEntry{}
	}
	s.replies.entries[widgetID] = replyEntry{seconds: secs, at: now}
	s.replies.mu.Unlock()
	return secs, nil
}

// encodeDays is the stored form of a schedule's days.
func encodeDays(days []DayHours) []byte {
	if days == nil {
		days = []DayHours{}
	}
	b, _ := json.Marshal(days) // ints always encode
	return b
}

// decodeDays reads the stored days; a damaged document reads as none.
func decodeDays(b []byte) []DayHours {
	var days []DayHours
	if err := json.Unmarshal(b, &days); err != nil {
		return nil
	}
	return days
}
