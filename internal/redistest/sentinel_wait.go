package redistest

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// pollInterval is how often poll checks its condition.
const pollInterval = 50 * time.Millisecond

// poll checks cond until it reports nothing left to wait for (an empty reason and no error)
// or ctx ends; it then names what it waited for, the last reason and the last error.
func poll(ctx context.Context, what string, cond func() (reason string, err error)) error {
	var lastReason string
	var lastErr error
	for {
		reason, err := cond()
		if reason == "" && err == nil {
			return nil
		}
		if reason != "" {
			lastReason = reason
		}
		if err != nil {
			lastErr = err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w (last seen: %q; last error: %v)", what, ctx.Err(), lastReason, lastErr)
		case <-time.After(pollInterval):
		}
	}
}

// WaitSettled waits until master is the master, every other live data server replicates it
// in sync, and every live Sentinel names it, sees it up, sees the replica and the other
// Sentinels, with no failover in progress.
func (s *Sentinel) WaitSettled(ctx context.Context, master *Server) error {
	return poll(ctx, "the Sentinels to agree on the master "+master.Addr(), func() (string, error) {
		if reason, err := s.dataSettled(ctx, master); reason != "" || err != nil {
			return reason, err
		}
		for _, sn := range s.Sentinels {
			if !sn.running() {
				continue
			}
			if reason, err := s.agrees(ctx, sn, master); reason != "" || err != nil {
				return reason, err
			}
		}
		return "", nil
	})
}

// dataSettled reports what keeps master and its replicas from being settled: master must
// be a master with every other live data server connected, each a replica of master whose
// link is up and whose offset matches.
func (s *Sentinel) dataSettled(ctx context.Context, master *Server) (string, error) {
	replicas := 0
	for _, d := range s.Data {
		if !d.running() || d == master {
			continue
		}
		replicas++
		info, err := s.Client(d).Info(ctx, "replication").Result()
		if err != nil {
			return "", fmt.Errorf("%s: INFO replication: %w", d.Addr(), err)
		}
		if field(info, "role") != "slave" || field(info, "master_port") != strconv.Itoa(master.port) || !replicationSettled(info) {
			return fmt.Sprintf("%s: role %s of port %s, link %s", d.Addr(), field(info, "role"),
				field(info, "master_port"), field(info, "master_link_status")), nil
		}
	}
	info, err := s.Client(master).Info(ctx, "replication").Result()
	if err != nil {
		return "", fmt.Errorf("%s: INFO replication: %w", master.Addr(), err)
	}
	if field(info, "role") != "master" || field(info, "connected_slaves") != strconv.Itoa(replicas) || !replicationSettled(info) {
		return fmt.Sprintf("%s: role %s with %s replicas, not all at offset %s", master.Addr(), field(info, "role"),
			field(info, "connected_slaves"), field(info, "master_repl_offset")), nil
	}
	return "", nil
}

// agrees reports what keeps the Sentinel sn from agreeing that master is the master, up,
// with the other data servers as its replicas and the other Sentinels known.
func (s *Sentinel) agrees(ctx context.Context, sn *Server, master *Server) (string, error) {
	c := s.SentinelClient(sn)
	name := s.opts.MasterName
	addr, err := c.GetMasterAddrByName(ctx, name).Result()
	if err != nil {
		return "", fmt.Errorf("sentinel %s: GET-MASTER-ADDR-BY-NAME: %w", sn.Addr(), err)
	}
	if len(addr) != 2 || net.JoinHostPort(addr[0], addr[1]) != master.Addr() {
		return fmt.Sprintf("sentinel %s names %v", sn.Addr(), addr), nil
	}
	m, err := c.Master(ctx, name).Result()
	if err != nil {
		return "", fmt.Errorf("sentinel %s: SENTINEL MASTER: %w", sn.Addr(), err)
	}
	others, replicas := strconv.Itoa(len(s.Sentinels)-1), strconv.Itoa(len(s.Data)-1)
	if m["flags"] != "master" || m["num-other-sentinels"] != others || m["num-slaves"] != replicas {
		return fmt.Sprintf("sentinel %s: master flags %q, %s other Sentinels (want %s), %s replicas (want %s)",
			sn.Addr(), m["flags"], m["num-other-sentinels"], others, m["num-slaves"], replicas), nil
	}
	reps, err := c.Replicas(ctx, name).Result()
	if err != nil {
		return "", fmt.Errorf("sentinel %s: SENTINEL REPLICAS: %w", sn.Addr(), err)
	}
	for _, r := range reps {
		if r["flags"] != "slave" {
			return fmt.Sprintf("sentinel %s: replica %s:%s flags %q", sn.Addr(), r["ip"], r["port"], r["flags"]), nil
		}
	}
	return "", nil
}

// Failover waits until the replica is in sync, has a Sentinel fail the master over
// (SENTINEL FAILOVER, retried while a Sentinel answers INPROG or NOGOODSLAVE), and waits
// until the replica answers as master and every live Sentinel names it. It returns the new
// master.
//
// The old master keeps running as a master for some seconds more: the Sentinels turn it
// into a replica of the new one only after it has reported the wrong role for a while
// (Sentinel's fixed periods: about 10 s). Call WaitSettled with the new master to wait for
// that too.
func (s *Sentinel) Failover(ctx context.Context) (*Server, error) {
	old, err := s.Master(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.WaitSettled(ctx, old); err != nil {
		return nil, fmt.Errorf("before the failover: %w", err)
	}
	var next *Server
	for _, d := range s.Data {
		if d != old && d.running() {
			next = d
		}
	}
	if next == nil {
		return nil, fmt.Errorf("no live replica of %s to fail over to", old.Addr())
	}
	err = poll(ctx, "a Sentinel to accept SENTINEL FAILOVER", func() (string, error) {
		for _, sn := range s.Sentinels {
			if !sn.running() {
				continue
			}
			err := s.SentinelClient(sn).Failover(ctx, s.opts.MasterName).Err()
			if err != nil && (strings.HasPrefix(err.Error(), "INPROG") || strings.HasPrefix(err.Error(), "NOGOODSLAVE")) {
				return fmt.Sprintf("sentinel %s: %v", sn.Addr(), err), nil
			}
			return "", err
		}
		return "no live Sentinel", nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.WaitMaster(ctx, next); err != nil {
		return nil, fmt.Errorf("after SENTINEL FAILOVER: %w", err)
	}
	return next, nil
}

// WaitMaster waits until next answers as master and every live Sentinel names it: a
// failover to it is done (after Failover, or after the master was killed). The old master,
// if it runs, may still be a master for a while: see Failover.
func (s *Sentinel) WaitMaster(ctx context.Context, next *Server) error {
	return poll(ctx, "every Sentinel to name "+next.Addr()+" as master", func() (string, error) {
		info, err := s.Client(next).Info(ctx, "replication").Result()
		if err != nil || field(info, "role") != "master" {
			return next.Addr() + " is not master yet", err
		}
		for _, sn := range s.Sentinels {
			if !sn.running() {
				continue
			}
			addr, err := s.SentinelClient(sn).GetMasterAddrByName(ctx, s.opts.MasterName).Result()
			if err != nil || len(addr) != 2 || net.JoinHostPort(addr[0], addr[1]) != next.Addr() {
				return fmt.Sprintf("sentinel %s names %v", sn.Addr(), addr), err
			}
		}
		return "", nil
	})
}
