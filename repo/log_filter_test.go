package repo

import (
	"testing"
	"time"
)

func TestParseApproxDate(t *testing.T) {
	now := time.Date(2024, 5, 10, 13, 14, 15, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"2024-05-01":           time.Date(2024, 5, 1, 13, 14, 15, 0, time.UTC), // git keeps the time of day
		"2024-05-01 08:30":     time.Date(2024, 5, 1, 8, 30, 0, 0, time.UTC),
		"2024-05-01T08:30:00Z": time.Date(2024, 5, 1, 8, 30, 0, 0, time.UTC),
		"@1714550400":          time.Unix(1714550400, 0),
		"3 days ago":           now.AddDate(0, 0, -3),
		"2.weeks.ago":          now.AddDate(0, 0, -14),
		"1 hour":               now.Add(-time.Hour),
		"yesterday":            now.AddDate(0, 0, -1),
	} {
		got, err := ParseApproxDate(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("%q: %v %v, want %v", in, got, err, want)
		}
	}
	if _, err := ParseApproxDate("someday", now); err == nil {
		t.Error("someday parsed")
	}
}
