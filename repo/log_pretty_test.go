package repo

import (
	"testing"
	"time"
)

// The cases of git's own test of relative dates (t0006-date.sh).
func TestRelativeDateAsGit(t *testing.T) {
	now := time.Unix(1700000000, 0)
	for secs, want := range map[int64]string{
		5:         "5 seconds ago",
		300:       "5 minutes ago",
		18000:     "5 hours ago",
		432000:    "5 days ago",
		1728000:   "3 weeks ago",
		13000000:  "5 months ago",
		37500000:  "1 year, 2 months ago",
		55188000:  "1 year, 9 months ago",
		630000000: "20 years ago",
		31449600:  "12 months ago",
		62985600:  "2 years ago",
		1:         "1 second ago",
		-10:       "in the future",
	} {
		if got := RelativeDate(now.Add(-time.Duration(secs)*time.Second), now); got != want {
			t.Errorf("%d s ago: %q, want %q", secs, got, want)
		}
	}
}

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
