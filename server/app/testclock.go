package app

import (
	"fmt"
	"os"
	"time"
)

// testClockEnv sets the clock business hours are read by, for browser tests
// that must see a widget inside and outside its hours: an RFC 3339 time the
// clock shows when the server starts, running on from there. It is an
// environment variable only, not a flag, so it is in no help text: a
// production server has no use for it.
const testClockEnv = "LIVECHAT_TEST_CLOCK"

// readTestClock reads testClockEnv; a bad value is reported by Validate.
func (c *Config) readTestClock() {
	v, ok := os.LookupEnv(testClockEnv)
	if !ok || v == "" {
		return
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		c.envErrs = append(c.envErrs, fmt.Errorf("$%s must be an RFC 3339 time such as 2026-01-05T07:00:00+07:00, not %q", testClockEnv, v))
		return
	}
	c.TestClock = t
}

// clock is the clock of business hours: the real one, or TestClock
// running on from when the server was built.
func (c Config) clock() func() time.Time {
	if c.TestClock.IsZero() {
		return time.Now
	}
	start, at := time.Now(), c.TestClock
	return func() time.Time { return at.Add(time.Since(start)) }
}
