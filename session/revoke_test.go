package session

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"
)

func TestRevoker(t *testing.T) {
	ctx := context.Background()
	fast := RevokerOptions{RetryInterval: 20 * time.Millisecond}
	tests := []struct {
		name string
		opts RevokerOptions
		run  func(t *testing.T, env *revokeEnv, r *Revoker)
	}{
		{"a working store ends every session at once, with no goroutine", fast, func(t *testing.T, env *revokeEnv, r *Revoker) {
			tks := env.sessionsOf(t, "u", 2)
			other := env.sessionsOf(t, "bystander", 1)
			if n, queued, err := r.Revoke(ctx, "u"); n != 2 || queued || err != nil {
				t.Fatalf("Revoke = %d, %v, %v; want 2, false, nil", n, queued, err)
			}
			wantGone(t, env.m, tks...)
			if _, err := env.m.Load(ctx, other[0]); err != nil {
				t.Fatalf("another user's session: %v", err)
			}
			if r.started {
				t.Fatal("the retry goroutine started without a failure")
			}
		}},
		{"a failing store queues the user and a retry ends the sessions", fast, func(t *testing.T, env *revokeEnv, r *Revoker) {
			tks := env.sessionsOf(t, "u", 2)
			env.store.fail("*")
			n, queued, err := r.Revoke(ctx, "u")
			if n != 0 || !queued || !errors.Is(err, errStoreDown) {
				t.Fatalf("Revoke = %d, %v, %v; want 0, true, the store error", n, queued, err)
			}
			time.Sleep(50 * time.Millisecond)
			if len(env.errors("u")) == 0 {
				t.Fatal("no failed retry was reported")
			}
			env.store.fail()
			waitSuccess(t, env, "u", 2)
			wantGone(t, env.m, tks...)
			if p := r.Pending(); p != 0 {
				t.Fatalf("Pending = %d after the retry", p)
			}
		}},
		{"a retry that ends the sessions but fails to say so counts them when the user's queue entry completes", fast, func(t *testing.T, env *revokeEnv, r *Revoker) {
			tks := env.sessionsOf(t, "u", 2)
			env.store.fail("*")
			_, _, _ = r.Revoke(ctx, "u")
			env.store.mu.Lock()
			env.store.failing, env.store.failAfterEnding = nil, 1
			env.store.mu.Unlock()
			waitSuccess(t, env, "u", 2)
			wantGone(t, env.m, tks...)
		}},
		{"a retry overtaken by a later revocation reports success once, when the later one is applied", fast, func(t *testing.T, env *revokeEnv, r *Revoker) {
			env.sessionsOf(t, "u", 1)
			env.store.fail("*")
			_, _, _ = r.Revoke(ctx, "u")
			block := make(chan struct{})
			env.store.mu.Lock()
			env.store.failing, env.store.block, env.store.entered = nil, block, make(chan string, 1)
			env.store.mu.Unlock()
			<-env.store.entered // a retry is under way, past the point where it could fail
			env.store.fail("*")
			if _, queued, _ := r.Revoke(ctx, "u"); !queued {
				t.Fatal("the later revocation was not queued")
			}
			env.store.mu.Lock()
			env.store.failing, env.store.block = nil, nil
			env.store.mu.Unlock()
			close(block) // the earlier retry succeeds; the later revocation is still queued
			waitSuccess(t, env, "u", 1)
			time.Sleep(100 * time.Millisecond)
			if n := len(env.successes); n != 0 || r.Pending() != 0 {
				t.Fatalf("%d more successes reported, %d still queued; want one success in all", n, r.Pending())
			}
		}},
		{"a user is queued once however often Revoke is called", RevokerOptions{RetryInterval: time.Minute}, func(t *testing.T, env *revokeEnv, r *Revoker) {
			env.store.fail("*")
			for _, u := range []string{"u", "u", "v", "u"} {
				if _, queued, _ := r.Revoke(ctx, u); !queued {
					t.Fatalf("Revoke(%s) not queued", u)
				}
			}
			if p := r.Pending(); p != 2 {
				t.Fatalf("Pending = %d, want 2", p)
			}
		}},
		{"a later successful Revoke clears the queued retry", RevokerOptions{RetryInterval: time.Minute}, func(t *testing.T, env *revokeEnv, r *Revoker) {
			tks := env.sessionsOf(t, "u", 2)
			env.store.fail("*")
			_, _, _ = r.Revoke(ctx, "u")
			env.store.fail()
			if n, queued, err := r.Revoke(ctx, "u"); n != 2 || queued || err != nil {
				t.Fatalf("Revoke = %d, %v, %v; want 2, false, nil", n, queued, err)
			}
			wantGone(t, env.m, tks...)
			if p := r.Pending(); p != 0 {
				t.Fatalf("Pending = %d, want 0", p)
			}
		}},
		{"a full queue drops nothing silently", RevokerOptions{MaxQueued: 2, RetryInterval: time.Minute}, func(t *testing.T, env *revokeEnv, r *Revoker) {
			env.store.fail("*")
			_, _, _ = r.Revoke(ctx, "a")
			_, _, _ = r.Revoke(ctx, "b")
			_, queued, err := r.Revoke(ctx, "c")
			if queued || !errors.Is(err, ErrRevokeQueueFull) || !errors.Is(err, errStoreDown) {
				t.Fatalf("Revoke at the bound = %v, %v; want not queued, ErrRevokeQueueFull and the store error", queued, err)
			}
			if errs := env.errors("c"); len(errs) != 1 || !errors.Is(errs[0], ErrRevokeQueueFull) {
				t.Fatalf("OnError for the dropped user got %v", errs)
			}
			if p := r.Pending(); p != 2 {
				t.Fatalf("Pending = %d, want 2", p)
			}
		}},
		{"a user that keeps failing does not hold up the others", fast, func(t *testing.T, env *revokeEnv, r *Revoker) {
			good := env.sessionsOf(t, "good", 2)
			env.store.fail("*")
			_, _, _ = r.Revoke(ctx, "bad")
			_, _, _ = r.Revoke(ctx, "good")
			env.store.fail("bad")
			waitSuccess(t, env, "good", 2)
			wantGone(t, env.m, good...)
			if p := r.Pending(); p != 1 {
				t.Fatalf("Pending = %d, want 1 (bad)", p)
			}
		}},
		{"retries keep their cadence while the store keeps failing, and never busy-loop", fast, func(t *testing.T, env *revokeEnv, r *Revoker) {
			env.store.fail("*")
			_, _, _ = r.Revoke(ctx, "u")
			time.Sleep(400 * time.Millisecond) // long enough for any backoff to have grown
			before := env.store.callCount()
			time.Sleep(300 * time.Millisecond)
			// pauses of 20ms less up to a quarter: about 15 calls in 300ms.
			if n := env.store.callCount() - before; n < 5 || n > 25 {
				t.Fatalf("%d DeleteUser calls in 300ms after 400ms of failures, want about 15", n)
			}
			// attempt 1 was Revoke's; the retries report attempts 2, 4, 8, 16, 32 but no other.
			if errs := env.errors("u"); len(errs) < 4 || len(errs) > 6 {
				t.Fatalf("OnError was called %d times for about 35 failed attempts, want the powers of two", len(errs))
			}
		}},
		{"an attempt on a hanging store is cut off at AttemptTimeout", RevokerOptions{AttemptTimeout: 100 * time.Millisecond, RetryInterval: time.Minute}, func(t *testing.T, env *revokeEnv, r *Revoker) {
			env.store.hang = true
			start := time.Now()
			_, queued, err := r.Revoke(ctx, "u")
			if took := time.Since(start); took > time.Second || !queued || !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Revoke = %v, %v after %v; want queued with a deadline error after 100ms", queued, err, took)
			}
		}},
		{"an empty user id is an error and queues nothing", fast, func(t *testing.T, env *revokeEnv, r *Revoker) {
			env.store.fail("*")
			if _, queued, err := r.Revoke(ctx, ""); err == nil || queued || r.Pending() != 0 {
				t.Fatalf("Revoke(\"\") = %v, %v; Pending %d", queued, err, r.Pending())
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newRevokeEnv(t)
			r := NewRevoker(env.m, env.options(tt.opts))
			defer r.Close()
			tt.run(t, env, r)
		})
	}
}

func TestRevokerClose(t *testing.T) {
	ctx := context.Background()
	t.Run("Close cancels a retry in flight, reports the queue, stops retrying and leaks no goroutine", func(t *testing.T) {
		env := newRevokeEnv(t)
		env.store.entered = make(chan string, 100)
		env.store.hang = true // every attempt blocks until its context ends
		before := runtime.NumGoroutine()
		r := NewRevoker(env.m, env.options(RevokerOptions{RetryInterval: 10 * time.Millisecond, AttemptTimeout: 10 * time.Second}))
		for _, u := range []string{"u1", "u2"} {
			cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
			if _, queued, err := r.Revoke(cctx, u); !queued {
				t.Fatalf("Revoke(%s) not queued: %v", u, err)
			}
			cancel()
		}
		for range 3 { // two synchronous attempts, then a retry, hanging for up to 10s
			<-env.store.entered
		}

		start := time.Now()
		r.Close()
		if took := time.Since(start); took > time.Second {
			t.Fatalf("Close took %v with a retry in flight", took)
		}
		for _, u := range []string{"u1", "u2"} {
			errs := env.errors(u)
			if len(errs) == 0 || !errors.Is(errs[len(errs)-1], ErrRevokerClosed) {
				t.Fatalf("OnError for %s got %v, want the drop at Close last", u, errs)
			}
		}
		if p := r.Pending(); p != 0 {
			t.Fatalf("Pending = %d after Close", p)
		}
		calls := env.store.callCount()
		time.Sleep(100 * time.Millisecond)
		if n := env.store.callCount(); n != calls {
			t.Fatalf("%d DeleteUser calls after Close", n-calls)
		}
		r.Close() // safe twice
		deadline := time.Now().Add(2 * time.Second)
		for runtime.NumGoroutine() > before {
			if time.Now().After(deadline) {
				t.Fatalf("%d goroutines after Close, %d before NewRevoker", runtime.NumGoroutine(), before)
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
	t.Run("after Close Revoke still works but reports instead of queueing", func(t *testing.T) {
		env := newRevokeEnv(t)
		r := NewRevoker(env.m, env.options(RevokerOptions{}))
		r.Close()
		tks := env.sessionsOf(t, "u", 2)
		if n, queued, err := r.Revoke(ctx, "u"); n != 2 || queued || err != nil {
			t.Fatalf("Revoke = %d, %v, %v; want 2, false, nil", n, queued, err)
		}
		wantGone(t, env.m, tks...)
		env.store.fail("*")
		_, queued, err := r.Revoke(ctx, "v")
		if queued || !errors.Is(err, ErrRevokerClosed) || !errors.Is(err, errStoreDown) {
			t.Fatalf("Revoke after Close = %v, %v; want not queued, ErrRevokerClosed and the store error", queued, err)
		}
		if errs := env.errors("v"); len(errs) != 1 {
			t.Fatalf("OnError got %v, want the dropped revocation", errs)
		}
	})
}

func TestNewRevokerDefaults(t *testing.T) {
	env := newRevokeEnv(t)
	tests := []struct {
		name string
		in   RevokerOptions
		want RevokerOptions
	}{
		{"zero options take the documented defaults", RevokerOptions{}, RevokerOptions{MaxQueued: 10000, RetryInterval: time.Second, AttemptTimeout: 5 * time.Second}},
		{"an interval under 10ms is raised to 10ms", RevokerOptions{RetryInterval: time.Nanosecond}, RevokerOptions{MaxQueued: 10000, RetryInterval: 10 * time.Millisecond, AttemptTimeout: 5 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRevoker(env.m, tt.in)
			defer r.Close()
			type limits struct{ max, interval, attempt any }
			got := limits{r.opts.MaxQueued, r.opts.RetryInterval, r.opts.AttemptTimeout}
			want := limits{tt.want.MaxQueued, tt.want.RetryInterval, tt.want.AttemptTimeout}
			if got != want {
				t.Fatalf("options = %+v, want %+v", got, want)
			}
		})
	}
}
