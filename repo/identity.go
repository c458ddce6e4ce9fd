package repo

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"easel.dev/easel/repo/gitobj"
	"easel.dev/easel/repo/reflog"
)

// Identity returns the author or committer signature for a new object:
// GIT_<ROLE>_NAME/EMAIL/DATE from the environment first, then
// <role>.name/<role>.email and user.name/user.email from the configuration
// (repository over global), then $EMAIL for the address. The time is now
// unless GIT_<ROLE>_DATE says otherwise.
func (r *Repository) Identity(role string) (gitobj.Signature, error) {
	var sig gitobj.Signature
	role = strings.ToLower(role)
	if role != "author" && role != "committer" {
		return sig, fmt.Errorf("identity: unknown role %q", role)
	}
	env := "GIT_" + strings.ToUpper(role) + "_"
	sig.Name = os.Getenv(env + "NAME")
	sig.Email = os.Getenv(env + "EMAIL")
	get := func(keys ...string) string {
		for _, k := range keys {
			if v, ok, _ := r.ConfigGet(k); ok && v != "" {
				return v
			}
		}
		return ""
	}
	if sig.Name == "" {
		sig.Name = get(role+".name", "user.name")
	}
	if sig.Email == "" {
		sig.Email = get(role+".email", "user.email")
	}
	if sig.Email == "" {
		sig.Email = os.Getenv("EMAIL")
	}
	sig.Name = strings.TrimSpace(sig.Name)
	sig.Email = strings.TrimSpace(sig.Email)
	if sig.Name == "" || sig.Email == "" {
		return sig, fmt.Errorf("%w: %s; run\n  easel config --global user.email \"you@example.com\"\n  easel config --global user.name \"Your Name\"\nto set your account's identity", ErrMissingIdentity, role)
	}
	if strings.ContainsAny(sig.Name+sig.Email, "<>\n") {
		return sig, fmt.Errorf("%w: %s name or email contains '<', '>' or a newline", ErrMissingIdentity, role)
	}
	sig.When = time.Now()
	if d := os.Getenv(env + "DATE"); d != "" {
		t, err := ParseDate(d)
		if err != nil {
			return sig, fmt.Errorf("%sDATE: %w", env, err)
		}
		sig.When = t
	}
	return sig, nil
}

// ParseDate parses the date formats git accepts for GIT_AUTHOR_DATE and
// --date: git's internal "<unix> <+zone>" (optionally with a leading "@"),
// RFC 2822 ("Thu, 07 Apr 2005 22:13:13 +0200") and ISO 8601
// ("2005-04-07T22:13:13+02:00", "2005-04-07 22:13:13 +0200"; without a
// zone, local time).
func ParseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	raw := strings.TrimPrefix(s, "@")
	fields := strings.Fields(raw)
	if len(fields) >= 1 && len(fields) <= 2 {
		if n, err := strconv.ParseInt(fields[0], 10, 64); err == nil && (strings.HasPrefix(s, "@") || len(fields[0]) >= 9 || len(fields) == 2) {
			loc := time.UTC
			if len(fields) == 2 {
				z, ok := parseZone(fields[1])
				if !ok {
					return time.Time{}, fmt.Errorf("invalid date %q", s)
				}
				loc = z
			}
			return time.Unix(n, 0).In(loc), nil
		}
	}
	layouts := []string{
		time.RFC1123Z,                    // Thu, 07 Apr 2005 22:13:13 +0200
		"Mon, 2 Jan 2006 15:04:05 -0700", // single-digit day
		"2 Jan 2006 15:04:05 -0700",      // RFC 2822 without weekday
		"Mon Jan 2 15:04:05 2006 -0700",  // git's default format
		time.RFC3339Nano,                 // 2005-04-07T22:13:13+02:00
		"2006-01-02T15:04:05-0700",       // basic zone
		"2006-01-02 15:04:05 -0700",      // git's iso format
		"2006-01-02 15:04:05 -07:00",
		"2006-01-02 15:04:05-07:00",
		"2006-01-02 15:04:05Z07:00",
	}
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	for _, l := range []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(l, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("invalid date format: %s", s)
}

// parseZone reads "+hhmm", "-hhmm", "+hh:mm" or "Z".
func parseZone(z string) (*time.Location, bool) {
	if z == "Z" || z == "UTC" || z == "GMT" {
		return time.UTC, true
	}
	return reflog.Zone(strings.Replace(z, ":", "", 1))
}
