package routing_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/chat"
	"github.com/opensupport/livechat/server/routing"
)

// weekdays is Monday to Friday, 8:00–17:00.
var weekdays = []routing.DayHours{{Day: 1, Open: 480, Close: 1020}, {Day: 2, Open: 480, Close: 1020}, {Day: 3, Open: 480, Close: 1020}, {Day: 4, Open: 480, Close: 1020}, {Day: 5, Open: 480, Close: 1020}}

func TestOpenAt(t *testing.T) {
	t.Parallel()
	saigon, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	at := func(day, hour, minute int) time.Time { return time.Date(2026, 1, day, hour, minute, 0, 0, saigon) } // 2026-01-05 is a Monday
	h := routing.Hours{Enabled: true, TimeZone: "Asia/Ho_Chi_Minh", Days: weekdays, Holidays: []string{"2026-01-07"}}
	cases := []struct {
		name string
		now  time.Time
		open bool
		next time.Time
	}{
		{"Monday before opening", at(5, 7, 59), false, at(5, 8, 0)},
		{"Monday at opening", at(5, 8, 0), true, time.Time{}},
		{"Monday at closing", at(5, 17, 0), false, at(6, 8, 0)},
		{"the holiday is closed all day", at(7, 10, 0), false, at(8, 8, 0)},
		{"the day before the holiday opens next after it", at(6, 18, 0), false, at(8, 8, 0)},
		{"Saturday opens on Monday", at(10, 12, 0), false, at(12, 8, 0)},
		{"the zone decides: 02:00 UTC is 09:00 in Saigon", time.Date(2026, 1, 5, 2, 0, 0, 0, time.UTC), true, time.Time{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			open, next := h.OpenAt(c.now)
			if open != c.open || !next.Equal(c.next) {
				t.Errorf("OpenAt(%v) = %v, %v; want %v, %v", c.now, open, next, c.open, c.next)
			}
		})
	}
	if open, _ := (routing.Hours{Days: nil}).OpenAt(at(10, 3, 0)); !open {
		t.Error("hours that are not enabled are closed")
	}
	if open, next := (routing.Hours{Enabled: true}).OpenAt(at(5, 9, 0)); open || !next.IsZero() {
		t.Errorf("a schedule without days: %v, %v", open, next)
	}
}

func TestHoursValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	set := func(h routing.Hours, r routing.ReplyTime) error {
		_, err := e.router.SetWidgetRouting(bg, e.widget, routing.WidgetRouting{Mode: routing.ModeManual, Hours: h, ReplyTime: r})
		return err
	}
	many := make([]string, routing.MaxHolidays+1)
	for i := range many {
		many[i] = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i).Format(time.DateOnly)
	}
	cases := []struct {
		name string
		err  error
		want apperr.Reason
	}{
		{"unknown zone", set(routing.Hours{TimeZone: "Mars/Olympus"}, routing.ReplyTime{}), apperr.InvalidTimeZone},
		{"the server's own zone", set(routing.Hours{TimeZone: "Local"}, routing.ReplyTime{}), apperr.InvalidTimeZone},
		{"day 7", set(routing.Hours{Days: []routing.DayHours{{Day: 7, Open: 0, Close: 60}}}, routing.ReplyTime{}), apperr.InvalidSchedule},
		{"a day twice", set(routing.Hours{Days: []routing.DayHours{{Day: 1, Open: 0, Close: 60}, {Day: 1, Open: 100, Close: 200}}}, routing.ReplyTime{}), apperr.InvalidSchedule},
		{"closing before opening", set(routing.Hours{Days: []routing.DayHours{{Day: 1, Open: 600, Close: 500}}}, routing.ReplyTime{}), apperr.InvalidSchedule},
		{"closing after midnight", set(routing.Hours{Days: []routing.DayHours{{Day: 1, Open: 600, Close: 1441}}}, routing.ReplyTime{}), apperr.InvalidSchedule},
		{"a date that is not one", set(routing.Hours{Holidays: []string{"2026-02-30"}}, routing.ReplyTime{}), apperr.InvalidDate},
		{"too many holidays", set(routing.Hours{Holidays: many}, routing.ReplyTime{}), apperr.TooManyItems},
		{"unknown outside behaviour", set(routing.Hours{Outside: "close"}, routing.ReplyTime{}), apperr.InvalidValue},
		{"fixed reply time of 0", set(routing.Hours{}, routing.ReplyTime{Mode: routing.ReplyFixed}), apperr.InvalidValue},
		{"unknown reply mode", set(routing.Hours{}, routing.ReplyTime{Mode: "guess"}), apperr.InvalidValue},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !apperr.Is(c.err, c.want) {
				t.Errorf("got %v, want %s", c.err, c.want)
			}
		})
	}

	t.Run("stored normalised and read back", func(t *testing.T) {
		in := routing.Hours{Enabled: true, TimeZone: "Asia/Ho_Chi_Minh", Days: []routing.DayHours{weekdays[2], weekdays[0]}, Holidays: []string{"2026-09-02", "2026-01-01", "2026-09-02"}, Outside: routing.OutsideNotice}
		if err := set(in, routing.ReplyTime{Mode: routing.ReplyFixed, FixedMinutes: 10}); err != nil {
			t.Fatal(err)
		}
		got, err := e.router.WidgetRouting(bg, e.widget)
		if err != nil {
			t.Fatal(err)
		}
		h := got.Hours
		if !h.Enabled || h.TimeZone != "Asia/Ho_Chi_Minh" || len(h.Days) != 2 || h.Days[0].Day != 1 || len(h.Holidays) != 2 || h.Holidays[0] != "2026-01-01" ||
			h.Outside != routing.OutsideNotice || got.ReplyTime != (routing.ReplyTime{Mode: routing.ReplyFixed, FixedMinutes: 10}) {
			t.Errorf("read back %+v", got)
		}
	})
}

func TestWidgetAvailabilityFollowsTheClock(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	saigon, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	now := time.Date(2026, 1, 5, 7, 0, 0, 0, saigon)
	router := routing.New(e.pool, e.chat, nil, routing.Options{Now: func() time.Time { return now }})
	if _, err := router.SetWidgetRouting(bg, e.widget, routing.WidgetRouting{
		Mode:  routing.ModeManual,
		Hours: routing.Hours{Enabled: true, TimeZone: "Asia/Ho_Chi_Minh", Days: weekdays, Outside: routing.OutsideNotice},
	}); err != nil {
		t.Fatal(err)
	}
	a, err := router.WidgetAvailability(bg, e.widget)
	if err != nil {
		t.Fatal(err)
	}
	if a.Open || a.Outside != routing.OutsideNotice || !a.OpensAt.Equal(time.Date(2026, 1, 5, 8, 0, 0, 0, saigon)) || a.OpensDay != 1 || a.OpensMinute != 480 {
		t.Errorf("at 7:00: %+v", a)
	}
	now = now.Add(90 * time.Minute)
	if a, _ := router.WidgetAvailability(bg, e.widget); !a.Open {
		t.Errorf("at 8:30: %+v", a)
	}
	if _, err := router.WidgetAvailability(bg, uuid.New()); !apperr.Is(err, apperr.WidgetNotFound) {
		t.Errorf("unknown widget: %v", err)
	}
}

func TestMeasuredReplyTime(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lan := e.agent("Lan", "online", false, 5)
	if a, err := e.router.WidgetAvailability(bg, e.widget); err != nil || a.ReplySeconds != 0 {
		t.Fatalf("before any reply: %+v, %v", a, err)
	}
	// Three conversations answered after 60, 120 and 600 seconds: the
	// median is 120. A note does not count as a reply.
	for i, wait := range []int{60, 120, 600} {
		id := e.conversations(1)[0]
		if _, err := e.chat.SendMessage(bg, lan, id, chat.NewMessage{Text: "note", Internal: true, ClientMessageID: uuid.NewString()}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.chat.SendMessage(bg, lan, id, chat.NewMessage{Text: "Hi", ClientMessageID: uuid.NewString()}); err != nil {
			t.Fatal(err)
		}
		e.exec(`UPDATE conversations SET created_at = now() - make_interval(secs => $2) WHERE id = $1`, id, wait)
		e.exec(`UPDATE messages SET created_at = now() - make_interval(secs => $2) WHERE conversation_id = $1 AND internal`, id, wait+5*(i+1))
	}
	// A fresh router: the first one cached "no replies yet".
	r := routing.New(e.pool, e.chat, nil, routing.Options{})
	a, err := r.WidgetAvailability(bg, e.widget)
	if err != nil || a.ReplySeconds != 120 {
		t.Errorf("measured %+v, %v; want 120 s", a, err)
	}
}

func TestChangesIn(t *testing.T) {
	t.Parallel()
	saigon, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	at := func(day, hour, minute, second int) time.Time {
		return time.Date(2026, 1, day, hour, minute, second, 0, saigon) // 2026-01-05 is a Monday
	}
	h := routing.Hours{Enabled: true, TimeZone: "Asia/Ho_Chi_Minh", Days: weekdays, Holidays: []string{"2026-01-07"}}
	// Open all Saturday and Sunday (midnight to midnight): the weekend is one period.
	allWeekend := routing.Hours{Enabled: true, TimeZone: "Asia/Ho_Chi_Minh", Days: []routing.DayHours{{Day: 6, Open: 0, Close: 1440}, {Day: 0, Open: 0, Close: 1440}}}
	cases := []struct {
		name string
		h    routing.Hours
		now  time.Time
		want time.Duration
	}{
		{"closed before opening: until 8:00", h, at(5, 7, 59, 30), 30 * time.Second},
		{"open: until 17:00", h, at(5, 16, 0, 0), time.Hour},
		{"a fraction of a second rounds up", h, at(5, 16, 59, 59).Add(100 * time.Millisecond), time.Second},
		{"Tuesday evening: the holiday is skipped, Thursday 8:00", h, at(6, 17, 0, 0), 39 * time.Hour},
		{"open periods that meet at midnight are one", allWeekend, at(10, 12, 0, 0), 36 * time.Hour},
		{"no schedule: never", routing.Hours{}, at(5, 12, 0, 0), 0},
		{"never opens: never", routing.Hours{Enabled: true, TimeZone: "UTC"}, at(5, 12, 0, 0), 0},
	}
	for _, c := range cases {
		if got := c.h.ChangesIn(c.now); got != c.want {
			t.Errorf("%s: ChangesIn = %v, want %v", c.name, got, c.want)
		}
		// The state does flip then, and not a second before.
		if c.want > 0 {
			before, _ := c.h.OpenAt(c.now)
			justBefore, _ := c.h.OpenAt(c.now.Add(c.want - time.Second))
			flipped, _ := c.h.OpenAt(c.now.Add(c.want))
			if c.want > time.Second && justBefore != before {
				t.Errorf("%s: flipped before %v", c.name, c.want)
			}
			if flipped == before && c.now.Truncate(time.Second).Equal(c.now) {
				t.Errorf("%s: still %v after %v", c.name, before, c.want)
			}
		}
	}
}
