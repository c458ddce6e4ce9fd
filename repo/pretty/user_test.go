package pretty

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

func TestMessageFormatting(t *testing.T) {
	msg := "\n\nsubject line\ncontinued  \n\n\tbody\twith tab\n   \n\nend\n\n\n"
	if got, want := Subject(msg), "subject line continued"; got != want {
		t.Errorf("Subject = %q, want %q", got, want)
	}
	want := "    subject line\n    continued\n    \n            body    with tab\n    \n    \n    end\n"
	if got := IndentMessage(msg, "    "); got != want {
		t.Errorf("IndentMessage =\n%q\nwant\n%q", got, want)
	}
}
