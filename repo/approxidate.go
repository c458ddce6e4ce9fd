package repo

import (
	"strconv"
	"strings"
	"time"
)

// approxTM is the broken-down time git's approxidate fills in: -1 marks
// a date field not named yet.
type approxTM struct {
	year, mon, mday, hour, min, sec int
}

// approxidateWords reads free text as git's approxidate_str does, word
// by word: month and weekday names, "noon", "midnight", "tea", "am"/"pm",
// "yesterday", "N units (ago)", numbers that become day, month or year as
// they come ("the 12th of october 1979"), and h:m[:s] times. Other words
// are skipped; ok is false when nothing was understood. s is lower case.
func approxidateWords(s string, now time.Time) (time.Time, bool) {
	loc := now.Location()
	tm := approxTM{-1, -1, -1, now.Hour(), now.Minute(), now.Second()}
	num, touched := 0, false
	fill := func() {
		if tm.mday < 0 {
			tm.mday = now.Day()
		}
		if tm.mon < 0 {
			tm.mon = int(now.Month()) - 1
		}
		if tm.year < 0 {
			tm.year = now.Year()
			if tm.mon > int(now.Month())-1 {
				tm.year--
			}
		}
	}
	// update is git's update_tm: fill the date in from now, go back sec
	// seconds, and read the fields back.
	update := func(sec int) time.Time {
		fill()
		t := time.Date(tm.year, time.Month(tm.mon+1), tm.mday, tm.hour, tm.min, tm.sec, 0, loc).Add(-time.Duration(sec) * time.Second)
		tm = approxTM{t.Year(), int(t.Month()) - 1, t.Day(), t.Hour(), t.Minute(), t.Second()}
		return t
	}
	pending := func() {
		n := num
		if n == 0 {
			return
		}
		num = 0
		switch {
		case tm.mday < 0 && n < 32:
			tm.mday = n
		case tm.mon < 0 && n < 13:
			tm.mon = n - 1
		case tm.year < 0:
			switch {
			case n > 1969 && n < 2100:
				tm.year = n
			case n > 69 && n < 100:
				tm.year = 1900 + n
			case n < 38:
				tm.year = 2000 + n
			}
		}
	}
	dateTime := func(hour int) {
		if tm.hour < hour {
			update(24 * 60 * 60)
		}
		tm.hour, tm.min, tm.sec = hour, 0, 0
	}
	months := []string{"january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"}
	weekdays := []string{"sundays", "mondays", "tuesdays", "wednesdays", "thursdays", "fridays", "saturdays"}
	units := []struct {
		name string
		secs int
	}{{"seconds", 1}, {"minutes", 60}, {"hours", 3600}, {"days", 86400}, {"weeks", 7 * 86400}}
	numbers := []string{"", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"}
	// prefix is git's match_string: how many characters of the text
	// from the word on agree with name before a character that is no
	// letter or digit; 0 when a letter or digit differs.
	prefix := func(text, name string) int {
		for i := 0; i < len(text); i++ {
			if i < len(name) && text[i] == name[i] {
				continue
			}
			if c := text[i]; c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
				return 0
			}
			return i
		}
		return len(text)
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			pending()
			j := i
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			n, _ := strconv.Atoi(s[i:j])
			touched = true
			if j+1 < len(s) && s[j] == ':' && s[j+1] >= '0' && s[j+1] <= '9' {
				// h:m[:s]
				parts := strings.SplitN(strings.FieldsFunc(s[i:], func(r rune) bool { return r != ':' && (r < '0' || r > '9') })[0], ":", 3)
				vals := []int{0, 0, 0}
				for k, p := range parts {
					vals[k], _ = strconv.Atoi(p)
				}
				if vals[0] < 24 && vals[1] < 60 && vals[2] <= 60 {
					tm.hour, tm.min, tm.sec = vals[0], vals[1], vals[2]
					i += len(strings.Join(parts, ":"))
					continue
				}
			}
			if s[i] != '0' || j-i <= 2 {
				num = n
			}
			i = j
		case c >= 'a' && c <= 'z':
			j := i
			for j < len(s) && s[j] >= 'a' && s[j] <= 'z' {
				j++
			}
			word, text := s[i:j], s[i:]
			i = j
			matched := false
			for m, name := range months {
				if prefix(text, name) >= 3 {
					tm.mon, touched, matched = m, true, true
					break
				}
			}
			if matched {
				continue
			}
			switch word {
			case "yesterday":
				pending()
				update(24 * 60 * 60)
				touched = true
				continue
			case "noon":
				pending()
				dateTime(12)
				touched = true
				continue
			case "midnight":
				pending()
				dateTime(0)
				touched = true
				continue
			case "tea":
				pending()
				dateTime(17)
				touched = true
				continue
			case "pm", "am":
				hour := tm.hour
				if num != 0 {
					hour, tm.min, tm.sec = num, 0, 0
				}
				num = 0
				tm.hour = hour % 12
				if word == "pm" {
					tm.hour += 12
				}
				touched = true
				continue
			case "now":
				touched = true
				continue
			}
			if num == 0 {
				for n := 1; n < len(numbers); n++ {
					if word == numbers[n] {
						num, touched = n, true
						break
					}
				}
				if word == "last" {
					num, touched = 1, true
				}
				continue
			}
			for _, u := range units {
				if prefix(text, u.name) >= len(u.name)-1 {
					update(u.secs * num)
					num, touched, matched = 0, true, true
					break
				}
			}
			if matched {
				continue
			}
			for d, name := range weekdays {
				if prefix(text, name) >= 3 {
					n := num - 1
					num = 0
					fill()
					wday := int(time.Date(tm.year, time.Month(tm.mon+1), tm.mday, 0, 0, 0, 0, loc).Weekday())
					diff := wday - d
					if diff <= 0 {
						n++
					}
					update((diff + 7*n) * 24 * 60 * 60)
					touched, matched = true, true
					break
				}
			}
			if matched {
				continue
			}
			if prefix(text, "months") >= 5 {
				fill()
				n := tm.mon - num
				num = 0
				for n < 0 {
					n += 12
					tm.year--
				}
				tm.mon, touched = n, true
			} else if prefix(text, "years") >= 4 {
				fill()
				tm.year -= num
				num, touched = 0, true
			}
		default:
			i++
		}
	}
	pending()
	if !touched {
		return time.Time{}, false
	}
	return update(0), true
}
