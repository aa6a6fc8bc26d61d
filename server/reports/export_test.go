package reports

import "context"

// ReportFromHours is Report read from the hourly rollups alone, as reports
// were read before the daily ones: the reference the daily reads must
// equal.
func (s *Service) ReportFromHours(ctx context.Context, q Query) (Report, error) {
	h := *s
	h.hoursOnly = true
	return h.Report(ctx, q)
}
