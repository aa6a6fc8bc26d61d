package audit

import (
	"context"
	"time"

	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/principal"
)

// SettingsSection is the installation settings section of the audit log.
const SettingsSection = "audit"

// Settings is how long the audit log is kept.
type Settings struct {
	RetentionDays int `json:"retention_days"`
}

// The bounds of Settings.RetentionDays. At least a month, so that a
// mistaken setting cannot wipe the recent history an investigation needs.
const (
	MinRetentionDays     = 30
	MaxRetentionDays     = 3650
	DefaultRetentionDays = 365
)

// DefaultSettings apply until an admin changes them.
var DefaultSettings = Settings{RetentionDays: DefaultRetentionDays}

// Retention is how long entries are kept.
func (st Settings) Retention() time.Duration {
	return time.Duration(st.RetentionDays) * 24 * time.Hour
}

// Settings returns the audit settings, or DefaultSettings.
func (s *Service) Settings(ctx context.Context) (Settings, error) {
	st := DefaultSettings
	if s.settings == nil {
		return st, nil
	}
	if _, err := s.settings.Get(ctx, SettingsSection, &st); err != nil {
		return Settings{}, err
	}
	if st.RetentionDays < MinRetentionDays || st.RetentionDays > MaxRetentionDays {
		st = DefaultSettings
	}
	return st, nil
}

// UpdateSettings changes the audit settings and records the change.
// Errors: InvalidValue (field "retention_days"); NotAvailable without a
// settings store.
func (s *Service) UpdateSettings(ctx context.Context, caller principal.Agent, st Settings) (Settings, error) {
	if st.RetentionDays < MinRetentionDays || st.RetentionDays > MaxRetentionDays {
		return Settings{}, apperr.New(apperr.InvalidValue, "retention_days must be between %d and %d", MinRetentionDays, MaxRetentionDays).
			WithField("retention_days")
	}
	if s.settings == nil {
		return Settings{}, apperr.New(apperr.NotAvailable, "settings cannot be changed on this server")
	}
	before, err := s.Settings(ctx)
	if err != nil {
		return Settings{}, err
	}
	if err := s.settings.Put(ctx, SettingsSection, st, caller.ID); err != nil {
		return Settings{}, err
	}
	s.RecordSettings(ctx, caller, SettingsSection, before, st)
	return st, nil
}

// RecordSettings records that caller changed a settings section from
// before to after (nothing when nothing changed). Every domain that owns a
// section calls it after a change.
func (s *Service) RecordSettings(ctx context.Context, caller principal.Agent, section string, before, after any) {
	if changes := Changes(before, after); len(changes) > 0 {
		s.Record(ctx, caller, SettingsChanged, Target{Type: "settings", ID: section, Name: section}, changes)
	}
}
