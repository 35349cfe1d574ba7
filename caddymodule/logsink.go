package caddymodule

import (
	"slices"
	"sync"
	"sync/atomic"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// logSink is where a pooled resource (a session store and its revocation queue, a provider)
// logs. A pooled resource outlives the configuration that created it, and a reload that
// changes the log output closes that configuration's writers; so the resource is given
// logger(), which writes through the logger of the newest handler using the resource. Each
// handler attaches its logger when it provisions and detaches it at cleanup, which hands the
// sink back to the newest handler still attached (after a failed reload, the running one).
type logSink struct {
	mu       sync.Mutex
	attached []*zap.Logger // the loggers of the handlers using the resource, oldest first
	current  atomic.Pointer[zap.Logger]
}

// newLogSink returns a sink that discards everything until a logger is attached.
func newLogSink() *logSink {
	s := &logSink{}
	s.current.Store(zap.NewNop())
	return s
}

// logger returns the logger to hand the pooled resource: every line goes to the current
// handler's logger, under its name.
func (s *logSink) logger() *zap.Logger {
	return zap.New(&sinkCore{sink: s})
}

// attach makes l the sink's output until detach is called; detach is safe to call twice.
func (s *logSink) attach(l *zap.Logger) (detach func()) {
	entry := l.WithOptions() // a logger of its own, so one handler's entry is told apart
	s.mu.Lock()
	s.attached = append(s.attached, entry)
	s.current.Store(entry)
	s.mu.Unlock()
	return func() { s.detach(entry) }
}

// detach removes entry and hands the output to the newest logger still attached.
func (s *logSink) detach(entry *zap.Logger) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.Index(s.attached, entry)
	if i < 0 {
		return
	}
	s.attached = slices.Delete(s.attached, i, i+1)
	if n := len(s.attached); n > 0 {
		s.current.Store(s.attached[n-1])
	} else {
		s.current.Store(zap.NewNop())
	}
}

// sinkCore is the zapcore.Core of logSink.logger: it hands every entry, with the fields added
// through With, to the core of the sink's current logger.
type sinkCore struct {
	sink   *logSink
	fields []zapcore.Field
}

// target returns the current logger's core with c's fields.
func (c *sinkCore) target(l *zap.Logger) zapcore.Core {
	core := l.Core()
	if len(c.fields) > 0 {
		core = core.With(c.fields)
	}
	return core
}

// Enabled reports whether the current logger writes lvl.
func (c *sinkCore) Enabled(lvl zapcore.Level) bool {
	return c.sink.current.Load().Core().Enabled(lvl)
}

// With returns a core that adds fields to every entry.
func (c *sinkCore) With(fields []zapcore.Field) zapcore.Core {
	return &sinkCore{sink: c.sink, fields: append(slices.Clip(c.fields), fields...)}
}

// Check lets the current logger's core decide on ent, named under the current logger's name
// (Caddy's log filters select by it).
func (c *sinkCore) Check(ent zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	l := c.sink.current.Load()
	if name := l.Name(); name != "" {
		if ent.LoggerName == "" {
			ent.LoggerName = name
		} else {
			ent.LoggerName = name + "." + ent.LoggerName
		}
	}
	return c.target(l).Check(ent, ce)
}

// Write writes ent to the current logger's core (Check hands entries to that core directly,
// so this serves only callers that write without checking).
func (c *sinkCore) Write(ent zapcore.Entry, fields []zapcore.Field) error {
	return c.target(c.sink.current.Load()).Write(ent, fields)
}

// Sync flushes the current logger.
func (c *sinkCore) Sync() error {
	return c.sink.current.Load().Sync()
}
