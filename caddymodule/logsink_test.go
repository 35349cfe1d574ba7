package caddymodule

import (
	"context"
	"fmt"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/kakaogate/kakaogate/internal/testcaddy"
	"github.com/kakaogate/kakaogate/oidc"
)

// observed returns a logger named name whose lines are recorded.
func observed(name string) (*zap.Logger, *observer.ObservedLogs) {
	core, logs := observer.New(zapcore.DebugLevel)
	return zap.New(core).Named(name), logs
}

// TestLogSinkFollowsTheNewestHandler: a pooled resource's lines go to the logger attached
// last, under its name and with the resource's own name and fields; when that handler goes
// away (or its configuration failed to load) they go back to the one still running, and
// nowhere once none is left.
func TestLogSinkFollowsTheNewestHandler(t *testing.T) {
	sink := newLogSink()
	resource := sink.logger().Named("oidc").With(zap.String("issuer", "https://idp.example"))
	first, firstLogs := observed("first")
	second, secondLogs := observed("second")

	resource.Warn("before any handler") // discarded, not a panic
	detachFirst := sink.attach(first)
	detachSecond := sink.attach(second)
	resource.Warn("after the reload")
	detachSecond()
	detachSecond() // safe twice
	resource.Warn("after the new configuration went away")
	detachFirst()
	resource.Warn("after the last handler")

	tests := []struct {
		name string
		logs *observer.ObservedLogs
		want []string
		from string
	}{
		{"newest handler", secondLogs, []string{"after the reload"}, "second.oidc"},
		{"first handler", firstLogs, []string{"after the new configuration went away"}, "first.oidc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			entries := tt.logs.All()
			if len(entries) != len(tt.want) {
				t.Fatalf("got %d lines %v, want %q", len(entries), entries, tt.want)
			}
			for i, e := range entries {
				if e.Message != tt.want[i] || e.LoggerName != tt.from || e.ContextMap()["issuer"] != "https://idp.example" {
					t.Fatalf("line %d = %q from %q with %v, want %q from %q with the issuer", i, e.Message, e.LoggerName, e.ContextMap(), tt.want[i], tt.from)
				}
			}
		})
	}
}

// TestPooledProviderLogsToTheNewestHandler: after a second handler acquires a pooled provider
// (a reload), the provider's own log lines (a failed discovery) reach the second handler's
// logger, not the first one's, whose output a reload may have closed.
func TestPooledProviderLogsToTheNewestHandler(t *testing.T) {
	issuer := fmt.Sprintf("http://127.0.0.1:%d", testcaddy.FreePort(t)) // nothing listens
	first, firstLogs := observed("first")
	second, secondLogs := observed("second")
	var p *pooledProvider
	for _, l := range []*zap.Logger{first, second} {
		got, key, err := acquireProvider(issuer, oidc.ProviderOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if p != nil && got != p {
			t.Fatal("the second handler got a provider of its own")
		}
		p = got
		t.Cleanup(func() { _, _ = providerPool.Delete(key) })
		t.Cleanup(p.sink.attach(l))
	}
	if _, err := p.provider.Metadata(context.Background()); err == nil {
		t.Fatal("discovery succeeded with nothing listening")
	}
	if n := secondLogs.FilterMessage("oidc discovery failed").Len(); n != 1 {
		t.Fatalf("second handler got %d discovery warnings, want 1: %v", n, secondLogs.All())
	}
	if firstLogs.Len() != 0 {
		t.Fatalf("the first handler's logger still receives the provider's lines: %v", firstLogs.All())
	}
}

// TestProvisionAttachesAndCleanupDetachesLogs: every handler sharing a pooled store attaches
// its logger at Provision and detaches it at Cleanup.
func TestProvisionAttachesAndCleanupDetachesLogs(t *testing.T) {
	a, b := validHandler(), validHandler()
	for _, h := range []*Handler{a, b} {
		if err := h.Provision(newContext(t)); err != nil {
			t.Fatal(err)
		}
	}
	v, _ := storePool.LoadOrStore(a.storeKey, nil)
	defer storePool.Delete(a.storeKey)
	sink := v.(*pooledStore).sink
	attached := func() int {
		sink.mu.Lock()
		defer sink.mu.Unlock()
		return len(sink.attached)
	}
	if n := attached(); n != 2 {
		t.Fatalf("%d loggers attached to the shared store, want 2", n)
	}
	for i, h := range []*Handler{b, a} {
		if err := h.Cleanup(); err != nil {
			t.Fatal(err)
		}
		if n, want := attached(), 1-i; n != want {
			t.Fatalf("after %d cleanups %d loggers attached, want %d", i+1, n, want)
		}
	}
}
