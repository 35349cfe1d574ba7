package testupstream

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRecorder(t *testing.T) {
	var rec Recorder
	for _, body := range []string{"first", "second"} {
		r := httptest.NewRequest(http.MethodPost, "/"+body, strings.NewReader(body))
		rec.Record(r)
	}
	if rec.Count() != 2 || rec.Last(t).URL.Path != "/second" {
		t.Fatalf("count %d, last %s", rec.Count(), rec.Last(t).URL.Path)
	}
	var seen []string
	rec.Each(func(r *http.Request, body []byte) bool {
		seen = append(seen, r.URL.Path+"="+string(body))
		return true
	})
	if strings.Join(seen, ",") != "/first=first,/second=second" {
		t.Fatalf("recorded %v", seen)
	}
}
